"""Several replies from one request (the OpenAI ``n``): each choice reaches its own reader."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest

from agent_core.config import RoleConfig
from agent_core.errors import ModelReplyCut
from agent_core.llm.base import Completion, Message, Usage
from agent_core.llm.choices import ChoiceModel, SharedRequest, split_usage
from agent_core.llm.openai_client import OpenAIChatModel
from agent_core.llm.retry import RetryPolicy
from tests.fakes.interrupts import Interrupts
from tests.fakes.model_server import N_REFUSED, RecordedRequest, Reply, ScriptedModelServer

ASK = [Message("user", "Write the page.")]
TEXTS = ["<h1>First</h1>", "<h1>Second, a longer one</h1>", "<h1>Third</h1>",
         "<h1>Fourth, the longest of the four replies</h1>"]


def answer_by_choice_or_seed(request: RecordedRequest) -> Reply:
    """Choice ``i`` of an ``n`` request, or the request with seed ``i + 1``, gets TEXTS[i]."""
    position = request.choice if request.choice else request.body.get("seed", 1) - 1
    return Reply(text=TEXTS[position], chunk_size=3, prompt_tokens=50,
                 completion_tokens=10 * (position + 1))


Group = Callable[..., list[ChoiceModel]]
Learnt = list[tuple[str, str]]


@pytest.fixture
def learnt() -> Learnt:
    return []


@pytest.fixture
async def group(server: ScriptedModelServer, fast_retry: RetryPolicy,
                learnt: Learnt) -> AsyncIterator[Group]:
    """``group(count)``: ``count`` ChoiceModels sharing one request, each with its own seed."""
    made: list[ChoiceModel] = []

    async def learn(what: str, detail: str) -> None:
        learnt.append((what, detail))

    def make(count: int, **fields: object) -> list[ChoiceModel]:
        shared = SharedRequest(count, learn)
        for number in range(1, count + 1):
            config = RoleConfig(model="coder-model", base_url=server.base_url_openai,
                                timeout_s=10.0, seed=number, **fields)  # type: ignore[arg-type]
            own = OpenAIChatModel(config, None, role="coder", retry=fast_retry)
            made.append(ChoiceModel(shared, number - 1, own))
        return made[-count:]

    yield make
    for model in made:
        await model.close()
        await model.own.close()


async def ask_all(models: list[ChoiceModel]) -> tuple[list[Completion], list[list[str]]]:
    streamed: list[list[str]] = [[] for _ in models]
    done = await asyncio.gather(*(m.complete(ASK, on_token=streamed[k].append)
                                  for k, m in enumerate(models)))
    return list(done), streamed


async def test_a_server_honouring_n_answers_four_candidates_in_one_request(
        server: ScriptedModelServer, group: Group, learnt: Learnt) -> None:
    server.multi_reply = "honour"
    server.set_script("coder-model", answer_by_choice_or_seed)
    done, streamed = await ask_all(group(4))
    requests = server.chat_requests
    assert len(requests) == 1 and requests[0].body["n"] == 4 and requests[0].body["seed"] == 1
    assert [c.text for c in done] == TEXTS
    assert ["".join(s) for s in streamed] == TEXTS  # each reader got only its own tokens
    assert all(c.finish_reason == "stop" for c in done)
    usages = [c.usage for c in done]
    # The prompt was read once; the 100 reply tokens are shared out by length.
    assert [u.prompt_tokens for u in usages] == [50, 0, 0, 0]
    assert sum(u.completion_tokens for u in usages) == 100
    assert usages[3].completion_tokens > usages[1].completion_tokens > usages[0].completion_tokens
    assert all(u.estimated and u.seconds > 0 for u in usages)
    assert learnt == [("honoured", "4 replies in one request")]


async def test_a_server_ignoring_n_gives_the_first_reply_and_the_others_ask_with_seeds(
        server: ScriptedModelServer, group: Group, learnt: Learnt) -> None:
    server.set_script("coder-model", answer_by_choice_or_seed)  # ignores n, as llama.cpp
    done, streamed = await ask_all(group(4))
    requests = server.chat_requests
    assert [r.body.get("n") for r in requests] == [4, None, None, None]
    assert sorted(r.body["seed"] for r in requests[1:]) == [2, 3, 4]
    assert [c.text for c in done] == TEXTS and ["".join(s) for s in streamed] == TEXTS
    assert [(c.usage.prompt_tokens, c.usage.completion_tokens) for c in done] == [
        (50, 10), (50, 20), (50, 30), (50, 40)]  # each request reported its own
    assert [what for what, _ in learnt] == ["ignored"]


@pytest.mark.parametrize("mode", ["refuse", "refuse-500"])
async def test_a_server_refusing_n_is_asked_once_per_candidate_instead(
        mode: str, server: ScriptedModelServer, group: Group, learnt: Learnt,
        sleeps: list[float]) -> None:
    server.multi_reply = mode
    server.set_script("coder-model", answer_by_choice_or_seed)
    done, _ = await ask_all(group(3))
    requests = server.chat_requests
    assert [r.body.get("n") for r in requests] == [3, None, None, None]  # no retry of n
    assert sorted(r.body["seed"] for r in requests[1:]) == [1, 2, 3]
    assert [c.text for c in done] == TEXTS[:3]
    assert learnt == [("refused", N_REFUSED)] and sleeps == []


async def test_a_shared_reply_the_server_cut_short_fails_and_is_asked_again_alone(
        server: ScriptedModelServer, group: Group, fast_retry: RetryPolicy) -> None:
    server.interrupts = Interrupts()  # llama-cpp-python: ignores n, cuts a stream for a request
    long = "<h1>First</h1>" + "<p>More about the first.</p>" * 80

    def script(request: RecordedRequest) -> Reply:
        if request.last_user_text == "Another role's question.":
            return Reply(text="An answer.")
        return Reply(text=long, chunk_delay_s=0.01) if "n" in request.body else Reply(
            text=TEXTS[0])

    server.set_script("coder-model", script)
    first, _second = group(2)
    other = OpenAIChatModel(RoleConfig(model="coder-model", base_url=server.base_url_openai,
                                       timeout_s=10.0), None, retry=fast_retry)
    asked: list[asyncio.Task] = []

    async def on_token(text: str) -> None:
        if not asked:  # another role asks the same server while the reply streams
            asked.append(asyncio.create_task(other.complete([Message(
                "user", "Another role's question.")])))

    try:
        with pytest.raises(ModelReplyCut, match="without finishing it"):
            await first.complete(ASK, on_token=on_token)
        assert (await asked[0]).text == "An answer."
        again = await first.complete(ASK, on_token=lambda _t: None)
    finally:
        await other.close()
    assert (again.text, again.finish_reason) == (TEXTS[0], "stop")
    last = server.chat_requests[-1]
    assert "n" not in last.body and last.body["seed"] == 1  # its own request, its own seed


async def test_each_choice_has_its_own_runaway_guard_and_reply_limit(
        server: ScriptedModelServer, group: Group) -> None:
    loop = "<li>The same list item, again and again and again.</li>\n"
    replies = [Reply(text="<ul>\n" + loop * 400, chunk_size=16),
               Reply(text="<h1>Cut at the limit", finish_reason="length"),
               Reply(text="<h1>Whole</h1>")]
    server.multi_reply = "honour"
    server.set_script("coder-model", lambda request: replies[request.choice])
    done, streamed = await ask_all(group(3, max_tokens=300))
    assert server.chat_requests[0].max_tokens == 300  # the limit of every choice
    assert [c.finish_reason for c in done] == ["repetition", "length", "stop"]
    assert 4000 <= len(done[0].text) < 7000 and done[0].text == "".join(streamed[0])
    assert [c.text for c in done[1:]] == ["<h1>Cut at the limit", "<h1>Whole</h1>"]


async def test_a_failing_shared_request_fails_every_candidate(
        server: ScriptedModelServer, group: Group, sleeps: list[float]) -> None:
    server.multi_reply = "honour"
    server.set_script("coder-model", lambda request: Reply(status=503))
    results = await asyncio.gather(*(m.complete(ASK, on_token=lambda _t: None)
                                     for m in group(2, max_retries=1)),
                                   return_exceptions=True)
    assert len(server.chat_requests) == 2 and len(sleeps) == 1  # one retry, shared
    assert all("gave up after 1 retry" in str(r) for r in results)


def test_usage_is_split_by_length_and_adds_up() -> None:
    texts = ["aaaa", "", "aaaaaaaa", "aa"]
    shares = split_usage(Usage(90, 101), texts, frozenset({0, 2, 3}))
    assert [s.prompt_tokens for s in shares] == [90, 0, 0, 0]
    assert [s.completion_tokens for s in shares] == [29, 0, 58, 14]
    assert sum(s.completion_tokens for s in shares) == 101
