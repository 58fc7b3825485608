"""Building blocks of the step detail panel: texts made from a step record, and two widgets.

The text builders read a ``StepRecord``'s typed evidence (critic, GUI test, runtime), which
the store has already read leniently, and its action dicts, which they never fail on: a run
written by an older version, or a step that stopped half-way, still shows what it has.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QFont, QFontDatabase, QImage, QMouseEvent, QPainter, QPaintEvent, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QPlainTextEdit,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from agent_core.store.evidence import CriticReview, GuiTest, GuiTurn
from agent_core.store.evidence_reference import ReferenceReview
from agent_core.store.records import StepRecord
from agent_core.store.step_kinds import edits_files
from ui.step_format import format_duration, grade_text, kind_label, phase_label


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ("" if value is None else str(value))


def title_text(step: StepRecord, *, is_head: bool, is_best: bool) -> str:
    """'Step 3 · Edit · from step 2 · current · ★ best'."""
    parts = [f"Step {step.index}", kind_label(step.kind)]
    parts.append(f"from step {step.parent}" if step.parent else "from the empty start")
    if is_head:
        parts.append("current")
    if is_best:
        parts.append("★ best")
    return " · ".join(parts)


def grades_text(step: StepRecord) -> str:
    """'Look 4/5 · GUI – · 12.5 s'."""
    return " · ".join(
        [
            grade_text("Look", step.appearance_grade),
            grade_text("GUI", step.gui_grade),
            format_duration(step.seconds),
        ]
    )


def meta_text(step: StepRecord) -> str:
    """Changed files, backtracking, context trimming and time per phase, on one line each."""
    lines: list[str] = []
    if edits_files(step.kind):
        count = len(step.files_changed)
        lines.append(f"{count} file{'s' if count != 1 else ''} changed")
    if step.backtracked_from is not None:
        target = f"went back to step {step.parent}" if step.parent else "started over"
        lines.append(f"Too many errors after step {step.backtracked_from}: the run {target}.")
    if step.context_trimmed:
        lines.append("Older turns were folded into a summary to fit the coder's context.")
    timings = [
        f"{phase_label(p)} {format_duration(float(s))}"
        for p, s in step.phases.items()
        if isinstance(s, int | float)
    ]
    if timings:
        lines.append("Time: " + " · ".join(timings))
    return "\n".join(lines)


def log_tails(step: StepRecord) -> dict[str, str]:
    """The install and serve output kept for failures: {"install": ..., "serve": ...}."""
    return {stage: tail.strip() for stage, tail in step.runtime.failures() if tail.strip()}


def critic_text(critic: CriticReview | None) -> str:
    """The vision critic's report as plain text ('' when there is none)."""
    if critic is None:
        return ""
    lines: list[str] = []
    if critic.is_error:
        message = critic.error_message.strip() or "no message given"
        lines.append(f"The page shows an error: {message}")
    lines += _labelled("", critic.description)
    lines += _bullets("Suggestions:", critic.suggestions)
    lines += _labelled("Grade: ", critic.grade_analysis)
    return "\n".join(lines)


def reference_text(reference: ReferenceReview | None) -> str:
    """The pictures a step was built from, their descriptions and the match ('' if none)."""
    if reference is None:
        return ""
    grade = "–" if reference.match_grade is None else f"{reference.match_grade}/5"
    lines = [f"Match with the attached pictures: {grade}"]
    lines += _labelled("", reference.match_note)
    lines.append("Pictures: " + ", ".join(reference.images))
    if reference.sent_as == "descriptions":
        lines.append("The coder does not read images; it was given the critic's descriptions.")
    lines += [f"Description of {d.image}:\n{d.text.strip()}" for d in reference.descriptions]
    lines += _bullets("Problems:", reference.problems)
    return "\n".join(lines)


def _labelled(label: str, value: str | None) -> list[str]:
    text = (value or "").strip()
    return [f"{label}{text}"] if text else []


def _bullets(heading: str, items: tuple[str, ...]) -> list[str]:
    shown = [item.strip() for item in items if item.strip()]
    return [heading, *(f"• {item}" for item in shown)] if shown else []


def gui_summary_text(gui: GuiTest | None) -> str:
    """What the GUI test found: verdict, grade, suggestions, answer, why it ended."""
    if gui is None:
        return ""
    if not gui.available:
        return "GUI testing was off for this run: no GUI agent was configured."
    lines = _labelled("Test: ", gui.test_instruction)
    summary = gui.summary
    if summary is not None:
        verdict = "passed" if summary.test_passed else "not passed"
        grade = f" · GUI {summary.grade}/5" if summary.grade is not None else ""
        lines.append(f"Result: {verdict}{grade}")
        lines += _bullets("Suggestions:", summary.improvement_suggestions)
    else:
        lines.append("No summary of the test could be obtained.")
    lines += _labelled("Agent's answer: ", gui.answer)
    lines += _labelled("Ended because: ", gui.ended_because)
    return "\n".join(lines)


def turn_line(turn: GuiTurn) -> str:
    """'1. Click [3] — ok: opened the menu'."""
    action = turn.action.strip() or "(no action)"
    status = turn.status.strip() or "?"
    detail = turn.detail.strip()
    return f"{turn.index + 1}. {action} — {status}" + (f": {detail}" if detail else "")


def action_line(action: dict[str, Any]) -> str:
    """'file src/App.jsx (1234 bytes)', 'shell npm install — failed', 'finish'."""
    kind = _text(action.get("type")) or "action"
    target = (
        _text(action.get("path")) or _text(action.get("command")) or _text(action.get("signal"))
    )
    line = f"{kind} {target}".strip()
    if isinstance(action.get("bytes"), int):
        line += f" ({action['bytes']} bytes)"
    if action.get("refused"):
        line += f" — refused: {_text(action['refused'])}"
    if action.get("outcome"):
        line += f" — {_text(action['outcome'])}"
    return line


def monospace_font() -> QFont:
    """The platform's fixed-width font."""
    return QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)


class CollapsibleText(QWidget):
    """A monospace, read-only text box behind a "Show …" / "Hide …" toggle (collapsed first).

    Attributes:
        toggle_button: The checkable button that opens and closes the box.
        text_edit: The read-only monospace box.
    """

    def __init__(
        self, show_label: str, hide_label: str, tooltip: str, parent: QWidget | None = None
    ) -> None:
        """Create a collapsed box whose toggle reads ``show_label``/``hide_label``."""
        super().__init__(parent)
        self._labels = (show_label, hide_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.toggle_button = QToolButton(self)
        self.toggle_button.setCheckable(True)
        self.toggle_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle_button.setToolTip(tooltip)
        self.toggle_button.toggled.connect(self.set_expanded)
        self.text_edit = QPlainTextEdit(self)
        self.text_edit.setReadOnly(True)
        self.text_edit.setFont(monospace_font())
        self.text_edit.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.text_edit.setMinimumHeight(160)
        layout.addWidget(self.toggle_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.text_edit)
        self.set_expanded(False)

    def set_text(self, text: str) -> None:
        """Replace the text and collapse the box."""
        self.text_edit.setPlainText(text)
        self.toggle_button.setChecked(False)
        self.set_expanded(False)

    def text(self) -> str:
        """The box's text, whether shown or not."""
        return self.text_edit.toPlainText()

    def set_expanded(self, on: bool) -> None:
        """Open or close the box."""
        self.toggle_button.setChecked(on)
        self.toggle_button.setText(self._labels[1 if on else 0])
        self.toggle_button.setArrowType(Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow)
        self.text_edit.setVisible(on)

    def is_expanded(self) -> bool:
        """Whether the box is open."""
        return self.toggle_button.isChecked()


class ScaledImage(QWidget):
    """A picture scaled to the widget's width, keeping its aspect; a note when there is none.

    Signals:
        clicked(): The user clicked the picture.
    """

    clicked = Signal()

    def __init__(self, placeholder: str, parent: QWidget | None = None) -> None:
        """Create an empty image area showing ``placeholder``."""
        super().__init__(parent)
        self._pixmap: QPixmap | None = None
        self._placeholder = placeholder
        policy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    def set_image(self, image: QImage | None, placeholder: str | None = None) -> None:
        """Show ``image`` (None or a null image: show the placeholder text)."""
        self._pixmap = None if image is None or image.isNull() else QPixmap.fromImage(image)
        if placeholder is not None:
            self._placeholder = placeholder
        self.setToolTip(
            ""
            if self._pixmap is None
            else f"Screenshot, {self._pixmap.width()}×{self._pixmap.height()} px: "
            "click to see it at full size"
        )
        self.updateGeometry()
        self.update()

    def pixmap(self) -> QPixmap | None:
        """The picture at its own size, if any."""
        return self._pixmap

    def has_image(self) -> bool:
        """Whether a picture is shown."""
        return self._pixmap is not None

    def placeholder(self) -> str:
        """The text shown when there is no picture."""
        return self._placeholder

    def hasHeightForWidth(self) -> bool:
        """The height follows the width."""
        return True

    def heightForWidth(self, width: int) -> int:
        """The picture's height at ``width``, or a text line's height without a picture."""
        if self._pixmap is None or self._pixmap.width() == 0:
            return self.fontMetrics().height() * 3
        return round(width * self._pixmap.height() / self._pixmap.width())

    def sizeHint(self) -> QSize:
        """Prefer a 480 px wide view of the picture."""
        return QSize(480, self.heightForWidth(480))

    def paintEvent(self, event: QPaintEvent) -> None:
        """Draw the scaled picture, or the placeholder text centred."""
        painter = QPainter(self)
        if self._pixmap is None:
            painter.setPen(self.palette().color(self.palette().ColorRole.PlaceholderText))
            painter.drawText(
                self.rect(),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                self._placeholder,
            )
        else:
            height = self.heightForWidth(self.width())
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawPixmap(QRect(0, 0, self.width(), height), self._pixmap)
        painter.end()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        """Report a click on the picture."""
        if event.button() == Qt.MouseButton.LeftButton and self._pixmap is not None:
            self.clicked.emit()
        super().mouseReleaseEvent(event)


class FittedImage(ScaledImage):
    """A picture scaled to fit inside the widget (both ways), keeping its aspect, centred.

    Unlike ``ScaledImage`` its height does not follow its width: the layout gives it a
    rectangle and the picture is redrawn to fit it whenever that changes.
    """

    def __init__(self, placeholder: str, parent: QWidget | None = None) -> None:
        """Create an empty image area showing ``placeholder``."""
        super().__init__(placeholder, parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(160, 100)

    def hasHeightForWidth(self) -> bool:
        """The height is the layout's to give."""
        return False

    def sizeHint(self) -> QSize:
        """A 480 × 300 area; the picture fits whatever it gets."""
        return QSize(480, 300)

    def image_rect(self) -> QRect:
        """Where the picture is drawn: fitted, aspect kept, centred (empty without one)."""
        if self._pixmap is None or self._pixmap.isNull():
            return QRect()
        size = self._pixmap.size().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
        rect = QRect(QPoint(0, 0), size)
        rect.moveCenter(self.rect().center())
        return rect

    def paintEvent(self, event: QPaintEvent) -> None:
        """Draw the fitted picture, or the placeholder text centred."""
        if self._pixmap is None:
            super().paintEvent(event)
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawPixmap(self.image_rect(), self._pixmap)
        painter.end()


def full_size_viewer(pixmap: QPixmap, title: str, parent: QWidget) -> QDialog:
    """A window showing ``pixmap`` at 1:1 in a scroll area (deleted when closed)."""
    dialog = QDialog(parent)
    dialog.setObjectName("screenshotViewer")
    dialog.setWindowTitle(title)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    layout = QVBoxLayout(dialog)
    layout.setContentsMargins(0, 0, 0, 0)
    scroll = QScrollArea(dialog)
    label = QLabel()
    label.setObjectName("fullScreenshot")
    label.setPixmap(pixmap)
    scroll.setWidget(label)
    layout.addWidget(scroll)
    screen = parent.screen()
    room = screen.availableGeometry().size() * 0.9 if screen else QSize(1280, 900)
    dialog.resize(min(pixmap.width() + 24, room.width()), min(pixmap.height() + 24, room.height()))
    return dialog
