"""The context length a model server actually gives the model, where the server tells it.

- Ollama: ``POST /api/show`` gives the model's trained context (``*.context_length``); the
  run's ``num_ctx`` is sent with every request, so the smaller of the two holds.
- llama.cpp's server: ``GET /props`` gives ``n_ctx``, fixed when the server started.
- LM Studio: ``GET /api/v0/models/{model}`` gives the loaded and the maximum context.
- Others (vLLM, OpenAI, llama-cpp-python) say nothing: the setting stands.
"""

from __future__ import annotations

from typing import Any

import httpx

from agent_core.config import Provider, RoleConfig
from agent_core.llm.token_count import server_root

__all__ = ["served_context_length"]

PROBE_TIMEOUT_S = 5.0


async def served_context_length(config: RoleConfig) -> tuple[int, str] | None:
    """The server's context length for ``config``'s model and where it came from, or None.

    Never raises: a server that does not answer, or answers something else, gives None.
    """
    async with httpx.AsyncClient(timeout=PROBE_TIMEOUT_S, trust_env=False) as client:
        try:
            if config.provider is Provider.OLLAMA:
                return await _ollama(client, config)
            return await _llama_cpp(client, config) or await _lm_studio(client, config)
        except (httpx.HTTPError, ValueError, TypeError, AttributeError):
            return None


def _positive(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


async def _ollama(client: httpx.AsyncClient, config: RoleConfig) -> tuple[int, str] | None:
    reply = await client.post(f"{config.url.rstrip('/')}/api/show", json={"model": config.model})
    if reply.status_code != 200:
        return None
    info = reply.json().get("model_info") or {}
    lengths = [_positive(v) for k, v in info.items() if k.endswith(".context_length")]
    trained = max((n for n in lengths if n), default=None)
    return (trained, "Ollama's /api/show: the model's trained context") if trained else None


async def _llama_cpp(client: httpx.AsyncClient, config: RoleConfig) -> tuple[int, str] | None:
    reply = await client.get(f"{server_root(config.url)}/props")
    if reply.status_code != 200:
        return None
    data = reply.json()
    n_ctx = _positive((data.get("default_generation_settings") or {}).get("n_ctx")) or \
        _positive(data.get("n_ctx"))
    return (n_ctx, "llama.cpp's /props") if n_ctx else None


async def _lm_studio(client: httpx.AsyncClient, config: RoleConfig) -> tuple[int, str] | None:
    reply = await client.get(f"{server_root(config.url)}/api/v0/models/{config.model}")
    if reply.status_code != 200:
        return None
    data = reply.json()
    n_ctx = _positive(data.get("loaded_context_length")) or \
        _positive(data.get("max_context_length"))
    return (n_ctx, "LM Studio's model list") if n_ctx else None
