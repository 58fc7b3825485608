"""The chip above the chat's input that names the element the next request is about.

The app shows it after the user pointed at an element in the preview; the user can remove it
with its × button. The chip only shows text and says it was removed: which element it stands
for is the app's business.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QToolButton, QWidget

_STYLE = """
#elementChip { background: palette(alternate-base); border: 1px solid palette(highlight);
  border-radius: 10px; margin: 0 8px 6px 8px; }
"""


class ElementChip(QFrame):
    """A removable chip: "About <button> “Order” · section > button · index.html:9"."""

    removed = Signal()
    """The user removed the chip with its × button (the chip is hidden)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("elementChip")
        self.setStyleSheet(_STYLE)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 2, 2, 2)
        self._label = QLabel()
        self._label.setObjectName("elementChipText")
        self._label.setTextFormat(Qt.TextFormat.PlainText)
        self._label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._remove = QToolButton()
        self._remove.setObjectName("elementChipRemove")
        self._remove.setText("×")
        self._remove.setAutoRaise(True)
        self._remove.setToolTip("Remove: the next request is not about this element")
        self._remove.clicked.connect(self._on_remove)
        layout.addWidget(self._label, 1)
        layout.addWidget(self._remove)
        self.setVisible(False)

    def show_element(self, label: str, details: str = "") -> None:
        """Show the chip with ``label`` (``details`` in its tooltip: the HTML, the source)."""
        self._label.setText(f"About {label}")
        self.setToolTip(details or label)
        self.setVisible(True)

    def clear(self) -> None:
        """Hide the chip (the request it was for was sent, or the run was closed)."""
        self._label.setText("")
        self.setToolTip("")
        self.setVisible(False)

    def text(self) -> str:
        """The chip's text ('' when it is not shown)."""
        return self._label.text() if not self.isHidden() else ""

    def remove_button(self) -> QToolButton:
        """The × button."""
        return self._remove

    @Slot()
    def _on_remove(self) -> None:
        self.clear()
        self.removed.emit()
