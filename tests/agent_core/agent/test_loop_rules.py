"""Backtracking, starting over, context folding and cancellation, on a static site."""

from __future__ import annotations

import asyncio

import pytest

from agent_core.config import RunConfig
from agent_core.events import Backtracked, ContextTrimmed, RunCancelled
from agent_core.store.records import RunStatus, StepKind
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

pytestmark = pytest.mark.slow
INSTRUCTION = "A one-page site for a bakery with a cream background."




async def test_backtracks_to_the_best_valid_step_after_consecutive_errors(tmp_path):
    coder = queue(*(coder_reply(bakery_page(f"version {i}")) for i in range(1, 5)),
                  coder_reply(signal="finish"))
    with ScriptedModelServer({CODER: coder, CRITIC: graded(4, 1, 2, 3)}) as server:
        config = RunConfig(error_limit=2, timeouts=FAST_TIMEOUTS)
        agent, events = make_agent(tmp_path / "run", INSTRUCTION, settings_for(server, "openai"),
                                   config)
        outcome = await run(agent)
        step4_prompt = [r for r in server.chat_requests if r.model == CODER][3]

    steps = agent.store.steps()
    assert [s.parent for s in steps] == [None, 1, 2, 1, 4]
    assert [s.has_error for s in steps] == [False, True, True, False, False]
    assert steps[3].backtracked_from == 3
    backtracks = [e for e in events if isinstance(e, Backtracked)]
    assert [(b.from_index, b.to_index, b.consecutive_errors) for b in backtracks] == [(3, 1, 2)]
    # Step 4 continued from step 1's files and conversation: steps 2-3 are gone from it.
    texts = "\n".join(step4_prompt.texts)
    assert "version 1" in texts and "version 2" not in texts and "version 3" not in texts
    assert agent.store.files_of(4)["index.html"].endswith(b"<h1>version 4</h1>")
    # Best: valid steps 1 (4) and 4/5 (3): the highest appearance wins.
    assert outcome.best_step == 1
    assert "version 1" in (agent.store.workspace / "index.html").read_text()


async def test_starts_over_when_no_step_is_valid(tmp_path):
    coder = queue(coder_reply(bakery_page("one")), coder_reply(bakery_page("two")),
                  coder_reply(bakery_page("fresh")), coder_reply(signal="finish"))
    with ScriptedModelServer({CODER: coder, CRITIC: graded(1, 2, 4)}) as server:
        config = RunConfig(error_limit=2, timeouts=FAST_TIMEOUTS)
        agent, events = make_agent(tmp_path / "run", INSTRUCTION, settings_for(server, "ollama"),
                                   config)
        await run(agent)
        third = [r for r in server.chat_requests if r.model == CODER][2]
    assert [s.parent for s in agent.store.steps()] == [None, 1, None, 3]
    assert [m["role"] for m in third.messages] == ["system", "user"]  # a fresh conversation
    assert any(isinstance(e, Backtracked) and e.to_index is None for e in events)
    assert agent.store.files_of(3) == {"index.html": bakery_page("fresh")["index.html"].encode()}


async def test_max_steps_ends_the_run_and_restores_the_best(tmp_path):
    coder = queue(*(coder_reply(bakery_page(f"v{i}")) for i in range(1, 4)))
    with ScriptedModelServer({CODER: coder, CRITIC: graded(3, 5, 4)}) as server:
        config = RunConfig(max_steps=3, timeouts=FAST_TIMEOUTS)
        agent, _ = make_agent(tmp_path / "run", INSTRUCTION, settings_for(server, "openai"),
                              config)
        outcome = await run(agent)
    assert outcome.reason == "max_steps" and outcome.best_step == 2
    assert "v2" in (agent.store.workspace / "index.html").read_text()


async def test_small_context_folds_old_turns_and_records_it(tmp_path):
    # Varied text: an exactly repeating filler would be cut by the runaway guard.
    big = "<p>" + " ".join(f"lorem{n} ipsum" for n in range(450)) + "</p>"
    coder = queue(*(coder_reply({"index.html": f"<h1>v{i}</h1>{big}"}) for i in range(1, 5)),
                  coder_reply(signal="finish"))
    with ScriptedModelServer({CODER: coder, CRITIC: graded(3, 3, 3, 3)}) as server:
        settings = settings_for(server, "openai", context_length=6000, max_tokens=1000)
        agent, events = make_agent(tmp_path / "run", INSTRUCTION, settings)
        # A file a tool made that is not UTF-8: named to the coder, never dropped silently.
        (agent.store.workspace / "favicon.ico").write_bytes(b"\x00\x00\x01\x00\xff\xfe" * 50)
        await run(agent)
        prompts = [r for r in server.chat_requests if r.model == CODER]
    trimmed = [s.index for s in agent.store.steps() if s.context_trimmed]
    assert trimmed and trimmed == [e.index for e in events if isinstance(e, ContextTrimmed)]
    last = "\n".join(prompts[-1].texts)
    assert "Context note" in last and "<h1>v4</h1>" in last  # the current files are there
    assert "- favicon.ico (binary, 300 bytes, not shown)" in last
    assert sum(len(t) for t in prompts[-1].texts) / 3 < 6000


async def test_cancel_stops_at_once_and_keeps_committed_steps(tmp_path):
    slow = Reply(text=coder_reply(bakery_page("slow")), chunk_size=2, chunk_delay_s=0.05)
    coder = queue(coder_reply(bakery_page("first")), slow)
    with ScriptedModelServer({CODER: coder, CRITIC: graded(3)}) as server:
        agent, events = make_agent(tmp_path / "run", INSTRUCTION, settings_for(server, "openai"))
        streaming = asyncio.Event()
        agent.bus.subscribe(lambda e: streaming.set() if e.kind == "token" and e.index == 2
                            else None)
        task = asyncio.create_task(agent.run())
        await asyncio.wait_for(streaming.wait(), 30)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await agent.models.close()
    assert [s.index for s in agent.store.steps()] == [1]
    assert agent.store.manifest.status is RunStatus.CANCELLED
    assert isinstance(events[-1], RunCancelled)
    assert agent.store.steps()[0].kind is StepKind.EDIT


async def test_restore_any_step_then_continue_from_it(tmp_path):
    coder = queue(*(coder_reply(bakery_page(t)) for t in ("one", "two", "three")))
    with ScriptedModelServer({CODER: coder, CRITIC: graded(3, 4, 5, 4)}) as server:
        config = RunConfig(max_steps=3, timeouts=FAST_TIMEOUTS)
        agent, _ = make_agent(tmp_path / "run", INSTRUCTION, settings_for(server, "openai"),
                              config)
        await agent.run()
        # The user goes back to step 1 and lets the agent take one more step from there.
        await agent.restore_step(1)
        assert "one" in (agent.store.workspace / "index.html").read_text()
        assert agent.store.head == 1
        server.set_script(CODER, queue(coder_reply(bakery_page("branch from one"))))
        agent.config = RunConfig(max_steps=4, timeouts=FAST_TIMEOUTS)
        await run(agent)
        branch_prompt = [r for r in server.chat_requests if r.model == CODER][-1]
    assert agent.store.step(4).parent == 1
    assert "two" not in "\n".join(branch_prompt.texts)
    assert agent.store.manifest.best_step == 3  # still the best of all four


async def test_two_runs_at_once_never_share_a_port_or_files(tmp_path):
    scripts = {}
    for name in ("a", "b"):
        scripts[f"coder-{name}"] = queue(coder_reply(bakery_page(f"site {name}")),
                                         coder_reply(signal="finish"))
    scripts[CRITIC] = graded(4, 4)
    with ScriptedModelServer(scripts) as server:
        agents = []
        for name in ("a", "b"):
            settings = settings_for(server, "openai")
            settings = settings.__class__(
                settings.coder.__class__(**{**settings.coder.__dict__, "model": f"coder-{name}"}),
                settings.critic, settings.feedback)
            agents.append(make_agent(tmp_path / name, INSTRUCTION, settings)[0])
        outcomes = await asyncio.gather(*(run(a) for a in agents))
    assert [o.reason for o in outcomes] == ["finish", "finish"]
    urls = [a.store.step(1).runtime.serve.url for a in agents]
    assert urls[0] != urls[1]
    for agent, name in zip(agents, ("a", "b"), strict=True):
        assert f"site {name}" in (agent.store.workspace / "index.html").read_text()
