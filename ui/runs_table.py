"""The table behind the runs browser: one row per ``RunSummary``, sorting and filtering.

Each cell has a display text and a sort key (``SORT_ROLE``); missing values (no grade, no
model) have no key and the proxy keeps them at the bottom in either sort order.
"""

from __future__ import annotations

import html
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QDateTime,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QColor

from agent_core.store.run_index import RunSummary
from ui.step_format import ERROR, INFO, SUCCESS, WARNING, format_duration, grade_colour

COLUMNS = ("Instruction", "Coder", "Critic", "Steps", "Best look", "Best GUI", "Duration",
           "Date", "Status")  # fmt: skip
(INSTRUCTION, CODER, CRITIC, STEPS, BEST_LOOK, BEST_GUI, DURATION, DATE, STATUS) = range(
    len(COLUMNS)
)
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
RUN_DIR_ROLE = Qt.ItemDataRole.UserRole + 2
INSTRUCTION_CHARS = 160
"""Characters of the instruction's first line shown in the cell (the tooltip has it all)."""

_STATUS_COLOURS = {"finished": SUCCESS, "failed": ERROR, "cancelled": WARNING, "running": INFO}
_NUMERIC = {STEPS, BEST_LOOK, BEST_GUI, DURATION}
_HEADER_TIPS = {
    BEST_LOOK: "Appearance grade (0-5) of the run's best step",
    BEST_GUI: "GUI-test grade (1-5) of the run's best step",
    DURATION: "Time spent in the run's steps",
    DATE: "When the run was created",
}
Index = QModelIndex | QPersistentModelIndex


def first_line(text: str, limit: int = INSTRUCTION_CHARS) -> str:
    """The first non-empty line of ``text``, cut at ``limit`` characters with an ellipsis."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    line = lines[0] if lines else ""
    cut = len(line) > limit or len(lines) > 1
    return (line[:limit].rstrip() + "…") if cut else line


def date_text(created_at: float) -> str:
    """'2024-05-01 14:03' in local time ('' for 0)."""
    if created_at <= 0:
        return ""
    return QDateTime.fromSecsSinceEpoch(int(created_at)).toString("yyyy-MM-dd HH:mm")


def status_text(summary: RunSummary) -> str:
    """'finished', 'failed · imported', 'finished · example', '… · damaged' or 'unreadable'."""
    if not summary.readable:
        return "unreadable"
    marks = [mark for mark, on in (("imported", summary.imported), ("example", summary.example),
                                   ("damaged", bool(summary.damaged))) if on]
    return " · ".join([summary.status, *marks])


def _grade_cell(grade: int | None) -> str:
    return f"{grade}/5" if grade is not None else "–"


def _tooltip(text: str) -> str:
    # Rich text so that Qt wraps a long instruction instead of one endless line.
    return f"<p style='white-space:pre-wrap'>{html.escape(text)}</p>"


class RunTableModel(QAbstractTableModel):
    """Rows of run summaries; ``summary(row)`` gives the summary behind a row.

    Args:
        parent: Owning object.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runs: list[RunSummary] = []

    def set_runs(self, runs: Sequence[RunSummary]) -> None:
        """Replace every row."""
        self.beginResetModel()
        self._runs = list(runs)
        self.endResetModel()

    def summary(self, row: int) -> RunSummary:
        """The summary shown in ``row``."""
        return self._runs[row]

    def runs(self) -> list[RunSummary]:
        """Every summary, in model order."""
        return list(self._runs)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        """Number of runs (0 under any parent: this is a flat table)."""
        return 0 if parent.isValid() else len(self._runs)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        """Number of columns."""
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Column titles and their tooltips."""
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            return _HEADER_TIPS.get(section)
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Text, sort key, tooltip, colour and alignment of one cell."""
        if not index.isValid():
            return None
        run, column = self._runs[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(run, column)
        if role == SORT_ROLE:
            return self._sort_key(run, column)
        if role == RUN_DIR_ROLE:
            return str(run.run_dir)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(run, column)
        if role == Qt.ItemDataRole.ForegroundRole:
            colour = self._colour(run, column)
            return QColor(colour) if colour else None
        if role == Qt.ItemDataRole.TextAlignmentRole and column in _NUMERIC:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    @staticmethod
    def _display(run: RunSummary, column: int) -> str:
        if not run.readable:
            texts = {INSTRUCTION: f"Cannot read {run.run_dir.name}", STATUS: "unreadable"}
            return texts.get(column, "")
        texts = {
            INSTRUCTION: first_line(run.instruction) or "(no instruction)",
            CODER: run.models.get("coder", "–"),
            CRITIC: run.models.get("critic", "–"),
            STEPS: str(run.steps),
            BEST_LOOK: _grade_cell(run.best_appearance),
            BEST_GUI: _grade_cell(run.best_gui),
            DURATION: format_duration(run.duration_s),
            DATE: date_text(run.created_at),
            STATUS: status_text(run),
        }
        return texts[column]

    @staticmethod
    def _sort_key(run: RunSummary, column: int) -> Any:
        if not run.readable:
            return run.run_dir.name.casefold() if column == INSTRUCTION else None
        keys: dict[int, Any] = {
            INSTRUCTION: run.instruction.casefold(),
            CODER: run.models.get("coder", "").casefold() or None,
            CRITIC: run.models.get("critic", "").casefold() or None,
            STEPS: run.steps,
            BEST_LOOK: run.best_appearance,
            BEST_GUI: run.best_gui,
            DURATION: run.duration_s,
            DATE: run.created_at or None,
            STATUS: status_text(run),
        }
        return keys[column]

    @staticmethod
    def _tooltip(run: RunSummary, column: int) -> str | None:
        if not run.readable:
            return _tooltip(run.problem)
        if run.damaged and column == STATUS:
            return _tooltip("Left out, damaged: " + "; ".join(run.damaged)
                            + f". `webgen doctor {run.run_dir}` checks the folder.")
        if column == INSTRUCTION:
            return _tooltip(run.instruction)
        if column in (BEST_LOOK, BEST_GUI) and run.best_step is not None:
            return f"Grades of step {run.best_step}, the run's best step"
        return _tooltip(str(run.run_dir)) if column == STATUS else None

    @staticmethod
    def _colour(run: RunSummary, column: int) -> str | None:
        if not run.readable:
            return ERROR if column in (INSTRUCTION, STATUS) else None
        if column == BEST_LOOK:
            return grade_colour(run.best_appearance)
        if column == BEST_GUI:
            return grade_colour(run.best_gui)
        return _STATUS_COLOURS.get(run.status) if column == STATUS else None


class RunFilterProxy(QSortFilterProxyModel):
    """Sorts by ``SORT_ROLE`` with missing values last, and filters by text and coder model.

    Args:
        parent: Owning object.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._terms: list[str] = []
        self._coder: str | None = None
        self.setSortRole(SORT_ROLE)

    def set_text(self, text: str) -> None:
        """Keep runs whose instruction or model names contain every word of ``text``."""
        with self._changing_rows():
            self._terms = text.casefold().split()

    def set_coder(self, model: str | None) -> None:
        """Keep only runs whose coder is ``model`` (None: every run)."""
        with self._changing_rows():
            self._coder = model

    @contextmanager
    def _changing_rows(self) -> Iterator[None]:
        # Qt 6.10 replaced invalidateFilter() by a begin/end pair; older Qt lacks the pair.
        if hasattr(self, "beginFilterChange"):
            self.beginFilterChange()
            try:
                yield
            finally:
                self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            yield
            self.invalidateRowsFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        """Whether a run matches the text and the coder filter."""
        model = self.sourceModel()
        if not isinstance(model, RunTableModel):
            return True
        run = model.summary(source_row)
        if self._coder is not None and run.models.get("coder") != self._coder:
            return False
        if not self._terms:
            return True
        haystack = " ".join([run.instruction, run.run_dir.name, *run.models.values()]).casefold()
        return all(term in haystack for term in self._terms)

    def lessThan(self, left: Index, right: Index) -> bool:
        """Compare sort keys; a missing key sorts last whichever the order."""
        a, b = left.data(SORT_ROLE), right.data(SORT_ROLE)
        if a is None or b is None:
            if a is None and b is None:
                return False
            # In descending order Qt reverses the result, so "missing is smaller" puts it last.
            missing_last = self.sortOrder() == Qt.SortOrder.AscendingOrder
            return (b is None) == missing_last
        return a < b
