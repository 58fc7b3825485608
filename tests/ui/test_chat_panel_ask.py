"""The chat's Ask toggle, and questions and answers as the chat shows them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt

from tests.support.ask import ANSWER
from ui.ask_messages import AnswerBubble
from ui.chat_panel import ChatPanel

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


def send(qtbot, panel: ChatPanel, text: str) -> None:
    box = panel.input.instruction_edit()
    qtbot.keyClicks(box, text)
    qtbot.keyClick(box, Qt.Key.Key_Return, CTRL)


def test_with_ask_on_the_message_is_a_question_and_send_says_ask(qtbot, panel):
    panel.input.set_input_mode("follow_up")
    sent, asked = [], []
    panel.input.submitted.connect(sent.append)
    panel.input.asked.connect(asked.append)
    qtbot.mouseClick(panel.input.ask_toggle(), Qt.MouseButton.LeftButton)
    assert panel.input.ask_toggle().isChecked()
    assert panel.input.send_button().text() == "Ask"
    assert panel.input.instruction_edit().placeholderText().startswith("Ask a question")
    send(qtbot, panel, "  Where is the menu?  ")
    assert (asked, sent) == (["Where is the menu?"], [])
    assert panel.input.instruction_edit().toPlainText() == ""
    qtbot.mouseClick(panel.input.ask_toggle(), Qt.MouseButton.LeftButton)  # off: a request again
    assert panel.input.send_button().text() == "Send"
    send(qtbot, panel, "Make the menu red")
    assert (asked, sent) == (["Where is the menu?"], ["Make the menu red"])


@pytest.mark.parametrize("mode", ["first", "busy", "locked"])
def test_ask_is_off_where_no_question_can_be_answered(qtbot, panel, mode):
    panel.input.set_input_mode("follow_up")
    panel.input.ask_toggle().setChecked(True)
    panel.input.set_input_mode(mode, "browse only")
    asked = []
    panel.input.asked.connect(asked.append)
    assert not panel.input.ask_toggle().isEnabled()
    assert panel.input.ask_toggle().toolTip() == "Ask works on an open run while nothing is running"
    assert panel.input.send_button().text() != "Ask"
    send(qtbot, panel, "Where is the menu?")
    assert asked == []


def test_an_answer_streams_as_plain_text_and_its_actions_stay_words(qtbot, panel):
    panel.add_question("Where is the heading set?", 2)
    panel.append_answer("")
    for start in range(0, len(ANSWER), 7):
        panel.append_answer(ANSWER[start:start + 7])
    panel.end_answer()
    answer = panel.transcript()[-1]
    assert panel.transcript()[0] == ("question", "Where is the heading set?")
    assert answer == ("answer", ANSWER)  # the tags are shown as written, not folded to chips
    assert [a.header_text() for a in panel.findChildren(AnswerBubble)] == [
        "Answer · nothing was changed"]


def test_an_answer_cut_short_says_so_and_the_next_one_is_separate(qtbot, panel):
    panel.append_answer("The menu lives in")
    panel.end_answer(cut=True)
    panel.append_answer("Second answer.")
    panel.end_answer()
    answers = panel.findChildren(AnswerBubble)
    assert [a.visible_text() for a in answers] == ["The menu lives in", "Second answer."]
    assert answers[0].header_text() == "Answer · nothing was changed · incomplete"
