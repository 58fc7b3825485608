"""Every run in a folder as a sortable, filterable table.

The app scans the folder (``agent_core.store.run_index.scan_runs``, off the GUI thread) and
calls ``set_runs``; the browser only asks for things with signals: open a run, compare the
best steps of two runs, choose another folder, look at the folder again (Refresh, F5).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, Signal, Slot
from PySide6.QtGui import QColor, QKeySequence, QPalette, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from agent_core.store.run_index import RunSummary
from ui.runs_table import (
    DATE,
    INSTRUCTION,
    RUN_DIR_ROLE,
    RunFilterProxy,
    RunTableModel,
)
from ui.step_format import ERROR

ALL_CODERS = "All coders"
EMPTY_TEXT = "No runs here yet. Choose a folder that holds run directories."
NO_MATCH_TEXT = "No run matches the filter."
SCANNING_TEXT = "Looking for runs…"
REFRESH_KEYS = "F5"


class RunsBrowser(QWidget):
    """A table of runs: instruction, models, steps, best grades, duration, date and status.

    Signals:
        openRequested(str): The user wants to open the run in this directory (double-click,
            Enter or the "Open" button).
        compareRequested(str, str): The user wants the best steps of these two runs side by
            side (top row first).
        folderRequested(): The user wants to browse another folder (the app shows the dialog,
            scans it and calls ``set_runs``).
        refreshRequested(): The folder should be looked at again (the Refresh button, F5
            while the browser has focus, or ``refresh``); the app scans it and calls
            ``set_runs``.
    """

    openRequested = Signal(str)
    compareRequested = Signal(str, str)
    folderRequested = Signal()
    refreshRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        """Create an empty browser."""
        super().__init__(parent)
        self.setObjectName("runsBrowser")
        self._model = RunTableModel(self)
        self._proxy = RunFilterProxy(self)
        self._proxy.setSourceModel(self._model)
        self._scanning = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(self._build_toolbar())
        self._stack = QStackedWidget(self)
        self._placeholder = QLabel(EMPTY_TEXT, self)
        self._placeholder.setObjectName("runsPlaceholder")
        self._placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._placeholder.setWordWrap(True)
        self._placeholder.setEnabled(False)
        self._stack.addWidget(self._placeholder)
        self._stack.addWidget(self._build_table())
        layout.addWidget(self._stack, 1)
        layout.addLayout(self._build_footer())
        shortcut = QShortcut(QKeySequence(REFRESH_KEYS), self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(self.refresh)
        self.set_runs([])

    # -- layout ----------------------------------------------------------------------

    def _build_toolbar(self) -> QHBoxLayout:
        self.filter_edit = QLineEdit(self)
        self.filter_edit.setObjectName("runsFilter")
        self.filter_edit.setPlaceholderText("Filter by instruction or model…")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setToolTip("Show only runs whose instruction or model names contain "
                                    "every word typed here")  # fmt: skip
        self.filter_edit.textChanged.connect(self._on_filter_changed)
        self.coder_combo = QComboBox(self)
        self.coder_combo.setObjectName("coderFilter")
        self.coder_combo.setToolTip("Show only runs made with one coder model")
        self.coder_combo.currentIndexChanged.connect(self._on_coder_changed)
        self.folder_button = QPushButton("Choose folder…", self)
        self.folder_button.setObjectName("chooseFolderButton")
        self.folder_button.setToolTip("Browse the runs of another folder")
        self.folder_button.clicked.connect(self.folderRequested)
        self.refresh_button = QPushButton("Refresh", self)
        self.refresh_button.setObjectName("refreshRunsButton")
        self.refresh_button.setToolTip(f"Look at the folder again for new runs ({REFRESH_KEYS})")
        self.refresh_button.clicked.connect(self.refresh)
        row = QHBoxLayout()
        row.addWidget(self.filter_edit, 1)
        row.addWidget(self.coder_combo)
        row.addWidget(self.refresh_button)
        row.addWidget(self.folder_button)
        return row

    def _build_table(self) -> QTableView:
        self.table = QTableView(self)
        self.table.setObjectName("runsTable")
        self.table.setModel(self._proxy)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.setWordWrap(False)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(INSTRUCTION, QHeaderView.ResizeMode.Stretch)
        header.setSortIndicatorShown(True)
        self.table.sortByColumn(DATE, Qt.SortOrder.DescendingOrder)
        # Double-click and Enter both "activate" a row.
        self.table.activated.connect(self._on_activated)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        return self.table

    def _build_footer(self) -> QVBoxLayout:
        self.count_label = QLabel(self)
        self.count_label.setObjectName("runsCount")
        self.count_label.setEnabled(False)
        self.open_button = QPushButton("Open", self)
        self.open_button.setObjectName("openRunButton")
        self.open_button.setToolTip("Open the selected run (Enter or double-click)")
        self.open_button.clicked.connect(self._on_open_clicked)
        self.compare_button = QPushButton("Compare best steps", self)
        self.compare_button.setObjectName("compareRunsButton")
        self.compare_button.setToolTip(
            "Select exactly two runs (Ctrl+click) to see their best steps side by side"
        )
        self.compare_button.clicked.connect(self._on_compare_clicked)
        self.problem_label = QLabel(self)
        self.problem_label.setObjectName("runProblem")
        self.problem_label.setWordWrap(True)
        self.problem_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        palette = self.problem_label.palette()
        palette.setColor(QPalette.ColorRole.WindowText, QColor(ERROR))
        self.problem_label.setPalette(palette)
        self.problem_label.hide()
        row = QHBoxLayout()
        row.addWidget(self.count_label, 1)
        row.addWidget(self.open_button)
        row.addWidget(self.compare_button)
        footer = QVBoxLayout()
        footer.addWidget(self.problem_label)
        footer.addLayout(row)
        return footer

    # -- public API ------------------------------------------------------------------

    def set_runs(self, summaries: Sequence[RunSummary], folder: Path | None = None) -> None:
        """Show ``summaries`` (replacing the previous runs); keeps the filters and the
        selection of the runs still there, and ends the "Looking for runs…" state.

        Args:
            summaries: One summary per run, e.g. from ``scan_runs``.
            folder: The folder they came from, named in the empty-folder message.
        """
        selected, current = self.selected_runs(), self._current_run()
        self._model.set_runs(summaries)
        self._placeholder.setText(
            f"No runs in {folder}. Choose a folder that holds run directories."
            if folder is not None
            else EMPTY_TEXT
        )
        self._rebuild_coders()
        self._scanning = False
        self.refresh_button.setEnabled(True)
        if selected:
            self.select_runs(sorted(selected, key=lambda d: d != current))
        self._update_view()

    def refresh(self) -> None:
        """Ask the app to look at the folder again (what Refresh and F5 do)."""
        self.refreshRequested.emit()

    def set_scanning(self, on: bool) -> None:
        """Show that the folder is being looked at (the table stays usable meanwhile)."""
        self._scanning = on
        self.refresh_button.setEnabled(not on)
        self._update_view()

    def is_scanning(self) -> bool:
        """Whether "Looking for runs…" is shown."""
        return self._scanning

    def runs(self) -> list[RunSummary]:
        """Every run given to ``set_runs``, shown or filtered out."""
        return self._model.runs()

    def visible_rows(self) -> list[str]:
        """Run directories of the rows in view order (after sorting and filtering)."""
        return [self._run_dir(self._proxy.index(r, 0)) for r in range(self._proxy.rowCount())]

    def selected_runs(self) -> list[str]:
        """Run directories of the selected rows, in view order."""
        rows = sorted(i.row() for i in self.table.selectionModel().selectedRows())
        return [self._run_dir(self._proxy.index(r, 0)) for r in rows]

    def select_runs(self, run_dirs: Sequence[str]) -> None:
        """Select the rows of ``run_dirs`` (those shown); the first becomes current."""
        selection = self.table.selectionModel()
        selection.clearSelection()
        flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
        wanted = [str(d) for d in run_dirs]
        for row in range(self._proxy.rowCount()):
            index = self._proxy.index(row, 0)
            if self._run_dir(index) in wanted:
                selection.select(index, flags)
                if self._run_dir(index) == wanted[0]:
                    selection.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.NoUpdate)
        self._update_buttons()

    def coder_choices(self) -> list[str]:
        """The texts of the coder filter, "All coders" first."""
        return [self.coder_combo.itemText(i) for i in range(self.coder_combo.count())]

    # -- behaviour -------------------------------------------------------------------

    def _run_dir(self, index: QModelIndex) -> str:
        return str(index.data(RUN_DIR_ROLE))

    def _current_run(self) -> str | None:
        index = self.table.selectionModel().currentIndex()
        return self._run_dir(index) if index.isValid() else None

    def _summary(self, index: QModelIndex) -> RunSummary:
        return self._model.summary(self._proxy.mapToSource(index).row())

    def _readable(self, index: QModelIndex) -> bool:
        return self._summary(index).readable

    def _rebuild_coders(self) -> None:
        current = self.coder_combo.currentData()
        coders = sorted({c for r in self._model.runs() if (c := r.models.get("coder"))})
        self.coder_combo.blockSignals(True)
        try:
            self.coder_combo.clear()
            self.coder_combo.addItem(ALL_CODERS, None)
            for coder in coders:
                self.coder_combo.addItem(coder, coder)
            self.coder_combo.setCurrentIndex(max(0, self.coder_combo.findData(current)))
        finally:
            self.coder_combo.blockSignals(False)
        self._proxy.set_coder(self.coder_combo.currentData())

    def _update_view(self) -> None:
        total, shown = self._model.rowCount(), self._proxy.rowCount()
        self._stack.setCurrentIndex(0 if total == 0 else 1)
        if self._scanning:
            self.count_label.setText(SCANNING_TEXT)
        elif total == 0:
            self.count_label.setText("")
        elif shown == total:
            self.count_label.setText(f"{total} run{'s' if total != 1 else ''}")
        elif shown == 0:
            self.count_label.setText(f"{NO_MATCH_TEXT} ({total} runs in all)")
        else:
            self.count_label.setText(f"{shown} of {total} runs match")
        self._update_buttons()

    @Slot()
    def _update_buttons(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        readable = [i for i in rows if self._readable(i)]
        self.open_button.setEnabled(len(rows) == 1 and len(readable) == 1)
        self.compare_button.setEnabled(len(rows) == 2 and len(readable) == 2)
        broken = [self._summary(i) for i in rows if not self._readable(i)]
        self.problem_label.setText(broken[0].problem if broken else "")
        self.problem_label.setVisible(bool(broken))

    def problem_text(self) -> str:
        """Why the selected run cannot be opened ("" when every selected run is readable)."""
        return self.problem_label.text()

    @Slot(str)
    def _on_filter_changed(self, text: str) -> None:
        self._proxy.set_text(text)
        self._update_view()

    @Slot(int)
    def _on_coder_changed(self, _index: int) -> None:
        self._proxy.set_coder(self.coder_combo.currentData())
        self._update_view()

    @Slot(QModelIndex)
    def _on_activated(self, index: QModelIndex) -> None:
        if index.isValid() and self._readable(index):
            self.openRequested.emit(self._run_dir(index))

    @Slot()
    def _on_open_clicked(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if len(rows) == 1:
            self._on_activated(rows[0])

    @Slot()
    def _on_compare_clicked(self) -> None:
        runs = self.selected_runs()
        if len(runs) == 2:
            self.compareRequested.emit(runs[0], runs[1])
