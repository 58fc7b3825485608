"""The "Your review" form of one step: a person's own grades beside the automatic ones.

The form does no I/O: Save and Clear emit ``labelChanged(index, StepLabel | None)`` and the
app writes the run's ``LabelStore``; if that fails, the app calls ``show_save_error``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QKeySequence, QPalette, QShortcut
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from agent_core.review.labels import StepLabel
from ui.step_format import ERROR, SUCCESS, WARNING

APPEARANCE_RUBRIC = {
    0: "blank page or only an error",
    1: "poor: major rendering issues, irrelevant or chaotic",
    2: "below average: partly rendered, poorly organised",
    3: "average: mostly right, minor flaws, plain",
    4: "good: no major errors, relevant, harmonious, modern",
    5: "excellent: flawless, tailored, polished, memorable",
}
GUI_RUBRIC = {
    1: "the vast majority of tested functions fail",
    2: "many functions fail",
    3: "about half of the functions work",
    4: "most functions work, minor issues",
    5: "all tested functions work",
}
SAVE_KEYS = "Ctrl+Return"

Option = tuple[Any, str, str]
"""(value, button text, tooltip) of one choice of a segmented control."""


class ChoiceRow(QWidget):
    """A segmented control: exclusive, checkable buttons, one per value (None = unset).

    Args:
        name: Object-name prefix of the buttons (``<name>-<text>``).
        options: The choices, left to right.
        parent: Parent widget.
    """

    changed = Signal(object)

    def __init__(self, name: str, options: Sequence[Option], parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName(name)
        self._group = QButtonGroup(self)
        self._group.setExclusive(True)
        self._buttons: dict[Any, QToolButton] = {}
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        for value, text, tip in options:
            button = QToolButton(self)
            button.setObjectName(f"{name}-{text}")
            button.setText(text)
            button.setToolTip(tip)
            button.setCheckable(True)
            # Never narrower than its text: a squeezed tool button shows "u…t" for "unset".
            button.setMinimumWidth(max(32, button.sizeHint().width()))
            self._group.addButton(button)
            self._buttons[value] = button
            layout.addWidget(button)
        layout.addStretch(1)
        self._group.buttonClicked.connect(self._on_clicked)
        self.set_value(None)

    def value(self) -> Any:
        """The chosen value (None: unset)."""
        for value, button in self._buttons.items():
            if button.isChecked():
                return value
        return None

    def set_value(self, value: Any) -> None:
        """Check the button of ``value`` without emitting ``changed``."""
        self._buttons[value].setChecked(True)

    def button(self, value: Any) -> QAbstractButton:
        """The button of ``value`` (for tests and accessibility tools)."""
        return self._buttons[value]

    def _on_clicked(self, _button: QAbstractButton) -> None:
        self.changed.emit(self.value())


def _appearance_options() -> list[Option]:
    unset: Option = (None, "unset", "No appearance grade from you")
    return [unset] + [(g, str(g), f"{g}: {text}") for g, text in APPEARANCE_RUBRIC.items()]


def _gui_options() -> list[Option]:
    unset: Option = (None, "unset", "No GUI grade from you")
    return [unset] + [(g, str(g), f"{g}: {text}") for g, text in GUI_RUBRIC.items()]


def _verdict_options() -> list[Option]:
    return [
        (True, "Right", "The GUI agent's pass/fail verdict was right"),
        (False, "Wrong", "The GUI agent's pass/fail verdict was wrong"),
        (None, "unset", "You do not judge the verdict"),
    ]


def _reference(name: str) -> QLabel:
    label = QLabel("", None)
    label.setObjectName(name)
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    return label


class ReviewForm(QWidget):
    """A person's review of one step: appearance grade, GUI grade, verdict and a note.

    Call ``show_step`` to review a step. Save (``Ctrl+Return``) is enabled once something
    changed and emits ``labelChanged(index, label)``; a review with nothing in it is emitted
    as None. Clear emits ``labelChanged(index, None)``.

    Attributes:
        labelChanged: (step index, ``StepLabel`` or None when the review was cleared).
    """

    labelChanged = Signal(int, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reviewForm")
        self._index: int | None = None
        self._has_gui = False
        self._saved: StepLabel | None = None
        self._before_save: StepLabel | None = None
        self._labeller = ""
        self._build()
        self.setEnabled(False)

    # -- public ----------------------------------------------------------------------

    def show_step(
        self,
        index: int,
        *,
        auto_appearance: int | None,
        auto_gui: int | None,
        has_gui: bool,
        label: StepLabel | None,
        auto_verdict: bool | None = None,
    ) -> None:
        """Review step ``index``, starting from its saved ``label`` (None: not reviewed).

        Args:
            index: The step's index.
            auto_appearance: The vision critic's grade, shown for reference.
            auto_gui: The GUI feedback model's grade, shown for reference.
            has_gui: Whether the step is a GUI test (shows the GUI grade and verdict rows).
            label: The person's saved review of the step.
            auto_verdict: The GUI agent's ``test_passed`` verdict, shown for reference.
        """
        self._index, self._has_gui, self._saved = index, has_gui, label
        self.title.setText(f"Your review of step {index}")
        self.auto_appearance.setText(f"critic: {_grade(auto_appearance, 5)}")
        self.auto_gui.setText(f"GUI agent: {_grade(auto_gui, 5)}")
        verdict = {True: "passed", False: "failed", None: "no verdict"}[auto_verdict]
        self.auto_verdict.setText(f"GUI agent said: {verdict}")
        for box in (self._gui_box, self._verdict_box):
            self._form.setRowVisible(box, has_gui)
        self._load(label)
        self.setEnabled(True)
        self._set_status("Saved" if label else "Not reviewed yet", SUCCESS if label else None)

    def set_labeller(self, name: str) -> None:
        """Who saved reviews are credited to."""
        self._labeller = name

    def current_label(self) -> StepLabel | None:
        """The review as the controls show it (None when it says nothing)."""
        base = self._saved or StepLabel()
        label = replace(
            base,
            appearance=self.appearance.value(),
            gui=self.gui.value() if self._has_gui else base.gui,
            gui_verdict_correct=self.verdict.value() if self._has_gui else base.gui_verdict_correct,
            note=self.note.toPlainText().strip(),
            labeller=self._labeller or base.labeller,
            at=0.0,
        )
        return None if label.is_empty else label

    def has_unsaved_changes(self) -> bool:
        """Whether the controls differ from the saved review."""
        if self._index is None:
            return False
        return _content(self.current_label()) != _content(self._saved)

    def status_text(self) -> str:
        """The save state the user sees ("Saved", "Unsaved changes", ...)."""
        return self.status.text()

    def show_save_error(self, message: str) -> None:
        """Tell the user the last Save or Clear failed (the app calls this).

        The form goes back to the review that is really stored, so Save stays available.
        """
        self._saved = self._before_save
        self._refresh_buttons()
        self._set_status(f"Not saved: {message}", ERROR)

    # -- building --------------------------------------------------------------------

    def _build(self) -> None:
        self.title = QLabel("Your review", self)
        self.title.setObjectName("reviewTitle")
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.appearance = ChoiceRow("appearanceGrade", _appearance_options(), self)
        self.gui = ChoiceRow("guiGrade", _gui_options(), self)
        self.verdict = ChoiceRow("guiVerdict", _verdict_options(), self)
        self.auto_appearance = _reference("autoAppearance")
        self.auto_gui = _reference("autoGui")
        self.auto_verdict = _reference("autoVerdict")
        self.note = QPlainTextEdit(self)
        self.note.setObjectName("reviewNote")
        self.note.setPlaceholderText("Note (optional): what you saw, why you graded so")
        self.note.setMaximumHeight(90)
        self._gui_box = self.gui
        self._verdict_box = self.verdict
        # Each label sits above its control, with the automatic value at its right: the
        # form stays narrow enough to sit beside the step's screenshot.
        self._form = QFormLayout()
        self._form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        self._form.addRow(_with("Your appearance grade", self.auto_appearance), self.appearance)
        self._form.addRow(_with("Your GUI grade", self.auto_gui), self.gui)
        self._form.addRow(_with("GUI agent's verdict was", self.auto_verdict), self.verdict)
        self._form.addRow("Note", self.note)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(self._form)
        layout.addLayout(self._buttons())
        layout.addStretch(1)
        for row in (self.appearance, self.gui, self.verdict):
            row.changed.connect(self._on_edited)
        self.note.textChanged.connect(self._on_edited)
        shortcut = QShortcut(QKeySequence(SAVE_KEYS), self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(self._save)

    def _buttons(self) -> QHBoxLayout:
        self.status = QLabel("", self)
        self.status.setObjectName("reviewStatus")
        self.save_button = QPushButton("Save", self)
        self.save_button.setObjectName("reviewSave")
        self.save_button.setToolTip(f"Save your review of this step ({SAVE_KEYS})")
        self.save_button.clicked.connect(self._save)
        self.clear_button = QPushButton("Clear", self)
        self.clear_button.setObjectName("reviewClear")
        self.clear_button.setToolTip("Remove your review of this step (grades, verdict, note)")
        self.clear_button.clicked.connect(self._clear)
        row = QHBoxLayout()
        row.addWidget(self.status, 1)
        row.addWidget(self.clear_button)
        row.addWidget(self.save_button)
        return row

    # -- behaviour -------------------------------------------------------------------

    def _load(self, label: StepLabel | None) -> None:
        label = label or StepLabel()
        self.appearance.set_value(label.appearance)
        self.gui.set_value(label.gui)
        self.verdict.set_value(label.gui_verdict_correct)
        self.note.blockSignals(True)
        self.note.setPlainText(label.note)
        self.note.blockSignals(False)
        self._refresh_buttons()

    def _on_edited(self, *_args: object) -> None:
        if self._index is None:
            return
        if self.has_unsaved_changes():
            self._set_status("Unsaved changes", WARNING)
        else:
            self._set_status("Saved" if self._saved else "Not reviewed yet",
                             SUCCESS if self._saved else None)  # fmt: skip
        self._refresh_buttons()

    def _refresh_buttons(self) -> None:
        dirty = self.has_unsaved_changes()
        self.save_button.setEnabled(dirty)
        self.clear_button.setEnabled(dirty or self._saved is not None)

    def _save(self) -> None:
        if self._index is None or not self.save_button.isEnabled():
            return
        label = self.current_label()
        self._before_save, self._saved = self._saved, label
        self._refresh_buttons()
        self._set_status("Saved" if label else "Review removed", SUCCESS)
        self.labelChanged.emit(self._index, label)

    def _clear(self) -> None:
        if self._index is None:
            return
        self._before_save, self._saved = self._saved, None
        self._load(None)
        self._set_status("Review removed", SUCCESS)
        self.labelChanged.emit(self._index, None)

    def _set_status(self, text: str, colour: str | None) -> None:
        self.status.setText(text)
        palette = self.palette()
        if colour:
            palette.setColor(QPalette.ColorRole.WindowText, QColor(colour))
        self.status.setPalette(palette)


def _with(text: str, reference: QLabel) -> QWidget:
    box = QWidget()
    layout = QHBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(QLabel(text, box))
    layout.addStretch(1)
    layout.addWidget(reference)
    return box


def _grade(value: int | None, top: int) -> str:
    return "no grade" if value is None else f"{value}/{top}"


def _content(label: StepLabel | None) -> tuple[Any, ...] | None:
    """What a review says, without who saved it when."""
    if label is None:
        return None
    return (label.appearance, label.gui, label.gui_verdict_correct, label.note.strip())
