"""Small label helpers shared by the inspection widgets."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QPalette, QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget


def plain_label(parent: QWidget, name: str, *, bold: bool = False) -> QLabel:
    """A wrapping, selectable plain-text label (model text is never read as rich text)."""
    label = QLabel(parent)
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if bold:
        font = label.font()
        font.setBold(True)
        label.setFont(font)
    return label


def tint(label: QLabel, colour: str | None) -> None:
    """Colour the label's text; None goes back to the palette (follows light and dark)."""
    if colour is None:
        label.setPalette(QPalette())
        return
    palette = label.palette()
    palette.setColor(QPalette.ColorRole.WindowText, QColor(colour))
    label.setPalette(palette)


def badge(text: str, parent: QWidget, *, name: str, colour: str) -> QLabel:
    """A small filled label, hidden until shown: white text on a semantic colour."""
    label = QLabel(text, parent)
    label.setObjectName(name)
    label.setAutoFillBackground(True)
    label.setContentsMargins(4, 0, 4, 0)
    palette = label.palette()
    palette.setColor(QPalette.ColorRole.Window, QColor(colour))
    palette.setColor(QPalette.ColorRole.WindowText, QColor("#ffffff"))
    label.setPalette(palette)
    label.hide()
    return label


class ElidedLabel(QLabel):
    """One line of plain text, cut with "…" when the label is too narrow for it.

    ``setText`` keeps the whole text (``full_text``); the label shows as much as fits and,
    when cut, puts the whole text in its tooltip. Layouts may shrink it below its text.
    """

    def __init__(self, parent: QWidget | None = None, name: str = "") -> None:
        """Create an empty label named ``name``."""
        super().__init__(parent)
        self.setObjectName(name)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self._full = ""

    def setText(self, text: str) -> None:
        """Show ``text``, cut to the label's width."""
        self._full = text
        self.updateGeometry()
        self._fit()

    def full_text(self) -> str:
        """The whole text, however much of it is shown."""
        return self._full

    def is_elided(self) -> bool:
        """Whether the shown text is cut."""
        return super().text() != self._full

    def sizeHint(self) -> QSize:
        """Room for the whole text on one line."""
        margins = self.contentsMargins()
        width = self.fontMetrics().horizontalAdvance(self._full) + margins.left() + margins.right()
        return QSize(width + 2, super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:
        """Room for a few letters: the rest is cut."""
        height = super().minimumSizeHint().height()
        return QSize(self.fontMetrics().horizontalAdvance("Abc…"), height)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Cut the text again to the new width."""
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        width = self.contentsRect().width()
        shown = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, width)
        QLabel.setText(self, shown)
        self.setToolTip(self._full if shown != self._full else "")
