"""A bar above the work area where failures and events that need the user appear."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

LEVEL_COLOURS = {
    "info": "#3b7dd8",
    "success": "#2e9d57",
    "warning": "#c98a0b",
    "error": "#d1453b",
}
LEVEL_ICONS = {"info": "ℹ", "success": "✔", "warning": "⚠", "error": "✖"}


class NoticeBar(QFrame):
    """Shows one notice at a time with its actions (e.g. Retry, Open settings).

    A new notice replaces the previous one; the user can dismiss it. Notices are text with
    an icon, never only a colour.
    """

    dismissed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("noticeBar")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        self._icon = QLabel()
        self._label = QLabel()
        self._label.setWordWrap(True)
        self._label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self._icon)
        layout.addWidget(self._label, 1)
        self._buttons: list[QPushButton] = []
        self._button_row = QHBoxLayout()
        layout.addLayout(self._button_row)
        close = QToolButton()
        close.setText("✕")
        close.setToolTip("Dismiss")
        close.clicked.connect(self.dismiss)
        layout.addWidget(close)
        self._level = ""
        self.hide()

    def show_notice(self, text: str, level: str = "info",
                    actions: Sequence[tuple[str, Callable[[], object]]] = ()) -> None:
        """Show ``text``; each action is a button label and what clicking it does."""
        self._level = level
        colour = LEVEL_COLOURS.get(level, LEVEL_COLOURS["info"])
        self.setStyleSheet(
            f"#noticeBar {{ border: 1px solid {colour}; border-left: 5px solid {colour};"
            " border-radius: 4px; }")
        self._icon.setText(LEVEL_ICONS.get(level, "ℹ"))
        self._icon.setStyleSheet(f"color: {colour}; font-weight: bold;")
        self._label.setText(text)
        for button in self._buttons:
            button.deleteLater()
        self._buttons = []
        for label, callback in actions:
            button = QPushButton(label)
            button.clicked.connect(self.dismiss)
            button.clicked.connect(lambda _checked=False, act=callback: act())
            self._button_row.addWidget(button)
            self._buttons.append(button)
        self.show()

    def dismiss(self) -> None:
        """Hide the notice."""
        self.hide()
        self._level = ""
        self.dismissed.emit()

    def text(self) -> str:
        """The notice shown, or empty."""
        return self._label.text() if self.isVisible() or not self.isHidden() else ""

    def level(self) -> str:
        """Level of the notice shown: info, success, warning, error, or empty."""
        return self._level

    def action_labels(self) -> list[str]:
        """Labels of the notice's buttons."""
        return [b.text() for b in self._buttons]

    def trigger(self, label: str) -> None:
        """Click the action button labelled ``label`` (what a user would do)."""
        for button in self._buttons:
            if button.text() == label:
                button.click()
                return
        raise KeyError(label)
