"""The main window: chat on the left, preview / code / step on the right, timeline below.

The window only lays out the panels and turns menu, toolbar and shortcut use into intent
signals; the app's controller decides what they do.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, QSize, Qt, Signal, SignalInstance
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QMainWindow,
    QMenu,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from ui.candidates_view import CandidatesView
from ui.chat_panel import ChatPanel
from ui.code_panel import CodePanel
from ui.compare_view import CompareView
from ui.grade_chart import GradeChart
from ui.gui_replay import GuiReplay
from ui.notice_bar import NoticeBar
from ui.preview_panel import PreviewPanel
from ui.review_form import ReviewForm
from ui.run_banner import RunBanner
from ui.run_limits import RunLimits
from ui.run_status import RunStatusWidget
from ui.runs_browser import RunsBrowser
from ui.shortcuts_dialog import ShortcutsDialog, window_shortcuts
from ui.step_detail import StepDetailPanel
from ui.step_page import StepPage
from ui.timeline import COMPACT_HEIGHT, TIMELINE_HEIGHT, TimelineView
from ui.welcome_view import WelcomeView

APP_TITLE = "WebGen Studio"
TAB_PREVIEW, TAB_CODE, TAB_STEP, TAB_CHART, TAB_REPLAY, TAB_COMPARE, TAB_RUNS, TAB_CANDIDATES = (
    range(8))
TAB_NAMES = ("Preview", "Code", "Step", "Chart", "GUI replay", "Compare", "Runs", "Candidates")
PAGE_WORK, PAGE_WELCOME = range(2)
DEFAULT_SIZE = QSize(1440, 900)
"""The window's first size, made smaller to fit a smaller screen."""
TALL_WINDOW = 820
"""Shorter windows start with a compact timeline (no screenshots on the cards)."""
CHAT_WIDTH, CHAT_MIN_WIDTH = 420, 260
"""The chat's width in a large window, and the least it gets (30 % of the width between)."""


class MainWindow(QMainWindow):
    """Top-level window of WebGen Studio; emits the user's intents."""

    newRunRequested = Signal()
    openRunRequested = Signal(str)
    startRequested = Signal()
    stopRequested = Signal()
    pickBestRequested = Signal()
    restoreRequested = Signal(int)
    settingsRequested = Signal()
    servePreviewRequested = Signal()
    importRequested = Signal(str)
    exportSiteRequested = Signal()
    compareStepsRequested = Signal()
    welcomeRequested = Signal()
    openExampleRequested = Signal()
    aboutRequested = Signal()
    closing = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self._first_show = True
        screen = self.screen()
        room = screen.availableGeometry().size() if screen is not None else DEFAULT_SIZE
        self.resize(DEFAULT_SIZE.boundedTo(room))
        self.chat = ChatPanel()
        self.code = CodePanel()
        self.preview = PreviewPanel()
        self.timeline = TimelineView()
        self.detail = StepDetailPanel()
        self.notices = NoticeBar()
        self.run_status = RunStatusWidget()
        self.review = ReviewForm()
        self.chart = GradeChart()
        self.replay = GuiReplay()
        self.compare = CompareView()
        self.runs = RunsBrowser()
        self.candidates = CandidatesView()
        self.banner = RunBanner()
        self.welcome = WelcomeView()
        self._runs_folder: Path | None = None
        self._build_actions()
        self._build_layout()
        self._build_menus()
        self.statusBar().addPermanentWidget(self.run_status)
        self.timeline.restoreRequested.connect(self.restoreRequested)
        self.detail.restoreRequested.connect(self.restoreRequested)
        self.candidates.restoreRequested.connect(self.restoreRequested)
        self.set_run_title(None)

    # -- construction ------------------------------------------------------------------

    def _action(self, text: str, shortcut: str | QKeySequence.StandardKey | None,
                tip: str, signal: SignalInstance | None = None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            tip = f"{tip} ({action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)})"
        action.setToolTip(tip)
        action.setStatusTip(tip)
        if signal is not None:
            action.triggered.connect(lambda _checked=False: signal.emit())
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        self.new_action = self._action("New run", QKeySequence.StandardKey.New,
                                       "Start a new project", self.newRunRequested)
        self.open_action = self._action("Open run…", QKeySequence.StandardKey.Open,
                                        "Open a run folder")
        self.open_action.triggered.connect(self._ask_run_dir)
        self.start_action = self._action("▶ Start", "Ctrl+R",
                                         "Start the run, or continue it", self.startRequested)
        self.stop_action = self._action("■ Stop", "Ctrl+.",
                                        "Stop the run now; its processes are killed",
                                        self.stopRequested)
        self.best_action = self._action("★ Pick best", "Ctrl+B",
                                        "Go to the best step by the WebGen-Agent rule",
                                        self.pickBestRequested)
        self.restore_action = self._action("↩ Restore step", "Ctrl+Shift+R",
                                           "Make the selected step the current one")
        self.restore_action.triggered.connect(self._restore_selected)
        self.serve_action = self._action("Serve preview", None,
                                         "Install and start the current files' dev server",
                                         self.servePreviewRequested)
        self.settings_action = self._action("Models…", "Ctrl+,",
                                            "Choose the coder, critic and feedback models",
                                            self.settingsRequested)
        self.quit_action = self._action("Quit", QKeySequence.StandardKey.Quit, "Quit")
        self.quit_action.triggered.connect(self.close)
        self.import_action = self._action("Import WebGen-Agent log…", None,
                                          "Import a log folder of the official implementation")
        self.import_action.triggered.connect(self._ask_import_dir)
        self.export_site_action = self._action("Export site…", "Ctrl+Shift+E",
                                               "Take a step's site out: a zip, a static "
                                               "build, a git repository, or open it",
                                               self.exportSiteRequested)
        self.compare_action = self._action("Compare steps", "Ctrl+Shift+C",
                                           "Show the selected step beside the step it "
                                           "continued from, in the Compare tab",
                                           self.compareStepsRequested)
        self.welcome_action = self._action("Welcome", None,
                                           "Show the welcome page: connect a model or open "
                                           "the example run", self.welcomeRequested)
        self.example_action = self._action("Open example run", None,
                                           "Open a fresh copy of the example run that ships "
                                           "with WebGen Studio", self.openExampleRequested)
        self.shortcuts_action = self._action("Keyboard shortcuts", "Ctrl+/",
                                             "List every keyboard shortcut of the window")
        self.shortcuts_action.triggered.connect(self.show_shortcuts)
        self.about_action = self._action("About WebGen Studio", None,
                                         "The version, the files and folders in use, and the "
                                         "documentation", self.aboutRequested)
        for number, tab in enumerate(TAB_NAMES, start=1):
            show = self._action(f"Show {tab}", f"Ctrl+{number}", f"Show the {tab} tab")
            show.triggered.connect(lambda _c=False, i=number - 1: self.tabs.setCurrentIndex(i))
        self.limits = RunLimits()
        self.max_steps = self.limits.max_steps
        self.error_limit = self.limits.error_limit

    def _build_layout(self) -> None:
        self.tabs = QTabWidget()
        self.tabs.setObjectName("workTabs")
        self.step_page = StepPage(self.detail, self.review)
        for widget, name in zip((self.preview, self.code, self.step_page, self.chart, self.replay,
                                 self.compare, self.runs, self.candidates), TAB_NAMES,
                                strict=True):
            self.tabs.addTab(widget, name)
        self.top_split = QSplitter(Qt.Orientation.Horizontal)
        self.top_split.setObjectName("topSplit")
        self.top_split.addWidget(self.chat)
        self.top_split.addWidget(self.tabs)
        self.top_split.setStretchFactor(0, 0)
        self.top_split.setStretchFactor(1, 1)
        self.top_split.setCollapsible(0, False)
        self.top_split.setCollapsible(1, False)
        self.chat.setMinimumWidth(CHAT_MIN_WIDTH)
        self.top_split.setSizes([CHAT_WIDTH, DEFAULT_SIZE.width() - CHAT_WIDTH])
        self.main_split = QSplitter(Qt.Orientation.Vertical)
        self.main_split.setObjectName("mainSplit")
        self.main_split.addWidget(self.top_split)
        self.main_split.addWidget(self.timeline)
        self.main_split.setStretchFactor(0, 1)
        self.main_split.setStretchFactor(1, 0)
        self.main_split.setCollapsible(0, False)
        self.main_split.setCollapsible(1, False)
        self.main_split.setSizes([640, TIMELINE_HEIGHT])
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.addWidget(self.notices)
        layout.addWidget(self.banner)
        self.pages = QStackedWidget()
        self.pages.setObjectName("pages")
        self.pages.addWidget(self.main_split)
        self.pages.addWidget(self.welcome)
        layout.addWidget(self.pages, 1)
        self.setCentralWidget(central)
        self._build_toolbar()

    def _build_toolbar(self) -> None:
        bar = QToolBar("Run")
        bar.setObjectName("runToolbar")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for action in (self.new_action, self.open_action):
            bar.addAction(action)
        bar.addSeparator()
        for action in (self.start_action, self.stop_action):
            bar.addAction(action)
        bar.addSeparator()
        for action in (self.restore_action, self.best_action):
            bar.addAction(action)
        bar.addSeparator()
        bar.addWidget(self.limits)
        bar.addSeparator()
        bar.addAction(self.settings_action)
        self.addToolBar(bar)

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        file_menu.addAction(self.new_action)
        file_menu.addAction(self.open_action)
        file_menu.addAction(self.import_action)
        file_menu.addAction(self.export_site_action)
        self.recent_menu = QMenu("Open &recent", self)
        file_menu.addMenu(self.recent_menu)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        run_menu = self.menuBar().addMenu("&Run")
        for action in (self.start_action, self.stop_action, self.restore_action,
                       self.best_action, self.serve_action, self.compare_action):
            run_menu.addAction(action)
        self.menuBar().addMenu("&Settings").addAction(self.settings_action)
        help_menu = self.menuBar().addMenu("&Help")
        help_menu.addAction(self.welcome_action)
        help_menu.addAction(self.example_action)
        help_menu.addSeparator()
        help_menu.addAction(self.shortcuts_action)
        help_menu.addAction(self.about_action)
        self.set_recent_runs([])

    # -- intents -----------------------------------------------------------------------

    def _ask_run_dir(self) -> None:
        """Ask for a run folder, starting in the runs folder (window-modal, not blocking)."""
        start = self._runs_folder
        while start is not None and not start.is_dir() and start != start.parent:
            start = start.parent  # no run yet: the nearest folder that exists
        dialog = QFileDialog(self, "Open a run folder", str(start or ""))
        dialog.setObjectName("openRunDialog")
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.fileSelected.connect(self.openRunRequested)
        dialog.open()

    def show_shortcuts(self) -> None:
        """Help > Keyboard shortcuts: every shortcut the window defines, as it is now."""
        dialog = ShortcutsDialog(window_shortcuts(self, self.area_of), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def area_of(self, widget: QWidget) -> str:
        """Where ``widget`` is in the window, as the shortcut list says it."""
        areas: list[tuple[QWidget | None, str]] = [
            (self.chat.input.instruction_edit(), "In the instruction box"),
            (self.chat, "In the chat"),
            (self.timeline, "In the timeline"), (self.welcome, "On the welcome page"),
            *((self.tabs.widget(i), f"In the {self.tabs.tabText(i)} tab")
              for i in range(self.tabs.count()))]
        current: QWidget | None = widget
        while current is not None:
            for area, name in areas:
                if current is area:
                    return name
            current = current.parentWidget()
        return "In the window"

    def _ask_import_dir(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Import a WebGen-Agent log folder")
        if path:
            self.importRequested.emit(path)

    def _restore_selected(self) -> None:
        index = self.timeline.selected()
        if index is not None:
            self.restoreRequested.emit(index)

    # -- state shown -------------------------------------------------------------------

    def set_runs_folder(self, folder: Path) -> None:
        """Where File > Open run… starts looking."""
        self._runs_folder = Path(folder)

    def set_run_title(self, name: str | None, *, read_only: bool = False) -> None:
        """``WebGen Studio — <run>``; the bare name when no run is open."""
        suffix = " (read-only)" if read_only else ""
        self.setWindowTitle(f"{APP_TITLE} — {name}{suffix}" if name else APP_TITLE)

    def show_welcome(self, shown: bool) -> None:
        """Show the welcome page instead of the work area (menus and toolbar stay)."""
        self.pages.setCurrentIndex(PAGE_WELCOME if shown else PAGE_WORK)
        if shown:
            self.notices.dismiss()  # old notes about the work area do not belong over it
            self.welcome.focus_first_action()

    def welcome_shown(self) -> bool:
        """Whether the welcome page is showing."""
        return self.pages.currentIndex() == PAGE_WELCOME

    def set_banner(self, text: str | None, actions: list[QAction] | None = None) -> None:
        """A line about the open run above the work area (None: no banner)."""
        if text:
            self.banner.show_banner(text, actions or [])
        else:
            self.banner.clear()

    def set_actions_enabled(self, *, start: bool, stop: bool, restore: bool, best: bool,
                            serve: bool, start_label: str = "▶ Start") -> None:
        """Enable the actions the run's status allows."""
        self.start_action.setEnabled(start)
        self.start_action.setText(start_label)
        self.stop_action.setEnabled(stop)
        self.restore_action.setEnabled(restore)
        self.best_action.setEnabled(best)
        self.serve_action.setEnabled(serve)

    def set_recent_runs(self, paths: list[str]) -> None:
        """Fill File > Open recent."""
        self.recent_menu.clear()
        for path in paths:
            action = self.recent_menu.addAction(Path(path).name)
            action.setToolTip(path)
            action.triggered.connect(lambda _c=False, p=path: self.openRunRequested.emit(p))
        if not paths:
            empty = self.recent_menu.addAction("No recent runs")
            empty.setEnabled(False)

    def save_layout(self, settings: QSettings) -> None:
        """Remember geometry, toolbar state and splitter sizes."""
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("window/state", self.saveState())
        settings.setValue("window/top_split", self.top_split.saveState())
        settings.setValue("window/main_split", self.main_split.saveState())
        settings.setValue("window/tab", self.tabs.currentIndex())

    def restore_layout(self, settings: QSettings) -> None:
        """Put back what ``save_layout`` remembered (nothing happens on first start)."""
        for key, restore in (("window/geometry", self.restoreGeometry),
                             ("window/state", self.restoreState)):
            value = settings.value(key)
            if isinstance(value, QByteArray | bytes):
                restore(QByteArray(value))
        # Splitter sizes are applied once the window has its real size (see showEvent):
        # applied before, the first layout would scale them to the default width.
        self._pending_splits = {
            split: QByteArray(value) for split, value in (
                (self.top_split, settings.value("window/top_split")),
                (self.main_split, settings.value("window/main_split")))
            if isinstance(value, QByteArray | bytes)}
        if self.isVisible():
            self._apply_pending_splits()
        tab = settings.value("window/tab")
        if tab is not None:
            self.tabs.setCurrentIndex(int(tab))

    def showEvent(self, event: QShowEvent) -> None:
        """Apply remembered splitter sizes now that the window has its size; without them,
        a short window starts with a compact timeline so the work area gets the room."""
        super().showEvent(event)
        if self._first_show:
            self._first_show = False
            self._size_splits()
        self._apply_pending_splits()

    def _size_splits(self) -> None:
        """Splitter sizes for the window's first size (remembered ones replace them)."""
        width = sum(self.top_split.sizes())
        chat = max(CHAT_MIN_WIDTH, min(CHAT_WIDTH, round(width * 0.3)))
        self.top_split.setSizes([chat, width - chat])
        if self.height() < TALL_WINDOW:
            height = sum(self.main_split.sizes())
            self.main_split.setSizes([height - COMPACT_HEIGHT, COMPACT_HEIGHT])

    def _apply_pending_splits(self) -> None:
        pending, self._pending_splits = getattr(self, "_pending_splits", {}), {}
        for split, state in pending.items():
            split.restoreState(state)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Tell the app, which stops the run and its processes."""
        self.closing.emit()
        super().closeEvent(event)
