"""Small label helpers shared by the inspection widgets."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QLabel, QWidget


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
