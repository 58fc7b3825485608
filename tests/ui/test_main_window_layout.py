"""The main window at 1024x700 and 1440x900: nothing cut, the screenshots get the room.

A real window with a real run's steps in its panels; what is checked is what a user sees:
whole texts on buttons and headings, the controls inside the visible area, pictures scaled.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QFontMetrics, QImage, QTextDocument
from PySide6.QtWidgets import QAbstractButton, QApplication, QWidget

from agent_core.store.evidence import GuiTest, GuiTestSummary, GuiTurn
from agent_core.store.records import StepKind
from agent_core.store.run_store import RunStore
from tests.support.cards import card_states
from tests.support.runs import StepSpec, build_run, solid_png
from ui.main_window import TAB_REPLAY, TAB_STEP, MainWindow
from ui.review_form import ReviewForm

SMALL, LARGE = QSize(1024, 700), QSize(1440, 900)
LOCKED_HINT = ("This example was made with scripted models, so it cannot continue. "
               "Press New run (Ctrl+N) to start your own project.")


def _turn(n: int) -> GuiTurn:
    return GuiTurn(index=n, url="http://127.0.0.1:5173/", status="done",
                   thought=f"Turn {n + 1}: type the stock code into the search box first.",
                   action=f"Type [{n}]; aapl",
                   detail="typed 'aapl' into [0] <input type=text> (Enter was not pressed)",
                   screenshot=f"gui/000003/turn-{n + 1:02d}.png", seconds=1.0)  # fmt: skip


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> RunStore:
    gui = GuiTest(test_instruction="Search for AAPL and get a report. " * 6,
                  turns=tuple(_turn(n) for n in range(3)), answer="YES",
                  summary=GuiTestSummary(test_passed=True, grade=5))
    run = build_run(tmp_path_factory.mktemp("layout") / "run",
                    [StepSpec(appearance=3), StepSpec(appearance=4),
                     StepSpec(kind=StepKind.GUI_TEST, gui=5,
                              extra={"gui": gui})], best=2)
    for n in range(3):
        run.write_artifact(f"gui/000003/turn-{n + 1:02d}.png",
                           solid_png(1280, 800, (220, 225, 250), band=(0, 0, 120)))
    run.unlock()
    return run


def _window(qtbot, store: RunStore, size: QSize) -> MainWindow:
    window = MainWindow()
    qtbot.addWidget(window)
    window.resize(size)
    steps = store.steps()
    window.timeline.set_steps(card_states(steps), head=3, best=2)
    window.chat.input.set_input_mode("locked", LOCKED_HINT)
    shot = QImage(str(store.screenshot_path(2)))
    window.detail.show_step(steps[1], shot, is_head=True, is_best=True)
    window.review.show_step(2, auto_appearance=4, auto_gui=5, has_gui=True, label=None,
                            auto_verdict=True)
    window.replay.show_test(steps[2], lambda rel: QImage(str(store.run_dir / rel)))
    window.tabs.setCurrentIndex(TAB_STEP)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: window.size() == size)
    _settle()
    return window


def _settle() -> None:
    """Let the posted layout requests (and zero-time fits) run, as the event loop would."""
    for _ in range(3):
        QApplication.sendPostedEvents()
        QApplication.processEvents()


def _fully_shown(widget: QWidget) -> bool:
    """Shown, and no scroll area, splitter or window edge hides any part of it."""
    return widget.isVisible() and widget.visibleRegion().boundingRect() == widget.rect()


def _text_fits(button: QAbstractButton) -> bool:
    return QFontMetrics(button.font()).horizontalAdvance(button.text()) <= button.width()


def _review_buttons(form: ReviewForm) -> list[QAbstractButton]:
    rows = [(form.appearance, (None, 0, 1, 2, 3, 4, 5)), (form.gui, (None, 1, 2, 3, 4, 5)),
            (form.verdict, (True, False, None))]  # fmt: skip
    return [row.button(v) for row, values in rows for v in values] + [
        form.save_button, form.clear_button]


def test_at_1024x700_the_step_heading_is_one_whole_line(qtbot, store):
    window = _window(qtbot, store, SMALL)
    title = window.detail.title_label
    full = "Step 2 · Edit · from step 1 · current · ★ best"

    assert window.detail.title_text() == full and title.text() == full
    assert not title.is_elided()
    assert QFontMetrics(title.font()).horizontalAdvance(full) <= title.contentsRect().width()
    assert title.height() < 2 * QFontMetrics(title.font()).lineSpacing()
    assert _fully_shown(title) and _fully_shown(window.detail.restore_button)
    grades = window.detail.grades_label
    assert grades.text() == window.detail.grades_text() == "Look 4/5 · GUI – · 12.5 s"
    assert not grades.is_elided() and _fully_shown(grades)


def test_at_1024x700_the_screenshot_gets_the_room_and_the_timeline_stays_whole(qtbot, store):
    window = _window(qtbot, store, SMALL)

    assert not window.step_page.review_shown()  # too narrow: the review waits for its button
    assert window.detail.screenshot.width() >= 600
    timeline = window.timeline
    assert timeline.width() >= 1000 and timeline.is_compact()
    for index in (1, 2, 3):
        card = timeline.card(index)
        assert _fully_shown(card) and _fully_shown(card.appearance_label)
        assert not card.thumbnail.isVisible()


def test_at_1024x700_the_review_shows_whole_button_texts_when_asked_for(qtbot, store):
    window = _window(qtbot, store, SMALL)
    qtbot.mouseClick(window.step_page.review_button, Qt.MouseButton.LeftButton)
    _settle()

    assert window.step_page.review_shown() and window.review.isVisible()
    for button in _review_buttons(window.review):
        assert _text_fits(button), button.text()
    assert window.review.appearance.button(None).text() == "unset"
    window.step_page.split.setSizes([10_000, 0])  # the user drags the review to its narrowest
    _settle()
    assert window.step_page.review_shown()
    for button in _review_buttons(window.review):
        assert _text_fits(button), button.text()

    window.resize(SMALL.width() + 10, SMALL.height())
    _settle()
    assert window.step_page.review_shown()  # the user's choice holds at any width
    qtbot.mouseClick(window.step_page.review_button, Qt.MouseButton.LeftButton)
    assert not window.review.isVisible() and not window.step_page.review_button.isChecked()


def test_at_1440x900_the_review_sits_beside_a_large_screenshot(qtbot, store):
    window = _window(qtbot, store, LARGE)

    assert window.step_page.review_shown()
    for button in _review_buttons(window.review):
        assert _text_fits(button), button.text()
    assert window.detail.screenshot.width() >= 600
    assert not window.timeline.is_compact()
    assert window.timeline.card(2).thumbnail.isVisible()


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["1024x700", "1440x900"])
def test_the_chat_placeholder_is_shown_whole(qtbot, store, size):
    window = _window(qtbot, store, size)
    box = window.chat.input.instruction_edit()
    page = QTextDocument()
    page.setDefaultFont(box.font())
    page.setDocumentMargin(box.document().documentMargin())
    page.setPlainText(box.placeholderText())
    page.setTextWidth(box.viewport().width())

    assert box.placeholderText() == LOCKED_HINT
    assert page.size().height() <= box.viewport().height()
    assert _fully_shown(box)


def test_at_1024x700_the_replay_shows_its_controls_and_turn_beside_a_fitted_screenshot(
        qtbot, store):
    window = _window(qtbot, store, SMALL)
    window.tabs.setCurrentIndex(TAB_REPLAY)
    replay = window.replay
    _settle()
    assert replay.is_side_by_side()

    for widget in (replay.previous_button, replay.next_button, replay.play_button,
                   replay.slider, replay.position_label, replay.thought_label,
                   replay.action_label, replay.outcome_label):
        assert _fully_shown(widget), widget.objectName()
    assert replay.position_text() == "Turn 1 of 3"
    assert replay.outcome_text().startswith("Outcome: done: typed 'aapl'")
    picture = replay.screenshot.image_rect()
    assert replay.screenshot.rect().contains(picture)
    assert picture.width() < 1280 and abs(picture.width() / picture.height() - 1.6) < 0.01
    assert _fully_shown(replay.screenshot)

    window.resize(LARGE)
    _settle()
    assert replay.screenshot.image_rect().width() > picture.width()
    bigger = replay.screenshot.image_rect()
    assert replay.screenshot.rect().contains(bigger)
    assert abs(bigger.width() / bigger.height() - 1.6) < 0.01


def test_a_tall_narrow_replay_puts_the_texts_below_the_picture(qtbot, store):
    window = _window(qtbot, store, SMALL)
    replay = window.replay
    window.tabs.setCurrentIndex(TAB_REPLAY)
    _settle()
    assert replay.is_side_by_side()
    thought_x = replay.thought_label.mapTo(replay, replay.thought_label.rect().topLeft()).x()
    assert thought_x > replay.screenshot.geometry().right()

    window.top_split.setSizes([700, 324])  # the user widens the chat: the tab gets narrow
    _settle()
    assert not replay.is_side_by_side()
    thought_y = replay.thought_label.mapTo(replay, replay.thought_label.rect().topLeft()).y()
    assert thought_y > replay.screenshot.geometry().bottom()
    assert replay.rect().contains(replay.screenshot.geometry())



def test_with_no_step_shown_there_is_no_empty_review_form(qtbot, store: RunStore) -> None:
    window = MainWindow()  # a second launch: nothing open yet, the Step tab remembered
    qtbot.addWidget(window)
    window.resize(LARGE)
    window.tabs.setCurrentIndex(TAB_STEP)
    window.show()
    qtbot.waitExposed(window)
    _settle()
    page = window.step_page
    assert not page.review_shown() and not window.review.isVisible()
    assert not page.review_button.isEnabled()
    steps = store.steps()
    window.detail.show_step(steps[0], None, is_head=False, is_best=False)
    window.review.show_step(1, auto_appearance=3, auto_gui=None, has_gui=False, label=None)
    _settle()
    assert page.review_shown() and window.review.isVisible()  # wide enough: beside the step
    window.detail.clear()
    _settle()
    assert not window.review.isVisible()
