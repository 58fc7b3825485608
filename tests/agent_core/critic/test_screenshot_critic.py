"""The screenshot critic against a scripted vision model."""

from __future__ import annotations

import asyncio
import json

import pytest

from agent_core.critic import ScreenshotCritic, prompts
from agent_core.errors import ModelTimeout
from agent_core.llm.base import Message, Usage
from tests.fakes.scripted_chat import ScriptedChat

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64  # the critic passes the bytes on untouched
INSTRUCTION = "A landing page for a bakery called Crumb & Co with a menu and opening hours."

CHECK_OK = json.dumps(
    {
        "is_error": False,
        "error_message": "",
        "description": "A cream header with the Crumb & Co logo, a three-column menu.",
        "suggestions": ["Add the opening hours", "Use a warmer accent colour"],
    }
)
GRADE_OK = json.dumps({"analysis": "Relevant and tidy, a bit plain.", "grade": 3})


def which(messages: list[Message]) -> str:
    """Which of the two critic calls these messages are."""
    return "grade" if messages[0].content == prompts.GRADE_SYSTEM else "check"


def routed(check: list[str] | str, grade: list[str] | str) -> ScriptedChat:
    """A model answering each call from its own list of replies (the last one repeats)."""
    queues = {"check": [check] if isinstance(check, str) else list(check)}
    queues["grade"] = [grade] if isinstance(grade, str) else list(grade)

    def reply(messages: list[Message]) -> str:
        queue = queues[which(messages)]
        return queue.pop(0) if len(queue) > 1 else queue[0]

    return ScriptedChat(reply)


def calls_of(model: ScriptedChat, kind: str) -> list[list[Message]]:
    return [call.messages for call in model.calls if which(call.messages) == kind]


async def test_both_calls_run_concurrently():
    both_in_flight = asyncio.Event()
    model: ScriptedChat

    async def reply(messages: list[Message]) -> str:
        if model.in_flight == 2:
            both_in_flight.set()
        try:
            await asyncio.wait_for(both_in_flight.wait(), 2.0)
        except TimeoutError:
            raise AssertionError("the two critic calls were not in flight together") from None
        return GRADE_OK if which(messages) == "grade" else CHECK_OK

    model = ScriptedChat(reply)
    report = await ScreenshotCritic(model).review(PNG, INSTRUCTION)
    assert report.appearance_grade == 3
    assert len(model.calls) == 2


async def test_screenshot_and_instruction_reach_the_model():
    model = routed(CHECK_OK, GRADE_OK)
    await ScreenshotCritic(model).review(
        PNG, INSTRUCTION, console_errors=["Uncaught TypeError: menu.map is not a function"]
    )
    (check,) = calls_of(model, "check")
    (grade,) = calls_of(model, "grade")
    for messages in (check, grade):
        user = messages[-1]
        assert user.role == "user" and user.images == (PNG,)
        assert INSTRUCTION in user.content
        assert messages[0].role == "system" and "JSON" in messages[0].content
    assert "menu.map is not a function" in check[-1].content
    assert "menu.map" not in grade[-1].content
    assert "0 - " in grade[0].content and "5 - " in grade[0].content


async def test_a_good_page_gives_a_full_report():
    model = routed(CHECK_OK, GRADE_OK)
    report = await ScreenshotCritic(model).review(PNG, INSTRUCTION)
    assert report.is_error is False and report.error_message == ""
    assert "three-column menu" in report.description
    assert report.suggestions == ["Add the opening hours", "Use a warmer accent colour"]
    assert report.appearance_grade == 3
    assert report.grade_analysis == "Relevant and tidy, a bit plain."
    assert report.raw_replies == {"check": CHECK_OK, "grade": GRADE_OK}
    assert report.usage == Usage(200, 40, 0.02)
    assert report.problems == []


async def test_fenced_and_prosy_replies_are_read():
    check = f"Sure! Here is my assessment:\n```json\n{CHECK_OK}\n```\nLet me know."
    grade = 'Overall solid work.\n{"analysis": "Warm colours, clear menu", "grade": "4/5",}'
    report = await ScreenshotCritic(routed(check, grade)).review(PNG, INSTRUCTION)
    assert report.suggestions[0] == "Add the opening hours"
    assert report.appearance_grade == 4
    assert report.grade_analysis == "Warm colours, clear menu"
    assert report.problems == []


async def test_unreadable_grade_is_asked_once_more_then_left_out():
    prose = "It looks quite nice overall, I'd say a four."
    model = routed(CHECK_OK, prose)
    report = await ScreenshotCritic(model).review(PNG, INSTRUCTION)
    grade_calls = calls_of(model, "grade")
    assert len(grade_calls) == 2 and len(calls_of(model, "check")) == 1
    retry = grade_calls[1]
    assert retry[-2] == Message("assistant", prose)
    assert retry[-1].role == "user" and "JSON" in retry[-1].content
    assert report.appearance_grade is None and report.grade_analysis == ""
    assert report.raw_replies["grade"] == prose and report.raw_replies["grade#1"] == prose
    assert len(report.problems) == 1 and "grade" in report.problems[0]
    assert "scripted model" in report.problems[0]
    assert report.description  # the other call is unaffected
    assert report.usage.prompt_tokens == 300  # three calls


async def test_second_attempt_can_rescue_the_reply():
    model = routed(["no idea what JSON is", CHECK_OK], GRADE_OK)
    report = await ScreenshotCritic(model).review(PNG, INSTRUCTION)
    assert len(calls_of(model, "check")) == 2
    assert report.problems == [] and "three-column menu" in report.description
    assert report.raw_replies["check#1"] == "no idea what JSON is"


async def test_unreadable_error_check_is_noted_not_guessed():
    report = await ScreenshotCritic(routed("garbage", GRADE_OK)).review(PNG, INSTRUCTION)
    assert report.is_error is False and report.description == ""
    assert report.appearance_grade == 3
    assert len(report.problems) == 1 and "error check" in report.problems[0]


@pytest.mark.parametrize(("grade", "shown"), [(7, "7"), (-1, "-1"), (3.5, "3.5")])
async def test_invalid_grade_is_left_out_with_a_note(grade, shown):
    reply = json.dumps({"analysis": "Nice.", "grade": grade})
    model = routed(CHECK_OK, reply)
    report = await ScreenshotCritic(model).review(PNG, INSTRUCTION)
    assert report.appearance_grade is None
    assert report.grade_analysis == "Nice."
    assert len(report.problems) == 1 and f"grade {shown}" in report.problems[0]
    assert len(calls_of(model, "grade")) == 1  # a clear answer, not asked again


async def test_error_page_is_reported_as_error():
    check = json.dumps(
        {
            "is_error": "true",
            "error_message": "Cannot GET /",
            "description": "",
            "suggestions": [],
        }
    )
    grade = json.dumps({"analysis": "Only a server error.", "grade": 0})
    report = await ScreenshotCritic(routed(check, grade)).review(PNG, INSTRUCTION)
    assert report.is_error is True
    assert report.error_message == "Cannot GET /"
    assert report.appearance_grade == 0


async def test_model_error_propagates_and_cancels_the_other_call():
    grade_cancelled = asyncio.Event()

    async def reply(messages: list[Message]) -> str:
        if which(messages) == "check":
            await asyncio.sleep(0.01)
            raise ModelTimeout("scripted model did not answer in 60 s")
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            grade_cancelled.set()
            raise
        return GRADE_OK

    with pytest.raises(ModelTimeout, match="did not answer"):
        await ScreenshotCritic(ScriptedChat(reply)).review(PNG, INSTRUCTION)
    assert grade_cancelled.is_set()


async def test_cancelling_the_review_cancels_both_calls():
    cancelled: list[str] = []
    both_started = asyncio.Event()
    model: ScriptedChat

    async def reply(messages: list[Message]) -> str:
        if model.in_flight == 2:
            both_started.set()
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.append(which(messages))
            raise
        return ""

    model = ScriptedChat(reply)
    review = asyncio.create_task(ScreenshotCritic(model).review(PNG, INSTRUCTION))
    await asyncio.wait_for(both_started.wait(), 2.0)
    review.cancel()
    with pytest.raises(asyncio.CancelledError):
        await review
    assert sorted(cancelled) == ["check", "grade"]
    assert model.in_flight == 0
