"""The compare view: two real steps side by side and the diff of their files."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QDialog

from agent_core.store.evidence import CriticReview
from agent_core.store.records import StepKind
from agent_core.store.run_store import RunStore
from tests.support.runs import StepSpec, build_run, default_files
from ui.compare_view import PLACEHOLDER, SAME_FILES, ComparedStep, CompareView

CRITIC = CriticReview(description="A cream page with three cake cards.",
                      suggestions=("Add prices",), grade_analysis="Tidy.")


def _side(store: RunStore, label: str, index: int) -> ComparedStep:
    path = store.screenshot_path(index)
    image = QImage(str(path)) if path else None
    return ComparedStep(f"{label} · step {index}", store.step(index), image, store.files_of(index))


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("compare")
    run_a = build_run(root / "a", [
        StepSpec(appearance=4, extra={"critic": CRITIC}, feedback="Looks good, add prices."),
        StepSpec(kind=StepKind.GUI_TEST, appearance=4, gui=3),
    ])  # fmt: skip
    files_b = {
        **default_files(1),
        "src/App.jsx": "export default function App() {\n  return <h1>Menu</h1>;\n}\n",
        "src/menu.js": "export const cakes = ['cheesecake'];\n",
        "node_modules/vite/index.js": "ignored\n",
        "logo.bin": "\x00\x01",
    }
    del files_b["index.html"]
    run_b = build_run(root / "b", [
        StepSpec(appearance=2, errors=["appearance grade 2"]),
        StepSpec(appearance=3, files=files_b),
    ])  # fmt: skip
    return run_a, run_b


@pytest.fixture
def view(qtbot, runs) -> CompareView:
    widget = CompareView()
    qtbot.addWidget(widget)
    widget.resize(900, 700)
    run_a, run_b = runs
    widget.show_pair(_side(run_a, "run A", 1), _side(run_b, "run B", 2))
    return widget


def test_titles_grades_and_errors_of_both_steps(view, runs):
    _, run_b = runs
    assert (view.left_title(), view.right_title()) == ("run A · step 1", "run B · step 2")
    assert view.left_column.grades_label.text() == "Edit · Look 4/5 · GUI – · 12.5 s"
    assert view.left_column.errors_label.text() == "No errors"

    view.show_pair(_side(run_b, "run B", 1), _side(run_b, "run B", 2))
    assert view.left_column.errors_label.text() == "Error: appearance grade 2"
    assert view.right_column.errors_label.text() == "No errors"


def test_both_screenshots_are_shown_and_a_gui_step_says_it_has_none(view, runs):
    run_a, _ = runs
    assert view.left_column.screenshot.has_image()
    assert view.right_column.screenshot.has_image()

    view.show_pair(_side(run_a, "run A", 1), _side(run_a, "run A", 2))
    assert not view.right_column.screenshot.has_image()
    assert "GUI test steps take no screenshot" in view.right_column.screenshot.placeholder()


def test_critic_report_and_collapsed_feedback(view, qtbot):
    column = view.left_column
    assert "A cream page with three cake cards." in column.critic_label.text()
    assert "• Add prices" in column.critic_label.text()
    assert view.right_column.critic_label.text() == "No critic report for this step."
    assert not column.feedback.is_expanded()
    assert column.feedback.text() == "Looks good, add prices."

    qtbot.mouseClick(column.feedback.toggle_button, Qt.MouseButton.LeftButton)
    assert column.feedback.is_expanded()
    assert column.feedback.toggle_button.text() == "Hide feedback"


def test_changed_files_are_listed_with_counts_and_node_modules_left_out(view):
    assert view.changed_files() == [
        ("index.html", "removed"),
        ("logo.bin", "added"),
        ("src/App.jsx", "changed"),
        ("src/menu.js", "added"),
    ]
    assert view.counts_label.text() == "4 files differ · 2 added · 1 removed · 1 changed"
    assert view.file_list.item(2).text() == "src/App.jsx  (changed)"


def test_first_changed_file_is_diffed_from_left_to_right(view):
    assert view.file_list.currentRow() == 0
    assert "-<!doctype html><div id=root></div>" in view.diff_text()
    assert view.diff_text().startswith("--- run A · step 1/index.html\n+++ (not in run B · step 2)")
    assert view.diff_summary_text() == "Removed in the run B · step 2 · +0 −1 lines"


def test_choosing_a_file_shows_its_diff(view, qtbot):
    item = view.file_list.item(2)
    rect = view.file_list.visualItemRect(item)
    qtbot.mouseClick(view.file_list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())

    assert "-  return <h1>Step 1</h1>;" in view.diff_text()
    assert "+  return <h1>Menu</h1>;" in view.diff_text()
    assert view.diff_summary_text() == "+1 −1 lines"

    view.select_file("logo.bin")
    assert view.diff_text().startswith("Binary files differ: logo.bin")


def test_steps_with_the_same_files_say_so(view, runs):
    run_a, _ = runs
    # A GUI-test step keeps its parent's files.
    view.show_pair(_side(run_a, "run A", 1), _side(run_a, "run A", 2))

    assert view.changed_files() == []
    assert view.file_list.count() == 0
    assert view.counts_label.text() == SAME_FILES
    assert view.diff_text() == SAME_FILES


def test_clear_shows_the_placeholder(view, runs):
    view.set_steps(runs[0].steps())
    view.clear()

    assert view.counts_label.text() == PLACEHOLDER == "Choose two steps to compare."
    assert (view.left_title(), view.right_title()) == ("", "")
    assert view.changed_files() == []
    assert view.left_column.isHidden()


def test_clicking_a_screenshot_opens_it_at_full_size(view, qtbot):
    with qtbot.waitExposed(view):
        view.show()
    screenshot = view.right_column.screenshot
    qtbot.mouseClick(screenshot, Qt.MouseButton.LeftButton, pos=screenshot.rect().center())

    dialogs = [w for w in QApplication.topLevelWidgets()
               if isinstance(w, QDialog) and w.isVisible()]  # fmt: skip
    assert [d.windowTitle() for d in dialogs] == ["run B · step 2"]
    dialogs[0].close()


# -- the step pickers -----------------------------------------------------------------------


def test_pickers_list_the_steps_with_kind_grades_current_and_best(view, runs):
    run_a, run_b = runs
    pickers = view.pickers
    pickers.set_steps(run_a.steps(), head=2, best=1)
    assert pickers.items() == ["Step 1 · Edit · Look 4/5 · GUI – · ★ best",
                               "Step 2 · GUI test · Look 4/5 · GUI 3/5 · current"]
    pickers.set_steps(run_b.steps(), head=2, best=2)
    assert pickers.items()[0] == "Step 1 · Edit · Look 2/5 · GUI – · error"
    assert pickers.left_combo.isEnabled() and pickers.swap_button.isEnabled()


def test_choosing_a_step_in_a_picker_asks_for_that_pair(view, runs, qtbot):
    run_a, _ = runs
    pickers = view.pickers
    pickers.set_steps(run_a.steps())
    pickers.show_choice(1, 2)
    assert pickers.left_combo.currentText().startswith("Step 1 ·")
    pickers.right_combo.setFocus()
    with qtbot.waitSignal(view.stepsChosen, timeout=1000) as chosen:
        qtbot.keyClick(pickers.right_combo, Qt.Key.Key_Up)  # the user picks step 1 on the right
    assert chosen.args == [1, 1]
    pickers.show_choice(2, 1)
    with qtbot.waitSignal(view.stepsChosen, timeout=1000) as chosen:
        qtbot.mouseClick(pickers.swap_button, Qt.MouseButton.LeftButton)
    assert chosen.args == [1, 2]
    assert pickers.chosen() == (1, 2)


def test_a_choice_shown_by_the_app_asks_for_nothing(view, runs, qtbot):
    run_a, _ = runs
    view.pickers.set_steps(run_a.steps())
    with qtbot.assertNotEmitted(view.stepsChosen):
        view.pickers.show_choice(2, 1)
        view.pickers.set_steps(run_a.steps())  # a new step listed: the choice stays
    assert view.pickers.chosen() == (2, 1)


def test_without_two_steps_the_view_says_why_nothing_can_be_chosen(view, runs):
    pickers = view.pickers
    view.clear()
    view.set_steps([])
    assert not pickers.left_combo.isEnabled() and not pickers.right_combo.isEnabled()
    assert view.counts_label.text() == "Open a run to compare its steps."
    run_a, _ = runs
    view.set_steps(run_a.steps()[:1])
    assert not pickers.right_combo.isEnabled()
    assert view.counts_label.text().startswith("This run has one step so far")
    view.set_steps(run_a.steps())
    assert pickers.right_combo.isEnabled()
    assert view.counts_label.text() == "Choose two steps to compare."


def test_listing_steps_leaves_a_shown_pair_alone(view, runs):
    view.set_steps(runs[0].steps()[:1])
    assert view.counts_label.text() == "4 files differ · 2 added · 1 removed · 1 changed"


def test_clearing_the_view_drops_the_choice(view, runs):
    run_a, _ = runs
    view.pickers.set_steps(run_a.steps())
    view.pickers.show_choice(1, 2)
    view.clear()
    assert view.pickers.chosen() == (None, None)
    assert view.pickers.left_combo.currentText() == ""
    assert view.pickers.step_count() == 2
