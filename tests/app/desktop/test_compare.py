"""The Compare tab on real runs: its pickers, what it opens on, and Ctrl+Shift+C."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog

from agent_core.store.run_store import RunStore
from app.desktop.compare import NO_RUN
from tests.support.desktop import Desk, drive, make_desk
from tests.support.runs import StepSpec, build_run
from ui.main_window import TAB_COMPARE, TAB_STEP


def backtracked_run(run_dir: Path, *, best: int | None = None) -> RunStore:
    """Steps 1 and 2, then step 3 built on step 1 again (a backtrack); step 3 is current."""
    store = build_run(run_dir, [StepSpec(appearance=3), StepSpec(appearance=2, errors=["blank"]),
                                StepSpec(appearance=4, parent=1)], best=best)
    store.unlock()
    return store


def open_desk(qtbot, tmp_path: Path, monkeypatch) -> Desk:
    monkeypatch.setenv("WEBGEN_CONFIG_DIR", str(tmp_path / "config"))
    return make_desk(qtbot, tmp_path)


async def open_run(desk: Desk, store: RunStore) -> None:
    desk.controller.open_flow.open_run(str(store.run_dir))
    await desk.controller.ops.wait_idle()


def no_dialogs() -> bool:
    return not [w for w in QApplication.topLevelWidgets()
                if isinstance(w, QDialog) and w.isVisible()]


def test_the_compare_tab_opens_on_the_current_step_beside_the_one_it_continued_from(
    qapp, qtbot, tmp_path, monkeypatch
):
    store = backtracked_run(tmp_path / "runs" / "bakery")
    desk = open_desk(qtbot, tmp_path, monkeypatch)

    async def scenario() -> None:
        w = desk.window
        await open_run(desk, store)
        w.tabs.setCurrentIndex(TAB_COMPARE)  # the user clicks the tab
        await desk.controller.ops.wait_idle()
        compare = w.compare
        assert (compare.left_title(), compare.right_title()) == ("step 1", "step 3")
        assert compare.pickers.left_combo.currentText() == "Step 1 · Edit · Look 3/5 · GUI –"
        assert compare.pickers.right_combo.currentText() == (
            "Step 3 · Edit · Look 4/5 · GUI – · current · ★ best")
        assert compare.changed_files() == [("src/App.jsx", "changed")]
        assert "+  return <h1>Step 3</h1>;" in compare.diff_text()

    drive(qapp, desk, scenario)


def test_choosing_steps_in_the_pickers_shows_them(qapp, qtbot, tmp_path, monkeypatch):
    store = backtracked_run(tmp_path / "runs" / "bakery")
    desk = open_desk(qtbot, tmp_path, monkeypatch)

    async def scenario() -> None:
        w = desk.window
        await open_run(desk, store)
        w.tabs.setCurrentIndex(TAB_COMPARE)
        await desk.controller.ops.wait_idle()
        pickers = w.compare.pickers
        assert pickers.items()[1] == "Step 2 · Edit · Look 2/5 · GUI – · error"
        pickers.left_combo.setFocus()
        qtbot.keyClick(pickers.left_combo, Qt.Key.Key_Down)  # step 1 -> step 2
        await desk.controller.ops.wait_idle()
        assert (w.compare.left_title(), w.compare.right_title()) == ("step 2", "step 3")
        assert w.compare.left_column.errors_label.text() == "Error: blank"
        qtbot.mouseClick(pickers.swap_button, Qt.MouseButton.LeftButton)
        await desk.controller.ops.wait_idle()
        assert (w.compare.left_title(), w.compare.right_title()) == ("step 3", "step 2")
        assert w.tabs.currentIndex() == TAB_COMPARE

    drive(qapp, desk, scenario)


def test_ctrl_shift_c_shows_the_selected_step_in_the_compare_tab(qapp, qtbot, tmp_path,
                                                                monkeypatch):
    store = backtracked_run(tmp_path / "runs" / "bakery", best=2)
    desk = open_desk(qtbot, tmp_path, monkeypatch)

    async def scenario() -> None:
        w = desk.window
        await open_run(desk, store)
        desk.controller.show_step(2)  # a click on step 2's card
        await desk.controller.ops.wait_idle()
        assert w.tabs.currentIndex() == TAB_STEP
        w.activateWindow()
        qtbot.waitActive(w)
        qtbot.keyClick(w, Qt.Key.Key_C,
                       Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
        assert w.tabs.currentIndex() == TAB_COMPARE
        assert w.compare.pickers.chosen() == (1, 2)  # chosen at once, loaded next
        await desk.controller.ops.wait_idle()
        assert (w.compare.left_title(), w.compare.right_title()) == ("step 1", "step 2")
        assert no_dialogs()
        # A step that starts the run has no parent: it is shown beside the best step.
        desk.controller.show_step(1)
        await desk.controller.ops.wait_idle()
        w.compare_action.trigger()
        await desk.controller.ops.wait_idle()
        assert (w.compare.left_title(), w.compare.right_title()) == ("step 2", "step 1")

    drive(qapp, desk, scenario)


def test_without_a_run_the_tab_and_the_shortcut_say_what_to_do(qapp, qtbot, tmp_path,
                                                              monkeypatch):
    desk = open_desk(qtbot, tmp_path, monkeypatch)

    async def scenario() -> None:
        w = desk.window
        w.compare_action.trigger()
        assert w.notices.text() == NO_RUN and w.notices.level() == "info"
        assert no_dialogs()
        w.tabs.setCurrentIndex(TAB_COMPARE)
        pickers = w.compare.pickers
        assert not pickers.left_combo.isEnabled()
        assert w.compare.counts_label.text() == "Open a run to compare its steps."

    drive(qapp, desk, scenario)


def test_opening_another_run_replaces_the_comparison_with_its_own_steps(qapp, qtbot, tmp_path,
                                                                       monkeypatch):
    first = backtracked_run(tmp_path / "runs" / "bakery")
    second = build_run(tmp_path / "runs" / "florist", [StepSpec(), StepSpec(appearance=5)])
    second.unlock()
    desk = open_desk(qtbot, tmp_path, monkeypatch)

    async def scenario() -> None:
        w = desk.window
        await open_run(desk, first)
        w.tabs.setCurrentIndex(TAB_COMPARE)
        await desk.controller.ops.wait_idle()
        assert w.compare.right_title() == "step 3"
        await open_run(desk, second)
        await desk.controller.ops.wait_idle()
        assert w.compare.pickers.step_count() == 2
        assert (w.compare.left_title(), w.compare.right_title()) == ("step 1", "step 2")
        assert w.compare.right_column.grades_label.text().startswith("Edit · Look 5/5")

    drive(qapp, desk, scenario)
