"""How a run asks for its candidates' replies: one ``n`` request, or one seeded request each;
all at once, or one at a time from a server that cuts a reply when another request comes."""

from __future__ import annotations

import collections

import pytest

from agent_core.agent.candidate_coders import FALLBACK_TEXT, ONE_AT_A_TIME_TEXT
from agent_core.config import RunConfig
from agent_core.events import CoderRequests, Token
from agent_core.state.run_state import replay
from agent_core.store.run_store import RunStore
from tests.fakes.model_server import RecordedRequest, Reply, ScriptedModelServer
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
HEADINGS = ["Rye loaves", "Croissants", "Sourdough", "Cinnamon buns"]


def by_choice_or_seed(request: RecordedRequest) -> str:
    """Choice ``i`` of an ``n`` request, or the request seeded ``i + 1``, gets HEADINGS[i]."""
    seed = request.body.get("seed") or request.options.get("seed", 1)  # OpenAI, Ollama
    position = request.choice or seed - 1
    return coder_reply(bakery_page(HEADINGS[position % len(HEADINGS)]))


def coder_requests(server: ScriptedModelServer) -> list[RecordedRequest]:
    return [r for r in server.chat_requests if r.model == CODER]


async def run_candidates(tmp_path, server: ScriptedModelServer, provider: str, count: int,
                         steps: int, **coder_kw):
    config = RunConfig(max_steps=steps, candidates=count, gui_testing=False,
                       timeouts=FAST_TIMEOUTS)
    agent, events = make_agent(tmp_path / "run", INSTRUCTION,
                               settings_for(server, provider, **coder_kw), config)
    await run(agent)
    return RunStore.open(tmp_path / "run"), events


def streamed_by_step(events) -> dict[int, str]:
    texts: dict[int, str] = {}
    for event in events:
        if isinstance(event, Token):
            texts[event.index] = texts.get(event.index, "") + event.text
    return texts


async def test_a_server_honouring_n_gives_four_candidates_from_one_request(tmp_path):
    with ScriptedModelServer({CODER: by_choice_or_seed, CRITIC: graded(2, 3, 4, 5)},
                             multi_reply="honour") as server:
        store, events = await run_candidates(tmp_path, server, "openai", 4, 4)
        asked = coder_requests(server)
    assert len(asked) == 1 and asked[0].body["n"] == 4
    steps = {s.index: s for s in store.steps()}
    for number, heading in enumerate(HEADINGS, start=1):  # each candidate its own reply
        assert heading in store.files_of(number)["index.html"].decode()
        assert heading in steps[number].reply and heading in streamed_by_step(events)[number]
        assert streamed_by_step(events)[number] == steps[number].reply
    coder_usage = [steps[i].usage["coder"] for i in range(1, 5)]
    assert coder_usage[0]["prompt_tokens"] > 0  # the prompt was read once
    assert [u["prompt_tokens"] for u in coder_usage[1:]] == [0, 0, 0]
    assert all(u["completion_tokens"] > 0 and u["estimated"] for u in coder_usage)
    assert not [e for e in events if isinstance(e, CoderRequests)]


async def test_a_server_ignoring_n_is_asked_with_seeds_and_the_run_says_so_once(tmp_path):
    with ScriptedModelServer({CODER: by_choice_or_seed, CRITIC: graded(3, 3, 3, 3)}) as server:
        store, events = await run_candidates(tmp_path, server, "openai", 2, 4)
        asked = coder_requests(server)
    # The first step: the n request's one reply is the first candidate's, the second asks
    # with its own seed; the next step asks twice with seeds from the start.
    assert [(r.body.get("n"), r.body["seed"]) for r in asked[:2]] == [(2, 1), (None, 2)]
    assert sorted((r.body.get("n"), r.body["seed"]) for r in asked[2:]) == [(None, 1),
                                                                            (None, 2)]
    assert [s.index for s in store.steps()] == [1, 2, 3, 4]
    for index in (1, 3):
        assert HEADINGS[0] in store.files_of(index)["index.html"].decode()
        assert HEADINGS[1] in store.files_of(index + 1)["index.html"].decode()
    notices = [e.text for e in events if isinstance(e, CoderRequests)]
    assert notices == ["the coder's server ignores n: asking 2 times with different seeds"]


async def test_a_server_refusing_n_is_asked_with_seeds_and_the_run_goes_on(tmp_path):
    with ScriptedModelServer({CODER: by_choice_or_seed, CRITIC: graded(3, 3, 3, 3)},
                             multi_reply="refuse") as server:
        store, events = await run_candidates(tmp_path, server, "openai", 2, 4)
        asked = coder_requests(server)
    assert [r.body.get("n") for r in asked] == [2, None, None, None, None]
    assert sorted(r.body["seed"] for r in asked[1:3]) == [1, 2]
    steps = store.steps()
    assert [s.index for s in steps] == [1, 2, 3, 4] and not any(s.has_error for s in steps)
    notices = [e.text for e in events if isinstance(e, CoderRequests)]
    assert notices == ["the coder's server refuses n (Only one completion choice is allowed): "
                       "asking 2 times with different seeds"]


@pytest.mark.parametrize(("provider", "multi_reply"), [("ollama", "auto"),
                                                       ("openai", "never")])
async def test_ollama_and_the_never_setting_always_ask_with_seeds(tmp_path, provider,
                                                                  multi_reply):
    with ScriptedModelServer({CODER: by_choice_or_seed, CRITIC: graded(3, 3)},
                             multi_reply="honour") as server:
        store, events = await run_candidates(tmp_path, server, provider, 2, 2,
                                             multi_reply=multi_reply)
        asked = coder_requests(server)
    assert len(asked) == 2 and not any("n" in r.body for r in asked)
    seeds = sorted((r.options if provider == "ollama" else r.body)["seed"] for r in asked)
    assert seeds == [1, 2]
    assert HEADINGS[1] in store.files_of(2)["index.html"].decode()
    assert not [e for e in events if isinstance(e, CoderRequests)]


def notices(events) -> list[str]:
    return [e.text for e in events if isinstance(e, CoderRequests)]


async def test_a_server_cutting_a_stream_for_another_request_is_asked_one_at_a_time(
        tmp_path):
    def coder(request: RecordedRequest) -> Reply:
        # Each reply starts a moment after its request came, so two requests sent together
        # are both at the server before either streams (the earlier one is then cut).
        return Reply(text=by_choice_or_seed(request), delay_s=0.3)

    with ScriptedModelServer({CODER: coder, CRITIC: graded(*[3] * 6)},
                             interrupt_requests=True) as server:  # as llama-cpp-python
        store, events = await run_candidates(tmp_path, server, "openai", 2, 6)
        asked = coder_requests(server)
        cut = list(server.interrupts.cut)
    steps = {s.index: s for s in store.steps()}
    assert sorted(steps) == [1, 2, 3, 4, 5, 6] and not any(s.has_error for s in steps.values())
    for index, step in steps.items():  # every candidate's reply whole, none truncated
        heading = HEADINGS[(index - 1) % 2]
        assert step.reply == coder_reply(bakery_page(heading))
        assert heading in store.files_of(index)["index.html"].decode()
    # The first step asks once with n, then with the second seed (one after the other); the
    # second asks with both seeds at once: one is cut, and asks again alone; the third
    # asks one at a time, so nothing more is cut.
    assert [r.body.get("n") for r in asked] == [2] + [None] * 6
    assert len(cut) == 1
    assert collections.Counter(r.body["seed"] for r in asked[2:5]) in (
        collections.Counter({1: 2, 2: 1}), collections.Counter({1: 1, 2: 2}))
    assert notices(events) == [FALLBACK_TEXT["ignored"].format(count=2), ONE_AT_A_TIME_TEXT]


async def test_a_reply_cut_after_writing_files_is_asked_again_from_the_parent_files(tmp_path):
    first_seed_asked = 0
    half = coder_reply({**bakery_page("Half a reply"), "junk.html": "<p>left over</p>"})

    def coder(request: RecordedRequest) -> Reply | str:
        nonlocal first_seed_asked
        if request.body.get("seed") == 1:
            first_seed_asked += 1
            if first_seed_asked == 2:  # the second step's first candidate: no finish reason
                return Reply(text=half, finish_reason=None)
        return by_choice_or_seed(request)

    with ScriptedModelServer({CODER: coder, CRITIC: graded(*[3] * 4)}) as server:
        store, events = await run_candidates(tmp_path, server, "openai", 2, 4)
        asked = coder_requests(server)
    assert len(asked) == 5  # the cut reply's candidate asked once more
    files = {p: data.decode() for p, data in store.files_of(3).items()}
    assert files == bakery_page(HEADINGS[0])  # the parent's files, then its whole reply
    assert store.step(3).reply == coder_reply(bakery_page(HEADINGS[0]))
    assert store.step(3).parent == store.step(4).parent
    assert "junk.html" not in store.files_of(store.head)
    assert notices(events)[-1] == ONE_AT_A_TIME_TEXT
    # The window, folding the same events, drops the cut text and says why it asked again.
    chat = replay(events).chat
    reply = next(item for item in chat if item.kind == "reply" and item.step == 3)
    assert "Half a reply" not in reply.text and HEADINGS[0] in reply.text
    assert ("Step 3: the coder's server cut the reply short when another request arrived; "
            "the coder is asked again.") in [item.text for item in chat if item.kind == "notice"]
