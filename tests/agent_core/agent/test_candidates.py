"""Several candidate replies per step on a static site: gated, graded, the best continued."""

from __future__ import annotations

import asyncio
import itertools
import json
from dataclasses import replace

import pytest

from agent_core.config import RunConfig
from agent_core.store.records import RunStatus
from agent_core.store.run_store import RunStore
from tests.fakes.model_server import RecordedRequest, Reply, ScriptedModelServer, queue
from tests.support.agent import (
    CODER,
    CRITIC,
    FAST_TIMEOUTS,
    FEEDBACK,
    FeedbackScript,
    GuiScript,
    VisionRouter,
    bakery_page,
    coder_reply,
    graded,
    make_agent,
    run,
    settings_for,
)

pytestmark = pytest.mark.slow
INSTRUCTION = "A one-page site for a bakery with a cream background."
THROWS = ("<!doctype html><title>Bakery</title><h1>Bakery</h1>"
          "<script>throw new Error('oven exploded')</script>")
BLANK = "<!doctype html><title>Bakery</title><body></body>"
STARTER = ("<!doctype html><title>Vite + React</title><h1>Vite + React</h1>"
           "<p>Edit <code>src/App.jsx</code> and save to test HMR</p>")
FAILS_TO_START = {"index.html": "<h1>Bakery</h1>", "package.json": json.dumps(
    {"name": "bakery", "private": True, "scripts": {"dev": "node -e process.exit(3)"}})}
REPLIES = {1: {"index.html": THROWS}, 2: {"index.html": BLANK}, 3: {"index.html": STARTER},
           4: {"index.html": "<h1>Plain bakery</h1>"}, 5: {"index.html": "<h1>Fancy bakery</h1>"},
           6: FAILS_TO_START}
"""What each candidate's coder request (by its seed) gets back."""


def by_seed(request: RecordedRequest) -> str:
    """The coder answers each candidate's request by the seed it was sent with."""
    return coder_reply(REPLIES[request.body["seed"]])


async def test_candidates_are_gated_graded_and_the_best_continues(tmp_path):
    critic = graded(3, 5)  # only the two real pages reach the critic, in candidate order
    with ScriptedModelServer({CODER: by_seed, CRITIC: critic}) as server:
        config = RunConfig(max_steps=6, candidates=6, candidates_served=1,
                           gui_testing=False, timeouts=FAST_TIMEOUTS)
        agent, _ = make_agent(tmp_path / "run", INSTRUCTION, settings_for(server, "openai"),
                              config)
        await run(agent)
    steps = {s.index: s for s in RunStore.open(tmp_path / "run").steps()}
    assert sorted(steps) == [1, 2, 3, 4, 5, 6]
    assert {s.parent for s in steps.values()} == {None}  # siblings of one parent
    gates = {i: steps[i].runtime.gate or "" for i in steps}
    assert "uncaught error" in gates[1] and "oven exploded" in gates[1]
    assert "blank" in gates[2]
    assert "starter placeholder" in gates[3]
    assert gates[4] == gates[5] == ""
    assert "did not start" in gates[6]
    assert all(steps[i].has_error and steps[i].appearance_grade is None for i in (1, 2, 3, 6))
    assert len(critic.images) == 4  # a check and a grade for each real page; no gated one
    assert [steps[i].appearance_grade for i in (4, 5)] == [3, 5]
    chosen = [steps[i].runtime.candidate["chosen"] for i in range(1, 7)]
    assert chosen == [False, False, False, False, True, False]
    assert agent.store.head == 5 and agent.store.manifest.best_step == 5
    assert "Fancy bakery" in (agent.store.workspace / "index.html").read_text()
    for index, files in REPLIES.items():  # every candidate's files are kept
        kept = agent.store.files_of(index)
        assert {p: kept[p].decode() for p in files} == files
    assert not (agent.store.workspace / "package.json").exists()  # the chosen one's files
    assert not any((tmp_path / "run" / ".webgen" / "candidates").iterdir())  # folders cleared


async def test_one_candidate_keeps_the_ordinary_step(tmp_path):
    with ScriptedModelServer({CODER: lambda r: coder_reply(bakery_page("one")),
                              CRITIC: graded(4)}) as server:
        config = RunConfig(max_steps=1, gui_testing=False, timeouts=FAST_TIMEOUTS)
        agent, _ = make_agent(tmp_path / "run", INSTRUCTION, settings_for(server, "openai"),
                              config)
        await run(agent)
        coder_requests = [r for r in server.chat_requests if r.model == CODER]
    step = agent.store.step(1)
    assert step.runtime.candidate is None and step.runtime.gate is None
    assert "seed" not in coder_requests[0].body
    assert "candidates" not in agent.store.manifest.config
    assert not (tmp_path / "run" / ".webgen" / "candidates").exists()


async def test_restoring_a_sibling_continues_the_run_from_it(tmp_path):
    with ScriptedModelServer({CODER: by_seed, CRITIC: graded(3, 5)}) as server:
        config = RunConfig(max_steps=6, candidates=6, candidates_served=2,
                           gui_testing=False, timeouts=FAST_TIMEOUTS)
        agent, _ = make_agent(tmp_path / "run", INSTRUCTION, settings_for(server, "openai"),
                              config)
        await agent.run()
        await agent.restore_step(4)  # the plain sibling, not the chosen fancy one
        assert "Plain bakery" in (agent.store.workspace / "index.html").read_text()
        server.set_script(CODER, queue(coder_reply(bakery_page("plain, with prices"))))
        server.set_script(CRITIC, graded(4))
        agent.config = replace(config, max_steps=7, candidates=1)
        await run(agent)
        prompt = "\n".join([r for r in server.chat_requests if r.model == CODER][-1].texts)
    assert agent.store.step(7).parent == 4
    assert "Plain bakery" in prompt and "Fancy bakery" not in prompt  # it saw the sibling
    assert "plain, with prices" in agent.store.files_of(7)["index.html"].decode()


async def test_stop_during_candidates_keeps_the_committed_step_and_stops_their_servers(
        tmp_path):
    calls = itertools.count()

    def coder(request: RecordedRequest) -> Reply:
        n = next(calls)  # the first step's two replies come at once, the second's slowly
        reply = coder_reply(bakery_page(f"reply {n}"))
        return Reply(text=reply) if n < 2 else Reply(text=reply, chunk_size=2,
                                                     chunk_delay_s=0.05)

    with ScriptedModelServer({CODER: coder, CRITIC: graded(3, 4)}) as server:
        config = RunConfig(max_steps=4, candidates=2, gui_testing=False, timeouts=FAST_TIMEOUTS)
        agent, _ = make_agent(tmp_path / "run", INSTRUCTION, settings_for(server, "openai"),
                              config)
        streaming = asyncio.Event()
        agent.bus.subscribe(lambda e: streaming.set() if e.kind == "token" and e.index >= 3
                            else None)
        task = asyncio.create_task(agent.run())
        await asyncio.wait_for(streaming.wait(), 30)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await agent.models.close()
    assert [s.index for s in agent.store.steps()] == [1, 2]
    assert agent.store.manifest.status is RunStatus.CANCELLED
    chosen = agent.store.head
    assert agent.store.step(chosen).runtime.candidate["chosen"]
    html = (agent.store.workspace / "index.html").read_text()
    assert html == agent.store.files_of(chosen)["index.html"].decode()  # no half reply left
    assert not any((tmp_path / "run" / ".webgen" / "candidates").iterdir())


async def test_candidates_that_ask_for_a_gui_test_each_test_their_own_live_site(tmp_path):
    coder = queue(coder_reply(bakery_page("open daily")),
                  *[coder_reply(signal="screenshot_validated")] * 2)
    gui = GuiScript(["Thought: it opens.\nAction: ANSWER; YES, the page opens"] * 2)
    feedback = FeedbackScript("Check that the bakery page opens.", [
        {"test_passed": True, "improvement_suggestions": ["say when"], "grade": 3},
        {"test_passed": True, "improvement_suggestions": [], "grade": 5}])
    scripts = {CODER: coder, CRITIC: VisionRouter(graded(4), gui), FEEDBACK: feedback}
    with ScriptedModelServer(scripts) as server:
        config = RunConfig(max_steps=1, timeouts=FAST_TIMEOUTS)
        agent, _ = make_agent(tmp_path / "run", INSTRUCTION, settings_for(server, "openai"),
                              config)
        await agent.run()
        agent.config = replace(config, max_steps=3, candidates=2, candidates_served=1)
        await run(agent)
    _scaffold, *tests = agent.store.steps()
    assert [s.parent for s in tests] == [1, 1]
    by_number = {s.runtime.candidate["number"]: s for s in tests}
    assert [by_number[k].gui_grade for k in (1, 2)] == [3, 5]
    assert not any(s.has_error for s in tests)
    # The run's server (stopped with the first session) and the second's idle folder were
    # both started for their tests: two live sites, each tested in its own page.
    urls = [by_number[k].gui.url for k in (1, 2)]
    assert None not in urls and urls[0] != urls[1]
    assert all(s.gui.answer.startswith("YES") for s in tests)
    assert feedback.writer_calls == 1  # one test instruction, shared by both
    assert agent.store.head == by_number[2].index


async def test_a_candidate_whose_install_fails_is_gated_without_the_critic(tmp_path):
    missing = {"index.html": "<h1>Bakery</h1>", "package.json": json.dumps(
        {"name": "bakery", "private": True, "dependencies": {"no-such-oven-kit": "9.9.9"},
         "scripts": {"dev": "node -e 0"}})}
    replies = {1: coder_reply(missing, shell=["npm install"]),
               2: coder_reply(bakery_page("bread from the oven"))}
    critic = graded(4)
    with ScriptedModelServer({CODER: lambda r: replies[r.body["seed"]],
                              CRITIC: critic}) as server:
        config = RunConfig(max_steps=2, candidates=2, gui_testing=False,
                           timeouts=FAST_TIMEOUTS)
        agent, _ = make_agent(tmp_path / "run", INSTRUCTION, settings_for(server, "openai"),
                              config)
        await run(agent)
    failed, page = agent.store.step(1), agent.store.step(2)
    assert failed.runtime.gate.startswith("the install failed")
    assert not failed.runtime.install.ok and "no-such-oven-kit" in failed.runtime.install.log_tail
    assert failed.appearance_grade is None and failed.has_error
    assert len(critic.images) == 2  # the check and the grade of the one page that installed
    assert page.appearance_grade == 4 and agent.store.head == 2
    assert "bread from the oven" in (agent.store.workspace / "index.html").read_text()
