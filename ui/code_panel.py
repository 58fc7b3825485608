"""The files of the generated site: a live file tree, a code viewer and a per-file diff.

The panel only renders what it is given. The app pushes whole steps (``set_files``) and live
writes (``file_written``); the steps that exist and how to read their files go to the Diff
tab (:attr:`CodePanel.diff`, see :mod:`ui.code_diff`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QLabel,
    QSplitter,
    QStyle,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ui.code_diff import DiffTab, ShownFiles
from ui.code_editing import EditBar, FileEditor
from ui.code_viewer import HIGHLIGHT_LIMIT, CodeViewer
from ui.file_diff import VIEW_LIMIT, decode_text, human_size
from ui.file_tree import (
    CHANGED,
    IS_DIR_ROLE,
    NEW,
    FileTreeModel,
    FileTreeView,
    tree_path,
    visible_files,
)
from ui.highlight import language_for
from ui.naming import named

VIEWER_PLACEHOLDER = "Select a file in the tree to see its code."


class CodePanel(QWidget):
    """File tree, code viewer (the current step's files are editable) and diff of the project.

    Signals:
        fileSelected(str): The user picked a file in the tree.
        saveRequested(object, object): The user saved an edit (Ctrl+S): the step edited and
            path -> whole new text (see ``ui.code_editing``).
    """

    fileSelected = Signal(str)
    saveRequested = Signal(object, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("codePanel")
        self._files: dict[str, bytes] = {}
        self._base: dict[str, bytes] | None = None
        self._base_label = "previous step"
        self._step: int | None = None
        self._live = False
        self._running_step: int | None = None
        self._shown: str | None = None
        self._muted = 0
        self._build()
        self.diff.refresh_choices()
        self._show_placeholders()
        self._update_header()

    # -- layout ----------------------------------------------------------------------

    def _build(self) -> None:
        style = self.style()
        self._model = FileTreeModel(
            style.standardIcon(QStyle.StandardPixmap.SP_DirIcon),
            style.standardIcon(QStyle.StandardPixmap.SP_FileIcon),
            self,
        )
        self._header = named(QLabel(), "filesHeader")
        self._header.setContentsMargins(4, 2, 4, 2)
        self._tree = FileTreeView(self._model)
        self._tree.selectionModel().currentChanged.connect(self._on_current_changed)
        left = named(QWidget(), "fileTreePane")
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self._header)
        left_layout.addWidget(self._tree)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(left)
        splitter.addWidget(self._build_viewer_pane())
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([220, 640])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

    def _build_viewer_pane(self) -> QWidget:
        self._title = named(QLabel(), "fileTitle")
        self._title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._title.setContentsMargins(4, 2, 4, 2)
        self._note = named(QLabel(wordWrap=True), "fileNote")
        self._viewer = CodeViewer()
        self._tabs = named(QTabWidget(), "codeTabs")
        code_tab = self._tabs.addTab(self._viewer, "Code")
        self._tabs.setTabToolTip(code_tab, "The selected file as it is in the shown step")
        self.diff = DiffTab(self._tabs, self._shown_files, self)
        """The Diff tab: the steps to compare with, how to read them, the diff shown."""
        edit_bar = EditBar()
        self.editor = FileEditor(self._viewer, edit_bar, self._tabs, self)
        """Who may edit the shown file, its unsaved drafts, Ctrl+S."""
        self.editor.saveRequested.connect(self.saveRequested)
        pane = named(QWidget(), "viewerPane")
        layout = QVBoxLayout(pane)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._title)
        layout.addWidget(self._note)
        layout.addWidget(edit_bar)
        layout.addWidget(self._tabs, 1)
        return pane

    # -- public API ------------------------------------------------------------------

    def set_files(
        self,
        files: Mapping[str, bytes],
        *,
        step: int | None,
        base: Mapping[str, bytes] | None = None,
        base_step: int | None = None,
    ) -> None:
        """Show the project as it was after ``step`` (None: the live workspace).

        Args:
            files: Path -> bytes of the whole project.
            step: The step shown, None for the live or unsaved workspace.
            base: Files of the parent step; marks and the "previous step" diff compare with
                it. None: nothing to compare with (no marks).
            base_step: Number of the parent step, used in diff headers ("step 2").
        """
        self._files = visible_files(files)
        self._step = step
        if step is not None:
            self._live = False
        self._base = visible_files(base) if base is not None else None
        self._base_label = f"step {base_step}" if base_step is not None else "previous step"
        with self._quiet():
            self._model.sync(self._files)
            self._model.set_marks({p: m for p in self._files if (m := self._mark(p))})
        self.diff.refresh_choices()
        self._after_files_changed(self._shown)

    def file_written(self, path: str, data: bytes) -> None:
        """Add or update one file while a step runs, marking it against the step's start."""
        key = tree_path(path)
        if key is None or self._files.get(key) == data:
            return
        self._files[key] = data
        with self._quiet():
            self._model.add_file(key)
            self._model.set_mark(key, self._mark(key))
        self._after_files_changed(key)

    def begin_live_step(self, step: int | None = None) -> None:
        """A step starts: clear the marks; what is shown now is the base for new marks.

        Args:
            step: Number of the running step for the header; by default one after the
                highest step choice or the shown step.
        """
        self._base = dict(self._files)
        latest = max([*self.diff.choices, self._step or 0])
        self._running_step = step if step is not None else latest + 1
        if self._step is not None:
            self._base_label = f"step {self._step}"
        else:
            self._base_label = f"start of step {self._running_step}"
        self._step = None
        self._live = True
        with self._quiet():
            self._model.set_marks({})
        self.diff.refresh_choices()
        self._after_files_changed(self._shown)

    def select_file(self, path: str) -> None:
        """Select and show ``path`` (ignored when it is not in the tree); no signal."""
        key = tree_path(path)
        index = self._model.index_of(key) if key else QModelIndex()
        if not key or not index.isValid() or index.data(IS_DIR_ROLE):
            return
        with self._quiet():
            self._tree.selectionModel().setCurrentIndex(
                index, QItemSelectionModel.SelectionFlag.ClearAndSelect
            )
        self._tree.scrollTo(index)
        self._show_file(key)
        self.diff.invalidate()

    def clear(self) -> None:
        """Empty the tree and show placeholders; forget steps, marks and cached files."""
        with self._quiet():
            self._model.reset_files()
        self._files, self._base, self._step, self._live = {}, None, None, False
        self._shown = None
        self.diff.forget()
        self.editor.saved()  # another run: its drafts do not belong to it
        self.diff.refresh_choices()
        self._show_placeholders()
        self._update_header()
        self.diff.invalidate()

    # -- read-only accessors ---------------------------------------------------------

    def tree_paths(self) -> list[str]:
        """Every file path in the tree, sorted."""
        return self._model.paths()

    def mark_of(self, path: str) -> str:
        """``"new"``, ``"changed"`` or ``""`` for a file in the tree."""
        return self._model.mark_of(path)

    def selected_path(self) -> str | None:
        """The file shown in the viewer, None when none is."""
        return self._shown

    def viewer_text(self) -> str:
        """The text in the code viewer."""
        return self._viewer.toPlainText()

    # -- state helpers ---------------------------------------------------------------

    @contextmanager
    def _quiet(self) -> Iterator[None]:
        """Changes made by the program, not the user: no intent signals."""
        self._muted += 1
        try:
            yield
        finally:
            self._muted -= 1

    def _mark(self, path: str) -> str:
        if self._base is None or path not in self._files:
            return ""
        if path not in self._base:
            return NEW
        return CHANGED if self._base[path] != self._files[path] else ""

    def _shown_files(self) -> ShownFiles:
        """What the Diff tab compares: the shown file of the shown step and its parent."""
        label = f"step {self._step}" if self._step is not None else "workspace"
        return ShownFiles(self._shown, self._files, label, self._step, self._base,
                          self._base_label)

    def _after_files_changed(self, path: str | None) -> None:
        self._update_header()
        if self._shown is not None and self._shown not in self._files:
            with self._quiet():
                self._tree.selectionModel().clear()
            self._shown = None
            self._show_placeholders()
        elif path is not None and path == self._shown:
            self._show_file(path, keep_scroll=True)
        self.diff.invalidate()

    def _update_header(self) -> None:
        if self._live:
            running = f", step {self._running_step} running" if self._running_step else ""
            title = f"Files (live{running})"
        elif self._step is not None:
            title = f"Files after step {self._step}"
        else:
            title = "Files (workspace)" if self._files else "Files"
        marks = [self._model.mark_of(p) for p in self._files]
        counts = [
            f"{marks.count(m)} {w}" for m, w in ((NEW, "new"), (CHANGED, "modified")) if m in marks
        ]
        self._header.setText(title + (" · " + ", ".join(counts) if counts else ""))

    # -- viewer ----------------------------------------------------------------------

    def _show_placeholders(self) -> None:
        self._title.setText("No file selected")
        self._note.hide()
        self._viewer.setPlaceholderText(VIEWER_PLACEHOLDER)
        self.editor.show(None, None, None, "", None, keep_scroll=False)

    def _show_file(self, path: str, *, keep_scroll: bool = False) -> None:
        keep_scroll = keep_scroll or path == self._shown
        self._shown = path
        data = self._files[path]
        mark = self._model.mark_of(path)
        status = {NEW: " · new in this step", CHANGED: " · modified in this step"}.get(mark, "")
        self._title.setText(f"{path} · {human_size(len(data))}{status}")
        text = decode_text(data, VIEW_LIMIT)
        note = ""
        if text is None:
            text, language = f"Binary file, {len(data):,} bytes", None
        else:
            language = language_for(path)
            if len(data) > VIEW_LIMIT:
                note = f"Showing the first {human_size(VIEW_LIMIT)} of {human_size(len(data))}."
            elif len(text) > HIGHLIGHT_LIMIT:
                note = "Syntax colouring is off for a file this large."
        self._note.setText(note)
        self._note.setVisible(bool(note))
        step = None if self._live else self._step
        self.editor.show(path, data, step, text, language, keep_scroll=keep_scroll)

    # -- slots -----------------------------------------------------------------------

    @Slot(QModelIndex, QModelIndex)
    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        path = FileTreeModel.file_path_at(current)
        if self._muted or path is None:
            return
        if path != self._shown:
            self._show_file(path)
            self.diff.invalidate()
        self.fileSelected.emit(path)
