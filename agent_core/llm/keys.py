"""Where a role's API key comes from: the environment, this session's memory, the OS keyring.

Keys never go to a file. A key typed into the app is saved in the OS keyring; when there
is no usable keyring (a bare window manager without a Secret Service, a locked store), the
app may keep it in this process's memory instead, for this session only
(:func:`keep_for_session`). Every lookup a run makes goes through :func:`resolve_api_key`.
"""

from __future__ import annotations

import logging
import os
import threading
import warnings

from agent_core.config import RoleConfig
from agent_core.errors import ConfigError

log = logging.getLogger(__name__)

KEYRING_SERVICE = "webgen-studio"
"""Service name of API keys in the OS keyring; the username is the role (``coder``...)."""
UNUSABLE_BACKENDS = ("keyring.backends.fail", "keyring.backends.null")
"""Modules of the backends keyring falls back to when no real store exists: they keep nothing."""

_session_keys: dict[str, str] = {}
_session_lock = threading.Lock()  # clients are built in worker threads


def role_key_env(role: str) -> str:
    """The conventional environment variable of a role's key, e.g. ``WEBGEN_CODER_API_KEY``."""
    return f"WEBGEN_{str(role).upper()}_API_KEY"


def key_env_name(config: RoleConfig, role: str) -> str:
    """The environment variable to tell a user about: the role's ``api_key_env``, if set."""
    return config.api_key_env or role_key_env(role)


def resolve_api_key(config: RoleConfig, role: str) -> str | None:
    """Find the API key of ``role``; never reads files of its own.

    Looked up in order: the environment variable named by ``config.api_key_env``, then
    ``WEBGEN_<ROLE>_API_KEY``, then a key kept for this session (:func:`keep_for_session`),
    then the OS keyring (service ``webgen-studio``, username ``role``). A missing or broken
    keyring backend counts as "no key", silently.

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
    return session_api_key(str(role)) or _keyring_password(str(role))


def keep_for_session(role: str, key: str | None) -> None:
    """Keep ``key`` for ``role`` in this process's memory until it exits; None/"" forgets it.

    Used when the OS keyring cannot keep the key: later lookups of this session find it,
    and nothing is written anywhere.
    """
    with _session_lock:
        if key and key.strip():
            _session_keys[str(role)] = key.strip()
        else:
            _session_keys.pop(str(role), None)


def session_api_key(role: str) -> str | None:
    """The key kept in memory for ``role`` this session, or None."""
    with _session_lock:
        return _session_keys.get(str(role))


def forget_session_keys() -> None:
    """Drop every key kept in memory (the session's end, and between tests)."""
    with _session_lock:
        _session_keys.clear()


def stored_api_key(role: str) -> str | None:
    """The key kept in the OS keyring for ``role``, or None (also when there is no keyring)."""
    return _keyring_password(str(role))


def keyring_usable() -> bool:
    """Whether the OS keyring can keep keys: a real backend that answers a lookup.

    The ``fail`` and ``null`` backends keyring falls back to without a Secret Service (or
    Keychain, or Credential Locker) keep nothing, so they count as unusable; so does a
    backend whose lookup raises. This may block while a keyring asks to be unlocked: call
    it off the UI thread.
    """
    try:
        import keyring

        backend = keyring.get_keyring()
        if type(backend).__module__ in UNUSABLE_BACKENDS:
            return False
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            backend.get_password(KEYRING_SERVICE, "coder")
    except Exception as exc:  # no backend, locked, D-Bus down...
        log.info("the system keyring cannot keep keys: %s", type(exc).__name__)
        return False
    return True


def store_api_key(role: str, key: str | None) -> None:
    """Keep ``key`` in the OS keyring for ``role``; None or "" deletes the stored key.

    Raises:
        ConfigError: The keyring refused (no backend, locked...); the message says what to
            do instead, in plain words.
    """
    try:
        import keyring

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if key:
                keyring.set_password(KEYRING_SERVICE, str(role), key)
            elif keyring.get_password(KEYRING_SERVICE, str(role)) is not None:
                keyring.delete_password(KEYRING_SERVICE, str(role))
    except Exception as exc:
        log.info("the keyring refused the %s key: %s", role, type(exc).__name__)
        raise ConfigError(
            f"the system keyring could not keep the {role} key (none is available, or it "
            f"is locked); set {role_key_env(role)} in the environment instead"
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
