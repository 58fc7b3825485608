"""Pictures in the chat: the strip of attachments, and what paste, drop and the picker offer."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QColor, QDragEnterEvent, QDropEvent, QImage
from PySide6.QtWidgets import QApplication, QFileDialog, QVBoxLayout, QWidget

from tests.support.pictures import mockup
from ui.chat_panel import ChatPanel
from ui.image_strip import ImageStrip

CTRL = Qt.KeyboardModifier.ControlModifier


def solid(width: int, height: int, colour: str) -> QImage:
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor(colour))
    return image


@pytest.fixture
def panel(qtbot) -> Iterator[ChatPanel]:
    widget = ChatPanel()
    qtbot.addWidget(widget)
    widget.resize(520, 640)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    widget.close()


def test_the_strip_shows_thumbnails_and_asks_to_remove_one(qtbot):
    holder = QWidget()
    qtbot.addWidget(holder)
    strip = ImageStrip(holder)
    QVBoxLayout(holder).addWidget(strip)
    holder.show()
    assert not strip.isVisible()  # nothing attached: no empty strip

    strip.set_images([("wide.png", solid(400, 100, "red")), ("tall.png", solid(50, 200, "blue"))])

    assert strip.isVisible() and strip.names() == ["wide.png", "tall.png"]
    wide, tall = strip.thumbnail(0), strip.thumbnail(1)
    assert (wide.width(), wide.height()) == (64, 16)  # kept in proportion
    assert (tall.width(), tall.height()) == (16, 64)
    assert wide.toImage().pixelColor(10, 8) == QColor("red")
    with qtbot.waitSignal(strip.removeRequested) as removed:
        qtbot.mouseClick(strip.remove_button(1), Qt.MouseButton.LeftButton)
    assert removed.args == [1]
    strip.set_images([])
    assert not strip.isVisible() and strip.count() == 0


def test_a_pasted_bitmap_is_offered_as_a_picture_not_text(qtbot, panel):
    box = panel.input.instruction_edit()
    qtbot.keyClicks(box, "Like this: ")
    QApplication.clipboard().setImage(solid(120, 80, "green"))
    with qtbot.waitSignal(panel.input.imagesOffered) as offered:
        qtbot.keyClick(box, Qt.Key.Key_V, CTRL)

    [picture] = offered.args[0]
    assert isinstance(picture, QImage) and picture.size().width() == 120
    assert box.toPlainText() == "Like this: "


def test_dropped_picture_files_are_offered_and_other_files_left_out(qtbot, panel, tmp_path):
    shot, notes = tmp_path / "shot.PNG", tmp_path / "notes.txt"
    shot.write_bytes(mockup(100, 80))
    notes.write_text("text")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(notes)), QUrl.fromLocalFile(str(shot))])
    box = panel.input.instruction_edit()
    centre = box.viewport().rect().center()
    buttons, keys = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(centre, Qt.DropAction.CopyAction, mime, buttons, keys)
    QApplication.sendEvent(box.viewport(), enter)
    assert enter.isAccepted()  # the box takes picture files
    drop = QDropEvent(QPointF(centre), Qt.DropAction.CopyAction, mime, buttons, keys)
    with qtbot.waitSignal(panel.input.imagesOffered) as offered:
        QApplication.sendEvent(box.viewport(), drop)

    assert offered.args[0] == [str(shot)]
    assert box.toPlainText() == ""


def test_the_attach_button_opens_a_picker_of_pictures(qtbot, panel, tmp_path):
    (tmp_path / "mock.webp").write_bytes(mockup(100, 80, fmt="WEBP"))
    qtbot.mouseClick(panel.input.attach_button(), Qt.MouseButton.LeftButton)
    dialog = panel.findChild(QFileDialog, "attachImagesDialog")
    assert dialog is not None and dialog.isVisible()
    assert "*.webp" in dialog.nameFilters()[0]
    dialog.setDirectory(str(tmp_path))
    dialog.selectFile(str(tmp_path / "mock.webp"))
    with qtbot.waitSignal(panel.input.imagesOffered) as offered:
        dialog.accept()

    assert offered.args[0] == [str(tmp_path / "mock.webp")]


def test_pictures_alone_can_be_sent_and_the_strip_lives_above_the_box(qtbot, panel):
    panel.input.set_input_mode("follow_up")
    box = panel.input.instruction_edit()
    with qtbot.assertNotEmitted(panel.input.submitted):
        qtbot.keyClick(box, Qt.Key.Key_Return, CTRL)  # nothing to send yet
    panel.input.set_attachments([("mock.png", solid(300, 200, "red"))])
    assert panel.input.image_strip().isVisible()
    assert panel.input.image_strip().geometry().bottom() <= box.geometry().top()

    with qtbot.waitSignal(panel.input.submitted) as sent:
        qtbot.keyClick(box, Qt.Key.Key_Return, CTRL)
    assert sent.args == [""]


def test_a_locked_chat_takes_no_pictures(qtbot, panel):
    panel.input.set_input_mode("locked", "This run cannot take requests.")
    assert not panel.input.attach_button().isEnabled()
    mime = QMimeData()
    mime.setImageData(solid(40, 40, "red"))
    with qtbot.assertNotEmitted(panel.input.imagesOffered):
        panel.input.instruction_edit().insertFromMimeData(mime)
