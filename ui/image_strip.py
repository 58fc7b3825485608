"""A row of picture thumbnails: the images attached to the next message, or to a sent one.

The strip only shows what it is given (thumbnails already decoded, off the GUI thread, by
the app) and emits :attr:`ImageStrip.removeRequested` when the user removes one.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QMimeData, QSize, Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

THUMB_PX = 64
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")
NAME_FILTER = "Images (*.png *.jpg *.jpeg *.webp)"


class ImageStrip(QWidget):
    """Thumbnails side by side, each with its name as tooltip and, if removable, a ✕ button.

    Args:
        removable: Show a remove button on each thumbnail (the pending attachments).
        size: Longest side of a thumbnail, in pixels.
    """

    removeRequested = Signal(int)
    """The position of the picture the user wants to remove."""

    def __init__(self, parent: QWidget | None = None, *, removable: bool = True,
                 size: int = THUMB_PX) -> None:
        super().__init__(parent)
        self.setObjectName("imageStrip")
        self._removable = removable
        self._size = size
        self._tiles: list[QFrame] = []
        self._names: list[str] = []
        self._row = QHBoxLayout(self)
        self._row.setContentsMargins(0, 0, 0, 0)
        self._row.setSpacing(6)
        self._row.addStretch(1)
        self.hide()

    def set_images(self, items: Sequence[tuple[str, QImage]]) -> None:
        """Show ``(name, thumbnail)`` pairs, replacing what was shown; hidden when empty."""
        for tile in self._tiles:
            self._row.removeWidget(tile)
            tile.deleteLater()
        self._tiles, self._names = [], []
        for position, (name, image) in enumerate(items):
            tile = self._tile(position, name, image)
            self._row.insertWidget(position, tile)
            self._tiles.append(tile)
            self._names.append(name)
        self.setVisible(bool(items))

    def _tile(self, position: int, name: str, image: QImage) -> QFrame:
        tile = QFrame(self)
        tile.setObjectName("imageTile")
        tile.setToolTip(name)
        layout = QVBoxLayout(tile)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        picture = QLabel(tile)
        picture.setObjectName("imageThumbnail")
        picture.setFixedSize(QSize(self._size, self._size))
        picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        picture.setPixmap(QPixmap.fromImage(image.scaled(
            self._size, self._size, Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation)))
        picture.setAccessibleName(name)
        layout.addWidget(picture)
        if self._removable:
            remove = QToolButton(picture)
            remove.setObjectName("removeImage")
            remove.setText("✕")
            remove.setToolTip(f"Remove {name}")
            remove.setAutoRaise(True)
            remove.move(self._size - 20, 0)
            remove.clicked.connect(lambda: self.removeRequested.emit(position))
        return tile

    # -- reading back ---------------------------------------------------------------------

    def count(self) -> int:
        """How many pictures are shown."""
        return len(self._tiles)

    def names(self) -> list[str]:
        """The pictures' names, in order."""
        return list(self._names)

    def thumbnail(self, position: int) -> QPixmap:
        """The thumbnail shown at ``position``."""
        label = self._tiles[position].findChild(QLabel, "imageThumbnail")
        assert label is not None  # every tile has one
        return label.pixmap()

    def remove_button(self, position: int) -> QToolButton | None:
        """The ✕ of the picture at ``position`` (None on a strip without them)."""
        return self._tiles[position].findChild(QToolButton, "removeImage")


def images_in(mime: QMimeData) -> list[str | QImage]:
    """What a paste or a drop offers as pictures: local image files by path, else a bitmap.

    Files of other types are left out; an empty list means the data holds no picture.
    """
    paths = [url.toLocalFile() for url in mime.urls() if url.isLocalFile()]
    pictures: list[str | QImage] = [p for p in paths if p.lower().endswith(IMAGE_SUFFIXES)]
    if pictures:
        return pictures
    if mime.hasImage():
        image = mime.imageData()
        if isinstance(image, QImage) and not image.isNull():
            return [image]
    return []


def open_image_picker(parent: QWidget, start: str = "") -> QFileDialog:
    """Open a (window-modal, non-blocking) picker of PNG, JPEG and WebP files.

    Connect to its ``filesSelected`` signal; the dialog deletes itself when closed.
    """
    dialog = QFileDialog(parent, "Attach pictures", start, NAME_FILTER)
    dialog.setObjectName("attachImagesDialog")
    dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
