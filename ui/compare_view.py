"""Two steps side by side (of one run or of two runs), and how their files differ.

Two pickers at the top choose steps of the open run (``stepsChosen``). The app loads both
steps (record, screenshot, files) off the GUI thread and calls ``show_pair``; the view reads
nothing from disk. The diff goes from the left step to the right one: "added" means only the
right step has the file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from agent_core.store.records import StepRecord
from agent_core.store.step_kinds import edits_files
from ui import step_detail_parts as parts
from ui.code_viewer import monospace_editor
from ui.compare_pickers import CHOOSE_TWO, StepPickers, picker_hint
from ui.file_diff import FileDiff, Side, diff_file
from ui.file_tree import visible_files
from ui.highlight import DiffHighlighter, paint_diff_backgrounds
from ui.labels import plain_label, tint
from ui.step_detail_parts import CollapsibleText, ScaledImage, full_size_viewer
from ui.step_format import ERROR, SUCCESS, WARNING, kind_label

PLACEHOLDER = CHOOSE_TWO
SAME_FILES = "Both steps have the same files."
PATH_ROLE = Qt.ItemDataRole.UserRole + 1
_STATUS_COLOURS = {"added": SUCCESS, "removed": ERROR, "changed": WARNING}


@dataclass(frozen=True)
class ComparedStep:
    """One side of a comparison.

    Attributes:
        label: How the side is named, e.g. ``"run A · step 4"`` (also in diff headers).
        step: The step's record.
        screenshot: The step's screenshot, None when it has none.
        files: The whole project after the step: path -> bytes.
    """

    label: str
    step: StepRecord
    screenshot: QImage | None = None
    files: Mapping[str, bytes] = field(default_factory=dict)


def changed_paths(old: Mapping[str, bytes], new: Mapping[str, bytes]) -> list[tuple[str, str]]:
    """(path, "added"/"removed"/"changed") for every file that differs, sorted by path."""
    result = []
    for path in sorted(set(old) | set(new)):
        if path not in old:
            result.append((path, "added"))
        elif path not in new:
            result.append((path, "removed"))
        elif old[path] != new[path]:
            result.append((path, "changed"))
    return result


def counts_text(changes: list[tuple[str, str]]) -> str:
    """'3 files differ · 1 added · 0 removed · 2 changed', or the same-files sentence."""
    if not changes:
        return SAME_FILES
    counts = {kind: sum(1 for _, k in changes if k == kind) for kind in _STATUS_COLOURS}
    files = f"{len(changes)} files differ" if len(changes) != 1 else "1 file differs"
    return " · ".join([files, *(f"{n} {kind}" for kind, n in counts.items())])




class StepColumn(QWidget):
    """One step of the comparison: title, grades, errors, screenshot, critic and feedback."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        """Create an empty column; ``name`` prefixes the object names ("left", "right")."""
        super().__init__(parent)
        self.setObjectName(f"{name}Column")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.title_label = plain_label(self, f"{name}Title", bold=True)
        self.grades_label = plain_label(self, f"{name}Grades")
        self.errors_label = plain_label(self, f"{name}Errors")
        self.screenshot = ScaledImage("", self)
        self.screenshot.setObjectName(f"{name}Screenshot")
        self.screenshot.clicked.connect(self._open_screenshot)
        self.critic_label = plain_label(self, f"{name}Critic")
        self.feedback = CollapsibleText(
            "Show feedback", "Hide feedback", "Show the message sent back to the coder", self
        )
        self.feedback.setObjectName(f"{name}Feedback")
        for widget in (self.title_label, self.grades_label, self.errors_label, self.screenshot,
                       self.critic_label, self.feedback):  # fmt: skip
            layout.addWidget(widget)
        layout.addStretch(1)

    def show_step(self, side: ComparedStep) -> None:
        """Fill the column from ``side``."""
        step = side.step
        self.title_label.setText(side.label)
        self.grades_label.setText(f"{kind_label(step.kind)} · {parts.grades_text(step)}")
        if step.errors or step.has_error:
            reasons = step.errors or ["marked as an error step"]
            self.errors_label.setText("\n".join(f"Error: {r}" for r in reasons))
            tint(self.errors_label, ERROR)
        else:
            self.errors_label.setText("No errors")
            tint(self.errors_label, SUCCESS)
        self.screenshot.set_image(side.screenshot, self._no_screenshot_text(step))
        critic = parts.critic_text(step.critic)
        gui = parts.gui_summary_text(step.gui)
        texts = [t for t in (critic, gui) if t]
        self.critic_label.setText("\n\n".join(texts) or "No critic report for this step.")
        self.feedback.set_text(step.feedback or "(no feedback was sent)")

    @staticmethod
    def _no_screenshot_text(step: StepRecord) -> str:
        if not edits_files(step.kind):
            return f"{kind_label(step.kind)} steps take no screenshot of their own."
        return "No screenshot could be taken at this step."

    @Slot()
    def _open_screenshot(self) -> None:
        pixmap = self.screenshot.pixmap()
        if pixmap is not None:
            full_size_viewer(pixmap, self.title_label.text(), self).show()


class CompareView(QWidget):
    """Two steps side by side over the list of changed files and the selected file's diff.

    Signals:
        stepsChosen(int, int): The user chose two steps of the open run in the pickers.
    """

    stepsChosen = Signal(int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        """Create an empty view showing its placeholder."""
        super().__init__(parent)
        self.setObjectName("compareView")
        self._left: ComparedStep | None = None
        self._right: ComparedStep | None = None
        self._files: tuple[dict[str, bytes], dict[str, bytes]] = ({}, {})
        self._changes: list[tuple[str, str]] = []
        self._placeholder = picker_hint(0)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self._build_columns())
        splitter.addWidget(self._build_diff())
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        self.pickers = StepPickers(self)
        self.pickers.pairChosen.connect(self.stepsChosen)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.pickers)
        layout.addWidget(splitter, 1)
        self.clear()

    def _build_columns(self) -> QScrollArea:
        body = QWidget()
        row = QHBoxLayout(body)
        row.setContentsMargins(0, 0, 4, 0)
        self.left_column = StepColumn("left", body)
        self.right_column = StepColumn("right", body)
        row.addWidget(self.left_column, 1)
        separator = QFrame(body)
        separator.setFrameShape(QFrame.Shape.VLine)
        separator.setFrameShadow(QFrame.Shadow.Sunken)
        row.addWidget(separator)
        row.addWidget(self.right_column, 1)
        scroll = QScrollArea(self)
        scroll.setObjectName("compareScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(body)
        scroll.setMinimumHeight(48)  # the pickers' row must not make the tab (or window) taller
        return scroll

    def _build_diff(self) -> QWidget:
        pane = QWidget(self)
        self.counts_label = plain_label(pane, "compareCounts", bold=True)
        self.file_list = QListWidget(pane)
        self.file_list.setObjectName("changedFiles")
        self.file_list.setToolTip("Files that differ between the two steps")
        self.file_list.currentItemChanged.connect(self._on_file_chosen)
        self.diff_summary = plain_label(pane, "compareDiffSummary")
        self.diff_view = QPlainTextEdit(pane)
        self.diff_view.setObjectName("compareDiff")
        monospace_editor(self.diff_view)
        self._highlighter = DiffHighlighter(self.diff_view.document())
        right = QWidget(pane)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.diff_summary)
        right_layout.addWidget(self.diff_view, 1)
        files_split = QSplitter(Qt.Orientation.Horizontal, pane)
        files_split.addWidget(self.file_list)
        files_split.addWidget(right)
        files_split.setStretchFactor(1, 1)
        files_split.setSizes([220, 640])
        layout = QVBoxLayout(pane)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.counts_label)
        layout.addWidget(files_split, 1)
        return pane

    # -- public API ------------------------------------------------------------------

    def show_pair(self, left: ComparedStep, right: ComparedStep) -> None:
        """Show ``left`` and ``right`` side by side and diff their files (left to right)."""
        self._left, self._right = left, right
        self.left_column.show_step(left)
        self.right_column.show_step(right)
        for column in (self.left_column, self.right_column):
            column.setVisible(True)
        self._files = (visible_files(left.files), visible_files(right.files))
        self._changes = changed_paths(*self._files)
        self.counts_label.setText(counts_text(self._changes))
        self.file_list.blockSignals(True)
        try:
            self.file_list.clear()
            for path, status in self._changes:
                item = QListWidgetItem(f"{path}  ({status})")
                item.setData(PATH_ROLE, path)
                item.setForeground(QColor(_STATUS_COLOURS[status]))
                item.setToolTip(f"{path}: {status} in {right.label} compared with {left.label}")
                self.file_list.addItem(item)
        finally:
            self.file_list.blockSignals(False)
        if self._changes:
            self.select_file(self._changes[0][0])
        else:
            self._show_diff(FileDiff(SAME_FILES))

    def set_steps(self, steps: Sequence[StepRecord], *, head: int | None = None,
                  best: int | None = None) -> None:
        """List the open run's steps in the pickers (an empty list: no run is open)."""
        self.pickers.set_steps(steps, head=head, best=best)
        self._placeholder = picker_hint(len(steps))
        if not self.has_pair():
            self.counts_label.setText(self._placeholder)

    def has_pair(self) -> bool:
        """Whether two steps are shown."""
        return self._left is not None and self._right is not None

    def clear(self) -> None:
        """Forget both steps and show the placeholder (the pickers keep their lists)."""
        self.pickers.show_choice(None, None)
        self._left = self._right = None
        self._files = ({}, {})
        self._changes = []
        self.left_column.setVisible(False)
        self.right_column.setVisible(False)
        self.file_list.clear()
        self.counts_label.setText(self._placeholder)
        self._show_diff(FileDiff(""))

    def select_file(self, path: str) -> None:
        """Show the diff of ``path`` (one of the changed files)."""
        for row in range(self.file_list.count()):
            if self.file_list.item(row).data(PATH_ROLE) == path:
                self.file_list.setCurrentRow(row)
                return

    # -- read-only accessors ---------------------------------------------------------

    def changed_files(self) -> list[tuple[str, str]]:
        """(path, "added"/"removed"/"changed") of every file that differs, sorted by path."""
        return list(self._changes)

    def diff_text(self) -> str:
        """The text of the diff pane: a unified diff or a sentence."""
        return self.diff_view.toPlainText()

    def diff_summary_text(self) -> str:
        """The line above the diff, e.g. '+5 −2 lines'."""
        return self.diff_summary.text()

    def left_title(self) -> str:
        """The left step's title."""
        return self.left_column.title_label.text() if self._left else ""

    def right_title(self) -> str:
        """The right step's title."""
        return self.right_column.title_label.text() if self._right else ""

    # -- behaviour -------------------------------------------------------------------

    @Slot(QListWidgetItem, QListWidgetItem)
    def _on_file_chosen(self, item: QListWidgetItem | None, _previous: object) -> None:
        if item is None or self._left is None or self._right is None:
            return
        path = item.data(PATH_ROLE)
        old, new = (files.get(path) for files in self._files)
        self._show_diff(diff_file(path, Side(self._left.label, old), Side(self._right.label, new)))

    def _show_diff(self, diff: FileDiff) -> None:
        self.diff_view.setPlainText(diff.text)
        if diff.is_diff:
            paint_diff_backgrounds(self.diff_view.document())
        self.diff_summary.setText(diff.summary)
