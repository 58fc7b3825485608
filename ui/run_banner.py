"""A line above the work area that stays while a run is open (e.g. "this is the example").

Unlike the notice bar, which shows one passing event at a time, the banner describes the
open run itself; the app sets it when a run is opened and clears it when the run is closed.
Its buttons are the window's own actions, so they share their tooltips, shortcuts and
enabled state.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QTextDocumentFragment
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QWidget

from ui.naming import named

INFO_COLOUR = "#3b7dd8"
_STYLE = f"""
#runBanner {{ border: 1px solid {INFO_COLOUR}; border-left: 5px solid {INFO_COLOUR};
  border-radius: 4px; background: palette(alternate-base); }}
#runBannerIcon {{ color: {INFO_COLOUR}; font-weight: bold; }}
#runBanner QToolButton {{ padding: 3px 10px; }}
"""


class RunBanner(QFrame):
    """An info line with buttons for the open run; hidden while it has no text."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("runBanner")
        self.setStyleSheet(_STYLE)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        icon = named(QLabel("ℹ"), "runBannerIcon")
        icon.setAccessibleName("Information")
        self._label = named(QLabel(), "runBannerText")
        self._label.setWordWrap(True)
        self._label.setTextFormat(Qt.TextFormat.RichText)
        self._label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self._label, 1)
        self._buttons: list[QToolButton] = []
        self._row = QHBoxLayout()
        layout.addLayout(self._row)
        self.hide()

    def show_banner(self, text: str, actions: Sequence[QAction] = ()) -> None:
        """Show ``text`` (rich text) with a button for each action."""
        self._label.setText(text)
        for button in self._buttons:
            self._row.removeWidget(button)
            button.deleteLater()
        self._buttons = []
        for action in actions:
            button = QToolButton(self)
            button.setDefaultAction(action)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            self._row.addWidget(button)
            self._buttons.append(button)
        self.show()

    def clear(self) -> None:
        """Hide the banner."""
        self._label.clear()
        self.hide()

    def text(self) -> str:
        """The banner's text as plain text ("" when hidden)."""
        if self.isHidden():
            return ""
        return _plain(self._label.text())

    def buttons(self) -> list[QToolButton]:
        """The banner's buttons, in order."""
        return list(self._buttons)


def _plain(rich: str) -> str:
    return QTextDocumentFragment.fromHtml(rich).toPlainText()
