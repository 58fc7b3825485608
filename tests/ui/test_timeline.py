"""The step timeline: cards, markers, the running card, thumbnails, mouse and keyboard."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage, QPalette

from agent_core.store.records import StepKind, StepRecord
from tests.support.cards import card_state, card_states
from tests.support.runs import StepSpec, build_run
from ui.step_format import ERROR, SUCCESS, WARNING
from ui.timeline import COMPACT_HEIGHT, PHASE_LABELS, PHASES, TIMELINE_HEIGHT, TimelineView


def record(
    index: int,
    kind: StepKind = StepKind.EDIT,
    *,
    look: int | None = 4,
    gui: int | None = None,
    errors: list[str] | None = None,
    seconds: float = 12.5,
    backtracked_from: int | None = None,
) -> StepRecord:
    return StepRecord(
        index=index,
        kind=kind,
        parent=index - 1 or None,
        appearance_grade=look,
        gui_grade=gui,
        has_error=bool(errors),
        errors=errors or [],
        started_at=1000.0,
        finished_at=1000.0 + seconds,
        backtracked_from=backtracked_from,
    )


def colour(label) -> str:
    return label.palette().color(QPalette.ColorRole.WindowText).name()


@pytest.fixture
def view(qtbot) -> TimelineView:
    widget = TimelineView()
    qtbot.addWidget(widget)
    widget.resize(900, widget.height())
    return widget


@pytest.fixture
def shown(view, qtbot) -> TimelineView:
    steps = [record(1), record(2, look=2), record(3, StepKind.GUI_TEST, gui=5)]
    view.set_steps(card_states(steps), head=3, best=3)
    view.show()
    qtbot.waitExposed(view)
    return view


def test_cards_show_number_kind_grades_and_duration(view) -> None:
    view.set_steps(
        card_states([
            record(1, look=4),
            record(2, StepKind.GUI_TEST, look=3, gui=5),
            record(3, StepKind.FINISH, look=None, gui=2, seconds=65),
        ]),
        head=3,
        best=2,
    )
    assert view.indices() == [1, 2, 3]
    edit, gui, finish = (view.card(i) for i in (1, 2, 3))
    assert (edit.number_label.text(), edit.kind_label.text()) == ("#1", "Edit")
    assert (gui.kind_label.text(), finish.kind_label.text()) == ("GUI test", "Finish")
    assert (edit.appearance_label.text(), edit.gui_label.text()) == ("Look 4/5", "GUI –")
    assert (gui.appearance_label.text(), gui.gui_label.text()) == ("Look 3/5", "GUI 5/5")
    assert (finish.appearance_label.text(), finish.gui_label.text()) == ("Look –", "GUI 2/5")
    assert colour(edit.appearance_label) == SUCCESS
    assert colour(gui.appearance_label) == WARNING
    assert colour(finish.gui_label) == ERROR
    assert edit.duration_label.text() == "12.5 s"
    assert finish.duration_label.text() == "1 m 05 s"
    assert edit.thumbnail.text() == "no screenshot"
    assert (gui.thumbnail.text(), finish.thumbnail.text()) == ("GUI test", "Finish")
    assert not any(view.card(i).is_running() for i in (1, 2, 3))
    assert edit.phase_label is None


def test_error_badge_lists_errors_and_backtrack_note(view) -> None:
    errors = ["dependency installation failed: npm install", "appearance grade 1 is too low"]
    steps = [record(1), record(2, look=1, errors=errors, backtracked_from=7)]
    view.set_steps(card_states(steps), head=None, best=None)
    clean, failed = view.card(1), view.card(2)
    assert clean.error_badge.isHidden()
    assert not failed.error_badge.isHidden()
    assert failed.error_badge.text() == "error"
    assert failed.error_badge.toolTip() == "\n".join(errors)
    assert failed.backtrack_label.text() == "↩ from #7"
    assert clean.backtrack_label.isHidden()


def test_head_and_best_markers_move(view) -> None:
    view.set_steps(card_states([record(i) for i in (1, 2, 3)]), head=3, best=1)

    def markers(attr: str) -> list[int]:
        return [i for i in view.indices() if not getattr(view.card(i), attr).isHidden()]

    assert markers("head_marker") == [3]
    assert markers("best_marker") == [1]
    assert view.card(3).head_marker.text() == "current"
    assert view.card(1).best_marker.text() == "★ best"
    view.set_head(2)
    view.set_best(3, "highest GUI grade (5/5)")
    assert markers("head_marker") == [2]
    assert markers("best_marker") == [3]
    assert view.card(3).best_marker.toolTip() == "highest GUI grade (5/5)"
    view.add_step(card_state(record(4)))
    assert markers("head_marker") == [2], "a new card does not steal the head marker"
    view.set_head(None)
    assert markers("head_marker") == []


def test_running_card_shows_phases_then_becomes_the_finished_step(view, qtbot) -> None:
    view.set_steps(card_states([record(1), record(2), record(3)]), head=3, best=None)
    view.step_started(4, 3)
    card = view.card(4)
    assert card.is_running()
    assert (card.number_label.text(), card.kind_label.text()) == ("#4", "running…")
    assert view.indices() == [1, 2, 3, 4]
    view.phase_changed(4, "coding")
    command = "npm install react-router-dom@6.26.2 @tanstack/react-query@5.51.1 --save"
    view.phase_changed(4, "install", command)
    assert card.phase_label.text() == "Installing · 0 s"
    assert card.progress_label.text().replace("\xa0", " ") == "✓ Generating"
    assert "…" in card.detail_label.text() and card.detail_label.toolTip() == command
    qtbot.waitUntil(lambda: card.duration_label.text() != "0.0 s", timeout=2000)
    card.tick(time.monotonic() + 3)
    assert card.phase_label.text() == "Installing · 3 s"
    view.phase_changed(4, "command", "npm run build")
    assert card.phase_label.text().startswith("Running a command")
    assert card.progress_label.text().replace("\xa0", " ") == "✓ Generating  ✓ Installing"
    view.add_step(card_state(record(4, look=5)))
    finished = view.card(4)
    assert finished is not card and not finished.is_running()
    assert (finished.kind_label.text(), finished.appearance_label.text()) == ("Edit", "Look 5/5")
    assert view.indices() == [1, 2, 3, 4]


def test_the_running_card_shows_the_coders_tokens_and_their_rate(view) -> None:
    view.step_started(1, None)
    card = view.card(1)
    start = time.monotonic()
    card.set_phase("coding", now=start)
    card.set_tokens(60, start + 3)
    assert card.phase_label.text() == "Generating · 3 s · 60 tokens · 20.0 tok/s"
    view.tokens_streamed(1, 90)
    assert "90 tokens" in card.phase_label.text()
    view.phase_changed(1, "install", "npm install")
    assert card.phase_label.text() == "Installing · 0 s"  # tokens belong to the reply


def test_abandoned_card_is_greyed_and_replaced_by_the_next_start(view) -> None:
    view.step_started(1, None)
    view.phase_changed(1, "serve")
    view.step_abandoned(1, "")
    card = view.card(1)
    assert not card.is_running() and not card.isEnabled()
    assert card.phase_label.text() == "stopped"
    view.step_started(1, None)
    assert view.card(1) is not card and view.card(1).is_running()
    view.step_abandoned(1, "the coder model timed out after 600 s")
    assert view.card(1).phase_label.text() == "failed: the coder model timed out after 600 s"
    view.add_step(card_state(record(1)))
    assert view.indices() == [1] and not view.card(1).is_running()


def test_phase_without_a_start_creates_the_running_card(view) -> None:
    view.phase_changed(2, "critic")
    assert view.card(2).is_running()
    assert view.card(2).phase_label.text() == "Critic · 0 s"
    assert set(PHASES) <= set(PHASE_LABELS)


def test_set_thumbnail_shows_the_screenshot(view, tmp_path) -> None:
    store = build_run(tmp_path / "run", [StepSpec(), StepSpec(kind=StepKind.GUI_TEST, gui=4)])
    view.set_steps(card_states(store.steps()), head=2, best=2)
    image = QImage(str(store.screenshot_path(1)))
    assert not image.isNull()
    view.set_thumbnail(1, image)
    pixmap = view.card(1).thumbnail.pixmap()
    assert not pixmap.isNull()
    assert (pixmap.width(), pixmap.height()) == (180, 135)
    assert view.card(2).thumbnail.text() == "GUI test"


def test_click_selects_the_card_and_emits(shown, qtbot) -> None:
    card = shown.card(2)
    with qtbot.waitSignal(shown.stepSelected, timeout=1000) as blocker:
        qtbot.mouseClick(card, Qt.MouseButton.LeftButton, pos=QPoint(20, 60))
    assert blocker.args == [2]
    assert shown.selected() == 2
    assert [i for i in shown.indices() if shown.card(i).is_selected()] == [2]
    shown.select(None)
    assert shown.selected() is None and not card.is_selected()


def test_double_click_and_context_menu_ask_to_restore(shown, qtbot) -> None:
    with qtbot.waitSignal(shown.restoreRequested, timeout=1000) as blocker:
        qtbot.mouseDClick(shown.card(1), Qt.MouseButton.LeftButton, pos=QPoint(20, 60))
    assert blocker.args == [1]
    menu = shown.card(2).context_menu()
    [action] = menu.actions()
    assert action.text() == "Restore this step" and action.isEnabled()
    with qtbot.waitSignal(shown.restoreRequested, timeout=1000) as blocker:
        action.trigger()
    assert blocker.args == [2]
    shown.step_started(4, 3)
    assert not shown.card(4).context_menu().actions()[0].isEnabled()


def test_left_right_keys_move_the_selection(shown, qtbot) -> None:
    shown.select(2)
    shown.setFocus()
    with qtbot.waitSignal(shown.stepSelected, timeout=1000) as blocker:
        qtbot.keyClick(shown, Qt.Key.Key_Right)
    assert blocker.args == [3] and shown.selected() == 3
    shown.step_started(4, 3)  # a running card is not selectable
    with qtbot.assertNotEmitted(shown.stepSelected):
        qtbot.keyClick(shown, Qt.Key.Key_Right)
    assert shown.selected() == 3
    with qtbot.waitSignal(shown.stepSelected, timeout=1000) as blocker:
        qtbot.keyClick(shown, Qt.Key.Key_Left)
    assert blocker.args == [2]
    with qtbot.assertNotEmitted(shown.restoreRequested):
        with qtbot.waitSignal(shown.stepSelected, timeout=1000) as blocker:
            qtbot.keyClick(shown, Qt.Key.Key_Return)
    assert blocker.args == [2]


def test_select_does_not_emit_and_survives_a_rebuild(view, qtbot) -> None:
    steps = [record(i) for i in (1, 2, 3)]
    view.set_steps(card_states(steps), head=3, best=None)
    with qtbot.assertNotEmitted(view.stepSelected):
        view.select(2)
    view.set_steps(card_states([*steps, record(4)]), head=4, best=None)
    assert view.selected() == 2 and view.card(2).is_selected()
    view.select(99)
    assert view.selected() is None


def test_fifty_cards_show_with_their_markers(view) -> None:
    steps = [
        record(
            i,
            look=i % 6,
            gui=None if i % 3 else 4,
            errors=["install failed"] if i % 7 == 0 else None,
        )
        for i in range(1, 51)
    ]
    view.set_steps(card_states(steps), head=50, best=12)  # see benchmarks/ui_responsiveness
    assert len(view.indices()) == 50
    assert view.card(50).head_marker.isHidden() is False
    assert view.card(12).best_marker.isHidden() is False


def test_new_cards_scroll_into_view_unless_the_user_scrolled_away(view, qtbot) -> None:
    view.set_steps(card_states([record(i) for i in range(1, 11)]), head=10, best=None)
    view.show()
    qtbot.waitExposed(view)
    bar = view._scroll.horizontalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0 and bar.value() == bar.maximum(), timeout=1000)
    view.step_started(11, 10)
    qtbot.waitUntil(lambda: bar.value() == bar.maximum(), timeout=1000)
    bar.setValue(0)
    before = bar.maximum()
    view.add_step(card_state(record(11)))
    view.step_started(12, 11)
    qtbot.waitUntil(lambda: bar.maximum() > before, timeout=1000)
    assert bar.value() == 0


def test_clear_empties_the_strip(view) -> None:
    view.set_steps(card_states([record(1), record(2)]), head=2, best=1)
    view.select(1)
    view.clear()
    assert view.indices() == [] and view.selected() is None
    assert view.card(1) is None
    assert not view._empty.isHidden()


def test_a_short_timeline_leaves_out_screenshots_but_keeps_whole_cards(qtbot) -> None:
    view = TimelineView()
    qtbot.addWidget(view)
    view.set_steps(card_states([record(1), record(2, look=2)]), head=2, best=1)
    picture = QImage(320, 240, QImage.Format.Format_RGB32)
    picture.fill(Qt.GlobalColor.darkBlue)
    view.set_thumbnail(1, picture)
    view.step_started(3, 2)
    view.phase_changed(3, "install", "npm install")
    view.resize(900, COMPACT_HEIGHT)
    view.show()
    qtbot.waitExposed(view)

    assert view.is_compact() and view.height() == COMPACT_HEIGHT

    def whole(index: int) -> bool:
        card = view.card(index)
        return card.visibleRegion().boundingRect() == card.rect()

    qtbot.waitUntil(lambda: all(whole(i) for i in (1, 2, 3)))  # once laid out, nothing is cut
    assert not view.card(1).thumbnail.isVisible()
    assert view.card(1).appearance_label.isVisible() and view.card(1).best_marker.isVisible()
    running = view.card(3)
    assert running.phase_label.isVisible() and running.phase_label.text().startswith("Install")
    assert not running.detail_label.isVisible()

    view.resize(900, TIMELINE_HEIGHT)
    qtbot.waitUntil(lambda: not view.is_compact())
    assert view.card(1).thumbnail.isVisible() and view.card(1).thumbnail.pixmap().width() == 180
    assert running.detail_label.isVisible() and running.detail_label.text() == "npm install"
