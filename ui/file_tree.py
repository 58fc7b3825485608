"""The file tree of a generated project, updated in place so views keep their state.

Folders come first, then files, each alphabetically. A file can carry a mark ("new" or
"changed") shown as green or amber text with a word, and every folder above a marked file
shows a small dot. Adding or removing one path touches only its own rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import PurePosixPath

from PySide6.QtCore import QModelIndex, QObject, Qt, Slot
from PySide6.QtGui import QColor, QIcon, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QAbstractItemView, QTreeView, QWidget

PATH_ROLE = Qt.ItemDataRole.UserRole + 1
IS_DIR_ROLE = Qt.ItemDataRole.UserRole + 2
NAME_ROLE = Qt.ItemDataRole.UserRole + 3
MARK_ROLE = Qt.ItemDataRole.UserRole + 4

IGNORED_DIRS = frozenset({"node_modules", ".git", ".webgen"})
NEW, CHANGED = "new", "changed"
MARK_COLOURS = {NEW: QColor("#2e9d57"), CHANGED: QColor("#c98a0b")}
MARK_BADGES = {NEW: "● new", CHANGED: "● modified"}
FOLDER_DOT = "•"


def tree_path(path: str) -> str | None:
    """``path`` as the tree keys it (posix, no leading ``./``), None when it is hidden."""
    parts = [p for p in path.replace("\\", "/").split("/") if p not in ("", ".")]
    if not parts or any(part in IGNORED_DIRS for part in parts[:-1]):
        return None
    return "/".join(parts)


def visible_files(files: Mapping[str, bytes]) -> dict[str, bytes]:
    """``files`` keyed by tree path, without node_modules, .git and .webgen."""
    return {key: data for path, data in files.items() if (key := tree_path(path))}


def _sort_key(is_dir: bool, name: str) -> tuple[int, str, str]:
    return (0 if is_dir else 1, name.casefold(), name)


class FileTreeModel(QStandardItemModel):
    """Project files as a tree of folders and files with new/changed marks.

    Args:
        folder_icon: Icon for folders.
        file_icon: Icon for files.
        parent: Owning object.
    """

    def __init__(self, folder_icon: QIcon, file_icon: QIcon, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("fileTreeModel")
        self._icons = (folder_icon, file_icon)
        self._files: dict[str, QStandardItem] = {}
        self._folders: dict[str, QStandardItem] = {}
        self._marks: dict[str, str] = {}

    # -- reading ---------------------------------------------------------------------

    def paths(self) -> list[str]:
        """Every file path in the tree, sorted."""
        return sorted(self._files)

    def mark_of(self, path: str) -> str:
        """``"new"``, ``"changed"`` or ``""`` for ``path``."""
        return self._marks.get(path, "")

    def index_of(self, path: str) -> QModelIndex:
        """Model index of a file or folder, invalid when it is not in the tree."""
        item = self._files.get(path) or self._folders.get(path)
        return item.index() if item is not None else QModelIndex()

    @staticmethod
    def file_path_at(index: QModelIndex) -> str | None:
        """The file path behind ``index``, None for folders and invalid indexes."""
        if not index.isValid() or index.data(IS_DIR_ROLE):
            return None
        return index.data(PATH_ROLE)

    # -- changing --------------------------------------------------------------------

    def reset_files(self) -> None:
        """Drop every row."""
        self.clear()
        self._files.clear()
        self._folders.clear()
        self._marks.clear()

    def sync(self, paths: Iterable[str]) -> None:
        """Make the tree hold exactly ``paths``, touching only rows that differ."""
        wanted = set(paths)
        for path in sorted(set(self._files) - wanted):
            self.remove_file(path)
        for path in sorted(wanted - set(self._files)):
            self.add_file(path)

    def add_file(self, path: str) -> bool:
        """Insert a file (and its missing folders) in sorted position; False if present."""
        if path in self._files:
            return False
        pure = PurePosixPath(path)
        parent = self._folder(str(pure.parent) if str(pure.parent) != "." else "")
        item = self._item(pure.name, path, is_dir=False)
        self._files[path] = item
        self._insert_sorted(parent, item)
        return True

    def remove_file(self, path: str) -> None:
        """Remove a file and any folder it leaves empty."""
        item = self._files.pop(path, None)
        if item is None:
            return
        self._marks.pop(path, None)
        parent = item.parent() or self.invisibleRootItem()
        parent.removeRow(item.row())
        while parent is not self.invisibleRootItem() and parent.rowCount() == 0:
            folder_path = parent.data(PATH_ROLE)
            self._folders.pop(folder_path, None)
            grand = parent.parent() or self.invisibleRootItem()
            grand.removeRow(parent.row())
            parent = grand
        self._refresh_folders(path)

    def set_marks(self, marks: Mapping[str, str]) -> None:
        """Set the mark of every file at once (files not in ``marks`` lose theirs)."""
        for path in self._files:
            mark = marks.get(path, "")
            if mark != self._marks.get(path, ""):
                self._apply_mark(path, mark)
        for folder in self._folders:
            self._paint_folder(folder)

    def set_mark(self, path: str, mark: str) -> None:
        """Set one file's mark and refresh the dots of the folders above it."""
        if path in self._files and mark != self._marks.get(path, ""):
            self._apply_mark(path, mark)
            self._refresh_folders(path)

    # -- internals -------------------------------------------------------------------

    def _item(self, name: str, path: str, *, is_dir: bool) -> QStandardItem:
        item = QStandardItem(self._icons[0 if is_dir else 1], name)
        item.setEditable(False)
        item.setData(path, PATH_ROLE)
        item.setData(is_dir, IS_DIR_ROLE)
        item.setData(name, NAME_ROLE)
        item.setToolTip(path)
        return item

    def _folder(self, path: str) -> QStandardItem:
        if not path:
            return self.invisibleRootItem()
        if path in self._folders:
            return self._folders[path]
        pure = PurePosixPath(path)
        parent = self._folder(str(pure.parent) if str(pure.parent) != "." else "")
        item = self._item(pure.name, path, is_dir=True)
        self._folders[path] = item
        self._insert_sorted(parent, item)
        return item

    @staticmethod
    def _insert_sorted(parent: QStandardItem, item: QStandardItem) -> None:
        key = _sort_key(item.data(IS_DIR_ROLE), item.data(NAME_ROLE))
        low, high = 0, parent.rowCount()
        while low < high:
            middle = (low + high) // 2
            other = parent.child(middle)
            if _sort_key(other.data(IS_DIR_ROLE), other.data(NAME_ROLE)) < key:
                low = middle + 1
            else:
                high = middle
        # The list overload hands the item to Qt; PySide6 6.11's single-item overload leaves
        # it owned by Python too, and clear() then frees nested rows twice (a crash).
        parent.insertRow(low, [item])

    def _apply_mark(self, path: str, mark: str) -> None:
        item = self._files[path]
        name = item.data(NAME_ROLE)
        if mark:
            self._marks[path] = mark
            item.setText(f"{name}  {MARK_BADGES[mark]}")
            item.setForeground(MARK_COLOURS[mark])
            item.setToolTip(f"{path}\n{'New' if mark == NEW else 'Modified'} in this step")
        else:
            self._marks.pop(path, None)
            item.setText(name)
            item.setData(None, Qt.ItemDataRole.ForegroundRole)
            item.setToolTip(path)
        item.setData(mark, MARK_ROLE)

    def _refresh_folders(self, path: str) -> None:
        for parent in PurePosixPath(path).parents:
            folder = str(parent)
            if folder in self._folders:
                self._paint_folder(folder)

    def _paint_folder(self, folder: str) -> None:
        item = self._folders[folder]
        prefix = folder + "/"
        inside = [m for p, m in self._marks.items() if p.startswith(prefix)]
        name = item.data(NAME_ROLE)
        item.setText(f"{name}  {FOLDER_DOT}" if inside else name)
        if inside:
            item.setForeground(MARK_COLOURS[CHANGED if CHANGED in inside else NEW])
            item.setToolTip(f"{folder}\n{len(inside)} new or modified file(s) inside")
        else:
            item.setData(None, Qt.ItemDataRole.ForegroundRole)
            item.setToolTip(folder)


class FileTreeView(QTreeView):
    """Tree view of a ``FileTreeModel``: no header, single selection, new folders expanded.

    Args:
        model: The files to show.
        parent: Owning widget.
    """

    def __init__(self, model: FileTreeModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("fileTree")
        self.setModel(model)
        self.setHeaderHidden(True)
        self.setUniformRowHeights(True)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setToolTip("Files of the site; green ● new, amber ● modified in this step")
        model.rowsInserted.connect(self._expand_new_folders)

    @Slot(QModelIndex, int, int)
    def _expand_new_folders(self, parent: QModelIndex, first: int, last: int) -> None:
        for row in range(first, last + 1):
            index = self.model().index(row, 0, parent)
            if index.data(IS_DIR_ROLE):
                self.expand(index)
