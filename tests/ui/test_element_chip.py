"""The chat's element chip: shown for a picked element, removable with its × button."""

from __future__ import annotations

from PySide6.QtCore import Qt

from ui.chat_panel import ChatPanel

LABEL = "<button> “Order bread” · section > button · index.html:9"


def test_the_chip_names_the_element_and_the_user_can_remove_it(qtbot) -> None:
    chat = ChatPanel()
    qtbot.addWidget(chat)
    chat.resize(420, 600)
    chat.show()
    chip = chat.input.element_chip()
    assert not chip.isVisible() and chip.text() == ""

    chip.show_element(LABEL, "Written in index.html:9")
    assert chip.isVisible()
    assert chip.text() == f"About {LABEL}"
    assert chip.toolTip() == "Written in index.html:9"
    assert chip.geometry().bottom() < chat.input.instruction_edit().geometry().top()

    with qtbot.waitSignal(chip.removed, timeout=1000):
        qtbot.mouseClick(chip.remove_button(), Qt.MouseButton.LeftButton)
    assert not chip.isVisible() and chip.text() == ""
