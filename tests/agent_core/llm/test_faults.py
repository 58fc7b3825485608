"""What a user sees when the model server misbehaves: retries, give-ups and messages."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import pytest

from agent_core.errors import (
    ModelAuthError,
    ModelBadRequest,
    ModelNotFound,
    ModelRateLimited,
    ModelServerError,
    ModelTimeout,
    ModelUnreachable,
)
from agent_core.llm.base import Message
from tests.agent_core.llm.conftest import PROVIDERS, MakeModel, closed_base_url
from tests.fakes.model_server import Reply, ScriptedModelServer, queue
from tests.support.runs import StepSpec, build_run

ASK = [Message("user", "Make a landing page.")]
STREAMING = [pytest.param(False, id="whole"), pytest.param(True, id="stream")]
KEY = "sk-live-DO-NOT-LEAK-9f8e7d"


async def _complete(model, stream: bool, tokens: list[str] | None = None):
    if not stream:
        return await model.complete(ASK)
    sink = tokens if tokens is not None else []
    return await model.complete(ASK, on_token=sink.append)


@pytest.mark.parametrize("stream", STREAMING)
@pytest.mark.parametrize("provider", PROVIDERS)
async def test_server_error_is_retried_then_succeeds(
    provider: str,
    stream: bool,
    server: ScriptedModelServer,
    make_model: MakeModel,
    sleeps: list[float],
) -> None:
    server.set_script("coder-model", queue(Reply(status=500), Reply(status=503), "recovered"))

    completion = await _complete(make_model(provider), stream)

    assert completion.text == "recovered"
    assert len(server.chat_requests) == 3
    assert len(sleeps) == 2
    assert 0.25 <= sleeps[0] <= 0.5 and 0.5 <= sleeps[1] <= 1.0  # backoff with jitter


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_rate_limit_is_retried_then_succeeds(
    provider: str, server: ScriptedModelServer, make_model: MakeModel, sleeps: list[float]
) -> None:
    limited = Reply(status=429, headers={"Retry-After": "3"})
    server.set_script("coder-model", queue(limited, "after the pause"))

    completion = await make_model(provider).complete(ASK)

    assert completion.text == "after the pause"
    assert len(server.chat_requests) == 2
    if provider == "openai":  # the ollama client does not expose response headers
        assert sleeps == [3.0]
    else:
        assert len(sleeps) == 1


async def test_retry_after_is_honoured_only_up_to_the_cap(
    server: ScriptedModelServer, make_model: MakeModel, sleeps: list[float]
) -> None:
    limited = Reply(status=429, headers={"Retry-After": "3600"})
    server.set_script("coder-model", queue(limited, "ok"))

    await make_model("openai").complete(ASK)

    assert sleeps == [8.0]


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_gives_up_on_rate_limit_after_max_retries(
    provider: str, server: ScriptedModelServer, make_model: MakeModel, sleeps: list[float]
) -> None:
    server.set_script("coder-model", queue(*[Reply(status=429)] * 4))

    with pytest.raises(ModelRateLimited) as caught:
        await make_model(provider, max_retries=3).complete(ASK)

    message = str(caught.value)
    assert "rate limited by" in message and "(HTTP 429)" in message
    assert "gave up after 3 retries" in message
    assert len(server.chat_requests) == 4 and len(sleeps) == 3


@pytest.mark.parametrize("stream", STREAMING)
@pytest.mark.parametrize("provider", PROVIDERS)
async def test_gives_up_on_server_errors_with_the_server_message(
    provider: str, stream: bool, server: ScriptedModelServer, make_model: MakeModel
) -> None:
    server.set_script("coder-model", queue("only one reply"))
    model = make_model(provider, max_retries=2)
    await model.complete(ASK)

    with pytest.raises(ModelServerError) as caught:
        await _complete(model, stream)

    message = str(caught.value)
    assert "HTTP 500" in message and "script exhausted" in message
    assert server.base_url_ollama in message and "coder-model" in message
    assert "gave up after 2 retries" in message
    assert len(server.chat_requests) == 1 + 3


@pytest.mark.parametrize("stream", STREAMING)
@pytest.mark.parametrize("provider", PROVIDERS)
async def test_server_down_is_unreachable_with_url_and_reason(
    provider: str, stream: bool, make_model: MakeModel, sleeps: list[float]
) -> None:
    url = closed_base_url(provider)

    with pytest.raises(ModelUnreachable) as caught:
        await _complete(make_model(provider, base_url=url, max_retries=1), stream)

    message = str(caught.value)
    where = "Ollama" if provider == "ollama" else "the OpenAI-compatible server"
    assert message.startswith(f"cannot reach {where} at {url}: connection refused")
    assert url in message and "connection refused" in message
    assert "gave up after 1 retry" in message
    assert len(sleeps) == 1


@pytest.mark.parametrize("stream", STREAMING)
@pytest.mark.parametrize("provider", PROVIDERS)
async def test_slow_first_byte_beyond_timeout_is_a_timeout(
    provider: str, stream: bool, server: ScriptedModelServer, make_model: MakeModel
) -> None:
    server.set_script("coder-model", queue(Reply(text="late", delay_s=2.0)))
    tokens: list[str] = []

    with pytest.raises(ModelTimeout) as caught:
        await _complete(make_model(provider, timeout_s=0.2, max_retries=0), stream, tokens)

    # Given up before the reply came (it would have ended the call without an error).
    assert tokens == [] and len(server.chat_requests) == 1
    message = str(caught.value)
    assert "did not answer within 0.2 s" in message and "coder-model" in message
    assert server.base_url_ollama in message


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_stalled_stream_after_tokens_times_out_without_retry(
    provider: str, server: ScriptedModelServer, make_model: MakeModel
) -> None:
    stalled = Reply(text="abcdefgh", chunk_size=2, chunk_delay_s=2.0)
    server.set_script("coder-model", queue(stalled, "must not be asked"))
    tokens: list[str] = []

    with pytest.raises(ModelTimeout) as caught:
        await _complete(make_model(provider, timeout_s=0.3, max_retries=3), True, tokens)

    assert tokens == ["ab"]
    assert caught.value.retryable is False
    assert "not retried" in str(caught.value)
    assert len(server.chat_requests) == 1


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_connection_dropped_mid_stream_is_not_retried(
    provider: str, server: ScriptedModelServer, make_model: MakeModel
) -> None:
    dropped = Reply(text="<html><body>half", chunk_size=4, drop_connection=True)
    server.set_script("coder-model", queue(dropped, "must not be asked"))
    tokens: list[str] = []

    with pytest.raises(ModelUnreachable) as caught:
        await _complete(make_model(provider, max_retries=3), True, tokens)

    assert "".join(tokens) == "<html><body>half"
    message = str(caught.value)
    assert "closed the connection before the reply was complete" in message
    assert "16 characters" in message and "not retried" in message
    assert caught.value.retryable is False
    assert len(server.chat_requests) == 1


@pytest.mark.parametrize("stream", STREAMING)
@pytest.mark.parametrize("provider", PROVIDERS)
async def test_connection_dropped_before_any_token_is_retried(
    provider: str, stream: bool, server: ScriptedModelServer, make_model: MakeModel
) -> None:
    server.set_script("coder-model", queue(Reply(drop_connection=True), "second try"))

    completion = await _complete(make_model(provider), stream)

    assert completion.text == "second try"
    assert len(server.chat_requests) == 2


async def test_unknown_model_on_ollama_says_how_to_pull_it(
    server: ScriptedModelServer, make_model: MakeModel
) -> None:
    model = make_model("ollama", model="qwen2.5-coder:7b")

    with pytest.raises(ModelNotFound) as caught:
        await model.complete(ASK, on_token=lambda _: None)

    assert str(caught.value) == (
        f"model 'qwen2.5-coder:7b' is not available on Ollama at {server.base_url_ollama}; "
        "pull it with `ollama pull qwen2.5-coder:7b`"
    )
    assert len(server.chat_requests) == 1  # not retried


async def test_unknown_model_on_openai_server_names_model_and_server(
    server: ScriptedModelServer, make_model: MakeModel
) -> None:
    with pytest.raises(ModelNotFound) as caught:
        await make_model("openai", model="gpt-missing").complete(ASK)

    message = str(caught.value)
    assert "model 'gpt-missing' is not available on the OpenAI-compatible server" in message
    assert server.base_url_openai in message and "does not exist" in message
    assert len(server.chat_requests) == 1


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_rejected_key_is_not_retried_and_never_shown(
    provider: str, server: ScriptedModelServer, make_model: MakeModel
) -> None:
    echo = {"error": {"message": f"Incorrect API key provided: {KEY}"}}
    server.set_script("coder-model", queue(Reply(status=401, error_body=echo), "unused"))

    with pytest.raises(ModelAuthError) as caught:
        await make_model(provider, api_key=KEY, max_retries=3).complete(ASK)

    message = str(caught.value)
    assert "rejected the API key (HTTP 401); set WEBGEN_CODER_API_KEY" in message
    assert KEY not in message and KEY not in repr(caught.value)
    assert len(server.chat_requests) == 1


async def test_missing_key_says_none_is_set(
    server: ScriptedModelServer, make_model: MakeModel
) -> None:
    server.set_script("coder-model", queue(Reply(status=401)))

    with pytest.raises(ModelAuthError) as caught:
        await make_model("openai", api_key_env="MY_VLLM_KEY").complete(ASK)

    message = str(caught.value)
    assert "requires an API key (HTTP 401) and none is set" in message
    assert "MY_VLLM_KEY or WEBGEN_CODER_API_KEY" in message


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_server_messages_that_echo_the_key_are_redacted(
    provider: str, server: ScriptedModelServer, make_model: MakeModel
) -> None:
    echo = {"error": {"message": f"upstream refused token {KEY}"}}
    server.set_script("coder-model", queue(Reply(status=502, error_body=echo)))

    with pytest.raises(ModelServerError) as caught:
        await make_model(provider, api_key=KEY, max_retries=0).complete(ASK)

    assert "upstream refused token ***" in str(caught.value)
    assert KEY not in str(caught.value)


@pytest.mark.parametrize(
    ("status", "error_type"),
    [(400, ModelBadRequest), (403, ModelAuthError), (422, ModelBadRequest)],
)
@pytest.mark.parametrize("provider", PROVIDERS)
async def test_client_errors_are_final(
    provider: str,
    status: int,
    error_type: type,
    server: ScriptedModelServer,
    make_model: MakeModel,
) -> None:
    server.set_script("coder-model", queue(Reply(status=status), "unused"))

    with pytest.raises(error_type) as caught:
        await make_model(provider, max_retries=3).complete(ASK)

    assert f"HTTP {status}" in str(caught.value)
    assert len(server.chat_requests) == 1


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_cancelling_a_stream_stops_promptly(
    provider: str, server: ScriptedModelServer, make_model: MakeModel
) -> None:
    slow = Reply(text="a" * 40, chunk_size=1, chunk_delay_s=0.5)  # 20 s to send it all
    server.set_script("coder-model", queue(slow))
    tokens: list[str] = []
    first_token = asyncio.Event()

    def on_token(token: str) -> None:
        tokens.append(token)
        first_token.set()

    model = make_model(provider)
    task = asyncio.create_task(model.complete(ASK, on_token=on_token))
    await asyncio.wait_for(first_token.wait(), 5)

    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    # Ended at once rather than after reading the rest of the reply.
    assert 0 < len("".join(tokens)) < 40


@pytest.mark.parametrize("host", ["localhost:abc", "http://[::1"])
def test_malformed_ollama_host_does_not_stop_the_program(host: str, tmp_path) -> None:
    """The ollama package rejects such a value on import; webgen must still start and work."""
    run = build_run(tmp_path / "run", [StepSpec(appearance=4)])
    done = subprocess.run(
        [sys.executable, "-m", "app", "show", str(run.run_dir)],
        env={**os.environ, "OLLAMA_HOST": host}, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "step" in done.stdout.lower()
    assert "Traceback" not in done.stderr
