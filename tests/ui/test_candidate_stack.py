"""A step taken as four candidates is one stacked card on the timeline, live and reopened."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QPalette

from agent_core.events import StepStarted
from agent_core.state import RunState, reduce
from agent_core.state.from_store import step_finished_event
from tests.support.candidates import candidates_run
from tests.support.cards import card_states
from ui.candidate_stack import STACK_WIDTH
from ui.step_card import CARD_WIDTH
from ui.timeline import TimelineView


@pytest.fixture
def store(tmp_path):
    return candidates_run(tmp_path / "run")


@pytest.fixture
def view(qtbot) -> TimelineView:
    widget = TimelineView()
    qtbot.addWidget(widget)
    widget.resize(1100, widget.height())
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def live(view: TimelineView, store) -> list[list[int]]:
    """Feed the timeline as the window does while the run streams; the cards shown after
    each event."""
    state, seen = RunState(), []
    steps = {s.index: s for s in store.steps()}
    events = [step_finished_event("run", steps[1])]
    events += [StepStarted(run_id="run", index=i, parent=1) for i in (2, 3, 4, 5)]
    events += [step_finished_event("run", steps[i]) for i in (2, 3, 4, 5)]  # chosen last
    for event in events:
        state = reduce(state, event)
        if isinstance(event, StepStarted):
            view.step_started(event.index, event.parent)
        else:
            view.add_step(state.card(event.index))
            view.set_head(state.head)
        seen.append(view.shown_indices())
    return seen


def test_the_candidates_stack_into_one_card_once_the_chosen_one_is_in(view, store):
    seen = live(view, store)
    assert seen[4] == [1, 2, 3, 4, 5]  # four running candidates side by side
    assert seen[-2] == [1, 2, 3, 4, 5]  # the siblings are in, the chosen one still saving
    assert seen[-1] == [1, 5]
    front = view.card(5)
    assert front.stack_count() == 4 and front.width() == CARD_WIDTH + STACK_WIDTH
    assert front.candidate_row.badge.text() == "❐ 4 candidates"
    assert front.candidate_label.isHidden()
    assert front.head_marker.isVisibleTo(front)
    assert all(view.card(i).isHidden() for i in (2, 3, 4))
    assert "candidate 4 (step 5) is in front" in front.candidate_row.badge.toolTip()
    assert front.accessibleName() == ("Step 5: a stack of 4 candidates, candidate 4 (step 5) "
                                      "in front")


def test_a_reopened_run_shows_the_same_stack(view, store):
    view.set_steps(card_states(store.steps()), head=5, best=5)
    assert view.shown_indices() == [1, 5]
    assert view.card(5).stack_count() == 4 and view.card(5).best_marker.isVisibleTo(view.card(5))


def test_the_stack_is_drawn_with_cards_behind_it(view, store):
    view.set_steps(card_states(store.steps()), head=5, best=5)
    front, single = view.card(5), view.card(1)
    image = front.grab().toImage()
    background = view.palette().color(QPalette.ColorRole.Window)
    right = front.width() - 3
    assert image.pixelColor(right, front.height() // 2) != background  # cards behind peek out
    assert image.pixelColor(right, 5) == background  # at the right, shorter than the front
    assert single.width() == CARD_WIDTH


def test_keys_reach_the_stack_and_enter_opens_its_candidates(view, store, qtbot):
    view.set_steps(card_states(store.steps()), head=5, best=5)
    view.setFocus()
    with qtbot.waitSignal(view.stepSelected) as picked:
        qtbot.keyClick(view, Qt.Key.Key_Left)
    assert picked.args == [5] and view.card(5).is_selected()  # the chosen step
    with qtbot.waitSignal(view.stepSelected) as picked:
        qtbot.keyClick(view, Qt.Key.Key_Left)
    assert picked.args == [1]  # the hidden candidates are skipped
    qtbot.keyClick(view, Qt.Key.Key_Right)
    with qtbot.waitSignal(view.candidatesRequested) as opened:
        qtbot.keyClick(view, Qt.Key.Key_Return)
    assert opened.args == [5]


def test_the_badge_and_the_menu_open_the_candidates(view, store, qtbot):
    view.set_steps(card_states(store.steps()), head=5, best=5)
    front = view.card(5)
    with qtbot.waitSignal(view.candidatesRequested) as opened:
        qtbot.mouseClick(front.candidate_row.badge, Qt.MouseButton.LeftButton)
    assert opened.args == [5]
    menu = front.context_menu()
    texts = [a.text() for a in menu.actions()]
    assert texts == ["Restore this step", "Compare candidates…",
                     "Show each candidate on the timeline"]
    with qtbot.waitSignal(view.candidatesRequested) as opened:
        menu.actions()[1].trigger()
    assert opened.args == [5]
    menu.deleteLater()


def test_a_stack_spreads_out_and_stacks_again(view, store):
    view.set_steps(card_states(store.steps()), head=5, best=5)
    menu = view.card(5).context_menu()
    menu.actions()[2].trigger()
    menu.deleteLater()
    assert view.shown_indices() == [1, 2, 3, 4, 5]
    labels = [view.card(i).candidate_label.text() for i in (2, 3, 4, 5)]
    assert labels == ["❐ 1 of 4 · gated", "❐ 2 of 4 · gated", "❐ 3 of 4 · sibling",
                      "❐ 4 of 4 · chosen"]
    assert "Not graded: the page is blank" in view.card(3).candidate_label.toolTip()
    assert view.card(5).stack_count() == 0 and view.card(5).width() == CARD_WIDTH
    again = view.card(3).context_menu()
    assert again.actions()[2].text() == "Stack the candidates"
    again.actions()[2].trigger()
    again.deleteLater()
    assert view.shown_indices() == [1, 5]


def test_restoring_a_sibling_brings_it_to_the_front_with_the_markers(view, store, qtbot):
    view.set_steps(card_states(store.steps()), head=5, best=5)
    view.select(5)
    view.set_head(4)  # the user continued from candidate 3
    assert view.shown_indices() == [1, 4]
    front = view.card(4)
    assert front.stack_count() == 4 and front.head_marker.isVisibleTo(front)
    assert front.best_marker.isVisibleTo(front)
    assert "Step 5, a candidate in this stack, is the best" in front.best_marker.toolTip()
    assert view.selected() == 5 and front.is_selected()  # shown through the stack's card
    with qtbot.waitSignal(view.stepSelected) as picked:
        qtbot.mouseClick(front, Qt.MouseButton.LeftButton, pos=QPoint(20, 20))
    assert picked.args == [4]
