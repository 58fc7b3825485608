"""One card of the step timeline: a finished step's scores, or a running step's progress."""

from __future__ import annotations

import time

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import (
    QContextMenuEvent,
    QImage,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QMenu, QVBoxLayout, QWidget

from agent_core.state import StepCard as CardState
from agent_core.store.records import StepKind
from agent_core.store.step_kinds import edits_files
from ui.candidate_stack import STACK_WIDTH, CandidateRow, paint_layers
from ui.labels import badge, tint
from ui.step_format import (
    ERROR,
    INFO,
    WARNING,
    abandoned_text,
    format_duration,
    grade_colour,
    grade_text,
    kind_label,
    reference_of,
    short_note,
)
from ui.step_progress import StepProgress

CARD_WIDTH = 196
THUMB_SIZE = (180, 135)


def _label(text: str, parent: QWidget, *, name: str, colour: str | None = None) -> QLabel:
    label = QLabel(text, parent)
    label.setObjectName(name)
    if colour:
        tint(label, colour)
    return label


class StepCard(QFrame):
    """A step on the timeline, about 170 px wide.

    Build it with ``StepCard.for_step`` (a committed step) or ``StepCard.running`` (a step in
    progress). The child labels are public so tests read what the user sees.

    Attributes:
        index: The step's 1-based index.
        step: The committed step shown, None while the step runs.
    """

    clicked = Signal(int)
    restoreRequested = Signal(int)
    candidatesRequested = Signal(int)
    """Show this step's candidates side by side (badge, context menu)."""
    spreadRequested = Signal(int)
    """Spread this step's candidate group out on the timeline, or stack it again."""

    def __init__(self, index: int, parent_step: int | None, parent: QWidget | None = None):
        """Create the parts common to finished and running cards (use the factories)."""
        super().__init__(parent)
        self.setObjectName("stepCard")
        self.setFixedWidth(CARD_WIDTH)
        self.index = index
        self.parent_step = parent_step
        self.step: CardState | None = None
        self._selected = False
        self._stack = 0
        self._stack_toggle = ""
        self._running = False
        self._abandoned = False
        self._running_box: StepProgress | None = None
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(6, 6, 6, 6)
        self._layout.setSpacing(3)
        self._build_top_row()
        self.thumbnail = _label("", self, name="stepThumbnail")
        self.thumbnail.setFixedSize(*THUMB_SIZE)
        self.thumbnail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.thumbnail.setAutoFillBackground(True)
        self.thumbnail.setBackgroundRole(QPalette.ColorRole.AlternateBase)
        self._layout.addWidget(self.thumbnail)
        self.phase_label: QLabel | None = None
        self.progress_label: QLabel | None = None
        self.detail_label: QLabel | None = None

    def _build_top_row(self) -> None:
        row = QHBoxLayout()
        row.setSpacing(4)
        self.number_label = _label(f"#{self.index}", self, name="stepNumber")
        bold = self.number_label.font()
        bold.setBold(True)
        self.number_label.setFont(bold)
        self.kind_label = _label("", self, name="stepKind")
        self.head_marker = badge("current", self, name="headMarker", colour=INFO)
        self.head_marker.setToolTip("The run continues from this step")
        self.best_marker = badge("★ best", self, name="bestMarker", colour=WARNING)
        for widget in (self.number_label, self.kind_label):
            row.addWidget(widget)
        row.addStretch(1)
        row.addWidget(self.head_marker)
        row.addWidget(self.best_marker)
        self._layout.addLayout(row)

    # -- factories ---------------------------------------------------------------------------

    @classmethod
    def for_step(cls, step: CardState, parent: QWidget | None = None) -> StepCard:
        """A card for a committed step: kind, grades, error badge, duration, backtrack note."""
        card = cls(step.index, step.parent, parent)
        card._fill_finished(step)
        return card

    @classmethod
    def running(
        cls, index: int, parent_step: int | None, parent: QWidget | None = None
    ) -> StepCard:
        """A card for a step in progress: the phases done so far and the current one."""
        card = cls(index, parent_step, parent)
        card._fill_running()
        return card

    def _fill_finished(self, step: CardState) -> None:
        self.step = step
        self.kind_label.setText(kind_label(step.kind))
        self.thumbnail.setText(_placeholder(step))
        if not edits_files(step.kind):
            font = self.thumbnail.font()
            font.setPointSizeF(font.pointSizeF() * 1.4)
            font.setBold(True)
            self.thumbnail.setFont(font)
        self._add_grades_row(step.appearance_grade, step.gui_grade)
        self._add_reference(*reference_of(step))
        self._add_bottom_row(format_duration(step.seconds))
        if step.has_error or step.errors:
            self.error_badge.setToolTip("\n".join(step.errors) or "This step has an error")
            self.error_badge.show()
        self._add_backtrack_note(step)
        self.candidate_row = CandidateRow(step, self)
        self.candidate_row.compareClicked.connect(lambda: self.candidatesRequested.emit(self.index))
        self.candidate_label = self.candidate_row.label
        self._layout.addWidget(self.candidate_row)
        self._layout.addStretch(1)
        self.setToolTip(
            f"Step {step.index} · {kind_label(step.kind)}: click to show it, "
            "double-click or right-click to restore it"
        )

    def _add_grades_row(self, look: int | None, gui: int | None) -> None:
        row = QHBoxLayout()
        self.appearance_label = _label(
            grade_text("Look", look), self, name="appearanceGrade", colour=grade_colour(look)
        )
        self.appearance_label.setToolTip("Appearance grade from the screenshot critic (0-5)")
        self.gui_label = _label(
            grade_text("GUI", gui), self, name="guiGrade", colour=grade_colour(gui)
        )
        self.gui_label.setToolTip("Functional grade from GUI testing (1-5)")
        row.addWidget(self.appearance_label)
        row.addStretch(1)
        row.addWidget(self.gui_label)
        self._layout.addLayout(row)

    def _add_reference(self, grade: int | None, note: str) -> None:
        """How closely the screenshot matches the user's pictures, and the critic's note."""
        self.reference_label = _label(grade_text("Match", grade), self, name="referenceGrade",
                                      colour=grade_colour(grade))
        self.reference_note = _label(short_note(note), self, name="referenceNote")
        self.reference_note.setWordWrap(True)
        tip = f"How closely the page matches the attached pictures (0-5):\n{note}".strip()
        for widget in (self.reference_label, self.reference_note):
            widget.setToolTip(tip)
            widget.setVisible(grade is not None or bool(note))
            self._layout.addWidget(widget)
        self.reference_note.setVisible(bool(note))

    def _add_backtrack_note(self, step: CardState | None) -> None:
        self.backtrack_label = _label("", self, name="backtrackNote")
        self._layout.addWidget(self.backtrack_label)
        if step is None or step.backtracked_from is None:
            self.backtrack_label.hide()
            return
        self.backtrack_label.setText(f"↩ from #{step.backtracked_from}")
        target = f"went back to step {step.parent}" if step.parent else "started over"
        self.backtrack_label.setToolTip(
            f"Too many errors after step {step.backtracked_from}: the run {target}"
        )

    def _add_bottom_row(self, duration: str) -> None:
        row = QHBoxLayout()
        self.error_badge = badge("error", self, name="errorBadge", colour=ERROR)
        self.duration_label = _label(duration, self, name="stepDuration")
        self.duration_label.setToolTip("Wall time of the step")
        row.addWidget(self.error_badge)
        row.addStretch(1)
        row.addWidget(self.duration_label)
        self._layout.addLayout(row)

    def _fill_running(self) -> None:
        self._running = True
        self.kind_label.setText("running…")
        self.thumbnail.hide()
        self._running_box = StepProgress(THUMB_SIZE, time.monotonic(), self)
        box = self._running_box
        self.progress_label, self.phase_label = box.progress_label, box.phase_label
        self.detail_label = box.detail_label
        self._layout.addWidget(box)
        self._add_grades_row(None, None)
        self.appearance_label.hide()
        self.gui_label.hide()
        self._add_bottom_row(format_duration(0))
        self._add_backtrack_note(None)
        self._layout.addStretch(1)
        self.setToolTip(f"Step {self.index} is running")

    # -- state -------------------------------------------------------------------------------

    def is_running(self) -> bool:
        """True for a step in progress (not for one that was stopped or failed)."""
        return self._running and not self._abandoned

    def is_abandoned(self) -> bool:
        """True once the running step was stopped or failed."""
        return self._abandoned

    def is_selectable(self) -> bool:
        """Only committed steps can be shown in detail and restored."""
        return self.step is not None

    def set_phase(self, phase: str, detail: str = "", now: float | None = None) -> None:
        """Enter ``phase``: earlier phases get a tick, this one is shown bold with its time."""
        if self.is_running() and self._running_box is not None:
            now = time.monotonic() if now is None else now
            self._running_box.set_phase(phase, detail, now)
            self.tick(now)

    def set_tokens(self, count: int, now: float | None = None) -> None:
        """Tokens the coder streamed so far in this step (shown with their rate)."""
        if self._running_box is not None:
            self._running_box.tokens = count
        self.tick(now)

    def tick(self, now: float | None = None) -> None:
        """Refresh the seconds spent in the current phase and in the whole step."""
        box = self._running_box
        if not self.is_running() or box is None:
            return
        now = time.monotonic() if now is None else now
        self.duration_label.setText(format_duration(now - box.started))
        box.tick(now)

    def set_abandoned(self, reason: str) -> None:
        """Show that the running step was stopped or failed, greyed out."""
        if self.phase_label is None:
            return
        self._abandoned = True
        text = abandoned_text(reason)
        self.kind_label.setText("stopped" if text == "stopped" else "failed")
        self.phase_label.setText(text)
        self.phase_label.setToolTip(reason)
        self.phase_label.setWordWrap(True)
        self.setToolTip(f"Step {self.index} {text}")
        self.setEnabled(False)

    def set_thumbnail(self, image: QImage) -> None:
        """Show a screenshot, scaled down to the thumbnail area."""
        if image.isNull():
            return
        scaled = image.scaled(
            *THUMB_SIZE,
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
        self.thumbnail.setPixmap(QPixmap.fromImage(scaled))

    def set_compact(self, on: bool) -> None:
        """Leave out the screenshot (a short timeline); a running step keeps its phase line."""
        self.thumbnail.setVisible(not on and not self._running)
        if self._running_box is not None:
            self._running_box.set_compact(on)

    def set_head(self, on: bool) -> None:
        """Show or hide the "current" marker."""
        self.head_marker.setVisible(on)

    def set_best(self, on: bool, reason: str = "") -> None:
        """Show or hide the "★ best" marker; ``reason`` becomes its tooltip."""
        self.best_marker.setVisible(on)
        self.best_marker.setToolTip(reason or "The best step of the run")

    def set_stack(self, count: int, toggle: str = "") -> None:
        """Draw the card as the front of a stack of ``count`` candidates (below 2: alone).

        ``toggle`` is the context menu's entry that spreads the group out or stacks it again
        ("" for a card that belongs to no group that can be stacked).
        """
        count = count if count > 1 and self.step is not None else 0
        self._stack_toggle = toggle
        if count != self._stack:
            self._stack = count
            extra = STACK_WIDTH if count else 0
            self.setFixedWidth(CARD_WIDTH + extra)
            self._layout.setContentsMargins(6, 6, 6 + extra, 6)
            self.setAccessibleName(self.candidate_row.set_stack(count, self.index))
            self.update()

    def stack_count(self) -> int:
        """How many candidates the card stands for (0: it stands for its own step only)."""
        return self._stack

    def set_selected(self, on: bool) -> None:
        """Draw the accent border of the selected card."""
        if on != self._selected:
            self._selected = on
            self.update()

    def is_selected(self) -> bool:
        """Whether the card has the selection border."""
        return self._selected

    # -- events ------------------------------------------------------------------------------

    def context_menu(self) -> QMenu:
        """The card's context menu (built on demand; the caller shows or triggers it)."""
        menu = QMenu(self)
        action = menu.addAction("Restore this step")
        action.setObjectName("restoreAction")
        action.setEnabled(self.is_selectable())
        action.setToolTip("Continue the run from this step's files and conversation")
        action.triggered.connect(lambda: self.restoreRequested.emit(self.index))
        if self.step is not None and self.step.candidate is not None:
            compare = menu.addAction("Compare candidates…")
            compare.setObjectName("compareCandidatesAction")
            compare.triggered.connect(lambda: self.candidatesRequested.emit(self.index))
            if self._stack_toggle:
                spread = menu.addAction(self._stack_toggle)
                spread.setObjectName("spreadAction")
                spread.triggered.connect(lambda: self.spreadRequested.emit(self.index))
        return menu

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        """Offer "Restore this step" (and, for a candidate, to compare or spread them)."""
        if not self.is_selectable():
            return
        menu = self.context_menu()
        menu.exec(event.globalPos())
        menu.deleteLater()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        """A left click selects the step."""
        if event.button() == Qt.MouseButton.LeftButton and self.is_selectable():
            self.clicked.emit(self.index)
        super().mousePressEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        """A double click asks to restore the step."""
        if event.button() == Qt.MouseButton.LeftButton and self.is_selectable():
            self.restoreRequested.emit(self.index)
        super().mouseDoubleClickEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        """A rounded border from the palette; the accent colour and a thicker line if selected."""
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        if self._selected:
            pen = QPen(palette.color(QPalette.ColorRole.Highlight), 2.5)
        else:
            pen = QPen(palette.color(QPalette.ColorRole.Mid), 1.0)
        if self.step is None:
            pen.setStyle(Qt.PenStyle.DashLine)
        outline = QRectF(self.rect()).adjusted(1.5, 1.5, -1.5, -1.5)
        if self._stack:
            outline = paint_layers(painter, outline, palette)
        painter.setPen(pen)
        painter.setBrush(palette.color(QPalette.ColorRole.Base))
        painter.drawRoundedRect(outline, 6, 6)
        painter.end()


def _placeholder(step: CardState) -> str:
    if step.kind is StepKind.GUI_TEST:
        return "GUI test"
    if step.kind is StepKind.FINISH:
        return "Finish"
    return "no screenshot"


__all__ = ["CARD_WIDTH", "THUMB_SIZE", "StepCard"]
