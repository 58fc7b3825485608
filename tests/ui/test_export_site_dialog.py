"""The Export dialog: what it suggests for each step and kind, and what it asks for."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QRadioButton

from ui.export_site_dialog import BUILD, EDITOR, FOLDER, GIT, ZIP, ExportChoice, ExportSiteDialog
from ui.main_window import MainWindow

STEPS = [(1, "Step 1 · edit · appearance 3"), (2, "Step 2 · edit · appearance 5 (best)"),
         (3, "Step 3 · edit · appearance 2 (current)")]


@pytest.fixture
def dialog(qtbot, tmp_path):
    shown = ExportSiteDialog(STEPS, selected=2, current=3, run_name="bakery",
                             home=str(tmp_path))
    qtbot.addWidget(shown)
    shown.show()
    return shown


def emitted(qtbot, dialog: ExportSiteDialog) -> ExportChoice:
    with qtbot.waitSignal(dialog.exportRequested, timeout=1000) as signal:
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    return signal.args[0]


def test_it_starts_on_the_chosen_step_and_suggests_a_destination_per_kind(qtbot, dialog,
                                                                         tmp_path):
    assert dialog.windowTitle() == "Export the site"
    assert [dialog.step_box.itemText(i) for i in range(3)] == [label for _i, label in STEPS]
    assert dialog.step_box.currentText() == "Step 2 · edit · appearance 5 (best)"
    assert dialog.kind() == ZIP
    assert dialog.destination.text() == str(tmp_path / "bakery-step-2.zip")

    build = dialog.findChild(QRadioButton, f"kind_{BUILD}")
    qtbot.mouseClick(build, Qt.MouseButton.LeftButton, pos=QPoint(6, build.height() // 2))
    assert dialog.kind() == BUILD
    assert dialog.destination.text() == str(tmp_path / "bakery-step-2-build")
    assert "npm run build" in dialog.hint.text()
    dialog.step_box.setCurrentIndex(0)
    assert dialog.destination.text() == str(tmp_path / "bakery-step-1-build")
    dialog.set_kind(GIT)
    assert dialog.destination.text() == str(tmp_path / "bakery-git")

    assert emitted(qtbot, dialog) == ExportChoice(1, GIT, str(tmp_path / "bakery-git"))
    assert not dialog.isVisible()


def test_what_the_user_typed_is_kept_and_a_relative_name_goes_in_the_home_folder(
        qtbot, dialog, tmp_path):
    dialog.destination.clear()
    qtbot.keyClicks(dialog.destination, "sites/mine.zip")
    dialog.step_box.setCurrentIndex(2)  # no more suggestions over the user's own text
    assert dialog.destination.text() == "sites/mine.zip"

    assert emitted(qtbot, dialog) == ExportChoice(3, ZIP, str(tmp_path / "sites" / "mine.zip"))


def test_an_empty_destination_is_asked_for_and_nothing_is_emitted(qtbot, dialog):
    dialog.set_kind(BUILD)
    dialog.destination.clear()
    qtbot.keyClicks(dialog.destination, "  ")
    with qtbot.assertNotEmitted(dialog.exportRequested):
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert dialog.error.isVisible()
    assert dialog.error.text() == "Choose where to write the export: a new or empty folder."
    qtbot.keyClicks(dialog.destination, "x")
    assert not dialog.error.isVisible()


def test_replacing_a_zip_is_only_asked_for_through_the_file_picker(qtbot, dialog, tmp_path):
    picked = str(tmp_path / "old.zip")
    dialog.pick_destination(picked, replace=True)
    assert emitted(qtbot, dialog) == ExportChoice(2, ZIP, picked, replace=True)

    dialog.show()
    dialog.pick_destination(picked, replace=True)
    qtbot.keyClicks(dialog.destination, "x")  # edited afterwards: no longer confirmed
    assert emitted(qtbot, dialog) == ExportChoice(2, ZIP, picked + "x", replace=False)


@pytest.mark.parametrize("kind", [EDITOR, FOLDER])
def test_opening_the_workspace_is_about_the_current_step_and_needs_no_destination(
        qtbot, dialog, kind):
    dialog.set_kind(kind)
    assert dialog.step_box.currentText() == "Step 3 · edit · appearance 2 (current)"
    assert not dialog.step_box.isEnabled()
    assert not dialog.destination.isVisible() and not dialog.browse_button.isVisible()
    assert dialog.hint.text() == (
        "Opens the run's workspace folder, which holds the files of the current step, step 3. "
        "To open another step's files, restore that step first, or export it.")
    assert emitted(qtbot, dialog) == ExportChoice(3, kind, "")

    dialog.show()
    dialog.set_kind(ZIP)  # back to an export: every step can be chosen again
    assert dialog.step_box.isEnabled() and dialog.destination.isVisible()


def test_the_file_menu_offers_the_export(qtbot):
    window = MainWindow()
    qtbot.addWidget(window)
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&File")
    export = next(a for a in menu.actions() if a.text() == "Export site…")
    assert export.shortcut().toString() == "Ctrl+Shift+E"
    with qtbot.waitSignal(window.exportSiteRequested, timeout=1000):
        export.trigger()
