"""The main window's welcome page, run banner, Help menu and File > Open run (the panels have
their own tests)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QFileDialog

from ui.main_window import MainWindow
from ui.run_banner import RunBanner
from ui.shortcuts_dialog import ShortcutsDialog


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
    assert menu_texts(window, "&Help") == [
        "Welcome", "Open example run", "Keyboard shortcuts", "About WebGen Studio"]
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


# -- Help > Keyboard shortcuts ------------------------------------------------------------


def native(keys: str) -> str:
    return QKeySequence(keys).toString(QKeySequence.SequenceFormat.NativeText)


def open_shortcuts(qtbot, window: MainWindow) -> ShortcutsDialog:
    window.shortcuts_action.trigger()
    dialog = window.findChild(ShortcutsDialog)
    assert dialog is not None and dialog.isVisible()
    return dialog


def test_keyboard_shortcuts_lists_what_each_key_does_and_where(qtbot, window):
    dialog = open_shortcuts(qtbot, window)
    assert dialog.windowTitle() == "Keyboard shortcuts"
    rows = dialog.shown_rows()
    anywhere = "Anywhere in the window"
    for expected in [
        (native("Ctrl+Shift+C"),
         "Show the selected step beside the step it continued from, in the Compare tab",
         anywhere),
        (native("Ctrl+R"), "Start the run, or continue it", anywhere),
        (native("Ctrl+,"), "Choose the coder, critic and feedback models", anywhere),
        (native("Ctrl+6"), "Show the Compare tab", anywhere),
        (native("Ctrl+/"), "List every keyboard shortcut of the window", anywhere),
        ("F5", "Reload the preview", "In the Preview tab"),
        ("Left", "Show the previous turn", "In the GUI replay tab"),
        (native("Ctrl+Return"), "Save your review of this step", "In the Step tab"),
        (f"{native('Ctrl+Return')} or {native('Ctrl+Enter')}",
         "Send what you typed: start the run, or ask for a change", "In the instruction box"),
        ("Esc", "Skip the welcome page for now", "On the welcome page"),
    ]:
        assert expected in rows
    assert all(does != "(not described)" for _keys, does, _where in rows)
    dialog.close()


def test_every_action_and_shortcut_of_the_window_is_in_the_list(qtbot, window):
    defined = [
        *(a.shortcuts() for a in window.findChildren(QAction) if a.shortcuts()),
        *(s.keys() for s in window.findChildren(QShortcut) if s.keys()),
    ]
    assert len(defined) > 20
    shown = [keys for keys, _does, _where in open_shortcuts(qtbot, window).shown_rows()]
    for sequences in defined:
        assert " or ".join(native(s.toString()) for s in sequences) in shown
    window.findChild(ShortcutsDialog).close()


def test_no_key_of_the_window_wide_actions_is_taken_again_by_a_panel(window):
    # A panel's shortcut on a key the whole window uses makes Qt call the key ambiguous
    # while the focus is in that panel: neither happens (Ctrl+R was Start and Reload).
    window_wide = {seq.toString() for a in window.findChildren(QAction) for seq in a.shortcuts()}
    panels = [seq.toString() for s in window.findChildren(QShortcut) for seq in s.keys()]
    assert [keys for keys in panels if keys in window_wide] == []


def test_a_shortcut_added_to_a_panel_is_listed_without_further_work(qtbot, window):
    fold = QShortcut(QKeySequence("Ctrl+Alt+K"), window.code)
    fold.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    fold.setWhatsThis("Fold every block")
    dialog = open_shortcuts(qtbot, window)
    assert (native("Ctrl+Alt+K"), "Fold every block", "In the Code tab") in dialog.shown_rows()
    dialog.close()


def test_ctrl_slash_opens_the_list(qtbot, window):
    window.activateWindow()
    qtbot.waitActive(window)
    qtbot.keyClick(window, Qt.Key.Key_Slash, Qt.KeyboardModifier.ControlModifier)
    dialog = window.findChild(ShortcutsDialog)
    assert dialog is not None and dialog.isVisible()
    dialog.close()


# -- File > Open run… ---------------------------------------------------------------------


def open_run_dialog(window: MainWindow) -> QFileDialog:
    window.open_action.trigger()
    dialog = window.findChild(QFileDialog, "openRunDialog")
    assert dialog is not None and dialog.isVisible()
    return dialog


def test_open_run_starts_in_the_runs_folder_and_opens_the_chosen_one(qtbot, window, tmp_path):
    runs = tmp_path / "runs"
    (runs / "bakery").mkdir(parents=True)
    window.set_runs_folder(runs)
    dialog = open_run_dialog(window)
    assert dialog.windowTitle() == "Open a run folder"
    assert Path(dialog.directory().absolutePath()) == runs
    dialog.selectFile(str(runs / "bakery"))
    with qtbot.waitSignal(window.openRunRequested, timeout=2000) as opened:
        dialog.accept()
    assert Path(opened.args[0]) == runs / "bakery"


def test_before_the_first_run_open_run_starts_where_the_runs_folder_will_be(window, tmp_path):
    window.set_runs_folder(tmp_path / "data" / "runs")  # not made yet
    dialog = open_run_dialog(window)
    assert Path(dialog.directory().absolutePath()) == tmp_path
    dialog.reject()
