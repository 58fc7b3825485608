"""The Candidates tab: four candidates side by side, each with what it needs to be judged."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from tests.support.candidates import BLANK, candidates_run
from ui.candidates_view import PLACEHOLDER, CandidateSide, CandidatesView, parent_changes


def sides(store) -> list[CandidateSide]:
    """The candidates of step 2's group as the app hands them over (read, diffed)."""
    parent = store.files_of(1)
    return [CandidateSide(store.step(i), QImage(str(store.screenshot_path(i))),
                          parent_changes(parent, store.files_of(i), "step 1", f"step {i}"))
            for i in (2, 3, 4, 5)]


@pytest.fixture
def view(qtbot, tmp_path) -> CandidatesView:
    widget = CandidatesView()
    qtbot.addWidget(widget)
    widget.resize(1500, 900)
    widget.show_candidates(sides(candidates_run(tmp_path / "run")), head=5)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_each_candidate_has_a_column_with_its_place_grades_and_marker(view):
    assert view.shown_steps() == [2, 3, 4, 5]
    assert view.heading_label.text() == "After step 1: 4 candidates, steps 2–5"
    assert "Candidate 4 (step 5) was chosen" in view.note_label.text()
    titles = [c.title_label.text() for c in view.columns()]
    assert titles == [f"Candidate {n} of 4 · step {n + 1}" for n in (1, 2, 3, 4)]
    roles = [c.role_badge.text() for c in view.columns()]
    assert roles == ["gated", "gated", "sibling", "chosen"]
    assert all(c.role_badge.isVisibleTo(c) and c.screenshot.has_image() for c in view.columns())
    assert view.column(4).grades_label.text().startswith("Look 3/5 · GUI –")
    assert view.column(5).grades_label.text().startswith("Look 5/5 · GUI –")
    assert view.column(3).grades_label.text().startswith("Look – · GUI –")
    assert view.column(5).head_badge.isVisibleTo(view.column(5))
    assert not view.column(4).head_badge.isVisibleTo(view.column(4))


def test_the_gated_ones_say_why_the_critic_never_saw_them(view):
    blank, broken, good = view.column(3), view.column(2), view.column(4)
    assert blank.gate_label.text() == ("Not sent to the critic: the page is blank (no visible "
                                       "text or picture).")
    assert broken.gate_label.text().startswith("Not sent to the critic: the page threw an "
                                               "uncaught error on load (SyntaxError:")
    assert blank.errors_label.isHidden()  # its only error is the gate's, said above
    assert good.gate_label.isHidden()
    assert good.errors_label.text() == "No errors"


def test_each_column_shows_its_diff_from_the_parent_step(view):
    blank = view.column(3)
    assert blank.diff_summary.text() == "1 file changed from step 1 · +1 −3 lines"
    diff = blank.diff_view.toPlainText()
    assert f"+{BLANK.strip()}" in diff
    assert "-  return <h1>Step 1</h1>;" in diff
    assert "src/App.jsx" in diff and "package.json" not in diff


def test_continue_from_this_candidate_asks_to_restore_that_step(view, qtbot):
    plain = view.column(4)
    assert plain.continue_button.text() == "Continue from this candidate"
    assert plain.continue_button.accessibleName() == "Continue from candidate 3 (step 4)"
    with qtbot.waitSignal(view.restoreRequested) as restore:
        qtbot.mouseClick(plain.continue_button, Qt.MouseButton.LeftButton)
    assert restore.args == [4]
    assert not view.column(5).continue_button.isEnabled()  # already the current step
    view.set_head(4)  # the restore went through
    assert plain.head_badge.isVisibleTo(plain) and not plain.continue_button.isEnabled()
    assert view.column(5).continue_button.isEnabled()


def test_a_narrow_window_scrolls_sideways_and_tab_reaches_every_column(view, qtbot):
    view.resize(700, 800)
    bar = view._scroll.horizontalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)
    assert bar.value() == 0
    buttons = [c.continue_button for c in view.columns()]
    view.activateWindow()
    buttons[0].setFocus(Qt.FocusReason.TabFocusReason)
    for _ in range(12):  # Tab moves through the diffs and the buttons, column by column
        if QApplication.focusWidget() is buttons[2]:
            break
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is buttons[2]
    assert bar.value() > 0  # scrolled to the focused column
    assert view.column(3).accessibleName() == "Candidate 2, step 3, gated"


def test_cleared_it_says_how_to_get_candidates(view):
    view.clear()
    assert view.shown_steps() == []
    assert view._placeholder.text() == PLACEHOLDER and view._placeholder.isVisibleTo(view)
