"""The real openai and ollama clients against the scripted server: the happy paths."""

from __future__ import annotations

import base64

import pytest

from agent_core.llm.base import Message
from tests.agent_core.llm.conftest import PROVIDERS, MakeModel
from tests.fakes.model_server import Reply, ScriptedModelServer, queue

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR-fake-png-body"
JPEG = b"\xff\xd8\xff\xe0" + b"\x00\x10JFIF-fake-jpeg-body"

ASK = [Message("system", "You build websites."), Message("user", "Make a landing page.")]


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_streaming_passes_each_fragment_in_order_and_returns_full_text(
    provider: str, server: ScriptedModelServer, make_model: MakeModel
) -> None:
    text = "Here is your page: <h1>Hello</h1> and more."
    reply = Reply(text=text, chunk_size=5, prompt_tokens=42, completion_tokens=9)
    server.set_script("coder-model", queue(reply))
    tokens: list[str] = []

    completion = await make_model(provider).complete(ASK, on_token=tokens.append)

    assert tokens == reply.fragments()
    assert completion.text == text
    assert completion.finish_reason == "stop"
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (42, 9)
    assert completion.usage.seconds > 0
    (request,) = server.chat_requests
    assert request.stream is True
    assert request.texts == ["You build websites.", "Make a landing page."]


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_async_token_callback_is_awaited_for_each_fragment(
    provider: str, server: ScriptedModelServer, make_model: MakeModel
) -> None:
    server.set_script("coder-model", queue(Reply(text="abcdef", chunk_size=2)))
    seen: list[str] = []

    async def on_token(fragment: str) -> None:
        seen.append(fragment)

    completion = await make_model(provider).complete(ASK, on_token=on_token)

    assert seen == ["ab", "cd", "ef"]
    assert completion.text == "abcdef"


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_whole_reply_without_streaming_carries_server_counts(
    provider: str, server: ScriptedModelServer, make_model: MakeModel
) -> None:
    server.set_script(
        "coder-model", queue(Reply(text="Done.", prompt_tokens=120, completion_tokens=3))
    )

    completion = await make_model(provider).complete(ASK)

    assert completion.text == "Done."
    assert completion.model == "coder-model"
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (120, 3)
    assert completion.usage.seconds > 0
    assert server.chat_requests[0].stream is False


async def test_openai_images_arrive_as_data_url_content_parts(
    server: ScriptedModelServer, make_model: MakeModel
) -> None:
    server.set_script("coder-model", queue("Looks fine."))
    shot = Message("user", "Grade this screenshot.", images=(PNG, JPEG))

    await make_model("openai").complete([shot])

    (request,) = server.chat_requests
    assert request.images == [PNG, JPEG]
    parts = request.messages[0]["content"]
    assert parts[0] == {"type": "text", "text": "Grade this screenshot."}
    urls = [p["image_url"]["url"] for p in parts[1:]]
    assert urls == [
        "data:image/png;base64," + base64.b64encode(PNG).decode(),
        "data:image/jpeg;base64," + base64.b64encode(JPEG).decode(),
    ]


async def test_ollama_images_arrive_as_native_base64_list(
    server: ScriptedModelServer, make_model: MakeModel
) -> None:
    server.set_script("coder-model", queue("Looks fine."))
    shot = Message("user", "Grade this screenshot.", images=(PNG, JPEG))

    await make_model("ollama").complete([shot])

    (request,) = server.chat_requests
    assert request.images == [PNG, JPEG]
    message = request.messages[0]
    assert message["content"] == "Grade this screenshot."
    assert [base64.b64decode(i) for i in message["images"]] == [PNG, JPEG]


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_text_only_messages_stay_plain_strings(
    provider: str, server: ScriptedModelServer, make_model: MakeModel
) -> None:
    server.set_script("coder-model", queue("ok"))

    await make_model(provider).complete(ASK)

    (request,) = server.chat_requests
    assert [m["content"] for m in request.messages] == [m.content for m in ASK]
    assert request.images == []


async def test_ollama_gets_context_length_temperature_and_reply_limit(
    server: ScriptedModelServer, make_model: MakeModel
) -> None:
    server.set_script("coder-model", queue("ok", "ok"))
    model = make_model("ollama", temperature=0.7, max_tokens=1234, context_length=16384)

    await model.complete(ASK)
    await model.complete(ASK, on_token=lambda _: None)

    for request in server.chat_requests:
        assert request.options == {"num_ctx": 16384, "temperature": 0.7, "num_predict": 1234}


async def test_openai_gets_temperature_and_max_tokens(
    server: ScriptedModelServer, make_model: MakeModel
) -> None:
    server.set_script("coder-model", queue("ok", "ok"))
    model = make_model("openai", temperature=0.7, max_tokens=1234)

    await model.complete(ASK)
    await model.complete(ASK, on_token=lambda _: None)

    for request in server.chat_requests:
        assert (request.temperature, request.max_tokens) == (0.7, 1234)
        assert request.model == "coder-model"
    assert server.chat_requests[1].body["stream_options"] == {"include_usage": True}


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_a_seed_is_sent_only_when_one_is_set(
    provider: str, server: ScriptedModelServer, make_model: MakeModel
) -> None:
    server.set_script("coder-model", queue("ok", "ok", "ok"))
    seeded = make_model(provider, seed=42)
    await seeded.complete(ASK)
    await seeded.complete(ASK, on_token=lambda _: None)
    await make_model(provider).complete(ASK)

    sent = [r.options.get("seed") if provider == "ollama" else r.body.get("seed")
            for r in server.chat_requests]  # fmt: skip
    assert sent == [42, 42, None]


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_list_models_names_every_model_of_the_server(
    provider: str, server: ScriptedModelServer, make_model: MakeModel
) -> None:
    server.set_script("coder-model", queue())
    server.set_script("critic-model", queue())

    assert sorted(await make_model(provider).list_models()) == ["coder-model", "critic-model"]


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_models_are_routed_by_name(
    provider: str, server: ScriptedModelServer, make_model: MakeModel
) -> None:
    server.set_script("coder-model", queue("from coder"))
    server.set_script("critic-model", queue("from critic"))

    critic = await make_model(provider, model="critic-model").complete(ASK)
    coder = await make_model(provider, model="coder-model").complete(ASK)

    assert (coder.text, critic.text) == ("from coder", "from critic")


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_description_names_provider_model_and_url_but_never_the_key(
    provider: str, server: ScriptedModelServer, make_model: MakeModel
) -> None:
    model = make_model(provider, api_key="sk-very-secret-123")
    url = server.base_url_openai if provider == "openai" else server.base_url_ollama

    assert model.description == f"{provider} coder-model @ {url}"
    assert "sk-very-secret" not in repr(model)
    assert "sk-very-secret" not in repr(vars(model).get("endpoint"))


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_api_key_is_sent_as_bearer_token(
    provider: str, server: ScriptedModelServer, make_model: MakeModel
) -> None:
    server.set_script("coder-model", queue("ok", "ok"))

    await make_model(provider, api_key="sk-very-secret-123").complete(ASK)
    await make_model(provider).complete(ASK)

    with_key, without_key = server.chat_requests
    assert with_key.headers["authorization"] == "Bearer sk-very-secret-123"
    if provider == "openai":
        assert without_key.headers["authorization"] == "Bearer not-needed"
    else:
        assert "authorization" not in without_key.headers


async def test_openai_stream_falls_back_when_server_refuses_stream_options(
    server: ScriptedModelServer, make_model: MakeModel
) -> None:
    def picky(request):
        if "stream_options" in request.body:
            return Reply(status=400, error_body={"error": {"message": "unknown stream_options"}})
        return Reply(text="streamed anyway", chunk_size=3)

    server.set_script("coder-model", picky)
    model = make_model("openai")
    tokens: list[str] = []

    first = await model.complete(ASK, on_token=tokens.append)
    second = await model.complete(ASK, on_token=lambda _: None)

    assert first.text == second.text == "streamed anyway"
    assert "".join(tokens) == "streamed anyway"
    asked = ["stream_options" in r.body for r in server.chat_requests]
    assert asked == [True, False, False]  # the refusal is remembered
