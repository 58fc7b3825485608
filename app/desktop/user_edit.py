"""The user's own edits: the code view's Ctrl+S becomes a ``user_edit`` step of the open run.

The flow tells the code view which step is current and why its files may not be edited now
(no run open, a run in progress, a run open read-only, a save under way), and saves an edit
as a named operation. The edit is graded when a critic is configured (and a Chromium is
there to photograph the site); the step's events reach the chat and timeline like a coder
step's. A failed save keeps the drafts in the editor.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping

from agent_core.config import RunConfig
from agent_core.llm.base import ChatModel
from agent_core.llm.factory import make_chat_model
from agent_core.store.records import StepRecord
from app.desktop import preflight
from app.desktop.ops import Ops
from app.desktop.session import RunSession
from app.desktop.views import show_files_of_step
from ui.main_window import MainWindow

NO_RUN = "Open or start a run to edit its files."
RUNNING = "A run is in progress: the files are read-only until it ends."
READ_ONLY = ("This run is open read-only (another process is running it): its files cannot "
             "be edited.")
SAVING = "Saving your edit as a new step…"


class UserEditFlow:
    """Saves the code view's edits as steps of the open session.

    Args:
        window: The main window (its code panel emits the saves).
        ops: Runs the save as a named operation (failures reach the notice bar).
        session: Returns the open session, or None.
        config: Returns the run config in use (for the Chromium path).
        after: Called once a save ended either way (re-decide the enabled actions).
    """

    def __init__(self, window: MainWindow, ops: Ops, session: Callable[[], RunSession | None],
                 config: Callable[[], RunConfig], after: Callable[[], None]) -> None:
        self.window, self.ops = window, ops
        self._session, self._config, self._after = session, config, after
        self.saving = False
        window.code.saveRequested.connect(self.save)

    def refresh(self) -> None:
        """Tell the code view which step is current and whether it may be edited now."""
        session = self._session()
        editor = self.window.code.editor
        if session is None:
            editor.set_context(None, NO_RUN)
            return
        editor.set_context(session.store.head, self._lock(session))

    def _lock(self, session: RunSession) -> str:
        if self.saving:
            return SAVING
        if session.read_only:
            return READ_ONLY
        return RUNNING if session.running else ""

    def save(self, step: int | None, changes: Mapping[str, str]) -> None:
        """Save ``changes`` to ``step``'s files as a new step (the code view's Ctrl+S)."""
        session = self._session()
        if session is None or self.saving:
            return
        self.saving = True
        self.refresh()
        self.ops.run("Save your edit", self._save(session, step, dict(changes)))

    async def _save(self, session: RunSession, step: int | None,
                    changes: dict[str, str]) -> StepRecord:
        critic = await self._critic()
        try:
            record = await session.save_user_edit(step, changes, critic)
        except Exception:  # the drafts stay in the editor, over the current step's files
            await show_files_of_step(self.window, session.store, session.store.head)
            raise
        finally:
            self.saving = False
            if critic is not None:
                await critic.close()
            self.refresh()
            self._after()
        self.window.code.editor.saved()
        preview = self.window.preview
        if preview.current_url() is not None:
            preview.reload()  # a static server does not push changes; Vite's reload is harmless
        return record

    async def _critic(self) -> ChatModel | None:
        """The configured critic's client, None when grading cannot happen here."""
        settings = await asyncio.to_thread(preflight.model_settings)
        if isinstance(settings, preflight.Problem):
            return None
        if await asyncio.to_thread(preflight.tool_problems, self._config().chromium_path):
            return None
        return await asyncio.to_thread(make_chat_model, settings.critic, "critic")
