"""Constrained replies, usage that servers leave out, and replies that loop: the real clients
against the scripted server."""

from __future__ import annotations

import pytest

from agent_core.llm.base import Message
from agent_core.protocol.structured import coder_schema
from tests.agent_core.llm.conftest import PROVIDERS, MakeModel
from tests.fakes.model_server import Reply, ScriptedModelServer, queue

ASK = [Message("system", "You build websites."), Message("user", "Make a landing page.")]
SCHEMA = coder_schema()


def refused(message: str, status: int = 400) -> Reply:
    """A refused response_format (llama-cpp-python sends 500 with its validation error)."""
    return Reply(status=status,
                 error_body={"error": {"message": message, "type": "invalid_request"}})


async def test_openai_asks_for_json_schema_first(server: ScriptedModelServer,
                                                 make_model: MakeModel) -> None:
    server.set_script("coder-model", queue('{"actions": []}'))
    model = make_model("openai")
    await model.complete(ASK, on_token=lambda _t: None, schema=SCHEMA)
    (request,) = server.chat_requests
    assert request.body["response_format"] == {
        "type": "json_schema", "json_schema": {"name": "reply", "schema": SCHEMA}}
    assert model.schema_support is True


async def test_a_server_refusing_json_schema_gets_json_object_with_the_schema(
    server: ScriptedModelServer, make_model: MakeModel
) -> None:
    server.set_script("coder-model", queue(
        refused("1 validation error: {'loc': ('body', 'response_format', 'type'), 'msg': "
                "\"Input should be 'text' or 'json_object'\", 'input': 'json_schema'}", 500),
        '{"actions": []}', '{"actions": []}'))
    model = make_model("openai")
    first = await model.complete(ASK, on_token=lambda _t: None, schema=SCHEMA)
    await model.complete(ASK, on_token=lambda _t: None, schema=SCHEMA)
    formats = [r.body.get("response_format") for r in server.chat_requests]
    assert formats[0]["type"] == "json_schema"
    assert formats[1:] == [{"type": "json_object", "schema": SCHEMA}] * 2  # remembered
    assert first.text == '{"actions": []}' and model.schema_support is True


async def test_a_server_refusing_every_shape_answers_unconstrained(
    server: ScriptedModelServer, make_model: MakeModel
) -> None:
    no = "response_format is not supported by this server"
    server.set_script("coder-model", queue(refused(no), refused(no), refused(no), "plain text"))
    model = make_model("openai")
    completion = await model.complete(ASK, on_token=lambda _t: None, schema=SCHEMA)
    assert completion.text == "plain text" and model.schema_support is False
    assert "response_format" not in server.chat_requests[-1].body


async def test_ollama_sends_the_schema_as_format(server: ScriptedModelServer,
                                                 make_model: MakeModel) -> None:
    server.set_script("coder-model", queue('{"actions": []}'))
    model = make_model("ollama")
    await model.complete(ASK, on_token=lambda _t: None, schema=SCHEMA)
    assert server.chat_requests[0].body["format"] == SCHEMA and model.schema_support is True


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_no_schema_means_no_constraint(provider: str, server: ScriptedModelServer,
                                             make_model: MakeModel) -> None:
    server.set_script("coder-model", queue("hello"))
    await make_model(provider).complete(ASK, on_token=lambda _t: None)
    body = server.chat_requests[0].body
    assert "response_format" not in body and "format" not in body


async def test_a_stream_without_usage_is_counted_and_marked_estimated(
    server: ScriptedModelServer, make_model: MakeModel
) -> None:
    text = "<h1>A landing page</h1> with a hero, three features and a footer."
    server.set_script("coder-model", queue(Reply(text=text, stream_usage=False)))
    completion = await make_model("openai").complete(ASK, on_token=lambda _t: None)
    usage = completion.usage
    assert usage.estimated and usage.prompt_tokens > 5 and usage.completion_tokens > 10
    reported = Reply(text=text, prompt_tokens=40, completion_tokens=17)
    server.set_script("coder-model", queue(reported))
    exact = (await make_model("openai").complete(ASK, on_token=lambda _t: None)).usage
    assert (exact.prompt_tokens, exact.completion_tokens, exact.estimated) == (40, 17, False)


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_a_reply_that_repeats_itself_is_cut(provider: str, server: ScriptedModelServer,
                                                  make_model: MakeModel) -> None:
    loop = "<li>The same list item, again and again and again.</li>\n"
    text = "<ul>\n" + loop * 400  # 22 kB of one chunk
    server.set_script("coder-model", queue(Reply(text=text, chunk_size=16, stream_usage=False)))
    seen: list[str] = []
    completion = await make_model(provider).complete(ASK, on_token=seen.append)
    assert completion.finish_reason == "repetition"
    assert 4000 <= len(completion.text) < 7000 and completion.text == "".join(seen)
    assert completion.usage.estimated and completion.usage.completion_tokens > 0
