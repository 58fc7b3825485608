"""The start picker (welcome page, File > New): what it lists, shows and gives back."""

from __future__ import annotations

from PySide6.QtWidgets import QDialogButtonBox

from ui.start_picker import NewRunDialog, StartPicker
from ui.welcome_view import WelcomeView

TEMPLATES = [("vite-react", "React (Vite)", "React with Vite."),
             ("plain-html", "Plain HTML", "A page, a stylesheet and a script.")]


def items(picker: StartPicker) -> list[str]:
    return [picker.combo.itemText(i) for i in range(picker.combo.count())]


def test_the_picker_lists_empty_each_template_and_a_folder(qtbot) -> None:
    picker = StartPicker()
    qtbot.addWidget(picker)
    picker.set_templates(TEMPLATES)
    picker.show()
    assert items(picker) == ["Empty project", "Template: React (Vite)", "Template: Plain HTML",
                             "A project folder…"]
    assert picker.choice() == ("empty", "") and not picker.folder_row.isVisible()
    picker.combo.setCurrentIndex(2)
    assert picker.choice() == ("template", "plain-html")
    assert picker.about.text() == "A page, a stylesheet and a script."
    picker.set_choice("folder", "/home/me/shop")
    assert picker.folder_row.isVisible() and "never changed" in picker.about.text()
    assert picker.choice() == ("folder", "/home/me/shop")


def test_the_dialog_needs_a_folder_before_ok(qtbot) -> None:
    dialog = NewRunDialog(TEMPLATES)
    qtbot.addWidget(dialog)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert ok.isEnabled()  # an empty project needs nothing more
    dialog.picker.set_choice("folder")
    assert not ok.isEnabled()
    qtbot.keyClicks(dialog.picker.folder_edit, "/srv/site")
    assert ok.isEnabled() and dialog.picker.choice() == ("folder", "/srv/site")


def test_the_welcome_page_says_which_start_was_chosen(qtbot) -> None:
    view = WelcomeView()
    qtbot.addWidget(view)
    view.start_picker.set_templates(TEMPLATES)
    view.start_picker.set_choice("template", "vite-react")
    with qtbot.waitSignal(view.startChosen, timeout=1000) as chosen:
        view.start_button.click()
    assert chosen.args == ["template", "vite-react"]
    view.start_picker.set_choice("folder")
    assert not view.start_button.isEnabled()
