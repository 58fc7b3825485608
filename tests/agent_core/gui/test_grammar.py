"""Reading the GUI agent's replies: a table of what models write and what it means."""

from __future__ import annotations

import pytest

from agent_core.gui.grammar import GuiAction, ParseFailure, parse_gui_reply

READABLE = [
    ("Thought: the button submits.\nAction: Click [3]", GuiAction("click", 3)),
    ("Thought: x\nAction: click 12", GuiAction("click", 12)),
    ("Thought: x\nAction: CLICK [ 7 ]", GuiAction("click", 7)),
    ("**Thought:** x\n**Action:** `Click [3]`", GuiAction("click", 3)),
    ("Thought: x\n**Action**: Click [3].", GuiAction("click", 3)),
    ("Thought: x\nAction:   Click   [3]   ", GuiAction("click", 3)),
    ("Thought: x\nAction:\nClick [5]", GuiAction("click", 5)),
    ("Thought: x\nAction: Click [3]\nThis will submit the form.", GuiAction("click", 3)),
    ("Thought: x\nAction: Type [4]; AAPL", GuiAction("type", 4, "AAPL")),
    ('Thought: x\nAction: type 4; "hello world"', GuiAction("type", 4, "hello world")),
    ("Thought: x\nAction: Type [4];  a; b ", GuiAction("type", 4, "a; b")),
    ("Thought: x\nAction: Scroll [WINDOW]; down", GuiAction("scroll", None, direction="down")),
    ("Thought: x\nAction: scroll window; UP", GuiAction("scroll", None, direction="up")),
    ("Thought: x\nAction: Scroll [2]; up", GuiAction("scroll", 2, direction="up")),
    ("Thought: x\nAction: Scroll down", GuiAction("scroll", None, direction="down")),
    ("Thought: x\nAction: Wait", GuiAction("wait")),
    ("Thought: x\nAction: wait.", GuiAction("wait")),
    ("Thought: x\nAction: GoBack", GuiAction("go_back")),
    ("Thought: x\nAction: Go back", GuiAction("go_back")),
    ("Thought: x\nAction: go_back", GuiAction("go_back")),
    ("Thought: x\nAction: ANSWER; YES - it works", GuiAction("answer", text="YES - it works")),
    ("Thought: x\nAction: answer: NO", GuiAction("answer", text="NO")),
    (
        "Thought: x\nAction: ANSWER; PARTIAL - search works\nbut the filter does not.",
        GuiAction("answer", text="PARTIAL - search works\nbut the filter does not."),
    ),
    ("Thought: a\nAction: Click [1]\nAction: Click [2]", GuiAction("click", 1)),
    ("Action: Click [3]", GuiAction("click", 3)),
]


@pytest.mark.parametrize(("reply", "expected"), READABLE, ids=[r for r, _ in READABLE])
def test_readable_replies(reply: str, expected: GuiAction) -> None:
    parsed = parse_gui_reply(reply)
    assert isinstance(parsed, GuiAction), parsed
    assert (parsed.kind, parsed.target, parsed.text, parsed.direction) == (
        expected.kind,
        expected.target,
        expected.text,
        expected.direction,
    )


UNREADABLE = [
    ("I will click the search button.", "no 'Action:' line"),
    ("", "no 'Action:' line"),
    ("Thought: x\nAction: Hover [3]", "unknown action 'Hover'"),
    ("Thought: x\nAction: Typed [3]; x", "unknown action 'Typed'"),
    ("Thought: x\nAction: [3]", "unknown action '[3]'"),
    ("Thought: x\nAction: Type [4]", "Type needs text after ';'"),
    ("Thought: x\nAction: Type [4];   ", "Type needs text after ';'"),
    ("Thought: x\nAction: Type [4] hello", "Type needs text after ';'"),
    ("Thought: x\nAction: Type; hello", "Type needs an element number"),
    ("Thought: x\nAction: Click", "Click needs an element number"),
    ("Thought: x\nAction: Click [3] then Click [4]", "unexpected text after Click [3]"),
    ("Thought: x\nAction: Scroll [WINDOW]", "Scroll needs a direction"),
    ("Thought: x\nAction: Scroll [WINDOW]; sideways", "Scroll needs a direction"),
    ("Thought: x\nAction: Scroll [page]; down", "Scroll takes WINDOW or one element number"),
    ("Thought: x\nAction: Wait 5 seconds", "Wait takes no arguments"),
    ("Thought: x\nAction: ANSWER;", "ANSWER needs text after ';'"),
    ("Thought: x\nAction:\n\n", "the 'Action:' line is empty"),
]


@pytest.mark.parametrize(("reply", "reason"), UNREADABLE, ids=[r for r, _ in UNREADABLE])
def test_unreadable_replies_say_why(reply: str, reason: str) -> None:
    parsed = parse_gui_reply(reply)
    assert isinstance(parsed, ParseFailure), parsed
    assert reason in parsed.reason


def test_thought_is_kept_and_multiline() -> None:
    parsed = parse_gui_reply(
        "**Thought:** The form is on the left.\nI will fill it first.\n\nAction: Type [2]; Bob"
    )
    assert isinstance(parsed, GuiAction)
    assert parsed.thought == "The form is on the left.\nI will fill it first."
    failure = parse_gui_reply("Thought: no idea what to do")
    assert isinstance(failure, ParseFailure) and failure.thought == "no idea what to do"


def test_unknown_action_lists_the_valid_ones() -> None:
    failure = parse_gui_reply("Thought: x\nAction: Hover [3]")
    assert isinstance(failure, ParseFailure)
    assert "Click, Type, Scroll, Wait, GoBack, ANSWER" in failure.reason
    assert failure.action_text == "Hover [3]"


@pytest.mark.parametrize(
    "action",
    [
        GuiAction("click", 3),
        GuiAction("type", 4, "AAPL"),
        GuiAction("scroll", None, direction="down"),
        GuiAction("scroll", 2, direction="up"),
        GuiAction("wait"),
        GuiAction("go_back"),
        GuiAction("answer", text="YES - fine"),
    ],
)
def test_described_actions_read_back_the_same(action: GuiAction) -> None:
    parsed = parse_gui_reply(f"Thought: t\nAction: {action.describe()}")
    assert parsed == GuiAction(action.kind, action.target, action.text, action.direction, "t")
