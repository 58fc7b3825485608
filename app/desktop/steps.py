"""Step actions on the open run: show a step, restore it, pick the best, serve the preview."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from agent_core.store.run_store import RunStore
from app.desktop.ops import Notifier, Ops
from app.desktop.research import ResearchController
from app.desktop.session import RunSession
from app.desktop.views import load_image, show_files_of_step
from ui.main_window import TAB_CODE, TAB_PREVIEW, TAB_STEP, MainWindow


class StepActions:
    """The window's intents about single steps, as named operations on the open session.

    Args:
        window: The main window.
        ops: Runs each action as a named operation (failures reach the notice bar).
        notifier: Success notes (Pick best's reason).
        research: Told when the shown step or the head changes (chart, replay, review).
        session: Returns the open session, or None.
        update_actions: Re-decides which actions are enabled (the head or selection moved).
    """

    def __init__(self, window: MainWindow, ops: Ops, notifier: Notifier,
                 research: ResearchController, session: Callable[[], RunSession | None],
                 update_actions: Callable[[], None]) -> None:
        self.window, self.ops, self.notifier, self.research = window, ops, notifier, research
        self._session = session
        self._update_actions = update_actions

    def _store(self) -> RunStore | None:
        session = self._session()
        return session.store if session else None

    def show_step(self, index: int) -> None:
        """Show step ``index``'s screenshot, scores, feedback and files."""
        store = self._store()
        if store is None:
            return
        self.window.timeline.select(index)
        self._update_actions()
        self.ops.run(f"Show step {index}", self._show_step(store, index))

    async def _show_step(self, store: RunStore, index: int) -> None:
        step = store.step(index)
        image = await asyncio.to_thread(load_image, store.screenshot_path(index))
        w = self.window
        w.detail.show_step(step, image, is_head=store.head == index,
                           is_best=store.manifest.best_step == index)
        self.research.step_shown(store, step)
        if w.tabs.currentIndex() != TAB_CODE:  # the Code tab stays: it follows the step
            w.tabs.setCurrentIndex(TAB_STEP)
        session = self._session()
        if not (session and session.running):
            await show_files_of_step(w, store, index)

    def show_files(self, index: int) -> None:
        """Show step ``index``'s files in the Code tab."""
        store = self._store()
        if store is not None:
            self.window.tabs.setCurrentIndex(TAB_CODE)
            self.ops.run(f"Show the files of step {index}",
                         show_files_of_step(self.window, store, index))

    def restore(self, index: int) -> None:
        """Make step ``index`` current: files, conversation and preview go back to it."""
        session = self._session()
        if session is None:
            return
        self.ops.run(f"Restore step {index}", self._restore(session, index))

    async def _restore(self, session: RunSession, index: int) -> None:
        self.window.notices.dismiss()  # an earlier Pick best's note no longer holds
        await session.restore(index)
        await self._after_head_change()
        await self.serve()

    def pick_best(self) -> None:
        """Go to the best step by the paper's rule and say why it is the best."""
        session = self._session()
        if session is None:
            return
        self.ops.run("Pick best", self._pick_best(session))

    async def _pick_best(self, session: RunSession) -> None:
        _index, reason = await session.pick_best()
        await self._after_head_change()
        self.notifier.notify(reason, "success")
        await self.serve()

    async def _after_head_change(self) -> None:
        """The state moved the markers and said why; the files and research views follow."""
        store = self._store()
        assert store is not None
        await show_files_of_step(self.window, store, store.head)
        self.research.run_changed()
        self._update_actions()

    def serve_preview(self) -> None:
        """Start the dev server for the current files."""
        if self._session() is not None:
            self.ops.run("Serve preview", self.serve())

    async def serve(self) -> None:
        """Serve the open run's current files and point the preview at them."""
        session = self._session()
        assert session is not None
        preview = self.window.preview
        preview.set_url(None, "Starting the dev server for the current files…")
        self.window.tabs.setCurrentIndex(TAB_PREVIEW)
        result = await session.serve_preview()
        if result.url:
            preview.set_url(result.url)  # loads afresh: the placeholder cleared the old page
            return
        preview.set_url(None, f"Not served: {result.error}.")
        if result.log_tail:
            tail = " / ".join(result.log_tail.strip().splitlines()[-3:])
            self.notifier.notify(f"Preview: {result.error}. Last output: {tail}", "warning")
