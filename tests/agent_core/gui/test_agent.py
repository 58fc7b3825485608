"""The GUI agent's turns: a scripted vision model over the real OpenAI client, real Chromium."""

from __future__ import annotations

import pytest

from tests.agent_core.gui import helpers
from tests.agent_core.gui.helpers import stock_tester
from tests.fakes.model_server import Reply, queue
from tests.support.net import closed_port_url
from tests.support.png import png_size

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]

SCROLL = "Thought: let me see more.\nAction: Scroll [WINDOW]; down"
TASK = "Look up the price of AAPL."


async def run_agent(server, script, page, url, **options):
    return await helpers.run_agent(server, script, page, url, TASK, **options)


async def test_the_agent_uses_the_numbers_it_sees_and_answers(server, sites, page):
    trajectory = await run_agent(server, stock_tester, page, sites.app.url("/"))
    assert trajectory.ended_because == "answered"
    assert trajectory.answer == "YES - the lookup shows a price"
    assert [t.action_text for t in trajectory.turns] == [
        "Type [0]; AAPL",
        "Click [1]",
        "ANSWER; YES - the lookup shows a price",
    ]
    assert [t.outcome_status for t in trajectory.turns] == ["done", "done", "done"]
    assert trajectory.turns[1].outcome_detail.startswith('clicked [1] <button> "Look up"')
    assert trajectory.turns[0].thought == "I see the stock field."
    assert all(png_size(t.png) == (1024, 768) for t in trajectory.turns)
    assert all(t.url == sites.app.url("/") for t in trajectory.turns)
    assert trajectory.usage.prompt_tokens > 0
    first = server.chat_requests[0]
    assert first.messages[0]["role"] == "system" and "Thought:" in first.texts[0]
    assert TASK in first.last_user_text and "Turn 1 of 15" in first.last_user_text
    # The next turn tells the model what its action did.
    second = server.chat_requests[1].last_user_text
    assert "Result of your previous action: done: typed 'AAPL' into [0]" in second


async def test_only_the_last_three_screenshots_are_sent_and_the_turn_limit_ends(
    server, sites, page
):
    trajectory = await run_agent(
        server, lambda _request: SCROLL, page, sites.app.url("/"), max_turns=5
    )
    assert trajectory.ended_because == "turn limit" and trajectory.end_kind == "turn_limit"
    assert trajectory.answer is None and len(trajectory.turns) == 5
    requests = server.chat_requests
    assert [len(r.images) for r in requests] == [1, 2, 3, 3, 3]
    assert requests[-1].images == [t.png for t in trajectory.turns[2:]]
    users = [r for r in requests[-1].messages if r["role"] == "user"]
    assert len(users) == 5
    assert all(isinstance(m["content"], str) for m in users[:2]), "old turns are text only"
    assert "no longer shown" in users[0]["content"]
    assert "Interactive elements" not in users[0]["content"]
    assert "This is your last turn" in requests[-1].last_user_text
    assert trajectory.turns[1].outcome_detail == "scrolled the window down by 512 px"


async def test_unreadable_replies_are_explained_and_three_in_a_row_stop(server, sites, page):
    script = queue(
        "I would click the button.",
        "Thought: ok\nAction: Click [999]",
        "Thought: x\nAction: Hover [1]",
        "Thought: x\nAction: Type [0]",
        "nothing",
    )
    trajectory = await run_agent(server, script, page, sites.app.url("/"), max_turns=10)
    assert [t.outcome_status for t in trajectory.turns] == [
        "error",
        "element_missing",
        "error",
        "error",
        "error",
    ]
    assert trajectory.turns[0].outcome_detail == "could not read the reply: no 'Action:' line"
    assert trajectory.turns[0].action is None
    assert trajectory.end_kind == "unreadable"
    assert trajectory.ended_because == (
        "the GUI model's replies could not be read 3 times in a row (last: no 'Action:' line)"
    )
    texts = [r.last_user_text for r in server.chat_requests]
    assert "your reply could not be read (no 'Action:' line)" in texts[1]
    assert "element_missing: there is no element [999]" in texts[2]
    assert "unknown action 'Hover'" in texts[3]
    assert "Type needs text after ';'" in texts[4]


async def test_a_model_error_ends_the_test_with_its_message(server, sites, page):
    script = queue(SCROLL, Reply(status=400))
    trajectory = await run_agent(server, script, page, sites.app.url("/"))
    assert trajectory.end_kind == "model_error"
    assert trajectory.ended_because.startswith("the GUI model failed: ")
    assert "HTTP 400" in trajectory.ended_because
    assert len(trajectory.turns) == 1 and trajectory.answer is None


async def test_a_site_that_does_not_answer_cannot_be_tested(server, session, page):
    closed = closed_port_url("/")
    site, session.policy.site_url = session.policy.site_url, closed  # as GuiTester declares it
    try:
        trajectory = await run_agent(server, queue(), page, closed)
    finally:
        session.policy.site_url = site
    assert trajectory.end_kind == "page_error" and trajectory.turns == []
    assert trajectory.ended_because.startswith(f"could not open the site: could not load {closed}")
    assert "connection refused" in trajectory.ended_because
    assert server.chat_requests == []
