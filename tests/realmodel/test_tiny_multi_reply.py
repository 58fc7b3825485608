"""What a real llama.cpp server (llama-cpp-python, SmolLM2-135M) does with the OpenAI ``n``.

It answers a request for three replies with one, and its stream carries no usage: the
first candidate takes that reply, the other two ask again with their own seeds, and every
reply's tokens are counted. It also cuts a streamed reply short when another request
comes in (``test_tiny_cut_replies``), so here the candidates ask one at a time, as a run
learns to. docs/local-models.md records both.
"""

from __future__ import annotations

import pytest

from agent_core.config import RoleConfig
from agent_core.llm.base import Message
from agent_core.llm.choices import ChoiceModel, SharedRequest
from agent_core.llm.openai_client import OpenAIChatModel
from tests.support.tiny_model import TinyModelServer

pytestmark = [pytest.mark.slow, pytest.mark.tiny_model]
ASK = [Message("user", "Name a kind of bread.")]


async def test_llama_cpp_ignores_n_and_the_candidates_ask_with_seeds(
        tiny_model: TinyModelServer) -> None:
    learnt: list[str] = []

    async def learn(what: str, detail: str) -> None:
        learnt.append(what)

    shared = SharedRequest(3, learn)
    models = [ChoiceModel(shared, k, OpenAIChatModel(RoleConfig(
        model=tiny_model.model, base_url=tiny_model.base_url, max_tokens=16,
        context_length=2048, temperature=0.9, seed=k + 1))) for k in range(3)]
    streamed: list[list[str]] = [[], [], []]
    try:  # one at a time: this server cuts a stream when another request comes
        done = [await m.complete(ASK, on_token=streamed[k].append)
                for k, m in enumerate(models)]
    finally:
        for model in models:
            await model.close()
            await model.own.close()
    assert learnt == ["ignored"]  # one reply came back where three were asked for
    for k, completion in enumerate(done):
        assert completion.text and completion.text == "".join(streamed[k])
        assert completion.usage.estimated and completion.usage.completion_tokens > 0
        assert completion.finish_reason in ("length", "stop")  # none was cut by another
        assert completion.usage.prompt_tokens > 0  # the first the n request, each other its own
