"""Desktop tests: no window left open, keys in an in-memory keyring, a window fixture.

Keys kept for a session (no keyring) are forgotten after each test, as when the app quits.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from agent_core.config import RunConfig
from agent_core.llm.keys import forget_session_keys
from tests.support.desktop import Desk, closed_port_url, make_desk
from tests.support.keyring_backend import MemoryKeyring, installed
from tests.support.qt import no_leaked_windows


@pytest.fixture(autouse=True)
def _no_leaked_windows(qapp) -> Iterator[None]:
    with no_leaked_windows():
        yield


@pytest.fixture(autouse=True)
def _no_session_keys() -> Iterator[None]:
    forget_session_keys()
    yield
    forget_session_keys()


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    """An empty in-memory keyring for one test; the previous backend comes back after it."""
    with installed(MemoryKeyring()) as backend:
        yield backend


@pytest.fixture
def desktop(qtbot, tmp_path, monkeypatch, memory_keyring) -> Desk:
    """A shown main window whose settings live under ``tmp_path`` and keys in memory.

    ``OLLAMA_HOST`` points at a closed port, so no Ollama of the machine is ever found;
    tests that want one set it to a scripted server. Runs get the app's own default
    ``RunConfig()`` (not the fast test timeouts). Close it with ``desktop.run(...)``.
    """
    monkeypatch.setenv("WEBGEN_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("WEBGEN_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("OLLAMA_HOST", closed_port_url())
    return make_desk(qtbot, tmp_path, RunConfig())
