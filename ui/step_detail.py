"""Details of the step selected on the timeline: screenshot, grades, errors, critic, GUI test,
the feedback sent to the coder and the reply's actions.

The app calls ``show_step`` with a committed ``StepRecord`` and its screenshot (loaded off the
GUI thread); the panel never reads files itself. Missing data (no critic, no GUI details, an
empty runtime) is shown as such, never as an error.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from agent_core.store.records import StepKind, StepRecord
from agent_core.store.step_kinds import edits_files
from ui import step_detail_parts as parts
from ui.labels import ElidedLabel
from ui.step_detail_parts import CollapsibleText, ScaledImage
from ui.step_format import ERROR

PLACEHOLDER = "Select a step on the timeline to see its screenshot, scores and feedback."
RESTORE_TIP = "Continue the run from this step's files and conversation"
HEAD_TIP = "This is the current step"


def _wrapped(parent: QWidget, name: str, *, selectable: bool = True) -> QLabel:
    label = QLabel(parent)
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    if selectable:
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def _heading(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    label.setContentsMargins(0, 8, 0, 0)
    return label


class StepDetailPanel(QWidget):
    """Everything about one step, in a scroll area, with "Restore this step" and "Show files".

    Signals:
        restoreRequested(int): The user wants the run to continue from the shown step.
        compareFilesRequested(int): The user wants the shown step's files in the code panel.
        candidatesRequested(int): The user wants the shown candidate's group side by side.
    """

    restoreRequested = Signal(int)
    stepShown = Signal(bool)
    """A step is shown (True) or the placeholder is (False)."""
    compareFilesRequested = Signal(int)
    candidatesRequested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        """Create the panel showing its placeholder."""
        super().__init__(parent)
        self.setObjectName("stepDetailPanel")
        self._step: StepRecord | None = None
        self._turn_images: dict[int, QImage] = {}
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)
        outer.addLayout(self._build_header())
        self._placeholder = QLabel(PLACEHOLDER, self)
        self._placeholder.setObjectName("stepDetailPlaceholder")
        self._placeholder.setWordWrap(True)
        self._placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._placeholder.setEnabled(False)
        outer.addWidget(self._placeholder, 1)
        self._scroll = QScrollArea(self)
        self._scroll.setObjectName("stepDetailScroll")
        self._scroll.setWidgetResizable(True)
        self._scroll.setFrameShape(QFrame.Shape.NoFrame)
        self._scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._scroll.setWidget(self._build_body())
        outer.addWidget(self._scroll, 1)
        self.clear()

    def _build_header(self) -> QVBoxLayout:
        """The title on a line of its own, then the grades with the step's buttons at the
        right; both lines are cut with "…" (whole in the tooltip) only when there is no room."""
        self.title_label = ElidedLabel(self, "stepTitle")
        font = self.title_label.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.title_label.setFont(font)
        self.grades_label = ElidedLabel(self, "stepGrades")
        self.restore_button = QPushButton("Restore this step", self)
        self.restore_button.setObjectName("restoreStepButton")
        self.restore_button.clicked.connect(self._on_restore)
        self.show_files_button = QPushButton("Show files", self)
        self.show_files_button.setObjectName("showFilesButton")
        self.show_files_button.setToolTip("Show this step's files in the code panel")
        self.show_files_button.clicked.connect(self._on_show_files)
        self.candidates_button = QPushButton("Compare candidates", self)
        self.candidates_button.setObjectName("compareCandidatesButton")
        self.candidates_button.setToolTip("Show every candidate of this step side by side")
        self.candidates_button.clicked.connect(self._on_candidates)
        self._buttons = QHBoxLayout()
        self._buttons.addWidget(self.grades_label, 1)
        for button in (self.restore_button, self.show_files_button, self.candidates_button):
            self._buttons.addWidget(button)
        header = QVBoxLayout()
        header.addWidget(self.title_label)
        header.addLayout(self._buttons)
        return header

    def add_header_widget(self, widget: QWidget) -> None:
        """Put ``widget`` after the step's buttons (the window adds its own there)."""
        self._buttons.addWidget(widget)

    def _build_body(self) -> QWidget:
        body = QWidget()
        body.setObjectName("stepDetailBody")
        layout = QVBoxLayout(body)
        layout.setContentsMargins(0, 0, 4, 0)
        self.meta_label = _wrapped(body, "stepMeta")
        self.meta_label.setEnabled(False)
        self.errors_label = _wrapped(body, "stepErrors")
        palette = self.errors_label.palette()
        palette.setColor(QPalette.ColorRole.WindowText, QColor(ERROR))
        self.errors_label.setPalette(palette)
        self.install_log = CollapsibleText(
            "Show log", "Hide log", "Show the end of npm's output", body
        )
        self.serve_log = CollapsibleText(
            "Show server log", "Hide server log", "Show the end of the dev server's output", body
        )
        self.screenshot = ScaledImage("", body)
        self.screenshot.setObjectName("stepScreenshot")
        self.screenshot.clicked.connect(self.open_screenshot)
        for widget in (
            self.meta_label,
            self.errors_label,
            self.install_log,
            self.serve_log,
            self.screenshot,
        ):
            layout.addWidget(widget)
        self._build_sections(body, layout)
        layout.addStretch(1)
        return body

    def _build_sections(self, body: QWidget, layout: QVBoxLayout) -> None:
        self.critic_heading = _heading("Screenshot critic", body)
        self.critic_label = _wrapped(body, "criticText")
        self.reference_heading = _heading("Attached pictures", body)
        self.reference_label = _wrapped(body, "referenceText")
        self.gui_heading = _heading("GUI test", body)
        self.gui_label = _wrapped(body, "guiText")
        self.turn_list = QListWidget(body)
        self.turn_list.setObjectName("guiTurns")
        self.turn_list.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # Sized to its rows: a horizontal bar would hide the last one. Long lines end in
        # "…" and the tooltip has them whole.
        self.turn_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.turn_list.currentRowChanged.connect(self._show_turn)
        self.turn_image = ScaledImage("", body)
        self.turn_image.setObjectName("guiTurnScreenshot")
        self.feedback_heading = _heading("Feedback sent to the coder", body)
        self.feedback_box = CollapsibleText(
            "Show feedback", "Hide feedback", "Show the message sent back to the coder", body
        )
        self.actions_heading = _heading("Actions in the reply", body)
        self.actions_label = _wrapped(body, "actionsText")
        for widget in (
            self.critic_heading,
            self.critic_label,
            self.reference_heading,
            self.reference_label,
            self.gui_heading,
            self.gui_label,
            self.turn_list,
            self.turn_image,
            self.feedback_heading,
            self.feedback_box,
            self.actions_heading,
            self.actions_label,
        ):
            layout.addWidget(widget)

    # -- public API --------------------------------------------------------------------------

    def show_step(
        self, step: StepRecord, screenshot: QImage | None, *, is_head: bool, is_best: bool
    ) -> None:
        """Show ``step``; ``screenshot`` is its picture (None when it has none)."""
        self._step = step
        self._turn_images = {}
        self.title_label.setText(parts.title_text(step, is_head=is_head, is_best=is_best))
        self.grades_label.setText(parts.grades_text(step))
        meta = parts.meta_text(step)
        self.meta_label.setText(meta)
        self.meta_label.setVisible(bool(meta))
        self._show_errors(step)
        self.screenshot.set_image(screenshot, _no_screenshot_text(step))
        self._show_critic(step)
        reference = parts.reference_text(step.reference)
        self.reference_label.setText(reference)
        self.reference_heading.setVisible(bool(reference))
        self.reference_label.setVisible(bool(reference))
        self._show_gui(step)
        self.feedback_box.set_text(step.feedback)
        self.feedback_heading.setVisible(bool(step.feedback))
        self.feedback_box.setVisible(bool(step.feedback))
        lines = [parts.action_line(a) for a in step.actions if isinstance(a, dict)]
        self.actions_label.setText("\n".join(lines))
        self.actions_heading.setVisible(bool(lines))
        self.actions_label.setVisible(bool(lines))
        self._set_buttons(step, is_head)
        self._placeholder.hide()
        self._scroll.show()
        self._scroll.verticalScrollBar().setValue(0)
        self.stepShown.emit(True)

    def show_gui_screenshot(self, turn: int, image: QImage) -> None:
        """Keep the screenshot of GUI turn ``turn`` (the turn's 0-based "index")."""
        self._turn_images[turn] = image
        if self._current_turn_index() == turn:
            self.turn_image.set_image(image)
            self.turn_image.show()

    def open_screenshot(self) -> QDialog | None:
        """Open the step's screenshot at full size in its own window (None: no screenshot)."""
        pixmap = self.screenshot.pixmap()
        if pixmap is None or self._step is None:
            return None
        dialog = parts.full_size_viewer(pixmap, f"Step {self._step.index} · screenshot", self)
        dialog.show()
        return dialog

    def clear(self) -> None:
        """Show the placeholder; the buttons are disabled."""
        self._step = None
        self._turn_images = {}
        self.title_label.setText("")
        self.grades_label.setText("")
        self.restore_button.setEnabled(False)
        self.restore_button.setToolTip(RESTORE_TIP)
        self.show_files_button.setEnabled(False)
        self.candidates_button.hide()
        self._scroll.hide()
        self._placeholder.show()
        self.stepShown.emit(False)

    def step(self) -> StepRecord | None:
        """The step shown, if any."""
        return self._step

    # -- accessors for tests and the app -----------------------------------------------------

    def title_text(self) -> str:
        """The title line, e.g. 'Step 3 · Edit · from step 2 · current'."""
        return self.title_label.full_text() if self._step else self._placeholder.text()

    def grades_text(self) -> str:
        """'Look 4/5 · GUI – · 12.5 s'."""
        return self.grades_label.full_text() if self._step else ""

    def errors_text(self) -> str:
        """The error lines shown in red ('' when the step has none)."""
        return self.errors_label.text() if self._step else ""

    def log_text(self) -> str:
        """The install and dev-server output tails, one after the other."""
        return "\n".join(
            box.text() for box in (self.install_log, self.serve_log) if not box.isHidden()
        )

    def critic_text(self) -> str:
        """The critic's description, suggestions and grade analysis."""
        return self.critic_label.text() if self._step and not self.critic_label.isHidden() else ""

    def reference_text(self) -> str:
        """The attached pictures' match and descriptions, as shown ('' when hidden)."""
        shown = self._step and not self.reference_label.isHidden()
        return self.reference_label.text() if shown else ""

    def gui_text(self) -> str:
        """The GUI test's summary followed by the numbered turns."""
        if self._step is None or self.gui_label.isHidden():
            return ""
        turns = [self.turn_list.item(i).text() for i in range(self.turn_list.count())]
        return "\n".join([self.gui_label.text(), *turns])

    def feedback_text(self) -> str:
        """The feedback message sent to the coder after the step."""
        return self.feedback_box.text() if self._step else ""

    def actions_text(self) -> str:
        """One line per action of the coder's reply."""
        return self.actions_label.text() if self._step else ""

    # -- sections ----------------------------------------------------------------------------

    def _show_errors(self, step: StepRecord) -> None:
        errors = list(step.errors) or (["This step has an error."] if step.has_error else [])
        self.errors_label.setText("\n".join(errors))
        self.errors_label.setVisible(bool(errors))
        tails = parts.log_tails(step)
        for box, key in ((self.install_log, "install"), (self.serve_log, "serve")):
            box.set_text(tails.get(key, ""))
            box.setVisible(key in tails)

    def _show_critic(self, step: StepRecord) -> None:
        text = parts.critic_text(step.critic)
        visible = bool(text) or edits_files(step.kind)
        self.critic_label.setText(text or "No critic report for this step.")
        self.critic_heading.setVisible(visible)
        self.critic_label.setVisible(visible)

    def _show_gui(self, step: StepRecord) -> None:
        visible = step.gui is not None or step.kind is StepKind.GUI_TEST
        text = parts.gui_summary_text(step.gui) or "No GUI test details were kept for this step."
        self.gui_label.setText(text)
        self.turn_list.clear()
        for turn in step.gui.turns if step.gui is not None else ():
            self.turn_list.addItem(parts.turn_line(turn))
            item = self.turn_list.item(self.turn_list.count() - 1)
            item.setData(Qt.ItemDataRole.UserRole, turn.index)
            item.setToolTip("\n".join(t for t in (item.text(), turn.thought, turn.url) if t))
        rows = self.turn_list.count()
        self.turn_list.setFixedHeight(self.turn_list.sizeHintForRow(0) * rows + 6 if rows else 0)
        for widget in (self.gui_heading, self.gui_label):
            widget.setVisible(visible)
        self.turn_list.setVisible(visible and rows > 0)
        self.turn_image.set_image(None)
        self.turn_image.hide()

    def _current_turn_index(self) -> int | None:
        item = self.turn_list.currentItem()
        return None if item is None else item.data(Qt.ItemDataRole.UserRole)

    def _show_turn(self, _row: int) -> None:
        turn = self._current_turn_index()
        image = self._turn_images.get(turn) if turn is not None else None
        self.turn_image.set_image(image, "The screenshot of this turn is not loaded.")
        self.turn_image.setVisible(turn is not None)

    def _set_buttons(self, step: StepRecord, is_head: bool) -> None:
        self.restore_button.setEnabled(not is_head)
        self.restore_button.setToolTip(HEAD_TIP if is_head else RESTORE_TIP)
        self.show_files_button.setEnabled(True)
        self.candidates_button.setVisible(step.runtime.candidate is not None)

    def _on_restore(self) -> None:
        if self._step is not None:
            self.restoreRequested.emit(self._step.index)

    def _on_show_files(self) -> None:
        if self._step is not None:
            self.compareFilesRequested.emit(self._step.index)

    def _on_candidates(self) -> None:
        if self._step is not None:
            self.candidatesRequested.emit(self._step.index)


def _no_screenshot_text(step: StepRecord) -> str:
    if step.kind is StepKind.USER_EDIT:
        return "No screenshot was taken: your edit was not graded."
    if step.kind is StepKind.EDIT:
        return "No screenshot was taken in this step."
    return "GUI-test and finish steps change no files, so they take no new screenshot."


__all__ = ["PLACEHOLDER", "StepDetailPanel"]
