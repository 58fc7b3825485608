"""The runs browser: what a user sees of a folder of runs, and what their clicks ask for."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView

from agent_core.store.records import RunStatus, StepKind
from agent_core.store.run_index import RunSummary, scan_runs
from tests.support.runs import StepSpec, build_run
from ui.runs_browser import ALL_CODERS, NO_MATCH_TEXT, RunsBrowser
from ui.runs_table import BEST_GUI, BEST_LOOK, COLUMNS, DATE, INSTRUCTION, RUN_DIR_ROLE, STEPS

LONG = "A bakery site with a menu, an order form and a contact page.\nUse warm colours."


def _models(coder: str) -> dict:
    return {"coder": {"model": coder}, "critic": {"model": "vl-32b"}}


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """Four real runs (one unreadable) with distinct grades, step counts and dates."""
    root = tmp_path_factory.mktemp("runs")
    bakery = build_run(
        root / "bakery",
        [StepSpec(appearance=4), StepSpec(kind=StepKind.GUI_TEST, appearance=4, gui=5)],
        instruction=LONG,
        models=_models("coder-7b"),
    )
    hotel = build_run(
        root / "hotel",
        [StepSpec(appearance=3)] * 10,
        instruction="Hotel booking with a map",
        models=_models("coder-32b"),
        status=RunStatus.FAILED,
    )
    blank = build_run(
        root / "blank",
        [StepSpec(appearance=None)] * 3,
        instruction="Blank portfolio",
        models=_models("coder-7b"),
        status=RunStatus.CANCELLED,
    )
    for store, created in ((bakery, 1_700_300_000), (hotel, 1_700_200_000), (blank, 1_700_100_000)):
        store.update_manifest(created_at=float(created))
    broken = root / "broken"
    broken.mkdir()
    (broken / "manifest.json").write_text("{torn")
    return root


@pytest.fixture
def browser(qtbot, folder) -> RunsBrowser:
    widget = RunsBrowser()
    qtbot.addWidget(widget)
    widget.resize(1100, 400)
    widget.set_runs(scan_runs(folder), folder)
    return widget


def _cell(browser: RunsBrowser, run: str, column: int, role=Qt.ItemDataRole.DisplayRole):
    model = browser.table.model()
    row = [Path(d).name for d in browser.visible_rows()].index(run)
    return model.index(row, column).data(role)


def _names(browser: RunsBrowser) -> list[str]:
    return [Path(d).name for d in browser.visible_rows()]


def test_each_run_shows_its_instruction_models_grades_and_status(browser):
    row = [_cell(browser, "bakery", c) for c in range(len(COLUMNS))]

    assert row[0] == "A bakery site with a menu, an order form and a contact page.…"
    assert row[1:6] == ["coder-7b", "vl-32b", "2", "4/5", "5/5"]
    assert row[6] == "25.0 s"
    assert row[7].startswith("2023-11-1")
    assert row[8] == "finished"
    assert "Use warm colours." in _cell(browser, "bakery", INSTRUCTION, Qt.ItemDataRole.ToolTipRole)
    assert _cell(browser, "blank", BEST_LOOK) == "–"
    assert _cell(browser, "hotel", 8) == "failed"
    assert browser.count_label.text() == "4 runs"


def test_newest_runs_come_first_and_unreadable_runs_last(browser):
    assert _names(browser) == ["bakery", "hotel", "blank", "broken"]


def test_steps_sort_as_numbers(browser):
    browser.table.sortByColumn(STEPS, Qt.SortOrder.AscendingOrder)
    assert _names(browser)[:3] == ["bakery", "blank", "hotel"]  # 2, 3, 10 (not "10" < "2")

    browser.table.sortByColumn(STEPS, Qt.SortOrder.DescendingOrder)
    assert _names(browser)[:3] == ["hotel", "blank", "bakery"]


@pytest.mark.parametrize("order", [Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder])
def test_missing_grades_sort_last_in_either_order(browser, order):
    browser.table.sortByColumn(BEST_LOOK, order)
    expected = ["hotel", "bakery"] if order == Qt.SortOrder.AscendingOrder else ["bakery", "hotel"]
    assert _names(browser)[:2] == expected
    assert set(_names(browser)[2:]) == {"blank", "broken"}

    browser.table.sortByColumn(BEST_GUI, order)
    assert _names(browser)[0] == "bakery"


def test_filter_matches_instruction_and_model_names(browser, qtbot):
    qtbot.keyClicks(browser.filter_edit, "hotel MAP")
    assert _names(browser) == ["hotel"]
    assert browser.count_label.text() == "1 of 4 runs match"

    browser.filter_edit.setText("coder-7b")
    assert _names(browser) == ["bakery", "blank"]

    browser.filter_edit.setText("submarine")
    assert _names(browser) == []
    assert NO_MATCH_TEXT in browser.count_label.text()


def test_coder_filter_lists_each_coder_and_keeps_its_runs(browser):
    assert browser.coder_choices() == [ALL_CODERS, "coder-32b", "coder-7b"]

    browser.coder_combo.setCurrentText("coder-32b")
    assert _names(browser) == ["hotel"]

    browser.coder_combo.setCurrentText(ALL_CODERS)
    assert len(_names(browser)) == 4


def test_double_click_and_enter_ask_to_open_the_run(browser, qtbot, folder):
    with qtbot.waitExposed(browser):
        browser.show()
    view = browser.table
    rect = view.visualRect(view.model().index(1, INSTRUCTION))

    with qtbot.waitSignal(browser.openRequested) as opened:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert opened.args == [str((folder / "hotel").resolve())]

    view.setCurrentIndex(view.model().index(0, 0))
    with qtbot.waitSignal(browser.openRequested) as opened:
        qtbot.keyClick(view, Qt.Key.Key_Return)
    assert opened.args == [str((folder / "bakery").resolve())]


def test_compare_needs_exactly_two_runs(browser, qtbot, folder):
    assert not browser.compare_button.isEnabled()
    browser.select_runs([str((folder / "bakery").resolve())])
    assert not browser.compare_button.isEnabled()
    assert browser.open_button.isEnabled()

    browser.select_runs([str((folder / n).resolve()) for n in ("blank", "bakery")])
    assert browser.compare_button.isEnabled()
    assert not browser.open_button.isEnabled()
    with qtbot.waitSignal(browser.compareRequested) as compared:
        qtbot.mouseClick(browser.compare_button, Qt.MouseButton.LeftButton)
    assert compared.args == [str((folder / "bakery").resolve()), str((folder / "blank").resolve())]

    browser.select_runs([str((folder / n).resolve()) for n in ("blank", "bakery", "hotel")])
    assert not browser.compare_button.isEnabled()


def test_unreadable_run_explains_itself_and_cannot_be_opened(browser, qtbot, folder):
    broken = str((folder / "broken").resolve())
    assert _cell(browser, "broken", INSTRUCTION) == "Cannot read broken"
    assert _cell(browser, "broken", 8) == "unreadable"
    assert "manifest.json" in _cell(browser, "broken", INSTRUCTION, Qt.ItemDataRole.ToolTipRole)

    browser.select_runs([broken])
    assert not browser.open_button.isEnabled()
    assert "cannot read" in browser.problem_text()
    with qtbot.assertNotEmitted(browser.openRequested):
        browser.table.activated.emit(browser.table.model().index(3, 0))


def test_choose_folder_button_asks_the_app(browser, qtbot):
    assert browser.folder_button.toolTip()
    with qtbot.waitSignal(browser.folderRequested):
        qtbot.mouseClick(browser.folder_button, Qt.MouseButton.LeftButton)


def test_empty_folder_shows_a_message_instead_of_a_table(qtbot, tmp_path):
    widget = RunsBrowser()
    qtbot.addWidget(widget)
    widget.set_runs(scan_runs(tmp_path), tmp_path)

    assert widget.visible_rows() == []
    assert widget._stack.currentWidget().objectName() == "runsPlaceholder"
    assert str(tmp_path) in widget._stack.currentWidget().text()
    widget.set_runs([RunSummary(run_dir=tmp_path / "x", instruction="One", steps=1)])
    assert widget._stack.currentWidget() is widget.table
    assert widget.table.selectionMode() == QAbstractItemView.SelectionMode.ExtendedSelection
    assert _cell(widget, "x", DATE) == ""


def test_imported_and_example_runs_are_marked_in_the_status(qtbot, tmp_path):
    for name, config in (("imported", {"imported_from": "webgen-agent"}),
                         ("example", {"example": {"models": "scripted"}}),
                         ("both", {"imported_from": "webgen-agent", "example": {}})):
        store = build_run(tmp_path / name, [StepSpec(appearance=4)], instruction=name)
        store.update_manifest(config=config)
        store.unlock()
    widget = RunsBrowser()
    qtbot.addWidget(widget)
    widget.set_runs(scan_runs(tmp_path), tmp_path)
    assert _cell(widget, "imported", 8) == "finished · imported"
    assert _cell(widget, "example", 8) == "finished · example"
    assert _cell(widget, "both", 8) == "finished · imported · example"


def test_refresh_button_and_f5_ask_the_app_to_look_again(browser, qtbot):
    with qtbot.waitExposed(browser):
        browser.show()
    assert "F5" in browser.refresh_button.toolTip()
    with qtbot.waitSignal(browser.refreshRequested):
        qtbot.mouseClick(browser.refresh_button, Qt.MouseButton.LeftButton)
    browser.table.setFocus()
    with qtbot.waitSignal(browser.refreshRequested):
        qtbot.keyClick(browser.table, Qt.Key.Key_F5)


def test_while_looking_the_count_says_so_and_refresh_waits(browser):
    assert browser.count_label.text() == "4 runs"
    browser.set_scanning(True)
    assert browser.count_label.text() == "Looking for runs…"
    assert not browser.refresh_button.isEnabled()
    assert len(browser.visible_rows()) == 4  # the table stays usable meanwhile
    browser.set_runs(scan_runs(browser.runs()[0].run_dir.parent))
    assert browser.count_label.text() == "4 runs" and browser.refresh_button.isEnabled()


def test_a_new_scan_shows_new_runs_and_keeps_the_selection(qtbot, tmp_path):
    for name, created in (("bakery", 1_700_100_000), ("hotel", 1_700_200_000)):
        store = build_run(tmp_path / name, [StepSpec()], instruction=name)
        store.update_manifest(created_at=float(created))
        store.unlock()
    widget = RunsBrowser()
    qtbot.addWidget(widget)
    widget.set_runs(scan_runs(tmp_path), tmp_path)
    bakery = str((tmp_path / "bakery").resolve())
    widget.select_runs([bakery])
    assert widget.open_button.isEnabled()

    florist = build_run(tmp_path / "florist", [StepSpec()], instruction="florist")
    florist.update_manifest(created_at=1_700_300_000.0)
    florist.unlock()
    widget.set_runs(scan_runs(tmp_path), tmp_path)

    assert _names(widget) == ["florist", "hotel", "bakery"]
    assert widget.selected_runs() == [bakery]
    assert widget.table.currentIndex().data(RUN_DIR_ROLE) == bakery
    assert widget.open_button.isEnabled()
