"""Fixtures for the model client tests: a scripted server and clients pointed at it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from agent_core.config import Provider, RoleConfig
from agent_core.llm.ollama_client import OllamaChatModel
from agent_core.llm.openai_client import OpenAIChatModel
from agent_core.llm.retry import RetryPolicy
from agent_core.llm.support import RetryingChatModel
from tests.fakes.model_server import ScriptedModelServer
from tests.support.net import closed_port_url

PROVIDERS = ["openai", "ollama"]


@pytest.fixture(autouse=True)
def no_ambient_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keys of the developer's shell must not reach the scripted server."""
    for name in ("OLLAMA_API_KEY", "OPENAI_API_KEY", "OLLAMA_HOST", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def server() -> Iterator[ScriptedModelServer]:
    """A running scripted server with no models; tests add scripts with set_script."""
    with ScriptedModelServer() as running:
        yield running


@pytest.fixture
def sleeps() -> list[float]:
    """Backoff delays the clients asked for, in order (they are not actually waited)."""
    return []


@pytest.fixture
def fast_retry(sleeps: list[float]) -> RetryPolicy:
    """The default backoff policy, recording its waits instead of sleeping through them."""

    async def record(seconds: float) -> None:
        sleeps.append(seconds)
        await asyncio.sleep(0)

    return RetryPolicy(sleep=record)


def url_for(provider: str, server: ScriptedModelServer) -> str:
    """The base URL a client of ``provider`` uses for ``server``."""
    return server.base_url_openai if provider == "openai" else server.base_url_ollama


def closed_base_url(provider: str) -> str:
    """A base URL of ``provider``'s shape on a loopback port where nothing listens."""
    return closed_port_url("/v1" if provider == "openai" else "")


MakeModel = Callable[..., RetryingChatModel]


@pytest.fixture
async def make_model(
    server: ScriptedModelServer, fast_retry: RetryPolicy
) -> AsyncIterator[MakeModel]:
    """Build a real client of a provider aimed at the scripted server; closed afterwards.

    Call as ``make_model("ollama", model="coder-model", api_key=None, **RoleConfig fields)``.
    """
    made: list[RetryingChatModel] = []

    def make(provider: str, *, api_key: str | None = None, **fields: Any) -> RetryingChatModel:
        fields.setdefault("model", "coder-model")
        fields.setdefault("base_url", url_for(provider, server))
        fields.setdefault("timeout_s", 10.0)
        config = RoleConfig(provider=Provider(provider), **fields)
        cls = OpenAIChatModel if provider == "openai" else OllamaChatModel
        model = cls(config, api_key, role="coder", retry=fast_retry)
        made.append(model)
        return model

    yield make
    for model in made:
        await model.close()
