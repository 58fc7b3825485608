"""The GUI-test replay: a real GUI-test step with annotated screenshots on disk, turn by turn."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from agent_core.store.evidence import GuiTest, GuiTestSummary, GuiTurn
from agent_core.store.records import StepKind
from tests.support.runs import StepSpec, build_run, solid_png
from ui.gui_replay import GUI_OFF, NO_TEST, NO_TURNS, GuiReplay
from ui.step_format import ERROR, SUCCESS, WARNING


def _turn(n: int, action: str, status: str, detail: str, shot: bool = True) -> GuiTurn:
    return GuiTurn(
        index=n, url=f"http://127.0.0.1:5173/p{n}", thought=f"Thought {n + 1}.", action=action,
        parsed=True, status=status, detail=detail, seconds=2.5,
        screenshot=f"gui/000002/turn-{n + 1:02d}.png" if shot else None,
    )  # fmt: skip


GUI = GuiTest(
    test_instruction="Verify the cream background. Add a cake to the cart.",
    turns=(
        _turn(0, "Click [3]", "done", "opened the menu"),
        _turn(1, "Type [5]; cheesecake", "element_missing", "no element [5] on the page"),
        _turn(2, "Scroll [WINDOW]; down", "refused", "", shot=False),
        _turn(3, "ANSWER; NO", "done", ""),
    ),
    answer="NO",
    ended_because="answered",
    summary=GuiTestSummary(test_passed=False, grade=2,
                           improvement_suggestions=("Make the cart button add the item",)),
)  # fmt: skip


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    store = build_run(tmp_path_factory.mktemp("replay") / "run", [
        StepSpec(),
        StepSpec(kind=StepKind.GUI_TEST, gui=2, extra={"gui": GUI}),
    ])  # fmt: skip
    for n in (1, 2, 4):  # turn 3 kept no screenshot
        store.write_artifact(f"gui/000002/turn-{n:02d}.png", solid_png(128, 96, (40 * n, 90, 90)))
    return store


@pytest.fixture
def replay(qtbot, store) -> GuiReplay:
    widget = GuiReplay()
    qtbot.addWidget(widget)
    widget.resize(600, 800)
    widget.show_test(store.step(2), _loader(store.run_dir))
    return widget


def _loader(run_dir: Path):
    loaded: list[str] = []

    def load(path: str) -> QImage | None:
        loaded.append(path)
        return QImage(str(run_dir / path))

    load.loaded = loaded  # type: ignore[attr-defined]
    return load


def _colour(label) -> str:
    return label.palette().color(label.foregroundRole()).name()


def test_first_turn_shows_screenshot_thought_action_and_outcome(replay):
    assert (replay.current_turn(), replay.turn_count()) == (0, 4)
    assert replay.position_text() == "Turn 1 of 4"
    assert replay.thought_text() == "Thought: Thought 1."
    assert replay.action_text() == "Action: Click [3]"
    assert replay.outcome_text() == "Outcome: done: opened the menu"
    assert _colour(replay.outcome_label) == SUCCESS
    assert replay.screenshot.pixmap().width() == 128
    assert replay.instruction_label.text().startswith("Test: Verify the cream background.")
    assert not replay.previous_button.isEnabled() and replay.next_button.isEnabled()


def test_next_and_previous_buttons_walk_the_turns(replay, qtbot):
    qtbot.mouseClick(replay.next_button, Qt.MouseButton.LeftButton)
    assert replay.position_text() == "Turn 2 of 4"
    assert replay.outcome_text() == "Outcome: element missing: no element [5] on the page"
    assert _colour(replay.outcome_label) == WARNING
    assert replay.slider.value() == 1

    qtbot.mouseClick(replay.previous_button, Qt.MouseButton.LeftButton)
    assert replay.current_turn() == 0


def test_arrow_keys_and_slider_move_between_turns(replay, qtbot):
    with qtbot.waitActive(replay):
        replay.show()
    replay.next_button.setFocus()
    qtbot.keyClick(replay.next_button, Qt.Key.Key_Right)
    qtbot.keyClick(replay.next_button, Qt.Key.Key_Right)
    assert replay.current_turn() == 2
    qtbot.keyClick(replay.next_button, Qt.Key.Key_Left)
    assert replay.current_turn() == 1

    replay.slider.setValue(3)
    assert replay.action_text() == "Action: ANSWER; NO"
    assert not replay.next_button.isEnabled()


def test_a_turn_without_screenshot_says_so(replay):
    replay.go_to(2)

    assert not replay.screenshot.has_image()
    assert replay.screenshot.placeholder() == "No screenshot was kept for turn 3."
    assert replay.outcome_text() == "Outcome: refused"
    assert _colour(replay.outcome_label) == ERROR


def test_a_screenshot_missing_on_disk_is_reported(qtbot, store, tmp_path):
    widget = GuiReplay()
    qtbot.addWidget(widget)
    widget.show_test(store.step(2), _loader(tmp_path))  # a folder without the pictures

    assert "turn 1 (gui/000002/turn-01.png) is missing or unreadable" in (
        widget.screenshot.placeholder()
    )
    assert widget.thought_text() == "Thought: Thought 1."


def test_images_are_loaded_once_when_a_turn_is_first_shown(qtbot, store):
    widget = GuiReplay()
    qtbot.addWidget(widget)
    load = _loader(store.run_dir)
    widget.show_test(store.step(2), load)
    for n in (1, 0, 1, 3, 3):
        widget.go_to(n)

    assert load.loaded == ["gui/000002/turn-01.png", "gui/000002/turn-02.png",
                           "gui/000002/turn-04.png"]  # fmt: skip


def test_play_advances_each_turn_and_stops_at_the_end(replay, qtbot):
    replay.play_interval_ms = 10
    qtbot.mouseClick(replay.play_button, Qt.MouseButton.LeftButton)
    assert replay.is_playing() and replay.play_button.text() == "Pause"

    qtbot.waitUntil(lambda: not replay.is_playing(), timeout=2000)
    assert replay.current_turn() == 3
    assert replay.play_button.text() == "Play"

    replay.toggle_play()  # at the end, Play starts over
    assert replay.current_turn() == 0 and replay.is_playing()
    replay.toggle_play()
    assert not replay.is_playing()


def test_final_panel_shows_answer_and_summary_grade(replay):
    assert replay.final_text().splitlines() == [
        "Answer: NO",
        "Summary: GUI 2/5 · not passed",
        "• Make the cart button add the item",
        "Ended because: answered",
    ]
    assert _colour(replay.final_label) == ERROR


def test_empty_turns_and_non_gui_steps_show_a_clear_message(qtbot, store):
    widget = GuiReplay()
    qtbot.addWidget(widget)
    load = _loader(store.run_dir)
    no_turns = replace(GUI, turns=(), ended_because="the page did not load",
                       summary=GuiTestSummary(test_passed=True, grade=5))
    widget.show_test(replace(store.step(2), gui=no_turns), load)
    assert widget.position_text() == f"{NO_TURNS} It stopped because: the page did not load"
    assert widget.turn_count() == 0 and widget.current_turn() == -1
    assert not widget.play_button.isEnabled() and not widget.slider.isEnabled()
    assert "Summary: GUI 5/5 · passed" in widget.final_text()
    assert _colour(widget.final_label) == SUCCESS

    widget.show_test(store.step(1), load)
    assert widget.position_text() == NO_TEST and widget.final_text() == ""

    widget.show_test(replace(store.step(2), gui=GuiTest(available=False)), load)
    assert widget.screenshot.placeholder() == GUI_OFF


def test_go_to_clamps_and_play_button_has_a_shortcut_tip(replay):
    replay.go_to(99)
    assert replay.current_turn() == 3
    replay.go_to(-5)
    assert replay.current_turn() == 0
    assert "(Space)" in replay.play_button.toolTip()
    assert "(Right)" in replay.next_button.toolTip()


def test_the_screenshot_fits_the_space_it_gets_and_the_texts_move_beside_it_when_wide(
        replay, qtbot):
    replay.show()
    qtbot.waitExposed(replay)
    picture = replay.screenshot

    def thought_at():
        return replay.thought_label.mapTo(replay, replay.thought_label.rect().topLeft())

    # 600 x 800: taller than wide, so the texts go below the picture.
    qtbot.waitUntil(lambda: not replay.is_side_by_side())
    qtbot.waitUntil(lambda: thought_at().y() > picture.geometry().bottom())
    tall = picture.image_rect()
    assert picture.rect().contains(tall) and tall.width() / tall.height() == pytest.approx(
        128 / 96, abs=0.02)

    replay.resize(1000, 360)
    qtbot.waitUntil(replay.is_side_by_side)
    qtbot.waitUntil(lambda: thought_at().x() > picture.geometry().right())
    wide = picture.image_rect()
    assert picture.rect().contains(wide) and wide.height() <= picture.height()
    assert wide.width() / wide.height() == pytest.approx(128 / 96, abs=0.02)
    assert wide.width() > 128  # a small screenshot is drawn larger, to fill the room


def test_each_turn_shows_its_own_picture_when_the_first_took_none(qtbot, tmp_path):
    store = build_run(tmp_path / "run", [StepSpec()])
    red, blue = solid_png(64, 48, (200, 30, 30)), solid_png(64, 48, (30, 30, 200))
    test = GuiTest(test_instruction="Order a cake.", turns=(
        GuiTurn(index=0, status="error", detail="the page did not load"),  # no capture
        GuiTurn(index=1, png=red, action="Click [1]", status="done"),
        GuiTurn(index=2, png=blue, action="ANSWER; YES", status="done"),
    ))  # fmt: skip
    stored = test.with_stored_screenshots(store.write_artifact, "gui/000002")
    store.commit_step(replace(store.step(1), index=2, parent=1, kind=StepKind.GUI_TEST,
                              screenshot=None, critic=None, gui=stored))  # fmt: skip
    widget = GuiReplay()
    qtbot.addWidget(widget)

    widget.show_test(store.step(2), _loader(store.run_dir))

    assert widget.screenshot.placeholder() == "No screenshot was kept for turn 1."
    assert not widget.screenshot.has_image()
    shown = []
    for n in (1, 2):
        widget.go_to(n)
        shown.append(widget.screenshot.pixmap().toImage().pixelColor(10, 40).name())
    assert shown == ["#c81e1e", "#1e1ec8"]
    assert widget.action_text() == "Action: ANSWER; YES"
