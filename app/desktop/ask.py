"""Ask mode in the window: a question about the open run, answered in the chat, changing nothing."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

from agent_core.agent.ask import ask_coder
from agent_core.config import ModelSettings
from agent_core.llm.factory import make_chat_model
from app.desktop import preflight
from app.desktop.ops import Notifier, Ops
from app.desktop.session import RunSession
from ui.main_window import MainWindow

NO_RUN = "Open or start a run first: a question is about a run's site and code."
RUN_GOING = "A run is in progress: ask when it ends. Your question is back in the box."
READ_ONLY = "Another process is running this run: ask when it ends."
STILL_ANSWERING = "The coder is still answering your last question."


class AskFlow:
    """Answers the chat's questions about the open run, one at a time.

    The question and the answer go through the session's event bus (and its log), so the
    chat draws them from the run state like everything else; the files, the steps and the
    preview are left alone.

    Args:
        window: The main window (its chat box gets a refused question back).
        ops: Runs the answer as a named operation (failures reach the notice bar).
        notifier: Says why a question was refused.
        session: Returns the open session, or None.
        run_busy: Whether a run is starting or running in this window.
        open_settings: Opens the Models dialog (offered when the coder is not set up).
    """

    def __init__(self, window: MainWindow, ops: Ops, notifier: Notifier,
                 session: Callable[[], RunSession | None], run_busy: Callable[[], bool],
                 open_settings: Callable[[], object]) -> None:
        self.window, self.ops, self.notifier = window, ops, notifier
        self._session, self._run_busy, self._open_settings = session, run_busy, open_settings
        self._task: asyncio.Task[Any] | None = None

    @property
    def busy(self) -> bool:
        """Whether a question is being answered."""
        return self._task is not None and not self._task.done()

    def ask(self, question: str) -> None:
        """Ask the coder ``question`` about the open run's current step, or say why not."""
        session = self._session()
        problem = self._refusal(session)
        if problem:
            self.notifier.notify(problem, "warning")
            self.give_back(question)
            return
        assert session is not None
        settings = preflight.model_settings()
        if isinstance(settings, preflight.Problem):
            self.notifier.notify(settings.text(), "error", [("Models…", self._open_settings)])
            self.give_back(question)
            return
        self.window.notices.dismiss()
        self._task = self.ops.run("Ask", self._answer(session, settings, question),
                                  actions=[("Models…", self._open_settings)])

    async def stop(self) -> None:
        """Stop the answer in flight; what came of it stays in the chat, marked incomplete."""
        task = self._task
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(BaseException):
                await task

    def give_back(self, text: str) -> None:
        """A question that was not asked goes back in the box (unless the user typed anew)."""
        box = self.window.chat.input.instruction_edit()
        if text and not box.toPlainText().strip():
            box.setPlainText(text)

    def _refusal(self, session: RunSession | None) -> str:
        if session is None:
            return NO_RUN
        if self._run_busy():
            return RUN_GOING
        if session.read_only:
            return READ_ONLY
        return STILL_ANSWERING if self.busy else ""

    async def _answer(self, session: RunSession, settings: ModelSettings, question: str) -> None:
        # Building a client loads TLS certificates (~0.1 s): not on the UI thread.
        coder = await asyncio.to_thread(make_chat_model, settings.coder, "coder")
        try:
            await ask_coder(session.store, coder, settings.coder, question, session.bus)
        finally:
            await coder.close()
