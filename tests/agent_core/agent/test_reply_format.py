"""Models that do not follow the format: auto switching to structured replies, honest endings,
cut replies, edits, and the context the server gives. Scripted models, the real loop."""

from __future__ import annotations

from dataclasses import replace

import pytest

from agent_core.config import RunConfig
from agent_core.events import CoderContext, ReplyFormatChanged, RunFinished
from agent_core.protocol.actions import EditAction, FileAction, SignalAction
from agent_core.protocol.coder_prompt import STRUCTURED_SYSTEM_PROMPT, SYSTEM_PROMPT
from agent_core.protocol.render import render_reply
from agent_core.protocol.structured import render_structured
from tests.fakes.model_server import Reply, ScriptedModelServer, queue
from tests.support.agent import (
    CODER,
    CRITIC,
    FAST_TIMEOUTS,
    bakery_page,
    coder_reply,
    graded,
    make_agent,
    run,
    settings_for,
)

INSTRUCTION = "A one-page site for a bakery with a cream background."
PROSE = "Sure! A bakery website needs a warm design. Here is some Python:\n```python\nprint(1)\n```"
NO_GUI = RunConfig(gui_testing=False, timeouts=FAST_TIMEOUTS, max_steps=8)


def coder_requests(server: ScriptedModelServer) -> list:
    return [r for r in server.chat_requests if r.model == CODER]


async def test_auto_switches_to_structured_replies_before_giving_up(tmp_path):
    page = render_structured([FileAction("index.html", "<h1>Fresh bread</h1>\n")])
    coder = queue(PROSE, PROSE, page, render_structured([SignalAction("finish")]))
    with ScriptedModelServer({CODER: coder, CRITIC: graded(4)}) as server:
        agent, events = make_agent(tmp_path / "run", INSTRUCTION, settings_for(server, "openai"),
                                   NO_GUI)
        outcome = await run(agent)
        requests = coder_requests(server)
    assert outcome.reason == "finish"
    changed = [e for e in events if isinstance(e, ReplyFormatChanged)]
    assert [(e.index, e.reply_format) for e in changed] == [(3, "structured")]
    assert "2 replies in a row without an action" in changed[0].reason
    assert [r.texts[0] for r in requests] == [SYSTEM_PROMPT] * 2 + [STRUCTURED_SYSTEM_PROMPT] * 2
    assert "response_format" not in requests[1].body
    assert requests[2].body["response_format"]["type"] == "json_schema"
    steps = agent.store.steps()
    assert [s.runtime.reply_format for s in steps] == ["text", "text", "structured",
                                                           "structured"]
    assert steps[2].screenshot and not steps[2].has_error  # the JSON reply built the page


async def test_text_only_gives_up_after_three_replies_without_actions(tmp_path):
    coder = queue(PROSE, PROSE, PROSE)
    with ScriptedModelServer({CODER: coder, CRITIC: graded()}) as server:
        settings = settings_for(server, "openai", reply_format="text")
        agent, events = make_agent(tmp_path / "run", INSTRUCTION, settings, NO_GUI)
        outcome = await run(agent)
        url = server.base_url_openai
    assert outcome.reason == "model_not_following_format" and len(agent.store.steps()) == 3
    (finished,) = [e for e in events if isinstance(e, RunFinished)]
    assert finished.message.startswith(
        f"The coder (openai {CODER} @ {url}) sent 3 replies in a row without a single action "
        "in text replies")
    assert "--coder-reply-format structured" in finished.message
    assert agent.store.manifest.end_reason == "model_not_following_format"


async def test_a_run_whose_site_never_served_ends_as_no_working_step(tmp_path):
    broken = {"package.json": '{"name": "b", "scripts": {"dev": "node missing.js"}}'}
    coder = queue(coder_reply(broken), coder_reply(broken))
    with ScriptedModelServer({CODER: coder, CRITIC: graded()}) as server:
        agent, events = make_agent(tmp_path / "run", INSTRUCTION, settings_for(server, "ollama"),
                                   replace(NO_GUI, max_steps=2))
        outcome = await run(agent)
    assert outcome.reason == "no_working_step"
    (finished,) = [e for e in events if isinstance(e, RunFinished)]
    assert "No step produced a working site" in finished.message and CODER in finished.message


async def test_a_reply_cut_at_the_limit_is_recorded_and_the_coder_told(tmp_path):
    cut = Reply(text=coder_reply(bakery_page("Fresh bread")), finish_reason="length")
    coder = queue(cut, coder_reply(signal="finish"))
    with ScriptedModelServer({CODER: coder, CRITIC: graded(4)}) as server:
        settings = settings_for(server, "openai", max_tokens=900)
        agent, _ = make_agent(tmp_path / "run", INSTRUCTION, settings, NO_GUI)
        await run(agent)
    step = agent.store.steps()[0]
    assert step.runtime.reply_cut == "length"
    assert step.feedback.startswith("Your last reply was cut off at the reply limit of 900 "
                                    "tokens.")


async def test_edit_actions_change_one_block_and_a_miss_shows_the_nearest_lines(tmp_path):
    page = "<!doctype html>\n<title>Bakery</title>\n<h1>Old name</h1>\n<p>Open 8-18</p>\n"
    good = EditAction("index.html", "<h1>Old name</h1>\n", "<h1>Fresh bread</h1>\n")
    miss = EditAction("index.html", "<h1>Olde name</h1>\n", "<h1>x</h1>\n")
    coder = queue(coder_reply({"index.html": page}), render_reply([good]),
                  render_reply([miss]), coder_reply(signal="finish"))
    with ScriptedModelServer({CODER: coder, CRITIC: graded(4, 4, 4)}) as server:
        agent, _ = make_agent(tmp_path / "run", INSTRUCTION, settings_for(server, "openai"),
                              NO_GUI)
        await run(agent)
    steps = agent.store.steps()
    assert steps[1].actions[0]["type"] == "edit" and steps[1].files_changed == ["index.html"]
    assert "<h1>Fresh bread</h1>" in (agent.store.workspace / "index.html").read_text()
    assert "is not in the file; nothing changed" in steps[2].feedback
    assert "   3 | <h1>Fresh bread</h1>" in steps[2].feedback


@pytest.mark.parametrize(("provider", "source"), [
    ("openai", "llama.cpp's /props: 4096"),
    ("ollama", "Ollama's /api/show: the model's trained context: 4096"),
])
async def test_the_servers_context_sizes_the_reply_limit(tmp_path, provider, source):
    coder = queue(coder_reply(bakery_page("Fresh bread")), coder_reply(signal="finish"))
    with ScriptedModelServer({CODER: coder, CRITIC: graded(4)}) as server:
        server.served_context = 4096  # as if the server (or the model) had 4096 tokens
        agent, events = make_agent(tmp_path / "run", INSTRUCTION, settings_for(server, provider),
                                   NO_GUI)
        await run(agent)
        requests = coder_requests(server)
    (context,) = [e for e in events if isinstance(e, CoderContext)]
    assert context.context_length == 4096 and source in context.source
    assert {r.max_tokens for r in requests} == {4096 // 3}
    if provider == "ollama":
        assert {r.options["num_ctx"] for r in requests} == {4096}


async def test_a_prompt_the_server_cannot_fit_fails_with_the_numbers(tmp_path):
    overflow = Reply(status=400, error_body={"error": {
        "message": "Requested tokens (9120) exceed context window of 8192",
        "type": "invalid_request_error"}})
    with ScriptedModelServer({CODER: queue(overflow), CRITIC: graded()}) as server:
        settings = settings_for(server, "openai", context_length=8192, max_tokens=2000)
        agent, _ = make_agent(tmp_path / "run", INSTRUCTION, settings, NO_GUI)
        outcome = await run(agent)
    assert outcome.status.value == "failed"
    message = agent.store.manifest.end_reason
    assert "exceed context window of 8192" in message
    assert "The prompt was about" in message and "the reply may take 2000" in message
    assert "the coder's context is set to 8192 tokens" in message
    assert agent.store.steps() == []  # nothing half-done was kept
