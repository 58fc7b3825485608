"""The GUI-test step end to end: test instruction, browsing, grading, feedback for the coder."""

from __future__ import annotations

import asyncio
import json

import pytest

from agent_core.gui.tester import read_summary
from agent_core.store.evidence import GuiTest, GuiTestSummary
from tests.agent_core.gui.helpers import (
    FEEDBACK,
    GUI,
    WRITTEN,
    WRITTEN_REPLY,
    stock_tester,
)
from tests.fakes.model_server import Reply, queue
from tests.support.agent import FeedbackScript

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]

INSTRUCTION = "A stock desk: enter a stock code and see its price. Teal header, cream page."
SUMMARY = {
    "test_passed": True,
    "improvement_suggestions": ["Show the currency next to the price."],
    "grade": 4,
}


async def test_the_site_is_tested_graded_and_the_screenshot_tab_is_untouched(
    make_tester, sites, session
):
    await session.capture(sites.app.url("/plain.html"))
    screenshot_tab = session.page
    feedback = FeedbackScript(WRITTEN_REPLY, [SUMMARY])
    tester = make_tester(stock_tester, feedback)

    outcome = await tester.test(sites.app.url("/"), INSTRUCTION, 3)

    assert outcome.errors == [] and outcome.gui_grade == 4
    assert "- Show the currency next to the price." in outcome.feedback
    assert "the test passed, functional grade 4/5" in outcome.feedback
    assert 'reply with only <boltAction type="finish"/>' in outcome.feedback
    assert outcome.feedback.rstrip().endswith("Send finish only when nothing is left to edit.")
    details = outcome.details
    assert details.test_instruction.startswith(WRITTEN)
    assert "username admin, the password admin123456" in details.test_instruction
    assert "answer YES if the task was fully achieved" in details.test_instruction
    assert details.answer == "YES - the lookup shows a price"
    assert details.ended_because == "answered" and details.step == 3
    assert [t.action for t in details.turns][:2] == ["Type [0]; AAPL", "Click [1]"]
    assert [t.index for t in details.turns] == [0, 1, 2]
    assert all(t.png.startswith(b"\x89PNG") and t.screenshot is None for t in details.turns)
    assert details.summary == GuiTestSummary.from_dict(SUMMARY)
    stored = json.loads(json.dumps(details.to_dict()))  # storable as JSON, PNGs left out
    assert stored["summary"] == SUMMARY and GuiTest.from_dict(stored).turns[1].action == "Click [1]"
    assert set(outcome.usage) == {"gui", "feedback"}
    assert outcome.usage["gui"].prompt_tokens > 0 and outcome.usage["feedback"].prompt_tokens > 0
    # The grader read the whole trajectory.
    graded = feedback.summary_requests[0].last_user_text
    assert "Action: Type [0]; AAPL" in graded and "Outcome: done - clicked [1]" in graded
    assert "Final verdict of the tester: YES - the lookup shows a price" in graded
    # The session's own tab still shows what it showed, and is the only tab left.
    assert session.page is screenshot_tab and screenshot_tab.url == sites.app.url("/plain.html")
    assert screenshot_tab.context.pages == [screenshot_tab]
    assert (await session.capture(sites.app.url("/plain.html"))).title == "Plain"


async def test_the_test_instruction_is_written_once_and_a_bad_summary_is_asked_again(
    make_tester, sites
):
    feedback = FeedbackScript(WRITTEN_REPLY, ["The site works well, grade four.", "```json\n"
                              '{"test_passed": "false", "improvement_suggestions": [], '
                              '"grade": "3/5"}\n```'])  # fmt: skip
    tester = make_tester(stock_tester, feedback)
    outcome = await tester.test(sites.app.url("/"), INSTRUCTION, 1)
    assert outcome.gui_grade == 3 and outcome.errors == []
    assert "the test did not pass, functional grade 3/5" in outcome.feedback
    assert "Testing succeeded" in outcome.feedback
    assert outcome.details.raw_summary_first == "The site works well, grade four."
    retry = feedback.summary_requests[1].messages
    assert retry[-2]["content"] == "The site works well, grade four."
    assert "could not read your answer" in retry[-1]["content"]

    feedback.summaries = ["no json here", '{"grade": 9}']
    second = await tester.test(sites.app.url("/"), INSTRUCTION, 2)
    assert feedback.writer_calls == 1, "the test instruction is written once per run"
    assert second.gui_grade is None and len(second.errors) == 1
    assert "without a readable JSON object with a grade from 1 to 5" in second.errors[0]
    assert second.details.raw_summary == '{"grade": 9}'
    assert "could not be completed" in second.feedback


async def test_a_failing_gui_model_is_an_error_and_nothing_is_graded(make_tester, sites):
    feedback = FeedbackScript(WRITTEN_REPLY, [SUMMARY])
    tester = make_tester(queue(Reply(status=400)), feedback)
    outcome = await tester.test(sites.app.url("/"), INSTRUCTION, 4)
    assert outcome.gui_grade is None
    assert outcome.errors[0].startswith("the GUI agent stopped: the GUI model failed:")
    assert "HTTP 400" in outcome.errors[0]
    assert outcome.errors[0] in outcome.feedback
    assert feedback.summary_requests == []
    assert outcome.details.turns == () and outcome.details.summary is None


async def test_no_url_and_a_failing_feedback_model_are_errors(make_tester, sites, server):
    tester = make_tester(stock_tester, FeedbackScript(WRITTEN_REPLY))
    no_site = await tester.test(None, INSTRUCTION, 1)
    assert no_site.errors == ["the site is not running (no dev server address), so nothing "
                              "was tested"]  # fmt: skip
    server.set_script(FEEDBACK, queue(Reply(status=401)))
    no_writer = await tester.test(sites.app.url("/"), INSTRUCTION, 2)
    assert no_writer.gui_grade is None
    assert no_writer.errors[0].startswith("the feedback model could not write the test instruction")
    assert server.chat_requests[-1].model == FEEDBACK, "the GUI agent never started"


async def test_cancelling_a_test_closes_its_tab(make_tester, sites, session, server):
    slow = Reply(text="Thought: t\nAction: Wait", delay_s=5.0)
    tester = make_tester(lambda _request: slow, FeedbackScript(WRITTEN_REPLY))
    running = asyncio.ensure_future(tester.test(sites.app.url("/"), INSTRUCTION, 1))
    for _ in range(250):
        if any(r.model == GUI for r in server.chat_requests):
            break
        await asyncio.sleep(0.02)
    assert len(session.page.context.pages) == 2, "the test runs in a tab of its own"
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    assert session.page.context.pages == [session.page]


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ('{"test_passed": true, "improvement_suggestions": [], "grade": 5}', (True, [], 5)),
        ("Result: {test_passed: False, suggestions: 'Fix the form', grade: 2,}",
         (False, ["Fix the form"], 2)),
        ('{"improvement_suggestions": ["a"], "grade": "4"}', (True, ["a"], 4)),
        ('{"test_passed": true, "grade": 0}', None),
        ('{"test_passed": true, "grade": 3.5}', None),
        ("grade 4", None),
    ],
)  # fmt: skip
async def test_reading_summaries(reply, expected):
    summary = read_summary(reply)
    if expected is None:
        assert summary is None
    else:
        assert summary is not None
        assert (summary.test_passed, summary.improvement_suggestions, summary.grade) == expected
