"""The doctor's API-key checks: where each role's key comes from, and the OS keyring.

Keys are looked up as a run looks them up (environment, then the OS keyring) and kept in
memory only, to ask the servers for their model lists. They are never printed: a role's key
is shown as ``set (env)``, ``set (keyring)`` or ``missing``.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import threading
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

from agent_core.config import Provider, Role, RoleConfig
from agent_core.llm.keys import UNUSABLE_BACKENDS, role_key_env, stored_api_key
from app.checks import Check, fail, ok, warn

KEYRING_TIMEOUT_S = 5.0
"""A keyring behind D-Bus may hang (locked, no session bus): give up after this."""
MODELS_UI = "Models… (Ctrl+,)"
T = TypeVar("T")


@dataclass
class RoleState:
    """One role as a run would use it.

    Attributes:
        role: The role.
        config: Its resolved settings.
        key: The API key found (kept in memory only), or None.
        key_state: ``set (env)``, ``set (keyring)`` or ``missing``.
    """

    role: Role
    config: RoleConfig
    key: str | None = None
    key_state: str = "missing"


async def in_daemon_thread(func: Callable[[], T], timeout_s: float) -> T:
    """Run ``func`` in a daemon thread; a hung call is abandoned without blocking exit.

    Raises:
        TimeoutError: ``func`` did not return within ``timeout_s``.
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(value: Any, error: Exception | None) -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(value)

    def work() -> None:
        try:
            value, error = func(), None
        except Exception as exc:
            value, error = None, exc
        loop.call_soon_threadsafe(settle, value, error)

    threading.Thread(target=work, name="doctor-keyring", daemon=True).start()
    return await asyncio.wait_for(future, timeout_s)


def env_key(config: RoleConfig, role: Role) -> str | None:
    """The role's key from the environment (its ``api_key_env``, then ``WEBGEN_<ROLE>_API_KEY``)."""
    for name in (config.api_key_env, role_key_env(str(role))):
        value = os.environ.get(name, "").strip() if name else ""
        if value:
            return value
    return None


def _lookup(states: list[RoleState]) -> str:
    """Fill in each role's key; return the keyring backend's dotted class name."""
    import keyring

    backend = keyring.get_keyring()
    for state in states:
        from_env = env_key(state.config, state.role)
        stored = None if from_env else stored_api_key(str(state.role))
        state.key = from_env or stored
        state.key_state = "set (env)" if from_env else "set (keyring)" if stored else "missing"
    return f"{type(backend).__module__}.{type(backend).__qualname__}"


async def lookup_keys(states: list[RoleState]) -> str | None:
    """Fill in each role's key and state; return the keyring backend's name.

    Returns:
        The backend's dotted class name, or None when the keyring did not answer in time
        (then only keys from the environment count).
    """
    try:
        return await in_daemon_thread(lambda: _lookup(states), KEYRING_TIMEOUT_S)
    except TimeoutError:
        for state in states:
            state.key = env_key(state.config, state.role)
            state.key_state = "set (env)" if state.key else "missing"
        return None


def is_loopback(url: str) -> bool:
    """Whether ``url`` points at this computer."""
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def needs_key(state: RoleState, refused: Collection[Role] = ()) -> bool:
    """Whether a role needs an API key.

    Args:
        state: The role.
        refused: Roles whose server answered HTTP 401/403.

    Returns:
        True when its server said so, a key variable is configured, or it is an
        OpenAI-compatible server on another computer.
    """
    config = state.config
    if state.role in refused or config.api_key_env:
        return True
    return config.provider is Provider.OPENAI and not is_loopback(config.url)


def check_keyring(
    backend: str | None, states: list[RoleState], refused: Collection[Role] = ()
) -> list[Check]:
    """The keyring that keeps the keys saved in Models…; FAIL when a needed key cannot be there.

    Args:
        backend: The active backend's dotted class name, or None when it did not answer.
        states: The roles with their key states.
        refused: Roles whose server answered HTTP 401/403.
    """
    module = (backend or "").rsplit(".", 1)[0]
    if backend is not None and module not in UNUSABLE_BACKENDS:
        return [ok("keyring", backend)]
    lacking = [str(s.role) for s in states if needs_key(s, refused) and s.key_state != "set (env)"]
    envs = " / ".join(role_key_env(r) for r in lacking) or "WEBGEN_<ROLE>_API_KEY"
    fix = (
        "install and unlock a Secret Service (gnome-keyring or KWallet) and log in again, "
        f"or put the keys in the environment: {envs}"
    )
    if backend is None:
        detail = f"the keyring did not answer within {KEYRING_TIMEOUT_S:g} s (locked or stuck)"
    else:
        detail = f"no usable keyring ({backend}): keys saved in {MODELS_UI} cannot be kept"
    if lacking:
        return [fail("keyring", f"{detail}; {', '.join(lacking)} need a key", fix)]
    return [warn("keyring", detail, fix)]
