"""The welcome page: what WebGen Studio does, and the first things to do.

The main window shows it over its work area on first start (when no model is configured)
and from Help > Welcome. The page never probes anything itself: "Detect Ollama" is asked for
with :attr:`WelcomeView.detectOllamaRequested`, and the app answers with
:meth:`WelcomeView.show_probe_busy`, :meth:`WelcomeView.show_ollama_found` or
:meth:`WelcomeView.show_ollama_missing`.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from PySide6.QtCore import QSize, Qt, Signal, Slot
from PySide6.QtGui import QIcon, QKeySequence, QShortcut, QTextDocumentFragment
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ui.naming import named
from ui.start_picker import StartPicker

TITLE = "Welcome to WebGen Studio"
TAGLINE = (
    "Describe a website and WebGen Studio builds it step by step: a coder model writes the "
    "code, the site runs in a real browser, and a vision model grades every screenshot and "
    "tries the pages out like a visitor would."
)
MODELS_SHOWN = 4
"""Model names listed when Ollama is found (the rest are counted)."""
PULL_HINT = "<code>ollama pull qwen2.5-coder:7b</code> and <code>ollama pull qwen2.5vl:7b</code>"
SUCCESS, WARNING, INFO = "#2e9d57", "#c98a0b", "#3b7dd8"


def _tint(colour: str) -> str:
    """``colour`` at low opacity: a tint that reads on light and dark palettes alike."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r}, {g}, {b}, 28)"

ICON_SIZE = 72
_STYLE = f"""
#welcomePage {{ background: palette(window); }}
#welcomeCard {{ background: palette(base); border: 1px solid palette(mid); border-radius: 10px; }}
#welcomeCard QLabel {{ background: transparent; }}
#welcomeMuted, #welcomeSection {{ color: palette(placeholder-text); }}
#welcomeCard QPushButton {{ padding: 5px 16px; min-width: 150px; }}
#welcomeCard QPushButton[primary="true"] {{ background: palette(highlight);
  color: palette(highlighted-text); border: 1px solid palette(highlight); border-radius: 5px;
  padding: 6px 16px; font-weight: bold; }}
#welcomeCard QPushButton[primary="true"]:hover {{ border-color: palette(dark); }}
#welcomeCard QPushButton[primary="true"]:focus {{ border: 2px solid palette(text); }}
#welcomeCard QPushButton[primary="true"]:disabled {{ background: palette(mid);
  border-color: palette(mid); }}
#probeResult {{ border: none; border-left: 4px solid {INFO}; border-radius: 4px;
  background: {_tint(INFO)}; }}
#probeResult[state="found"] {{ border-left-color: {SUCCESS}; background: {_tint(SUCCESS)}; }}
#probeResult[state="missing"] {{ border-left-color: {WARNING}; background: {_tint(WARNING)}; }}
#welcomeLink {{ border: none; background: transparent; color: palette(link);
  padding: 2px 6px; }}
#welcomeLink:hover {{ text-decoration: underline; }}
#welcomeLink:focus {{ border: 1px solid palette(highlight); border-radius: 3px; }}
"""


def _label(text: str, name: str, *, rich: bool = False) -> QLabel:
    label = named(QLabel(text), name)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText)
    return label


def _button(text: str, name: str, tip: str) -> QPushButton:
    button = named(QPushButton(text), name)
    button.setToolTip(tip)
    button.setCursor(Qt.CursorShape.PointingHandCursor)
    return button


class _Card(QFrame):
    """A titled box: a description on the left, its buttons stacked on the right."""

    def __init__(self, title: str, text: str, buttons: Sequence[QPushButton]) -> None:
        super().__init__()
        self.setObjectName("welcomeCard")
        grid = QGridLayout(self)
        grid.setContentsMargins(18, 14, 18, 14)
        grid.setHorizontalSpacing(24)
        grid.setVerticalSpacing(4)
        heading = _label(title, "welcomeCardTitle")
        font = heading.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.1)
        heading.setFont(font)
        self.text = _label(text, "welcomeMuted", rich=True)
        grid.addWidget(heading, 0, 0)
        grid.addWidget(self.text, 1, 0)
        column = QVBoxLayout()
        for button in buttons:
            column.addWidget(button)
        column.addStretch(1)
        grid.addLayout(column, 0, 1, 2, 1)
        grid.setColumnStretch(0, 1)
        self.grid = grid


class WelcomeView(QWidget):
    """The first page a new user sees: connect a model, or look at the example run.

    Signals:
        detectOllamaRequested(): Look for Ollama (answer with ``show_probe_busy`` and then
            ``show_ollama_found`` or ``show_ollama_missing``).
        useOllamaRequested(str, list): Open the Models dialog preset with the Ollama found:
            its URL and model names.
        configureServerRequested(): Open the Models dialog (OpenAI-compatible servers).
        openExampleRequested(): Open the shipped example run.
        startChosen(str, str): The next run starts from this: ``(kind, value)`` as
            :meth:`ui.start_picker.StartPicker.choice` gives it.
        closeRequested(): Go to the empty window ("Skip for now", Esc).
        dontShowAgainRequested(): Do not show the page at start any more (and close it).
    """

    detectOllamaRequested = Signal()
    useOllamaRequested = Signal(str, list)
    configureServerRequested = Signal()
    openExampleRequested = Signal()
    startChosen = Signal(str, str)
    closeRequested = Signal()
    dontShowAgainRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("welcomeView")
        self.setStyleSheet(_STYLE)
        self._state = "idle"
        self._url = ""
        self._models: list[str] = []
        scroll = QScrollArea(self)
        scroll.setObjectName("welcomeScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self._build_page())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)
        escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.closeRequested.emit)
        escape.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        escape.setWhatsThis("Skip the welcome page for now")
        self._show_state("idle")

    # -- construction ----------------------------------------------------------------------

    def _build_page(self) -> QWidget:
        page = named(QWidget(), "welcomePage")
        column = named(QWidget(), "welcomeColumn")
        column.setMaximumWidth(780)
        body = QVBoxLayout(column)
        body.setSpacing(12)
        body.addLayout(self._build_header())
        body.addSpacing(10)
        body.addWidget(_label("Connect a language model", "welcomeSection"))
        body.addWidget(self._build_ollama_card())
        body.addWidget(self._build_server_card())
        body.addSpacing(6)
        body.addWidget(_label("Or look around first", "welcomeSection"))
        body.addWidget(self._build_example_card())
        body.addWidget(self._build_start_card())
        body.addSpacing(6)
        body.addLayout(self._build_footer())
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(column, 100)
        row.addStretch(1)
        outer = QVBoxLayout(page)
        outer.setContentsMargins(24, 24, 24, 24)
        outer.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)
        for section in page.findChildren(QLabel, "welcomeSection"):
            font = section.font()
            font.setBold(True)
            section.setFont(font)
        return page

    def _build_header(self) -> QHBoxLayout:
        self.icon_label = named(QLabel(), "welcomeIcon")
        self.icon_label.setFixedSize(ICON_SIZE, ICON_SIZE)
        self.icon_label.setAccessibleName("WebGen Studio")
        self.icon_label.hide()
        title = _label(TITLE, "welcomeTitle")
        font = title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.9)
        title.setFont(font)
        self.tagline = _label(TAGLINE, "welcomeTagline")
        text = QVBoxLayout()
        text.setSpacing(6)
        text.addWidget(title)
        text.addWidget(self.tagline)
        header = QHBoxLayout()
        header.setSpacing(18)
        header.addWidget(self.icon_label, 0, Qt.AlignmentFlag.AlignTop)
        header.addLayout(text, 1)
        return header

    def _build_ollama_card(self) -> _Card:
        self.detect_button = _button(
            "&Detect Ollama",
            "detectOllamaButton",
            "Look for an Ollama server on this computer, or where OLLAMA_HOST says (Alt+D)",
        )
        self.detect_button.setProperty("primary", True)
        self.detect_button.clicked.connect(self.detectOllamaRequested)
        self.use_ollama_button = _button(
            "Use Ollama…",
            "useOllamaButton",
            "Open the Models dialog with Ollama's models filled in for every role",
        )
        self.use_ollama_button.setProperty("primary", True)
        self.use_ollama_button.clicked.connect(self._use_ollama)
        self.retry_button = _button("Re&try", "retryOllamaButton", "Look for Ollama again (Alt+T)")
        self.retry_button.clicked.connect(self.detectOllamaRequested)
        card = _Card(
            "Use Ollama on this computer",
            "Free models that run locally. WebGen Studio needs a coder model and a vision "
            "model (one that reads screenshots).",
            [self.detect_button, self.use_ollama_button, self.retry_button],
        )
        self.probe_frame = named(QFrame(), "probeResult")
        row = QHBoxLayout(self.probe_frame)
        row.setContentsMargins(12, 8, 10, 8)
        self.probe_label = _label("", "probeText", rich=True)
        self.probe_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.busy_bar = named(QProgressBar(), "probeBusy")
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.setFixedWidth(90)
        self.busy_bar.setMaximumHeight(8)
        row.addWidget(self.probe_label, 1)
        row.addWidget(self.busy_bar, 0, Qt.AlignmentFlag.AlignVCenter)
        card.grid.addWidget(self.probe_frame, 2, 0, 1, 2)
        return card

    def _build_server_card(self) -> _Card:
        self.configure_button = _button(
            "&Configure a server…",
            "configureServerButton",
            "Open the Models dialog: a server's address, its API key and a model for each "
            "role (Alt+C; Ctrl+, from anywhere)",
        )
        self.configure_button.clicked.connect(self.configureServerRequested)
        return _Card(
            "Use an OpenAI-compatible server",
            "vLLM, LM Studio, OpenRouter or OpenAI: enter the server's address and an API key "
            "if it needs one, then choose a coder, a vision critic and a feedback model.",
            [self.configure_button],
        )

    def _build_example_card(self) -> _Card:
        self.example_button = _button(
            "Open the &example run",
            "openExampleButton",
            "Open a copy of the example run that ships with WebGen Studio (Alt+E)",
        )
        self.example_button.clicked.connect(self.openExampleRequested)
        return _Card(
            "See an example run",
            "A finished run of the real pipeline, made with scripted models instead of a "
            "language model: its steps and grades, screenshots, the GUI test, the code, and "
            "the site itself. No model needed.",
            [self.example_button],
        )

    def _build_start_card(self) -> _Card:
        self.start_picker = StartPicker()
        self.start_button = _button("Start from t&his", "startFromButton",
                                    "Start the next run from the chosen template or folder "
                                    "(Alt+H), then describe the website in the chat")
        self.start_button.clicked.connect(
            lambda: self.startChosen.emit(*self.start_picker.choice()))
        self.start_picker.changed.connect(
            lambda: self.start_button.setEnabled(self.start_picker.is_complete()))
        card = _Card("Start from a template or a folder",
                     "The coder builds on it instead of an empty project.", [self.start_button])
        card.grid.addWidget(self.start_picker, 2, 0, 1, 2)
        return card

    def _build_footer(self) -> QHBoxLayout:
        self.skip_button = _button(
            "Skip for now", "welcomeLink", "Close this page and go to the empty window (Esc)"
        )
        self.skip_button.clicked.connect(self.closeRequested)
        self.dont_show_button = _button(
            "Don't show again",
            "welcomeLink",
            "Do not open this page at start; Help > Welcome brings it back",
        )
        self.dont_show_button.clicked.connect(self.dontShowAgainRequested)
        footer = QHBoxLayout()
        footer.addStretch(1)
        footer.addWidget(self.skip_button)
        footer.addWidget(_label("·", "welcomeMuted"))
        footer.addWidget(self.dont_show_button)
        return footer

    # -- answers from the app ------------------------------------------------------------

    def set_icon(self, path: str) -> None:
        """Show the application icon read from ``path`` (nothing if it cannot be read)."""
        pixmap = QIcon(path).pixmap(QSize(ICON_SIZE, ICON_SIZE))
        self.icon_label.setPixmap(pixmap)
        self.icon_label.setVisible(not pixmap.isNull())

    def show_probe_busy(self, url: str) -> None:
        """Looking for Ollama at ``url``: a busy bar, the buttons wait."""
        self._url = url
        self.probe_label.setText(f"Looking for Ollama at {html.escape(url)}…")
        self._show_state("busy")

    def show_ollama_found(self, url: str, models: Sequence[str]) -> None:
        """Ollama answered at ``url`` with ``models``: list a few and offer "Use Ollama…"."""
        self._url, self._models = url, list(models)
        where = f"<b>Ollama is running at {html.escape(url)}</b>"
        if not self._models:
            self.probe_label.setText(
                f"✔ {where}, but it has no models yet. Pull a coder and a vision model, "
                f"e.g. {PULL_HINT}, then press Retry."
            )
            self._show_state("empty")
            return
        names = ", ".join(html.escape(m) for m in self._models[:MODELS_SHOWN])
        more = len(self._models) - MODELS_SHOWN
        if more > 0:
            names += f" and {more} more"
        count = f"{len(self._models)} model{'s' if len(self._models) != 1 else ''}"
        self.probe_label.setText(
            f"✔ {where} with {count}: {names}. <i>Use Ollama…</i> opens the Models dialog "
            "to choose which of them does what."
        )
        self._show_state("found")

    def show_ollama_missing(self, url: str) -> None:
        """No Ollama answered at ``url``: say where we looked and how to get it running."""
        self._url, self._models = url, []
        self.probe_label.setText(
            f"<b>No Ollama answers at {html.escape(url)}.</b><br>To use local models, install "
            "Ollama from ollama.com, start it with <code>ollama serve</code>, and pull a "
            f"coder and a vision model, e.g. {PULL_HINT}. If it runs on another computer, "
            "set <code>OLLAMA_HOST</code> to its address and restart WebGen Studio."
        )
        self._show_state("missing")

    def _show_state(self, state: str) -> None:
        self._state = state
        busy = state == "busy"
        self.detect_button.setVisible(state in ("idle", "busy"))
        self.detect_button.setEnabled(not busy)
        self.use_ollama_button.setVisible(state == "found")
        self.retry_button.setVisible(state in ("missing", "empty"))
        self.busy_bar.setVisible(busy)
        self.probe_frame.setVisible(state != "idle")
        self.probe_frame.setProperty(
            "state",
            "found" if state == "found" else "missing" if state in ("missing", "empty") else "busy",
        )
        self.probe_frame.style().unpolish(self.probe_frame)
        self.probe_frame.style().polish(self.probe_frame)
        focused = QApplication.focusWidget()
        if not busy and focused is not None and self.isAncestorOf(focused):
            self.focus_first_action()

    @Slot()
    def _use_ollama(self) -> None:
        if self._models:
            self.useOllamaRequested.emit(self._url, list(self._models))

    # -- reading back and focus ----------------------------------------------------------

    def probe_state(self) -> str:
        """``idle``, ``busy``, ``found``, ``empty`` (found, no models) or ``missing``."""
        return self._state

    def probe_text(self) -> str:
        """The probe's message as plain text ("" before any probe)."""
        if self._state == "idle":
            return ""
        return QTextDocumentFragment.fromHtml(self.probe_label.text()).toPlainText()

    def found_models(self) -> list[str]:
        """The models of the Ollama found (empty when none was found)."""
        return list(self._models)

    def focus_first_action(self) -> None:
        """Put the keyboard focus on the first button that can be pressed."""
        for button in (
            self.use_ollama_button,
            self.retry_button,
            self.detect_button,
            self.configure_button,
        ):
            if button.isVisibleTo(self) and button.isEnabled():
                button.setFocus(Qt.FocusReason.OtherFocusReason)
                return
