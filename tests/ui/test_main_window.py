"""The main window's welcome page, run banner and Help menu (the panels have their own tests)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction

from ui.main_window import MainWindow
from ui.run_banner import RunBanner


@pytest.fixture
def window(qtbot) -> MainWindow:
    widget = MainWindow()
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def menu_texts(window: MainWindow, title: str) -> list[str]:
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == title)
    return [a.text() for a in menu.actions() if not a.isSeparator()]


def test_help_offers_the_welcome_page_and_the_example_run(qtbot, window):
    assert menu_texts(window, "&Help") == ["Welcome", "Open example run"]
    with qtbot.waitSignal(window.welcomeRequested, timeout=1000):
        window.welcome_action.trigger()
    with qtbot.waitSignal(window.openExampleRequested, timeout=1000):
        window.example_action.trigger()
    assert "example run" in window.example_action.toolTip()


def test_the_welcome_page_replaces_the_work_area_but_not_the_menus(window):
    assert not window.welcome_shown() and window.chat.isVisible()
    window.show_welcome(True)
    assert window.welcome_shown()
    assert window.welcome.isVisible() and not window.chat.isVisible()
    assert not window.timeline.isVisible()
    assert window.menuBar().isVisible()
    assert window.welcome.detect_button.hasFocus()
    window.show_welcome(False)
    assert window.chat.isVisible() and not window.welcome.isVisible()


def test_the_banner_stays_with_the_window_actions_as_buttons(qtbot, window):
    assert not window.banner.isVisible()
    window.set_banner(
        "<b>Example run.</b> Made with scripted models.", [window.serve_action, window.new_action]
    )
    banner = window.banner
    assert banner.isVisible() and banner.text() == "Example run. Made with scripted models."
    buttons = banner.buttons()
    assert [b.text() for b in buttons] == ["Serve preview", "New run"]
    assert buttons[1].toolTip().startswith("Start a new project")
    window.serve_action.setEnabled(False)
    assert not buttons[0].isEnabled()
    with qtbot.waitSignal(window.newRunRequested, timeout=1000):
        qtbot.mouseClick(buttons[1], Qt.MouseButton.LeftButton)
    window.notices.show_notice("Step 4 is the best step.", "success")
    assert banner.isVisible()  # a passing notice does not replace it
    window.set_banner(None)
    assert not banner.isVisible() and banner.text() == ""


def test_a_banner_shown_again_replaces_its_buttons(qtbot):
    banner = RunBanner()
    qtbot.addWidget(banner)
    first, second = QAction("One", banner), QAction("Two", banner)
    banner.show_banner("first", [first, second])
    banner.show_banner("second", [second])
    assert banner.text() == "second" and [b.text() for b in banner.buttons()] == ["Two"]


def test_the_welcome_pages_access_keys_do_not_clash_with_the_menus(window):
    def key(text: str) -> str:
        return text[text.index("&") + 1].lower()

    menus = {key(a.text()) for a in window.menuBar().actions()}
    view = window.welcome
    buttons = [view.detect_button, view.retry_button, view.configure_button, view.example_button]
    keys = [key(b.text()) for b in buttons]
    assert len(set(keys)) == len(keys) and not set(keys) & menus
