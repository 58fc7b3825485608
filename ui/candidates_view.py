"""The Candidates tab: every candidate of one step side by side, one column each.

A column shows the candidate's screenshot, its grades, whether it was chosen, why the render
gate kept it from the critic, its errors and how its files differ from the parent step's;
its "Continue from this candidate" button asks to restore it (the window's one restore
path). The app reads the steps and computes the diffs off the GUI thread
(``parent_changes``) and calls ``show_candidates``; the view reads nothing from disk.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from agent_core.store.records import StepRecord
from ui import step_detail_parts as parts
from ui.code_viewer import monospace_editor
from ui.compare_view import changed_paths
from ui.file_diff import FileDiff, Side, diff_file
from ui.file_tree import visible_files
from ui.highlight import DiffHighlighter, paint_diff_backgrounds
from ui.labels import badge, plain_label, tint
from ui.step_detail_parts import ScaledImage, full_size_viewer
from ui.step_format import (
    ERROR,
    INFO,
    SUCCESS,
    WARNING,
    CandidateMark,
    candidate_role,
    gate_sentence,
    short_note,
)

PLACEHOLDER = ("No candidates shown. A step taken as several candidates (webgen run "
               "--candidates N) shows as a stack on the timeline: press Enter on it, click "
               "its \"candidates\" badge or use its menu to compare them here.")
CONTINUE = "Continue from this candidate"
COLUMN_WIDTH = (300, 460)
"""The least and the most a column takes: narrow windows scroll sideways."""
DIFF_LINES = 14
ROLE_COLOURS = {"chosen": SUCCESS, "sibling": INFO, "gated": WARNING}
ROLE_TIPS = {"chosen": "The run continued from this candidate when the step was taken",
             "sibling": "Graded, kept beside the chosen candidate",
             "gated": "Kept from the critic by the render gate"}
GATE_ERROR = "render gate: "
"""How the gate's reason starts among a step's errors (shown on its own line instead)."""


@dataclass(frozen=True)
class FileChange:
    """How one file of a candidate differs from the parent step's.

    Attributes:
        path: The file's path in the project.
        status: "added", "removed" or "changed".
        diff: The file's diff (or why there is none: binary, too large).
    """

    path: str
    status: str
    diff: FileDiff


@dataclass(frozen=True)
class CandidateSide:
    """One candidate as its column shows it.

    Attributes:
        step: The candidate's record.
        screenshot: Its screenshot, None when it has none.
        changes: How its files differ from the parent step's, by path.
    """

    step: StepRecord
    screenshot: QImage | None = None
    changes: tuple[FileChange, ...] = ()


def parent_changes(parent: Mapping[str, bytes], files: Mapping[str, bytes],
                   parent_label: str, label: str) -> tuple[FileChange, ...]:
    """Each file that differs between a parent step and a candidate, with its diff.

    Pure and without Qt: the app calls it in a worker thread.
    """
    old, new = visible_files(parent), visible_files(files)
    return tuple(FileChange(path, status, diff_file(path, Side(parent_label, old.get(path)),
                                                    Side(label, new.get(path))))
                 for path, status in changed_paths(old, new))


def changes_summary(changes: Sequence[FileChange], parent: int | None) -> str:
    """'2 files changed from step 1 · +5 −2 lines', or that nothing changed."""
    base = f"step {parent}" if parent is not None else "the empty start"
    if not changes:
        return f"The same files as {base}."
    files = "1 file" if len(changes) == 1 else f"{len(changes)} files"
    added = sum(c.diff.added for c in changes)
    removed = sum(c.diff.removed for c in changes)
    return f"{files} changed from {base} · +{added} −{removed} lines"


def errors_text(step: StepRecord) -> str:
    """The step's errors in short, one a line, the gate's own left out ('' for none)."""
    errors = [e for e in step.errors if not e.startswith(GATE_ERROR)]
    if step.has_error and not errors and not step.runtime.gate:
        errors = ["marked as an error step"]
    return "\n".join(f"Error: {short_note(e)}" for e in errors[:3])


class CandidateColumn(QFrame):
    """One candidate: title, markers, screenshot, grades, gate, errors, diff, continue button.

    Signals:
        restoreRequested(int): "Continue from this candidate" was pressed.
    """

    restoreRequested = Signal(int)

    def __init__(self, side: CandidateSide, parent: QWidget | None = None) -> None:
        """The column of ``side``."""
        super().__init__(parent)
        self.setObjectName("candidateColumn")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setMinimumWidth(COLUMN_WIDTH[0])
        self.setMaximumWidth(COLUMN_WIDTH[1])
        self.step = side.step
        self.mark = CandidateMark.read(side.step.runtime.candidate)
        self.role = candidate_role(self.mark, side.step.runtime.gate or "") if self.mark else ""
        layout = QVBoxLayout(self)
        layout.addLayout(self._build_title())
        self.continue_button = QPushButton(CONTINUE, self)  # on top: seen in a short window
        self.continue_button.setObjectName("continueButton")
        self.continue_button.clicked.connect(lambda: self.restoreRequested.emit(self.step.index))
        layout.addWidget(self.continue_button)
        self._build_screenshot(side.screenshot)
        layout.addWidget(self.screenshot)
        for widget in self._build_texts(side):
            layout.addWidget(widget)
        layout.addStretch(1)
        number = f"Candidate {self.mark.number}" if self.mark else f"Step {self.step.index}"
        self.continue_button.setAccessibleName(f"Continue from {number.lower()} "
                                               f"(step {self.step.index})")
        self.setAccessibleName(f"{number}, step {self.step.index}, {self.role}")

    def _build_title(self) -> QHBoxLayout:
        mark = self.mark
        title = (f"Candidate {mark.number} of {mark.of} · step {self.step.index}" if mark
                 else f"Step {self.step.index}")
        self.title_label = plain_label(self, "candidateTitle", bold=True)
        self.title_label.setText(title)
        self.role_badge = badge(self.role, self, name="candidateRole",
                                colour=ROLE_COLOURS.get(self.role, INFO))
        self.role_badge.setToolTip(ROLE_TIPS.get(self.role, ""))
        self.role_badge.setVisible(bool(self.role))
        self.head_badge = badge("current", self, name="candidateHead", colour=INFO)
        self.head_badge.setToolTip("The run continues from this step now")
        row = QHBoxLayout()
        row.addWidget(self.title_label, 1)
        row.addWidget(self.role_badge)
        row.addWidget(self.head_badge)
        return row

    def _build_screenshot(self, image: QImage | None) -> None:
        self.screenshot = ScaledImage("", self)
        self.screenshot.setObjectName("candidateScreenshot")
        self.screenshot.set_image(image, "No screenshot was taken of this candidate.")
        self.screenshot.setAccessibleName(f"Screenshot of step {self.step.index}")
        self.screenshot.clicked.connect(self._open_screenshot)

    def _build_texts(self, side: CandidateSide) -> list[QWidget]:
        step = side.step
        self.grades_label = plain_label(self, "candidateGrades")
        self.grades_label.setText(parts.grades_text(step))
        self.gate_label = plain_label(self, "candidateGate")
        self.gate_label.setText(gate_sentence(step.runtime.gate or ""))
        self.gate_label.setToolTip(step.runtime.gate or "")
        self.gate_label.setVisible(bool(step.runtime.gate))
        tint(self.gate_label, WARNING)
        self.errors_label = plain_label(self, "candidateErrors")
        errors = errors_text(step)
        self.errors_label.setText(errors or "No errors")
        self.errors_label.setToolTip("\n".join(step.errors))
        self.errors_label.setVisible(bool(errors) or not step.has_error)  # else: the gate's
        tint(self.errors_label, ERROR if errors else SUCCESS)
        self.diff_summary = plain_label(self, "candidateDiffSummary")
        self.diff_summary.setText(changes_summary(side.changes, step.parent))
        self.diff_view = QPlainTextEdit(self)
        self.diff_view.setObjectName("candidateDiff")
        monospace_editor(self.diff_view)
        self.diff_view.setTabChangesFocus(True)
        self.diff_view.setAccessibleName(f"Changes of step {step.index} from its parent")
        self._highlighter = DiffHighlighter(self.diff_view.document())
        self.diff_view.setPlainText("\n".join(c.diff.text for c in side.changes))
        if any(c.diff.is_diff for c in side.changes):
            paint_diff_backgrounds(self.diff_view.document())
        lines = self.diff_view.fontMetrics().lineSpacing() * DIFF_LINES
        self.diff_view.setFixedHeight(lines + 8)
        self.diff_view.setVisible(bool(side.changes))
        return [self.grades_label, self.gate_label, self.errors_label, self.diff_summary,
                self.diff_view]

    def set_head(self, is_head: bool) -> None:
        """Mark the column as the current step (nothing to continue from then)."""
        self.head_badge.setVisible(is_head)
        self.continue_button.setEnabled(not is_head)
        self.continue_button.setToolTip(
            "This candidate is the current step" if is_head else
            "Make this candidate the current step: its files, conversation and preview")

    def _open_screenshot(self) -> None:
        pixmap = self.screenshot.pixmap()
        if pixmap is not None:
            full_size_viewer(pixmap, self.title_label.text(), self).show()


class CandidatesView(QWidget):
    """The candidates of one step in columns that scroll sideways when the window is narrow.

    Signals:
        restoreRequested(int): The user wants the run to continue from this step.
    """

    restoreRequested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        """Create the view showing its placeholder."""
        super().__init__(parent)
        self.setObjectName("candidatesView")
        self._columns: list[CandidateColumn] = []
        self.heading_label = plain_label(self, "candidatesHeading", bold=True)
        self.note_label = plain_label(self, "candidatesNote")
        self._placeholder = QLabel(PLACEHOLDER, self)
        self._placeholder.setObjectName("candidatesPlaceholder")
        self._placeholder.setWordWrap(True)
        self._placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._placeholder.setEnabled(False)
        self._body = QWidget()
        self._row = QHBoxLayout(self._body)
        self._row.setContentsMargins(0, 0, 0, 0)
        self._row.addStretch(1)
        self._scroll = QScrollArea(self)
        self._scroll.setObjectName("candidatesScroll")
        self._scroll.setWidgetResizable(True)
        self._scroll.setFrameShape(QFrame.Shape.NoFrame)
        self._scroll.setWidget(self._body)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        for widget in (self.heading_label, self.note_label):
            layout.addWidget(widget)
        layout.addWidget(self._placeholder, 1)
        layout.addWidget(self._scroll, 1)
        self.clear()

    def show_candidates(self, sides: Sequence[CandidateSide], head: int | None) -> None:
        """Show ``sides`` (the candidates of one step, in order) with ``head`` marked."""
        self._drop_columns()
        for side in sides:
            column = CandidateColumn(side, self._body)
            column.restoreRequested.connect(self.restoreRequested)
            self._row.insertWidget(self._row.count() - 1, column)
            self._columns.append(column)
        self.heading_label.setText(_heading(sides))
        self.note_label.setText(_note(sides))
        self.set_head(head)
        self._placeholder.hide()
        for widget in (self._scroll, self.heading_label, self.note_label):
            widget.show()
        self._scroll.horizontalScrollBar().setValue(0)

    def set_head(self, head: int | None) -> None:
        """Move the "current" marker (after a restore, or as the run goes on)."""
        for column in self._columns:
            column.set_head(column.step.index == head)

    def clear(self) -> None:
        """Show the placeholder."""
        self._drop_columns()
        for widget in (self._scroll, self.heading_label, self.note_label):
            widget.hide()
        self._placeholder.show()

    def columns(self) -> list[CandidateColumn]:
        """The columns shown, in candidate order."""
        return list(self._columns)

    def column(self, index: int) -> CandidateColumn | None:
        """The column of step ``index``, if shown."""
        return next((c for c in self._columns if c.step.index == index), None)

    def shown_steps(self) -> list[int]:
        """The step indices shown, in order ([] with the placeholder)."""
        return [c.step.index for c in self._columns]

    def _drop_columns(self) -> None:
        for column in self._columns:
            self._row.removeWidget(column)
            column.deleteLater()
        self._columns = []


def _heading(sides: Sequence[CandidateSide]) -> str:
    if not sides:
        return ""
    first, last = sides[0].step, sides[-1].step
    parent = f"After step {first.parent}" if first.parent is not None else "At the start"
    return (f"{parent}: {len(sides)} candidates, steps {first.index}–{last.index}")


def _note(sides: Sequence[CandidateSide]) -> str:
    chosen = [s.step for s in sides if (m := CandidateMark.read(s.step.runtime.candidate))
              and m.chosen]
    if not chosen:
        return "No candidate was chosen (the step did not finish)."
    number = CandidateMark.read(chosen[0].runtime.candidate)
    assert number is not None
    return (f"Candidate {number.number} (step {chosen[0].index}) was chosen: no error first, "
            "then the higher GUI grade, then the higher appearance grade. Any of them can be "
            "continued from.")


__all__ = ["CONTINUE", "CandidateColumn", "CandidateSide", "CandidatesView", "FileChange",
           "changes_summary", "parent_changes"]
