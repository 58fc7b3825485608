"""What a real llama-cpp-python server (SmolLM2-135M) does to a stream when another request
arrives: it ends it with ``[DONE]`` and no finish reason. The client says so with an error
instead of taking the cut text for a whole reply; the request that came later is whole.
"""

from __future__ import annotations

import asyncio

import pytest

from agent_core.config import RoleConfig
from agent_core.errors import ModelReplyCut
from agent_core.llm.base import Completion, Message
from agent_core.llm.openai_client import OpenAIChatModel
from tests.support.tiny_model import TinyModelServer

pytestmark = [pytest.mark.slow, pytest.mark.tiny_model]


def client(tiny: TinyModelServer, max_tokens: int) -> OpenAIChatModel:
    return OpenAIChatModel(RoleConfig(model=tiny.model, base_url=tiny.base_url,
                                      max_tokens=max_tokens, context_length=2048,
                                      temperature=0.0), role="coder")


async def test_a_stream_cut_by_another_request_is_an_error_not_a_whole_reply(
        tiny_model: TinyModelServer) -> None:
    story, question = client(tiny_model, 96), client(tiny_model, 8)
    shown: list[str] = []
    later: list[asyncio.Task[Completion]] = []

    async def on_token(text: str) -> None:
        shown.append(text)
        if not later:  # the story has begun: another request reaches the server
            later.append(asyncio.create_task(question.complete(
                [Message("user", "Name a kind of bread.")], on_token=lambda _t: None)))

    try:
        with pytest.raises(ModelReplyCut) as cut:
            await story.complete([Message("user", "Write a long story about a bakery.")],
                                 on_token=on_token)
        answer = await later[0]
    finally:
        await story.close()
        await question.close()
    assert "without finishing it (llama-cpp-python does this when another request arrives)" in (
        str(cut.value))
    assert shown and f"after {len(''.join(shown))} characters" in str(cut.value)
    assert answer.text and answer.finish_reason in ("stop", "length")  # the later one is whole
