"""Follow-up requests, services kept by the caller, and the server-ready event."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from agent_core.agent.loop import WebGenAgent
from agent_core.agent.services import StepServices
from agent_core.config import RunConfig
from agent_core.events import EventBus, RunStarted, ServerReady
from agent_core.store.run_store import RunStore
from tests.fakes.model_server import Reply, ScriptedModelServer, queue
from tests.support.agent import (
    CODER,
    CRITIC,
    FAST_TIMEOUTS,
    bakery_page,
    coder_reply,
    graded,
    make_agent,
    make_models,
    run,
    settings_for,
)

pytestmark = pytest.mark.slow
INSTRUCTION = "A one-page site for a bakery with a cream background."




async def test_follow_up_request_continues_from_the_head_and_reaches_the_coder(tmp_path):
    coder = queue(coder_reply(bakery_page("bakery")), coder_reply(signal="finish"),
                  coder_reply(bakery_page("bakery with prices")), coder_reply(signal="finish"))
    with ScriptedModelServer({CODER: coder, CRITIC: graded(4, 4)}) as server:
        agent, events = make_agent(tmp_path / "run", INSTRUCTION, settings_for(server, "openai"),
                                   RunConfig(gui_testing=False, timeouts=FAST_TIMEOUTS))
        await agent.run()
        agent.config = RunConfig(max_steps=10, gui_testing=False, timeouts=FAST_TIMEOUTS)
        await agent.run("Add a price list under the title.")
        await agent.models.close()
        prompts = [r for r in server.chat_requests if r.model == CODER]

    steps = agent.store.steps()
    # The finish step (same grades as step 1, later) was the best and so the head.
    assert [s.parent for s in steps] == [None, 1, 2, 3]
    assert steps[2].request == "Add a price list under the title."
    assert [s.request for s in (steps[0], steps[1], steps[3])] == ["", "", ""]
    assert agent.store.manifest.pending_request == ""
    # The coder saw the request after its earlier reply, then answered it.
    last_user = prompts[2].messages[-1]["content"]
    assert "New request from the user:\nAdd a price list under the title." in last_user
    roles = [m["role"] for m in prompts[2].messages]
    assert roles == ["system", "user", "assistant", "user", "assistant", "user"]
    # The request stays in the conversation of later steps, and in the task reminder.
    step4_text = "\n".join(prompts[3].texts)
    assert "New request from the user" in step4_text
    assert "Later requests from the user:\n- Add a price list" in steps[2].feedback
    started = [e for e in events if isinstance(e, RunStarted)]
    assert started[-1].request == "Add a price list under the title."


async def test_cancelled_follow_up_is_kept_for_the_next_run(tmp_path):
    slow = Reply(text=coder_reply(bakery_page("slow")), chunk_size=2, chunk_delay_s=0.05)
    coder = queue(slow, coder_reply(bakery_page("answered")), coder_reply(signal="finish"))
    with ScriptedModelServer({CODER: coder, CRITIC: graded(4)}) as server:
        agent, _ = make_agent(tmp_path / "run", INSTRUCTION, settings_for(server, "ollama"),
                              RunConfig(gui_testing=False, timeouts=FAST_TIMEOUTS))
        streaming = asyncio.Event()
        agent.bus.subscribe(lambda e: streaming.set() if e.kind == "token" else None)
        task = asyncio.create_task(agent.run("Make the title larger."))
        await asyncio.wait_for(streaming.wait(), 30)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert agent.store.manifest.pending_request == "Make the title larger."
        await run(agent)
    assert agent.store.step(1).request == "Make the title larger."


async def test_services_passed_in_outlive_the_run_and_announce_the_server(tmp_path):
    coder = queue(coder_reply(bakery_page("kept alive")), coder_reply(signal="finish"))
    with ScriptedModelServer({CODER: coder, CRITIC: graded(4)}) as server:
        settings = settings_for(server, "openai")
        config = RunConfig(gui_testing=False, timeouts=FAST_TIMEOUTS)
        store = RunStore.create(tmp_path / "run", INSTRUCTION)
        models = make_models(settings)
        services = StepServices.build(store.workspace, store.run_dir / ".webgen",
                                      store.logs_dir, config, models.critic)
        bus = EventBus()
        ready: list[ServerReady] = []
        bus.subscribe(lambda e: ready.append(e) if isinstance(e, ServerReady) else None)
        try:
            await WebGenAgent(store, models, config, bus, services=services).run()
            # The run is over but the preview still answers: the caller owns the server.
            assert [(e.index, e.restarted) for e in ready] == [(1, True)]
            async with httpx.AsyncClient() as client:
                answer = await client.get(ready[0].url)
            assert "kept alive" in answer.text
        finally:
            await services.close()
            await models.close()
        assert not services.server.alive


async def test_stored_steps_rebuild_the_prompt_the_coder_was_sent(tmp_path):
    from agent_core.agent.conversation import prompt_of_step

    coder = queue(coder_reply(bakery_page("bakery")), coder_reply(signal="finish"),
                  coder_reply(bakery_page("bakery with prices")), coder_reply(signal="finish"))
    with ScriptedModelServer({CODER: coder, CRITIC: graded(4, 4)}) as server:
        agent, _ = make_agent(tmp_path / "run", INSTRUCTION, settings_for(server, "openai"),
                              RunConfig(gui_testing=False, timeouts=FAST_TIMEOUTS))
        await agent.run()
        await agent.run("Add a price list under the title.")
        await agent.models.close()
        sent = [r.messages for r in server.chat_requests if r.model == CODER]
    steps = {s.index: s for s in agent.store.steps()}
    for index in steps:
        rebuilt = [{"role": m.role, "content": m.content}
                   for m in prompt_of_step(agent.store.manifest, steps, index)]
        assert rebuilt == [{"role": m["role"], "content": m["content"]} for m in sent[index - 1]]
