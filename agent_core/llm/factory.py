"""Building the right client for a role, with its API key (see ``agent_core.llm.keys``)."""

from __future__ import annotations

import os
from dataclasses import replace

from agent_core.config import Provider, RoleConfig
from agent_core.errors import ConfigError
from agent_core.llm.base import ChatModel
from agent_core.llm.keys import (
    KEYRING_SERVICE,
    resolve_api_key,
    role_key_env,
    store_api_key,
    stored_api_key,
)
from agent_core.llm.ollama_client import OllamaChatModel
from agent_core.llm.openai_client import OpenAIChatModel
from agent_core.llm.retry import RetryPolicy

__all__ = [
    "KEYRING_SERVICE",
    "list_server_models",
    "make_chat_model",
    "resolve_api_key",
    "role_key_env",
    "store_api_key",
    "stored_api_key",
]


def make_chat_model(
    config: RoleConfig,
    role: str,
    *,
    api_key: str | None = None,
    retry: RetryPolicy | None = None,
) -> ChatModel:
    """Build the client for ``config.provider`` with the role's API key.

    Args:
        config: The role's settings.
        role: ``coder``, ``critic`` or ``feedback`` (for the key lookup and messages).
        api_key: Use this key instead of looking one up.
        retry: Backoff delays; the defaults (0.5 s doubling up to 8 s) when omitted.

    Raises:
        ConfigError: When no model name is set or the provider is unknown.
    """
    return _build(config, str(role), api_key or resolve_api_key(config, role), retry)


def _build(
    config: RoleConfig, role: str | None, api_key: str | None, retry: RetryPolicy | None
) -> OllamaChatModel | OpenAIChatModel:
    if not config.model.strip():
        raise ConfigError(f"no model is set for the {role or 'model'} role; choose one in Settings")
    try:
        provider = Provider(config.provider)
    except ValueError:
        raise ConfigError(
            f"unknown model provider {config.provider!r}; use 'openai' or 'ollama'"
        ) from None
    if provider is Provider.OLLAMA:
        return OllamaChatModel(config, api_key, role=role, retry=retry)
    return OpenAIChatModel(config, api_key, role=role, retry=retry)


async def list_server_models(
    config: RoleConfig, role: str | None = None, *, api_key: str | None = None
) -> list[str]:
    """Names of the models the configured server offers (one attempt, no retries).

    The model name in ``config`` may be empty: this is how Settings fills its model list.

    Args:
        config: Provider and URL to ask (and key variable, if any).
        role: When given, the key is looked up as for :func:`resolve_api_key`.
        api_key: A key to use as is (e.g. typed into Settings but not saved yet).

    Raises:
        ModelError: When the server cannot be reached or refuses the request.
    """
    if api_key is None:
        if role is not None:
            api_key = resolve_api_key(config, role)
        elif config.api_key_env:
            api_key = os.environ.get(config.api_key_env, "").strip() or None
    probe = replace(config, model=config.model or "(listing models)")
    model = _build(probe, role, api_key, None)
    try:
        return await model.list_models()
    finally:
        await model.close()
