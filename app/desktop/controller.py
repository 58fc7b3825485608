"""The window's controller: user intents become named operations on the open run.

It owns the open run (a ``RunSession``), folds its events into the run state and decides
which actions are enabled; the flows it builds carry out the intents (starting and stopping
in ``run_flow``, which run is open in ``open_flow``, steps, settings, questions and the rest
in their own modules).
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, QUrl
from PySide6.QtGui import QDesktopServices

from agent_core.config import RunConfig, SandboxConfig
from agent_core.errors import ConfigError
from agent_core.events import Event
from agent_core.state import Status
from agent_core.state.actions import Situation, actions_for
from agent_core.store.run_store import RunStore
from app import settings as app_settings
from app.desktop import example
from app.desktop.ask import AskFlow
from app.desktop.attachments import Attachments
from app.desktop.bridge import EventBridge
from app.desktop.candidates import CandidatesFlow
from app.desktop.element_pick import ElementPickFlow
from app.desktop.help import HelpFlow
from app.desktop.open_flow import OpenFlow
from app.desktop.ops import Notifier, Ops
from app.desktop.recent import RecentRuns
from app.desktop.research import ResearchController
from app.desktop.run_flow import RunFlow
from app.desktop.run_limits import RunLimitsFlow
from app.desktop.run_model import RunModel
from app.desktop.run_view import RunView
from app.desktop.session import RunSession, SessionStatus
from app.desktop.settings_flow import SettingsFlow
from app.desktop.site_export import SiteExportFlow
from app.desktop.start_flow import StartFlow
from app.desktop.steps import StepActions
from app.desktop.user_edit import UserEditFlow
from app.desktop.warmup import RunCollector
from app.desktop.welcome import WelcomeFlow
from ui.main_window import MainWindow


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
        self._closing = False
        self.run_flow = RunFlow(self)
        self.open_flow = OpenFlow(self)
        self.collector = RunCollector()
        self.model = RunModel()
        self.model.status_listeners.append(self._status_changed)
        self.view = RunView(window, self.model, self.bridge, self.notifier, self._store,
                            lambda: self.run_flow.limit)
        self._build_flows(window, qsettings, runs_dir)
        window.set_runs_folder(runs_dir)
        self.closed = asyncio.Event()
        self._connect()
        window.max_steps.setValue(self.base_config.max_steps)
        window.error_limit.setValue(self.base_config.error_limit)
        window.restore_layout(qsettings)
        window.set_recent_runs(self.recent.paths())
        self.update_actions()

    def _build_flows(self, window: MainWindow, qsettings: QSettings, runs_dir: Path) -> None:
        """The window's other operations, each given what it needs of the open run."""
        self.settings_flow = SettingsFlow(window, self.ops, self.notifier)
        self.settings_flow.on_saved.append(self.load_sandbox_settings)
        self.limits = RunLimitsFlow(window, self.ops, self.notifier)
        self.load_sandbox_settings()
        self.attachments = Attachments(window.chat.input, self.ops, self.notifier,
                                       lambda: self.base_config.image_max_side)
        self.research = ResearchController(window, self.ops, self.notifier, self._store,
                                           self.show_step, self.open_flow.open_run, runs_dir)
        self.bridge.stepFinished.connect(lambda _e: self.research.run_changed())
        self.steps = StepActions(window, self.ops, self.notifier, self.research,
                                 lambda: self.session, self.update_actions)
        self.asks = AskFlow(window, self.ops, self.notifier, lambda: self.session,
                            lambda: self.run_flow.starting
                            or bool(self.session and self.session.running),
                            self.settings_flow.open)
        self.user_edits = UserEditFlow(window, self.ops, lambda: self.session,
                                       lambda: self.base_config, self.update_actions)
        self.welcome = WelcomeFlow(window, self.ops, self.notifier, self.settings_flow,
                                   qsettings, self.open_flow.open_example)
        self.element_pick = ElementPickFlow(window, self.ops, self.notifier, self._store)
        self.starts = StartFlow(window, self.notifier)
        self.help = HelpFlow(window, self.ops, runs_dir, qsettings.fileName(),
                             lambda: self.session.store.run_dir if self.session else None)
        self.site_export = SiteExportFlow(window, self.ops, self.notifier, self._store)
        self.candidates = CandidatesFlow(window, self.ops, self.notifier, self._store)

    def _connect(self) -> None:
        w = self.window
        w.chat.input.submitted.connect(self.run_flow.submit)
        w.chat.input.asked.connect(self.asks.ask)
        for asking in (self.bridge.questionAsked, self.bridge.questionAnswered):
            asking.connect(lambda _e: self.update_actions())
        w.startRequested.connect(self.run_flow.start)
        w.stopRequested.connect(self.run_flow.stop)
        w.pickBestRequested.connect(self.steps.pick_best)
        w.restoreRequested.connect(self.steps.restore)
        w.newRunRequested.connect(self.open_flow.new_run)
        w.openRunRequested.connect(self.open_flow.open_run)
        w.openExampleRequested.connect(self.open_flow.open_example)
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

    def sink(self, event: Event) -> None:
        """The open session's events: folded into the state, then signalled to the views."""
        self.model.apply(event)
        self.bridge.sink(event)

    # -- the open run and its state -----------------------------------------------------

    @property
    def showing_example(self) -> bool:
        """The open run is a copy of the shipped example (it takes no instructions)."""
        return self._example

    def update_actions(self, _status: SessionStatus | None = None) -> None:
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
        self.update_actions()

    def set_session(self, session: RunSession | None) -> None:
        """Make ``session`` the open run (None: none) and show its title, banner and actions."""
        self.session = session
        self.element_pick.forget()  # an element of the last run's site
        self.candidates.run_changed()
        w = self.window
        self._example = session is not None and example.is_example(session.store)
        if session is not None:
            session.on_status = self.update_actions
            name = example.EXAMPLE_TITLE if self._example else session.store.run_dir.name
            w.set_run_title(name, read_only=session.read_only)
            w.set_recent_runs(self.recent.remember(session.store.run_dir))
            w.show_welcome(False)
        else:
            w.set_run_title(None)
        w.set_banner(example.BANNER_TEXT if self._example else None,
                     [w.serve_action, w.new_action])
        self.update_actions()

    async def close_session(self) -> None:
        """Stop a question being answered, then close the open run (it stays resumable)."""
        await self.asks.stop()
        session, self.session = self.session, None
        if session is not None:
            await session.close()

    # -- steps -------------------------------------------------------------------------

    def show_step(self, index: int) -> None:
        """Show step ``index``'s screenshot, scores, feedback and files."""
        self.steps.show_step(index)

    def serve_preview(self) -> None:
        """Start the dev server for the current files."""
        self.steps.serve_preview()

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
            await self.close_session()
            await self.ops.cancel_all()
        finally:
            self.closed.set()


__all__ = ["MainController"]
