"""A coder stream that breaks mid-reply, at the loop: the half-written step is undone, the
user is told why, and the run resumes from the last committed step."""

from __future__ import annotations

import asyncio
import urllib.request

import pytest

from agent_core.agent.loop import WebGenAgent
from agent_core.config import RunConfig
from agent_core.events import (
    FileWritten,
    ReplyRestarted,
    RunCancelled,
    RunFailed,
    StepRolledBack,
)
from agent_core.state import replay
from agent_core.store.records import RunStatus
from agent_core.store.run_store import RunStore
from tests.fakes.model_server import Reply, ScriptedModelServer, queue
from tests.support.agent import (
    CODER,
    CRITIC,
    FAST_TIMEOUTS,
    CriticScript,
    coder_reply,
    make_agent,
    make_models,
    run,
    settings_for,
)

pytestmark = pytest.mark.slow
INSTRUCTION = "A landing page for a tea shop."
FIRST = {"index.html": "<!doctype html><title>Tea</title><h1>Tea shop</h1>"}
SECOND = {"index.html": "<!doctype html><title>Tea</title><h1>Half a change</h1>",
          "menu.html": "<h1>Menu</h1>"}
FAULTS = [
    ("dropped", {"drop_connection": True}, "closed the connection before the reply was complete"),
    ("malformed", {"malformed": True}, "that is not"),  # ... valid JSON / a valid response
    ("error event", {"stream_error": "model crashed: out of memory"},
     "reported an error for model 'coder-model': model crashed: out of memory"),
    ("stall", {"stall_s": 3.0}, "stalled in the middle of its reply"),
]


def critic(n: int) -> CriticScript:
    return CriticScript([(CriticScript.check("a tea page"), CriticScript.grade(4))] * n)


@pytest.mark.parametrize("provider", ["openai", "ollama"])
@pytest.mark.parametrize(("name", "fault", "said"), FAULTS, ids=[f[0] for f in FAULTS])
async def test_a_broken_stream_undoes_the_half_step_and_resume_goes_on(
        tmp_path, provider, name, fault, said):
    # Both files are complete actions before the fault: they were written while streaming.
    broken = Reply(text=coder_reply(SECOND) + "\nAnd now the styles: ", **fault)
    coder = queue(coder_reply(FIRST), broken)
    with ScriptedModelServer({CODER: coder, CRITIC: critic(3)}) as server:
        settings = settings_for(server, provider, timeout_s=1.5, max_retries=0)
        config = RunConfig(timeouts=FAST_TIMEOUTS, gui_testing=False)
        agent, events = make_agent(tmp_path / "run", INSTRUCTION, settings, config)
        outcome = await run(agent)
        store, workspace = agent.store, agent.store.workspace

        assert outcome.status is RunStatus.FAILED and said in outcome.reason
        assert [s.index for s in store.steps()] == [1] and store.head == 1
        # The project is step 1's again: the half-written step left nothing behind.
        assert (workspace / "index.html").read_text() == FIRST["index.html"]
        assert not (workspace / "menu.html").exists()
        rolled = [e for e in events if isinstance(e, StepRolledBack)]
        assert [(e.index, e.to_index, e.files) for e in rolled] == [(2, 1, 2)]
        state = replay(events)
        notices = [n.text for n in state.notices]
        assert notices[-2].startswith("The run stopped on an error: ") and said in notices[-2]
        assert notices[-1] == ("Step 2 did not finish, so what it had written was undone "
                               "(2 files): the project is as it was at step 1.")
        assert isinstance(events[-2], RunFailed)

        # The server is fine again: resume continues from step 1.
        server.set_script(CODER, queue(coder_reply(SECOND), coder_reply(signal="finish")))
        reopened = RunStore.open(tmp_path / "run")
        reopened.lock()
        resumed = WebGenAgent(reopened, make_models(settings), agent.config)
        outcome = await run(resumed)
    assert outcome.status is RunStatus.FINISHED
    assert [(s.index, s.parent) for s in reopened.steps()] == [(1, None), (2, 1), (3, 2)]
    assert (workspace / "menu.html").read_text() == "<h1>Menu</h1>"


async def test_stop_mid_step_undoes_what_the_step_had_written(tmp_path):
    slow = Reply(text=coder_reply(SECOND) + "\nMore to come. " * 40, chunk_size=8,
                 chunk_delay_s=0.05)
    with ScriptedModelServer({CODER: queue(coder_reply(FIRST), slow),
                              CRITIC: critic(2)}) as server:
        settings = settings_for(server, "openai")
        config = RunConfig(timeouts=FAST_TIMEOUTS, gui_testing=False)
        agent, events = make_agent(tmp_path / "run", INSTRUCTION, settings, config)
        task = asyncio.create_task(run(agent))
        while not any(isinstance(e, FileWritten) and e.path == "menu.html" for e in events):
            assert not task.done()
            await asyncio.sleep(0.05)
        assert (agent.store.workspace / "menu.html").exists()  # written while streaming
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert isinstance(events[-2], RunCancelled)
    assert (events[-1].index, events[-1].to_index, events[-1].files) == (2, 1, 2)
    assert not (agent.store.workspace / "menu.html").exists()
    assert (agent.store.workspace / "index.html").read_text() == FIRST["index.html"]


async def test_a_reply_another_program_cut_short_is_asked_again_and_the_run_goes_on(tmp_path):
    # A local llama-cpp-python server ends a stream when another request reaches it (here
    # another program listing its models mid-reply): the half reply's files are undone and
    # the coder is asked again, instead of the run stopping.
    half = Reply(text=coder_reply(SECOND) + "\n" + "<!-- more to come -->" * 200,
                 chunk_size=64, chunk_delay_s=0.02)
    whole = coder_reply({"index.html": "<!doctype html><title>Tea</title><h1>Teas</h1>"})
    coder = queue(coder_reply(FIRST), half, whole, coder_reply(signal="finish"))
    with ScriptedModelServer({CODER: coder, CRITIC: critic(3)},
                             interrupt_requests=True) as server:
        config = RunConfig(timeouts=FAST_TIMEOUTS, gui_testing=False)
        agent, events = make_agent(tmp_path / "run", INSTRUCTION,
                                   settings_for(server, "openai"), config)
        listed: list[asyncio.Task] = []

        def another_program(event) -> None:
            if isinstance(event, FileWritten) and event.path == "menu.html" and not listed:
                listed.append(asyncio.create_task(asyncio.to_thread(
                    urllib.request.urlopen, f"{server.base_url_openai}/models", timeout=5)))

        agent.bus.subscribe(another_program)
        outcome = await run(agent)
        await listed[0]
        cut = list(server.interrupts.cut)
    assert outcome.status is RunStatus.FINISHED and len(cut) == 1
    store = agent.store
    assert [(s.index, s.parent) for s in store.steps()] == [(1, None), (2, 1), (3, 2)]
    assert store.step(2).reply == whole
    assert set(store.files_of(2)) == {"index.html"}  # the cut reply's menu.html was undone
    assert not (store.workspace / "menu.html").exists()
    restarted = [e for e in events if isinstance(e, ReplyRestarted)]
    assert [e.index for e in restarted] == [2]
    said = [n.text for n in replay(events).notices]
    assert ("Step 2: the coder's server cut the reply short (another request reached it); "
            "the coder is asked again.") in said
