"""Where the Models dialog's API keys go: the OS keyring, or this session's memory without one.

A typed key is never dropped. When no keyring can keep it (none installed, locked, silent),
it is kept in memory for this session (``agent_core.llm.keys.keep_for_session``), so the
next run finds it, and the user is told so, with the environment variable that keeps it
across sessions. Keyring calls may block (an unlock prompt, a stuck D-Bus): they run in a
daemon thread with a time limit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from agent_core.config import Role, RoleConfig
from agent_core.errors import ConfigError
from agent_core.llm.keys import (
    keep_for_session,
    key_env_name,
    keyring_usable,
    session_api_key,
    store_api_key,
    stored_api_key,
)
from app.doctor_keys import KEYRING_TIMEOUT_S, in_daemon_thread
from ui.settings_key_field import KeyPlace

NO_KEYRING = (
    "No system keyring is available on this computer (no Secret Service such as GNOME "
    "Keyring or KWallet is running), so API keys cannot be saved."
)
SILENT_KEYRING = (
    "The system keyring did not answer (it may be locked), so API keys cannot be saved."
)
NONE_SHORT = "No system keyring is available"
REFUSED = "The system keyring refused the key (it may be locked)"


@dataclass(frozen=True)
class KeyStorage:
    """Where the roles' keys are kept now.

    Attributes:
        places: Per role, where its key is kept.
        problem: Why no keyring can keep keys, in plain words; None when one can.
    """

    places: dict[Role, KeyPlace]
    problem: str | None = None


@dataclass
class SavedKeys:
    """What became of the keys the user changed in the dialog.

    Attributes:
        keyring: Whether the keyring could be used at all.
        stored: Roles whose key is now in the keyring.
        session: Roles whose key is kept in memory for this session only.
        forgotten: Roles whose key was removed (Forget key).
        why_session: Why keys went to memory rather than the keyring.
        not_removed: Roles whose key the keyring did not let go of.
    """

    keyring: bool = True
    stored: list[Role] = field(default_factory=list)
    session: list[Role] = field(default_factory=list)
    forgotten: list[Role] = field(default_factory=list)
    why_session: str = ""
    not_removed: list[Role] = field(default_factory=list)


def env_names(configs: Mapping[Role, RoleConfig]) -> dict[Role, str]:
    """Per role, the environment variable its key is read from."""
    return {role: key_env_name(config, str(role)) for role, config in configs.items()}


def _probe() -> KeyStorage:
    usable = keyring_usable()
    places = {}
    for role in Role:
        if session_api_key(str(role)):
            places[role] = KeyPlace.SESSION
        elif usable and stored_api_key(str(role)):
            places[role] = KeyPlace.KEYRING
        else:
            places[role] = KeyPlace.NONE
    return KeyStorage(places, None if usable else NO_KEYRING)


async def key_storage() -> KeyStorage:
    """Whether the keyring can keep keys, and where each role's key is now."""
    try:
        return await in_daemon_thread(_probe, KEYRING_TIMEOUT_S)
    except TimeoutError:
        places = {
            role: KeyPlace.SESSION if session_api_key(str(role)) else KeyPlace.NONE
            for role in Role
        }
        return KeyStorage(places, SILENT_KEYRING)


def _save(keys: Mapping[Role, str | None]) -> SavedKeys:
    usable = keyring_usable()
    result = SavedKeys(keyring=usable, why_session="" if usable else NONE_SHORT)
    for role, key in keys.items():
        if key is None:
            continue
        if not key:
            keep_for_session(str(role), None)
            result.forgotten.append(role)
            if usable and not _kept_in_keyring(role, ""):
                result.not_removed.append(role)
        elif usable and _kept_in_keyring(role, key):
            keep_for_session(str(role), None)
            result.stored.append(role)
        else:
            keep_for_session(str(role), key)
            result.session.append(role)
            result.why_session = result.why_session or REFUSED
    return result


def _kept_in_keyring(role: Role, key: str) -> bool:
    try:
        store_api_key(str(role), key)
    except ConfigError:
        return False
    return True


async def save_keys(keys: Mapping[Role, str | None]) -> SavedKeys:
    """Keep each changed key in the keyring, or in memory for this session when it cannot.

    Args:
        keys: Per role, None (unchanged), "" (forget it) or the new key.
    """
    try:
        return await in_daemon_thread(lambda: _save(keys), KEYRING_TIMEOUT_S)
    except TimeoutError:
        result = SavedKeys(keyring=False, why_session="The system keyring did not answer")
        for role, key in keys.items():
            if key is not None:
                keep_for_session(str(role), key or None)
                (result.session if key else result.forgotten).append(role)
        return result


def saved_keys_note(saved: SavedKeys, names: Mapping[Role, str]) -> tuple[str, str]:
    """A sentence about where the keys went, and the notice level it calls for.

    Args:
        saved: What ``save_keys`` did.
        names: Per role, the environment variable its key is read from.
    """
    parts, level = [], "success"
    if saved.stored:
        parts.append("API keys are in the system keyring, never in that file.")
    if saved.session:
        roles = _and([str(r) for r in saved.session])
        variables = _and(sorted({names[r] for r in saved.session}))
        one = len(saved.session) == 1
        parts.append(
            f"{saved.why_session}, so the {roles} {'key is' if one else 'keys are'} kept in "
            f"memory for this session only and never written anywhere. To keep "
            f"{'it' if one else 'them'} after you quit, set {variables} in the environment."
        )
        level = "warning"
    if saved.forgotten:
        parts.append("The forgotten API key was removed from the system keyring."
                     if saved.keyring else "The API key kept for this session was dropped.")
    if saved.not_removed:
        roles = _and([str(r) for r in saved.not_removed])
        parts.append(f"The system keyring did not let go of the {roles} key; remove it with "
                     "your keyring's own tool.")
        level = "warning"
    return " ".join(parts), level


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
