"""The chat panel: sending instructions, streamed folded replies, feedback and notices."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel

from tests.ui.replies import APP_JSX, bakery_reply, lines_of, signal_reply
from ui.chat_panel import ChatPanel
from ui.reply_bubble import ChipLabel
from ui.reply_folding import fold_reply

CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def panel(qtbot) -> Iterator[ChatPanel]:
    widget = ChatPanel()
    qtbot.addWidget(widget)
    widget.resize(520, 640)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    widget.close()


def fragments(text: str, count: int) -> list[str]:
    """``text`` cut into ``count`` pieces of (nearly) equal size, like streamed tokens."""
    bounds = [round(i * len(text) / count) for i in range(count + 1)]
    return [text[a:b] for a, b in itertools.pairwise(bounds)]


def assert_laid_out_whole(qtbot, bubble) -> None:
    """Every line of the bubble is fully visible: no clipped prose, no elided chip."""

    def whole() -> bool:
        labels = bubble.findChildren(QLabel)
        return bubble.height() == bubble.frame.heightForWidth(bubble.width()) and all(
            label.height() >= label.heightForWidth(label.width())
            and (not isinstance(label, ChipLabel) or label.text() == label.full_text())
            for label in labels
            if label.isVisibleTo(bubble)
        )

    qtbot.waitUntil(whole, timeout=2000)


def coder_text(panel: ChatPanel, index: int) -> str:
    bubble = panel.reply_widget(index)
    assert bubble is not None
    return bubble.visible_text()


# -- sending ------------------------------------------------------------------------------


def test_ctrl_enter_submits_the_stripped_text_and_clears_the_box(qtbot, panel) -> None:
    edit = panel.input.instruction_edit()
    qtbot.keyClicks(edit, "  A bakery site with an order form  ")
    with qtbot.waitSignal(panel.input.submitted, timeout=1000) as blocker:
        qtbot.keyClick(edit, Qt.Key.Key_Return, CTRL)
    assert blocker.args == ["A bakery site with an order form"]
    assert edit.toPlainText() == ""


def test_ctrl_keypad_enter_and_the_button_submit_too(qtbot, panel) -> None:
    edit = panel.input.instruction_edit()
    qtbot.keyClicks(edit, "first")
    with qtbot.waitSignal(panel.input.submitted, timeout=1000) as blocker:
        qtbot.keyClick(edit, Qt.Key.Key_Enter, CTRL | Qt.KeyboardModifier.KeypadModifier)
    assert blocker.args == ["first"]
    qtbot.keyClicks(edit, "second")
    with qtbot.waitSignal(panel.input.submitted, timeout=1000) as blocker:
        qtbot.mouseClick(panel.input.send_button(), Qt.MouseButton.LeftButton)
    assert blocker.args == ["second"]


def test_enter_alone_inserts_a_newline(qtbot, panel) -> None:
    edit = panel.input.instruction_edit()
    with qtbot.assertNotEmitted(panel.input.submitted):
        qtbot.keyClicks(edit, "line one")
        qtbot.keyClick(edit, Qt.Key.Key_Return)
        qtbot.keyClicks(edit, "line two")
    assert edit.toPlainText() == "line one\nline two"


def test_blank_text_is_not_submitted(qtbot, panel) -> None:
    edit = panel.input.instruction_edit()
    qtbot.keyClicks(edit, "   ")
    with qtbot.assertNotEmitted(panel.input.submitted):
        qtbot.keyClick(edit, Qt.Key.Key_Return, CTRL)
        qtbot.mouseClick(panel.input.send_button(), Qt.MouseButton.LeftButton)


def test_modes_change_placeholder_and_button(panel) -> None:
    edit, button = panel.input.instruction_edit(), panel.input.send_button()
    assert edit.placeholderText() == "Describe the website you want…"
    assert button.text() == "Start"
    assert "Ctrl+Enter" in button.toolTip()
    panel.input.set_input_mode("follow_up")
    assert edit.placeholderText() == "Ask for a change to the current step…"
    assert button.text() == "Send"
    assert "Ctrl+Enter" in button.toolTip()
    with pytest.raises(ValueError, match="unknown input mode 'later'"):
        panel.input.set_input_mode("later")


def test_busy_mode_allows_drafting_but_not_sending(qtbot, panel) -> None:
    edit, button = panel.input.instruction_edit(), panel.input.send_button()
    panel.input.set_input_mode("busy")
    assert not button.isEnabled()
    assert "run is in progress" in button.toolTip()
    assert not edit.isReadOnly()
    with qtbot.assertNotEmitted(panel.input.submitted):
        qtbot.keyClicks(edit, "make the header darker")
        qtbot.keyClick(edit, Qt.Key.Key_Return, CTRL)
    assert edit.toPlainText() == "make the header darker"

    panel.input.set_input_mode("follow_up")
    assert button.isEnabled()
    with qtbot.waitSignal(panel.input.submitted, timeout=1000) as blocker:
        qtbot.keyClick(edit, Qt.Key.Key_Return, CTRL)
    assert blocker.args == ["make the header darker"]


def test_locked_mode_shows_why_and_sends_nothing(qtbot, panel) -> None:
    edit, button = panel.input.instruction_edit(), panel.input.send_button()
    hint = "This example cannot continue. Press New run (Ctrl+N) to start your own project."
    panel.input.set_input_mode("locked", hint)
    assert panel.input.input_mode() == "locked"
    assert edit.isReadOnly() and edit.placeholderText() == hint
    assert not button.isEnabled() and button.toolTip() == hint and edit.toolTip() == hint
    with qtbot.assertNotEmitted(panel.input.submitted):
        qtbot.keyClicks(edit, "add a footer")
        qtbot.keyClick(edit, Qt.Key.Key_Return, CTRL)
    assert edit.toPlainText() == ""

    panel.input.set_input_mode("first")
    assert not edit.isReadOnly() and button.isEnabled()
    assert edit.placeholderText() == "Describe the website you want…"
    qtbot.keyClicks(edit, "a bakery")
    assert edit.toPlainText() == "a bakery"


def test_box_grows_from_three_to_six_lines(qtbot, panel) -> None:
    edit = panel.input.instruction_edit()
    three = edit.height()
    qtbot.keyClicks(edit, "a")
    for _ in range(4):
        qtbot.keyClick(edit, Qt.Key.Key_Return)
    five = edit.height()
    for _ in range(10):
        qtbot.keyClick(edit, Qt.Key.Key_Return)
    six = edit.height()
    line = edit.fontMetrics().lineSpacing()
    assert five == three + 2 * line
    assert six == three + 3 * line


# -- coder replies ------------------------------------------------------------------------


def test_streaming_2000_fragments_coalesces_renders(qtbot, panel) -> None:
    reply = bakery_reply(with_orders=True)
    parts = fragments(reply, 2000)
    assert len(parts) == 2000 and all(parts)
    panel.begin_reply(3)
    bubble = panel.reply_widget(3)
    for start in range(0, 2000, 200):
        before = bubble.render_count
        for part in parts[start : start + 200]:
            panel.append_reply(3, part)
        # Fragments are only collected: nothing is redrawn until the event loop runs...
        assert bubble.render_count == before
        # ...then one redraw at most shows all 200 (redraw timings:
        # benchmarks/ui_responsiveness.py).
        qtbot.waitUntil(lambda: bubble.segments() == fold_reply(bubble.text()), timeout=5000)
        assert bubble.render_count - before <= 1
    renders_while_streaming = bubble.render_count
    panel.end_reply(3)

    assert renders_while_streaming >= 2
    shown = coder_text(panel, 3)
    assert shown.startswith("Step 3 · coder\nI'll build the bakery order page")
    assert f"✎ wrote src/App.jsx ({lines_of(APP_JSX)} lines)" in shown
    assert "✎ wrote package.json" in shown and "✎ wrote src/App.css" in shown
    assert "✎ wrote src/orders.js (82 lines)" in shown
    assert "$ npm install && npm run build" in shown
    assert "▶ npm run dev" in shown
    assert shown.endswith("The page lists orders and lets you add new ones.")
    assert "<bolt" not in shown and "</bolt" not in shown and "```" not in shown
    assert "useState" not in shown  # file content stays folded away
    assert_laid_out_whole(qtbot, bubble)


def test_partially_streamed_file_shows_writing(qtbot, panel) -> None:
    reply = bakery_reply()
    cut = reply.index("useState([])")
    panel.begin_reply(1)
    panel.append_reply(1, reply[:cut])
    qtbot.waitUntil(lambda: "✎ writing src/App.jsx…" in coder_text(panel, 1), timeout=2000)
    assert "✎ wrote package.json" in coder_text(panel, 1)
    panel.append_reply(1, reply[cut:])
    panel.end_reply(1)
    assert "writing" not in coder_text(panel, 1)
    assert "✎ wrote src/App.jsx" in coder_text(panel, 1)


def test_long_command_chip_is_elided_in_a_narrow_chat(qtbot, panel) -> None:
    command = "npm install react-router-dom@7 zustand@5 date-fns@4 && npm run build -- --mode=ci"
    panel.resize(300, 500)
    panel.append_reply(1, f'Installing.<boltAction type="shell">{command}</boltAction>')
    panel.end_reply(1)
    chip = panel.reply_widget(1).findChild(ChipLabel)
    qtbot.waitUntil(lambda: chip.text().endswith("…"), timeout=2000)
    assert chip.text().startswith("$ npm install")
    assert chip.toolTip() == command
    assert chip.full_text() == f"$ {command}"
    assert chip.geometry().right() <= panel.reply_widget(1).frame.contentsRect().right()


def test_signal_reply_shows_a_check_chip(panel) -> None:
    panel.begin_reply(4)
    panel.append_reply(4, signal_reply())
    panel.end_reply(4)
    assert coder_text(panel, 4) == (
        "Step 4 · coder\nThe screenshot matches the request.\n✔ Looks right: test the features"
    )


def test_empty_reply_says_so(panel) -> None:
    panel.begin_reply(2)
    panel.end_reply(2)
    assert coder_text(panel, 2) == "Step 2 · coder\n(The coder sent no text.)"


# -- feedback, notices, transcript --------------------------------------------------------


def test_feedback_is_collapsed_until_the_arrow_is_clicked(qtbot, panel) -> None:
    body = "The page renders. Appearance grade 4/5: calm colours, clear layout."
    panel.add_feedback(3, body, title="Feedback after step 3 — Look 4/5")
    item = panel.feedback_widget(3)
    assert item is not None and not item.is_expanded()
    assert panel.transcript() == [("feedback", "Feedback after step 3 — Look 4/5")]

    qtbot.mouseClick(item.toggle_button(), Qt.MouseButton.LeftButton)
    assert item.is_expanded()
    assert panel.transcript() == [("feedback", f"Feedback after step 3 — Look 4/5\n{body}")]
    qtbot.mouseClick(item.toggle_button(), Qt.MouseButton.LeftButton)
    assert not item.is_expanded()


def test_error_feedback_carries_a_text_badge(panel) -> None:
    panel.add_feedback(5, "npm install failed: ETARGET", title="Feedback after step 5", error=True)
    panel.add_feedback(6, "fine", title="Feedback after step 6")
    bad, good = panel.feedback_widget(5), panel.feedback_widget(6)
    assert bad.is_error() and not good.is_error()
    assert "⚠ error" in [w.text() for w in bad.findChildren(QLabel) if w.isVisibleTo(bad)]
    assert "⚠ error" not in [w.text() for w in good.findChildren(QLabel)]


def test_notices_by_level(panel) -> None:
    panel.add_notice("Backtracked to step 2", "warning")
    panel.add_notice("Run finished: best step 4", "success")
    panel.add_notice("Started")
    assert panel.transcript() == [
        ("notice", "Backtracked to step 2"),
        ("notice", "Run finished: best step 4"),
        ("notice", "Started"),
    ]
    with pytest.raises(ValueError, match="unknown notice level 'loud'"):
        panel.add_notice("x", "loud")


def test_transcript_keeps_the_order_and_clear_empties_it(panel) -> None:
    panel.add_user_message("A bakery site")
    panel.begin_reply(1)
    panel.append_reply(1, "On it.")
    panel.end_reply(1)
    panel.add_feedback(1, "ok", title="Feedback after step 1 — Look 3/5")
    panel.add_notice("Backtracked to step 1", "warning")
    panel.append_reply(2, "Again.")  # opens the bubble by itself
    panel.end_reply(2)
    assert panel.transcript() == [
        ("user", "A bakery site"),
        ("coder", "Step 1 · coder\nOn it."),
        ("feedback", "Feedback after step 1 — Look 3/5"),
        ("notice", "Backtracked to step 1"),
        ("coder", "Step 2 · coder\nAgain."),
    ]
    panel.clear()
    assert panel.transcript() == []
    assert panel.reply_widget(1) is None and panel.feedback_widget(1) is None


# -- scrolling and long chats -------------------------------------------------------------


def add_step(panel: ChatPanel, index: int) -> None:
    panel.begin_reply(index)
    panel.append_reply(index, bakery_reply())
    panel.end_reply(index)
    panel.add_feedback(index, "Looks fine. " * 40, title=f"Feedback after step {index}")


def test_follows_the_bottom_unless_the_user_scrolled_up(qtbot, panel) -> None:
    bar = panel.scroll_area().verticalScrollBar()
    for index in range(1, 6):
        add_step(panel, index)
    qtbot.waitUntil(lambda: bar.maximum() > 0 and bar.value() == bar.maximum(), timeout=2000)

    bar.setValue(0)  # the user scrolls up to read
    add_step(panel, 6)
    qtbot.wait(100)
    assert bar.value() == 0

    bar.setValue(bar.maximum())  # back at the bottom: follow again
    old_max = bar.maximum()
    add_step(panel, 7)
    qtbot.waitUntil(lambda: bar.maximum() > old_max and bar.value() == bar.maximum(), timeout=2000)


def test_fifty_steps_stay_responsive(qtbot, panel) -> None:
    for index in range(1, 51):
        add_step(panel, index)
    QApplication.processEvents()
    reply = bakery_reply()
    panel.begin_reply(51)
    bubble = panel.reply_widget(51)
    for part in fragments(reply, 40):  # redraw timings: benchmarks/ui_responsiveness.py
        panel.append_reply(51, part)
        bubble.flush()  # a redraw per fragment: the worst case the timer prevents
        QApplication.processEvents()
    panel.end_reply(51)
    assert "wrote src/App.jsx" in " ".join(t for _r, t in panel.transcript()[-1:])
    assert len(panel.transcript()) == 101


def test_a_long_feedback_title_is_cut_in_a_narrow_chat_not_the_bubble(qtbot, panel) -> None:
    title = "Feedback after step 12 — Look 4/5 · GUI 3/5 · 2 suggestions · 1 error"
    panel.resize(270, 500)
    panel.add_feedback(12, "Fix the cart.", title=title, error=True)
    item = panel.feedback_widget(12)
    viewport = panel.scroll_area().viewport()

    def inside() -> bool:
        right = item.frame.mapTo(viewport, item.frame.rect().topRight()).x()
        return item.isVisible() and right < viewport.width()

    qtbot.waitUntil(inside, timeout=2000)  # the bubble's right edge is in view
    assert item.title() == title and title in item.toggle_button().toolTip()
    button = item.toggle_button()
    assert button.geometry().right() <= item.frame.contentsRect().right()


def test_a_collapsed_feedback_takes_its_rows_height_in_the_chat(qtbot, panel) -> None:
    # Its row does not wrap, so the layout has no height-for-width to ask: it once drew
    # 0 px high, and the feedback never showed in the window.
    panel.begin_reply(1)
    panel.append_reply(1, "I will scaffold the page.")
    panel.end_reply(1)
    panel.add_feedback(1, "Appearance grade: 3/5.", title="Feedback after step 1 — Look 3/5",
                       error=False)
    panel.add_notice("Run finished.", "success")
    item = panel.feedback_widget(1)
    row = item.toggle_button().sizeHint().height()
    qtbot.waitUntil(lambda: item.visibleRegion().boundingRect().height() >= row, timeout=3000)
    assert item.toggle_button().isVisible() and item.title().startswith("Feedback after step 1")
