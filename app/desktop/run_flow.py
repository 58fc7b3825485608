"""Starting, continuing and stopping the window's run.

The chat's text and pictures become a new run or a request to the open one. The model
servers are checked first; a start that does not happen gives the text and pictures back to
the chat; the run's end is reported (a failure with Retry, a finished run with the best
step's files). Stop cancels the run at once.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from agent_core.agent.loop import RunOutcome
from agent_core.agent.services import AgentModels
from agent_core.config import ModelSettings, RunConfig
from agent_core.state import RunState
from agent_core.store.records import RunStatus
from app.desktop import example, preflight
from app.desktop.ask import STILL_ANSWERING
from app.desktop.attachments import Attached
from app.desktop.server_check import server_problem
from app.desktop.session import RunSession, new_run_dir
from app.desktop.views import show_files_of_step

if TYPE_CHECKING:
    from app.desktop.controller import MainController

PICTURES_ONLY = "Build the website shown in the attached picture(s)."
"""The instruction of a new run the user started with pictures and no words."""


class RunFlow:
    """Start, continue and stop the runs of one window, as named operations.

    Args:
        host: The window's controller: its window, operations, flows and open session.
    """

    def __init__(self, host: MainController) -> None:
        self._host = host
        self.starting = False
        """A start is under way (servers checked, the session opened, the models built)."""
        self.limit = host.base_config.max_steps
        """The step limit of the run started last (the status line shows it)."""

    def submit(self, text: str) -> None:
        """The user sent text (and pictures) from the chat: a new project, or a follow-up."""
        h = self._host
        session = h.session
        if session is not None and session.running:
            h.notifier.notify("A run is in progress; send your request when it ends.", "info")
            return
        images = h.attachments.take()
        if session is None:
            self._launch(instruction=text or PICTURES_ONLY, images=images)
        elif (not session.store.steps() and not session.store.manifest.pending_request
              and not images):
            self._launch(request=None)
        else:
            self._launch(request=text, images=images)

    def start(self) -> None:
        """Start (or continue) with what is in the chat box, if anything."""
        h = self._host
        box = h.window.chat.input.instruction_edit()
        text = box.toPlainText().strip()
        h.window.show_welcome(False)
        pictures = bool(h.attachments.items)
        if h.session is None and not (text or pictures):
            h.notifier.notify("Describe the website in the box on the left, then press "
                              "Start (or Ctrl+Enter in the box).", "info")
            return
        if text or pictures:
            box.clear()
            self.submit(text)
        else:
            self._launch(request=None)

    def continue_run(self) -> None:
        """Continue the open run from its current step (e.g. Retry after a failure)."""
        self._launch(request=None)

    def stop(self) -> None:
        """Cancel the run at once; its processes are killed."""
        h = self._host
        if h.asks.busy:  # Stop ends the answer; the run's site keeps being served
            h.ops.run("Stop", h.asks.stop(), on_success=lambda _r: h.update_actions())
            return
        if h.session is None:
            return
        h.window.preview.set_url(None, "The run was stopped and its dev server with it. "
                                       "Use Serve preview to start the site again.")
        h.ops.run("Stop", h.session.stop(), on_success=lambda _r: h.update_actions())

    def _launch(self, *, instruction: str | None = None, request: str | None = None,
                images: list[Attached] | None = None) -> None:
        h = self._host
        images = images or []
        if self.starting:
            h.attachments.give_back(images)
            return
        if h.asks.busy:
            h.notifier.notify(f"{STILL_ANSWERING} Send this when the answer is in.", "info")
            self._give_back(instruction or request)
            return
        if h.showing_example and instruction is None:
            h.notifier.notify(example.CHAT_HINT, "info", [("New run", h.open_flow.new_run)])
            self._give_back(request, images)
            return
        settings = self._check_ready()
        if settings is None:
            self._give_back(instruction or request, images)
            return
        h.window.notices.dismiss()
        self.starting = True
        h.ops.run("Start", self._start(settings, instruction, request, images))

    async def _start(self, settings: ModelSettings, instruction: str | None,
                     request: str | None, images: list[Attached]) -> None:
        """Check the model servers, then open the run (a new one for ``instruction``)."""
        h = self._host
        try:
            problem = await server_problem(settings)
            if problem is None and instruction is not None:
                await self._new_session(instruction, settings, images)
                images = []  # they came with the instruction
        except Exception as exc:  # one notification path for every failure
            problem = f"Could not start: {exc}"
        if problem is not None:
            self.starting = False
            h.notifier.notify(problem, "error", [("Models…", h.settings_flow.open)])
            self._give_back(instruction or request, images)
            return
        session = h.session
        assert session is not None
        config = self._run_config(session)
        h.ops.run("Run", self._run(session, settings, config, request, images),
                  on_success=self._run_ended, on_failure=lambda _e: h.update_actions(),
                  actions=[("Retry", self.continue_run), ("Models…", h.settings_flow.open)])

    async def _run(self, session: RunSession, settings: ModelSettings, config: RunConfig,
                   request: str | None, images: list[Attached]) -> RunOutcome:
        try:
            paths = await session.save_images([(a.image.file_name, a.image.data)
                                               for a in images])
            # Clients load TLS certificates when built (~0.1 s each): not on the UI thread.
            models = await asyncio.to_thread(AgentModels.from_settings, settings)
        except BaseException:
            self._give_back(request, images)
            raise
        finally:
            self.starting = False
        element = self._host.element_pick.take(session.store) if request else None
        return await session.run(models, config, request, paths, element)

    def _give_back(self, text: str | None, images: list[Attached] | None = None) -> None:
        """A start that did not happen leaves the user's text and pictures, not lost."""
        box = self._host.window.chat.input.instruction_edit()
        if text and text != PICTURES_ONLY and not box.toPlainText().strip():
            box.setPlainText(text)
        self._host.attachments.give_back(images or [])

    def _check_ready(self) -> ModelSettings | None:
        h = self._host
        settings = preflight.model_settings()
        if isinstance(settings, preflight.Problem):
            h.notifier.notify(settings.text(), "error", [("Models…", h.settings_flow.open)])
            return None
        problems = preflight.tool_problems(h.base_config.chromium_path)
        if problems:
            h.notifier.notify(" ".join(p.text() for p in problems), "error")
            return None
        return settings

    async def _new_session(self, instruction: str, settings: ModelSettings,
                           images: list[Attached]) -> None:
        h = self._host
        run_dir = new_run_dir(h.runs_dir, instruction)
        start, seed = await h.starts.take()  # a folder too big is refused before the run
        session = await asyncio.to_thread(
            RunSession.create, run_dir, instruction, settings,
            h.limits.new_run_config(h.base_config), h.sink,
            [(a.image.file_name, a.image.data) for a in images])
        h.limits.run_created()
        await h.starts.seed(session.store, start, seed)
        h.window.code.clear()
        h.window.detail.clear()
        h.model.reset(RunState())
        h.view.show()
        h.set_session(session)

    def _run_config(self, session: RunSession) -> RunConfig:
        config = self._host.limits.run_config(self._host.base_config, len(session.store.steps()))
        self.limit = config.max_steps
        return config

    def _run_ended(self, outcome: RunOutcome) -> None:
        h = self._host
        h.update_actions()
        if outcome.status is RunStatus.FAILED:
            h.notifier.notify(
                f"The run stopped: {outcome.reason}", "error",
                [("Retry", self.continue_run), ("Models…", h.settings_flow.open)])
        elif outcome.best_step:
            store = h.session.store if h.session else None
            if store is not None:
                h.ops.run("Show the best step's files",
                          show_files_of_step(h.window, store, store.head))
