"""The window's keyboard shortcuts, listed from the objects that define them, so it cannot drift.

Rows come from every ``QAction`` and ``QShortcut`` of the window that has keys, and from keys
a widget handles itself and declares with :func:`declare_keys`. What a shortcut does is its
action's status tip, the shortcut's "What's this" text, or the tooltip of the button that
names the same keys in parentheses (``"Show the next turn (Right)"``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

HINTS_PROPERTY = "declaredKeys"
"""Widget property holding ``[[keys..., what it does], ...]`` (see ``declare_keys``)."""
ANYWHERE = "Anywhere in the window"
NOT_DESCRIBED = "(not described)"
_TRAILING_KEYS = re.compile(r"\s*\(([^()]*)\)\s*$")
_WINDOW_WIDE = (Qt.ShortcutContext.WindowShortcut, Qt.ShortcutContext.ApplicationShortcut)


@dataclass(frozen=True)
class ShortcutRow:
    """One line of the list.

    Attributes:
        keys: The key sequences, as the platform writes them (``"Ctrl+Shift+C"``).
        does: What pressing them does.
        where: Where the keys work (``ANYWHERE`` or a panel, e.g. "In the Preview tab").
    """

    keys: str
    does: str
    where: str


def declare_keys(widget: QWidget, keys: Sequence[str], does: str) -> None:
    """List keys that ``widget`` handles itself (in ``keyPressEvent``) with the shortcuts."""
    hints = list(widget.property(HINTS_PROPERTY) or [])
    hints.append([*keys, does])
    widget.setProperty(HINTS_PROPERTY, hints)


def keys_text(sequences: Iterable[QKeySequence | str]) -> str:
    """``"F5 or Ctrl+R"``: each sequence in the platform's own notation."""
    native = QKeySequence.SequenceFormat.NativeText
    return " or ".join(QKeySequence(s).toString(native) for s in sequences)


def window_shortcuts(window: QWidget, area_of: Callable[[QWidget], str]) -> list[ShortcutRow]:
    """Every shortcut ``window`` defines now, window-wide ones first.

    Args:
        window: The top-level window; objects of its dialogs are left out.
        area_of: Where in the window a widget is, e.g. "In the Preview tab".
    """
    rows: list[ShortcutRow] = []
    for action in window.findChildren(QAction):
        owner = _owner(action)
        if action.shortcuts() and owner is not None and owner.window() is window:
            where = ANYWHERE if action.shortcutContext() in _WINDOW_WIDE else area_of(owner)
            rows.append(ShortcutRow(keys_text(action.shortcuts()), _action_does(action), where))
    for shortcut in window.findChildren(QShortcut):
        owner = _owner(shortcut)
        if shortcut.keys() and owner is not None and owner.window() is window:
            where = ANYWHERE if shortcut.context() in _WINDOW_WIDE else area_of(owner)
            rows.append(ShortcutRow(keys_text(shortcut.keys()), _shortcut_does(shortcut, owner),
                                    where))
    for widget in [window, *window.findChildren(QWidget)]:
        for *keys, does in widget.property(HINTS_PROPERTY) or []:
            if widget.window() is window:
                rows.append(ShortcutRow(keys_text(keys), does, area_of(widget)))
    return sorted(rows, key=lambda row: row.where != ANYWHERE)


def _owner(obj: QObject) -> QWidget | None:
    parent = obj.parent()
    while parent is not None and not isinstance(parent, QWidget):
        parent = parent.parent()
    return parent


def _without_keys(text: str) -> str:
    return _TRAILING_KEYS.sub("", text).strip()


def _action_does(action: QAction) -> str:
    text = action.statusTip() or action.toolTip() or action.text()
    return _without_keys(text.replace("&", "")) or NOT_DESCRIBED


def _shortcut_does(shortcut: QShortcut, owner: QWidget) -> str:
    if shortcut.whatsThis():
        return shortcut.whatsThis()
    native = QKeySequence.SequenceFormat.NativeText
    names = {s.toString(native) for s in shortcut.keys()} | {
        s.toString(QKeySequence.SequenceFormat.PortableText) for s in shortcut.keys()}
    for button in owner.findChildren(QAbstractButton):
        found = _TRAILING_KEYS.search(button.toolTip())
        if found and names & {part.strip() for part in found.group(1).split("/")}:
            return _without_keys(button.toolTip())
    return NOT_DESCRIBED


class ShortcutsDialog(QDialog):
    """A table of the window's keyboard shortcuts: keys, what they do, where they work."""

    def __init__(self, rows: Sequence[ShortcutRow], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("shortcutsDialog")
        self.setWindowTitle("Keyboard shortcuts")
        self.resize(760, 560)
        intro = QLabel("Shortcuts marked for a panel work while that panel has the focus.")
        intro.setWordWrap(True)
        self.table = QTableWidget(len(rows), 3, self)
        self.table.setObjectName("shortcutsTable")
        self.table.setHorizontalHeaderLabels(["Keys", "What it does", "Where"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(True)
        for row, shortcut in enumerate(rows):
            for column, text in enumerate((shortcut.keys, shortcut.does, shortcut.where)):
                self.table.setItem(row, column, QTableWidgetItem(text))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)

    def shown_rows(self) -> list[tuple[str, str, str]]:
        """What the table shows, row by row: (keys, what it does, where)."""
        rows: list[tuple[str, str, str]] = []
        for r in range(self.table.rowCount()):
            keys, does, where = (self._cell(r, c) for c in range(3))
            rows.append((keys, does, where))
        return rows

    def _cell(self, row: int, column: int) -> str:
        item = self.table.item(row, column)
        return item.text() if item is not None else ""
