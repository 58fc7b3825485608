"""Building the right client for a role, with its API key from the environment or keyring."""

from __future__ import annotations

import logging
import os
import warnings
from dataclasses import replace

from agent_core.config import Provider, RoleConfig
from agent_core.errors import ConfigError
from agent_core.llm.base import ChatModel
from agent_core.llm.ollama_client import OllamaChatModel
from agent_core.llm.openai_client import OpenAIChatModel
from agent_core.llm.retry import RetryPolicy

log = logging.getLogger(__name__)

KEYRING_SERVICE = "webgen-studio"
"""Service name of API keys in the OS keyring; the username is the role (``coder``...)."""


def role_key_env(role: str) -> str:
    """The conventional environment variable of a role's key, e.g. ``WEBGEN_CODER_API_KEY``."""
    return f"WEBGEN_{str(role).upper()}_API_KEY"


def resolve_api_key(config: RoleConfig, role: str) -> str | None:
    """Find the API key of ``role``; never reads files of its own.

    Looked up in order: the environment variable named by ``config.api_key_env``, then
    ``WEBGEN_<ROLE>_API_KEY``, then the OS keyring (service ``webgen-studio``, username
    ``role``). A missing or broken keyring backend counts as "no key", silently.

    Args:
        config: The role's settings.
        role: ``coder``, ``critic`` or ``feedback``.

    Returns:
        The key, or None when none is configured.
    """
    for name in (config.api_key_env, role_key_env(role)):
        value = os.environ.get(name, "").strip() if name else ""
        if value:
            return value
    return _keyring_password(str(role))


def stored_api_key(role: str) -> str | None:
    """The key kept in the OS keyring for ``role``, or None (also when there is no keyring)."""
    return _keyring_password(str(role))


def store_api_key(role: str, key: str | None) -> None:
    """Keep ``key`` in the OS keyring for ``role``; None or "" deletes the stored key.

    Raises:
        ConfigError: The keyring refused (no backend, locked...); the message says what to
            do instead.
    """
    try:
        import keyring
        import keyring.errors

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if key:
                keyring.set_password(KEYRING_SERVICE, str(role), key)
            elif keyring.get_password(KEYRING_SERVICE, str(role)) is not None:
                keyring.delete_password(KEYRING_SERVICE, str(role))
    except Exception as exc:
        raise ConfigError(
            f"the system keyring did not accept the {role} key ({type(exc).__name__}: {exc}); "
            f"set {role_key_env(role)} in the environment instead"
        ) from None


def _keyring_password(role: str) -> str | None:
    try:
        import keyring
    except Exception:  # keyring missing or failing at import: no stored keys
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value = keyring.get_password(KEYRING_SERVICE, role)
    except Exception as exc:  # no backend, locked, D-Bus down...: treat as no key
        log.debug("keyring lookup for %s failed: %s", role, type(exc).__name__)
        return None
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip()


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
