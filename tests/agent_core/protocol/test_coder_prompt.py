"""The coder's prompt teaches the format the parser reads and the rules of the method."""

from __future__ import annotations

from agent_core.protocol import ParseIssue, parse_reply
from agent_core.protocol.coder_prompt import (
    SYSTEM_PROMPT,
    first_user_message,
    protocol_error_feedback,
    reminder,
)
from agent_core.workspace import CommandPolicy

INSTRUCTION = "A bakery website with a menu page and an order form."


def test_prompt_is_compact_for_small_context_models() -> None:
    # About four characters per token for English prose: stay well under 1,200 tokens.
    assert len(SYSTEM_PROMPT) < 4_000
    assert len(SYSTEM_PROMPT.split()) < 700


def test_prompt_states_the_method_rules() -> None:
    for rule in (
        "<boltArtifact",
        'type="file" filePath=',
        "WHOLE file",
        "rest unchanged",
        "package.json",
        "Vite",
        "npm install",
        "npm run dev",
        "username admin, password admin123456, email admin@example.com",
        '<boltAction type="screenshot_validated"/>',
        '<boltAction type="finish"/>',
        "Never send finish in a reply that still edits files",
        "npm ci",
        "no external APIs that need keys",
    ):
        assert rule in SYSTEM_PROMPT, rule


def test_the_examples_in_the_prompt_parse_cleanly_and_their_commands_are_allowed() -> None:
    parsed = parse_reply(SYSTEM_PROMPT)
    # The prose names the closing tag once ("Close every action with </boltAction>").
    assert [i.message for i in parsed.issues] == [
        "a stray </boltAction> without a matching <boltAction> was ignored"
    ]
    assert set(parsed.files) == {"package.json", "src/App.jsx"}
    assert parsed.signal == "finish"
    policy = CommandPolicy()
    kinds = [
        c.kind for cmd in parsed.shell_commands + parsed.start_commands for c in policy.plan(cmd)
    ]
    assert kinds == ["install", "start"]


def test_first_message_and_reminder_restate_the_instruction() -> None:
    first = first_user_message(f"  {INSTRUCTION}\n")
    assert INSTRUCTION in first and "npm run dev" in first
    text = reminder(INSTRUCTION)
    assert INSTRUCTION in text
    assert "whole file" in text and "finish" in text


def test_protocol_error_feedback_lists_each_issue() -> None:
    issues = parse_reply('<boltAction type="file" filePath="src/App.jsx">cut off').issues
    text = protocol_error_feedback([*issues, "a plain message"])
    assert "- the file action for src/App.jsx was not closed; the file was not written" in text
    assert "- a plain message" in text
    assert "</boltAction>" in text
    assert protocol_error_feedback([]) == ""
    assert protocol_error_feedback([ParseIssue("x", 0)]).startswith("Your last reply")
