"""Keyring backends for tests, so they never read or write the user's real keyring.

``MemoryKeyring`` keeps passwords in a dict. ``NoKeyring`` and ``LockedForWriting`` fail the
way a machine without a Secret Service, or with a locked one, fails.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

import keyring
import keyring.backend
from keyring.compat import properties
from keyring.errors import KeyringLocked, NoKeyringError, PasswordDeleteError

Backend = TypeVar("Backend", bound=keyring.backend.KeyringBackend)


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A real keyring backend that keeps its passwords in a dict.

    Args:
        entries: Initial passwords by ``(service, username)``.

    Attributes:
        entries: The stored passwords, by ``(service, username)``.
        lookups: Every ``(service, username)`` asked for, in order.
    """

    priority = 100  # type: ignore[assignment]  # above every real backend

    def __init__(self, entries: dict[tuple[str, str], str] | None = None) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = dict(entries or {})
        self.lookups: list[tuple[str, str]] = []

    def get_password(self, service: str, username: str) -> str | None:
        """The password of ``username`` at ``service``, or None."""
        self.lookups.append((service, username))
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        """Store ``password`` for ``username`` at ``service``."""
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        """Remove the password, failing as real backends do when there is none."""
        if self.entries.pop((service, username), None) is None:
            raise PasswordDeleteError(f"no password for {username} at {service}")


class NoKeyring(keyring.backend.KeyringBackend):
    """A backend for a machine without any keyring: every call raises ``NoKeyringError``.

    It behaves like keyring's own ``fail`` backend but lives in another module, so code that
    recognises that backend by name alone does not pass with it.
    """

    @properties.classproperty
    def priority(cls) -> float:
        """Not viable: there is no keyring here."""
        raise NoKeyringError("no keyring backend is available on this machine")

    def get_password(self, service: str, username: str) -> str | None:
        """Fail as a machine without a Secret Service does."""
        raise NoKeyringError("no keyring backend is available on this machine")

    def set_password(self, service: str, username: str, password: str) -> None:
        """Fail as a machine without a Secret Service does."""
        raise NoKeyringError("no keyring backend is available on this machine")

    def delete_password(self, service: str, username: str) -> None:
        """Fail as a machine without a Secret Service does."""
        raise NoKeyringError("no keyring backend is available on this machine")


class LockedForWriting(MemoryKeyring):
    """A keyring that answers lookups but refuses to store, like a store locked meanwhile."""

    def set_password(self, service: str, username: str, password: str) -> None:
        """Refuse, as a locked collection does."""
        raise KeyringLocked("the collection is locked")


@contextmanager
def installed(backend: Backend) -> Iterator[Backend]:
    """Make ``backend`` the keyring for the block, then restore the previous one."""
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)
