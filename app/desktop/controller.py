"""The window's controller: user intents become named operations on the open run."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, QUrl
from PySide6.QtGui import QDesktopServices

from agent_core.agent.loop import RunOutcome
from agent_core.agent.services import AgentModels
from agent_core.config import ModelSettings, RunConfig, SandboxConfig
from agent_core.errors import ConfigError
from agent_core.events import Event
from agent_core.state import RunState, Status
from agent_core.state.actions import Situation, actions_for
from agent_core.state.from_store import load_state
from agent_core.store.records import RunStatus
from agent_core.store.run_store import RunStore
from app import settings as app_settings
from app.desktop import example, preflight
from app.desktop.ask import STILL_ANSWERING, AskFlow
from app.desktop.attachments import Attached, Attachments
from app.desktop.bridge import EventBridge
from app.desktop.candidates import CandidatesFlow
from app.desktop.element_pick import ElementPickFlow
from app.desktop.help import HelpFlow
from app.desktop.ops import Notifier, Ops
from app.desktop.recent import RecentRuns
from app.desktop.research import ResearchController
from app.desktop.run_limits import RunLimitsFlow
from app.desktop.run_model import RunModel
from app.desktop.run_view import RunView
from app.desktop.server_check import server_problem
from app.desktop.session import RunSession, SessionStatus, new_run_dir
from app.desktop.settings_flow import SettingsFlow
from app.desktop.site_export import SiteExportFlow
from app.desktop.start_flow import StartFlow
from app.desktop.steps import StepActions
from app.desktop.user_edit import UserEditFlow
from app.desktop.views import show_files_of_step
from app.desktop.warmup import RunCollector
from app.desktop.welcome import WelcomeFlow
from ui.main_window import MainWindow

PICTURES_ONLY = "Build the website shown in the attached picture(s)."
"""The instruction of a new run the user started with pictures and no words."""


class MainController(QObject):
    """Owns the open run (a ``RunSession``) and answers the window's intents.

    Args:
        window: The main window.
        runs_dir: Where new runs are created.
        qsettings: Window layout and recent runs.
        base_config: Limits, timeouts and command policy for runs started here.
    """

    def __init__(self, window: MainWindow, *, runs_dir: Path, qsettings: QSettings,
                 base_config: RunConfig | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.runs_dir = runs_dir
        self.qsettings = qsettings
        self.recent = RecentRuns(qsettings)
        self.base_config = base_config or RunConfig()
        self.bridge = EventBridge(self)
        self.notifier = Notifier(window.notices)
        self.ops = Ops(self.notifier)
        self.session: RunSession | None = None
        self._example = False
        self._limit = self.base_config.max_steps
        self._starting = False
        self._closing = False
        self.collector = RunCollector()
        self.model = RunModel()
        self.model.status_listeners.append(self._status_changed)
        self.view = RunView(window, self.model, self.bridge, self.notifier, self._store,
                            lambda: self._limit)
        self.settings_flow = SettingsFlow(window, self.ops, self.notifier)
        self.settings_flow.on_saved.append(self.load_sandbox_settings)
        self.limits = RunLimitsFlow(window, self.ops, self.notifier)
        self.load_sandbox_settings()
        self.attachments = Attachments(window.chat.input, self.ops, self.notifier,
                                       lambda: self.base_config.image_max_side)
        self.research = ResearchController(window, self.ops, self.notifier, self._store,
                                           self.show_step, self.open_run, runs_dir)
        self.bridge.stepFinished.connect(lambda _e: self.research.run_changed())
        self.steps = StepActions(window, self.ops, self.notifier, self.research,
                                 lambda: self.session, self._update_actions)
        self.asks = AskFlow(window, self.ops, self.notifier, lambda: self.session,
                            lambda: self._starting or bool(self.session and self.session.running),
                            self.settings_flow.open)
        self.user_edits = UserEditFlow(window, self.ops, lambda: self.session,
                                       lambda: self.base_config, self._update_actions)
        self.welcome = WelcomeFlow(window, self.ops, self.notifier, self.settings_flow,
                                   qsettings, self.open_example)
        self.element_pick = ElementPickFlow(window, self.ops, self.notifier, self._store)
        self.starts = StartFlow(window, self.notifier)
        self.help = HelpFlow(window, self.ops, runs_dir, qsettings.fileName(),
                             lambda: self.session.store.run_dir if self.session else None)
        self.site_export = SiteExportFlow(window, self.ops, self.notifier, self._store)
        self.candidates = CandidatesFlow(window, self.ops, self.notifier, self._store)
        window.set_runs_folder(runs_dir)
        self.closed = asyncio.Event()
        self._connect()
        window.max_steps.setValue(self.base_config.max_steps)
        window.error_limit.setValue(self.base_config.error_limit)
        window.restore_layout(qsettings)
        window.set_recent_runs(self.recent.paths())
        self._update_actions()

    def _connect(self) -> None:
        w = self.window
        w.chat.input.submitted.connect(self.submit)
        w.chat.input.asked.connect(self.asks.ask)
        for asking in (self.bridge.questionAsked, self.bridge.questionAnswered):
            asking.connect(lambda _e: self._update_actions())
        w.startRequested.connect(self.start)
        w.stopRequested.connect(self.stop)
        w.pickBestRequested.connect(self.steps.pick_best)
        w.restoreRequested.connect(self.steps.restore)
        w.newRunRequested.connect(self.new_run)
        w.openRunRequested.connect(self.open_run)
        w.openExampleRequested.connect(self.open_example)
        w.settingsRequested.connect(self.settings_flow.open)
        w.servePreviewRequested.connect(self.serve_preview)
        w.closing.connect(self._window_closing)
        w.timeline.stepSelected.connect(self.show_step)
        w.detail.compareFilesRequested.connect(self.steps.show_files)
        w.preview.openInBrowserRequested.connect(lambda url: QDesktopServices.openUrl(QUrl(url)))

    def load_sandbox_settings(self) -> None:
        """Runs started from now on use the settings file's sandbox choice, picture size limit
        and candidate counts (a small file)."""
        data = None
        try:
            data = app_settings.load_settings_file()
            sandbox = app_settings.sandbox_settings(data)
            max_side = app_settings.image_max_side(data, default=self.base_config.image_max_side)
        except ConfigError:
            sandbox = SandboxConfig()  # the broken file is reported where the models are read
            max_side = self.base_config.image_max_side
        self.base_config = replace(self.base_config, sandbox=sandbox, image_max_side=max_side)
        self.window.preview.set_internet_allowed(sandbox.page_internet)
        self.limits.settings_read(data)

    def _store(self) -> RunStore | None:
        return self.session.store if self.session else None

    def _sink(self, event: Event) -> None:
        """The open session's events: folded into the state, then signalled to the views."""
        self.model.apply(event)
        self.bridge.sink(event)

    # -- state -------------------------------------------------------------------------

    def _update_actions(self, _status: SessionStatus | None = None) -> None:
        """Enable what the run's status allows (the table is ``actions_for``)."""
        w, s = self.window, self.session
        situation = Situation(
            read_only=bool(s and s.read_only), example=self._example,
            stopping=bool(s and s.status is SessionStatus.STOPPING),
            selected=w.timeline.selected() is not None)
        state = None if s is None else self.model.state
        a = actions_for(state, situation)
        w.set_actions_enabled(start=a.start, stop=a.stop, restore=a.restore, best=a.best,
                              serve=a.serve, start_label=a.start_label)
        hint = example.CHAT_HINT if a.input_mode == "locked" else ""
        w.chat.input.set_input_mode(a.input_mode, hint)
        self.user_edits.refresh()

    def _status_changed(self, status: Status | None) -> None:
        """Garbage collection pauses while a run streams; the buttons and the Runs tab follow."""
        if status is Status.RUNNING:
            self.collector.begin()
        else:
            self.collector.end()
        if status is not None and status is not Status.NEW:
            self.research.runs_changed()  # a run began or ended: its row is new or changed
        self._update_actions()

    def _set_session(self, session: RunSession | None) -> None:
        self.session = session
        self.element_pick.forget()  # an element of the last run's site
        self.candidates.run_changed()
        w = self.window
        self._example = session is not None and example.is_example(session.store)
        if session is not None:
            session.on_status = self._update_actions
            name = example.EXAMPLE_TITLE if self._example else session.store.run_dir.name
            w.set_run_title(name, read_only=session.read_only)
            w.set_recent_runs(self.recent.remember(session.store.run_dir))
            w.show_welcome(False)
        else:
            w.set_run_title(None)
        w.set_banner(example.BANNER_TEXT if self._example else None,
                     [w.serve_action, w.new_action])
        self._update_actions()

    # -- starting and stopping ---------------------------------------------------------

    def submit(self, text: str) -> None:
        """The user sent text (and pictures) from the chat: a new project, or a follow-up."""
        session = self.session
        if session is not None and session.running:
            self.notifier.notify("A run is in progress; send your request when it ends.", "info")
            return
        images = self.attachments.take()
        if session is None:
            self._launch(instruction=text or PICTURES_ONLY, images=images)
        elif (not session.store.steps() and not session.store.manifest.pending_request
              and not images):
            self._launch(request=None)
        else:
            self._launch(request=text, images=images)

    def start(self) -> None:
        """Start (or continue) with what is in the chat box, if anything."""
        text = self.window.chat.input.instruction_edit().toPlainText().strip()
        self.window.show_welcome(False)
        pictures = bool(self.attachments.items)
        if self.session is None and not (text or pictures):
            self.notifier.notify("Describe the website in the box on the left, then press "
                                 "Start (or Ctrl+Enter in the box).", "info")
            return
        if text or pictures:
            self.window.chat.input.instruction_edit().clear()
            self.submit(text)
        else:
            self._launch(request=None)

    def continue_run(self) -> None:
        """Continue the open run from its current step (e.g. Retry after a failure)."""
        self._launch(request=None)

    def _launch(self, *, instruction: str | None = None, request: str | None = None,
                images: list[Attached] | None = None) -> None:
        images = images or []
        if self._starting:
            self.attachments.give_back(images)
            return
        if self.asks.busy:
            self.notifier.notify(f"{STILL_ANSWERING} Send this when the answer is in.", "info")
            self._give_back(instruction or request)
            return
        if self._example and instruction is None:
            self.notifier.notify(example.CHAT_HINT, "info", [("New run", self.new_run)])
            self._give_back(request, images)
            return
        settings = self._check_ready()
        if settings is None:
            self._give_back(instruction or request, images)
            return
        self.window.notices.dismiss()
        self._starting = True
        self.ops.run("Start", self._start(settings, instruction, request, images))

    async def _start(self, settings: ModelSettings, instruction: str | None,
                     request: str | None, images: list[Attached]) -> None:
        """Check the model servers, then open the run (a new one for ``instruction``)."""
        try:
            problem = await server_problem(settings)
            if problem is None and instruction is not None:
                await self._new_session(instruction, settings, images)
                images = []  # they came with the instruction
        except Exception as exc:  # one notification path for every failure
            problem = f"Could not start: {exc}"
        if problem is not None:
            self._starting = False
            self.notifier.notify(problem, "error", [("Models…", self.settings_flow.open)])
            self._give_back(instruction or request, images)
            return
        session = self.session
        assert session is not None
        config = self._run_config(session)
        self.ops.run("Run", self._run(session, settings, config, request, images),
                     on_success=self._run_ended, on_failure=lambda _e: self._update_actions(),
                     actions=[("Retry", self.continue_run),
                              ("Models…", self.settings_flow.open)])

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
            self._starting = False
        element = self.element_pick.take(session.store) if request else None
        return await session.run(models, config, request, paths, element)

    def _give_back(self, text: str | None, images: list[Attached] | None = None) -> None:
        """A start that did not happen leaves the user's text and pictures, not lost."""
        box = self.window.chat.input.instruction_edit()
        if text and text != PICTURES_ONLY and not box.toPlainText().strip():
            box.setPlainText(text)
        self.attachments.give_back(images or [])

    def _check_ready(self) -> ModelSettings | None:
        settings = preflight.model_settings()
        if isinstance(settings, preflight.Problem):
            self.notifier.notify(settings.text(), "error",
                                 [("Models…", self.settings_flow.open)])
            return None
        problems = preflight.tool_problems(self.base_config.chromium_path)
        if problems:
            self.notifier.notify(" ".join(p.text() for p in problems), "error")
            return None
        return settings

    async def _new_session(self, instruction: str, settings: ModelSettings,
                           images: list[Attached]) -> None:
        run_dir = new_run_dir(self.runs_dir, instruction)
        start, seed = await self.starts.take()  # a folder too big is refused before the run
        session = await asyncio.to_thread(
            RunSession.create, run_dir, instruction, settings,
            self.limits.new_run_config(self.base_config), self._sink,
            [(a.image.file_name, a.image.data) for a in images])
        self.limits.run_created()
        await self.starts.seed(session.store, start, seed)
        self.window.code.clear()
        self.window.detail.clear()
        self.model.reset(RunState())
        self.view.show()
        self._set_session(session)

    def _run_config(self, session: RunSession) -> RunConfig:
        config = self.limits.run_config(self.base_config, len(session.store.steps()))
        self._limit = config.max_steps
        return config

    def _run_ended(self, outcome: RunOutcome) -> None:
        self._update_actions()
        if outcome.status is RunStatus.FAILED:
            self.notifier.notify(
                f"The run stopped: {outcome.reason}", "error",
                [("Retry", self.continue_run), ("Models…", self.settings_flow.open)])
        elif outcome.best_step:
            store = self.session.store if self.session else None
            if store is not None:
                self.ops.run("Show the best step's files",
                             show_files_of_step(self.window, store, store.head))

    def stop(self) -> None:
        """Cancel the run at once; its processes are killed."""
        if self.asks.busy:  # Stop ends the answer; the run's site keeps being served
            self.ops.run("Stop", self.asks.stop(), on_success=lambda _r: self._update_actions())
            return
        if self.session is None:
            return
        self.window.preview.set_url(None, "The run was stopped and its dev server with it. "
                                          "Use Serve preview to start the site again.")
        self.ops.run("Stop", self.session.stop(), on_success=lambda _r: self._update_actions())

    # -- steps -------------------------------------------------------------------------

    def show_step(self, index: int) -> None:
        """Show step ``index``'s screenshot, scores, feedback and files."""
        self.steps.show_step(index)

    def serve_preview(self) -> None:
        """Start the dev server for the current files."""
        self.steps.serve_preview()

    # -- runs --------------------------------------------------------------------------

    def new_run(self) -> None:
        """Close the open run; the next instruction starts a new project."""
        if self.session is not None and self.session.running:
            self.notifier.notify("Stop the run before starting a new one.", "warning")
            return
        self.ops.run("New run", self._new_run())

    async def _new_run(self) -> None:
        await self._close_session()
        w = self.window
        for panel in (w.code, w.detail):
            panel.clear()
        w.preview.set_url(None)
        w.notices.dismiss()
        self.model.reset(None)
        self.view.show()
        self._set_session(None)
        self.limits.run_closed()
        self.research.run_changed()  # the chart and Compare tab forget the closed run
        w.show_welcome(False)
        self.starts.ask()

    def open_run(self, path: str) -> None:
        """Open a run folder: its timeline, conversation, code and screenshots."""
        if self.session is not None and self.session.running:
            self.notifier.notify("Stop the run before opening another.", "warning")
            return
        self.ops.run("Open run", self._open(Path(path)))

    async def _open(self, path: Path) -> None:
        session = await asyncio.to_thread(RunSession.open, path, self.base_config, self._sink)
        state = await asyncio.to_thread(load_state, session.store,
                                        running_elsewhere=session.read_only)
        await self._close_session()
        self.window.notices.dismiss()
        self.model.reset(state)
        self._set_session(session)  # before drawing: the view reads the thumbnails from it
        self.limits.run_opened(session.store.manifest.config)
        self.view.show()
        store = session.store
        self.window.detail.clear()
        await show_files_of_step(self.window, store, store.head)
        self.research.run_changed()
        self.window.preview.set_url(None, example.PREVIEW_HINT if self._example else
                                    "This run's site is not being served. Use Run > "
                                    "Serve preview to start it.")
        if session.read_only:
            self.notifier.notify(f"{path.name} is being run by another process: it is open "
                                 "read-only.", "warning")
        elif store.damaged:
            self.notifier.notify(
                f"{len(store.damaged)} step record(s) of {path.name} could not be read and are "
                f"left out ({store.damaged[0]}). `webgen doctor {store.run_dir}` checks the "
                "whole run folder.", "warning")

    def open_example(self) -> None:
        """Open a fresh copy of the shipped example run (see ``app.desktop.example``)."""
        if self.session is not None and self.session.running:
            self.notifier.notify("Stop the run before opening the example.", "warning")
            return
        self.ops.run("Open the example run", self._open_example())

    async def _open_example(self) -> None:
        source = example.example_source()
        target = await asyncio.to_thread(example.target_folder, source, self.runs_dir)
        if self.session is not None and self.session.store.run_dir == target.resolve():
            await self._close_session()  # this window's copy: replaced by a fresh one
            self._set_session(None)
        copied = await asyncio.to_thread(example.copy_example, source, self.runs_dir)
        await self._open(copied.path)
        if copied.replaced:
            self.notifier.notify(f"Opened a fresh copy of the example run in {copied.path}. "
                                 "The earlier copy was replaced; nothing of yours is lost, "
                                 "it is the example that ships with WebGen Studio.", "info")
        elif copied.in_use:
            self.notifier.notify(f"The example run in {copied.path} is open in another "
                                 "window, so it was opened as it is (read-only).", "warning")

    async def _close_session(self) -> None:
        await self.asks.stop()
        session, self.session = self.session, None
        if session is not None:
            await session.close()

    # -- first start and shutdown ------------------------------------------------------

    def first_start(self) -> None:
        """With no model configured, show the welcome page (it looks for Ollama)."""
        self.welcome.first_start()

    def _window_closing(self) -> None:
        if self._closing:
            return  # closed before (a second close of a hidden window)
        self._closing = True
        self.window.save_layout(self.qsettings)
        self.qsettings.sync()
        try:
            self._shutdown = asyncio.ensure_future(self.shutdown())
        except RuntimeError:  # no event loop any more (the app is already tearing down)
            self.closed.set()

    async def shutdown(self) -> None:
        """Stop the run and every process; the run stays resumable."""
        try:
            await self._close_session()
            await self.ops.cancel_all()
        finally:
            self.closed.set()


__all__ = ["MainController"]
