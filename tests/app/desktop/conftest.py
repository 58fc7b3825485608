"""Desktop tests: no window left open, keys in an in-memory keyring, a window fixture."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.desktop import Desktop, build_desktop, closed_port_url
from tests.support.keyring_backend import MemoryKeyring, installed
from tests.support.qt import no_leaked_windows


@pytest.fixture(autouse=True)
def _no_leaked_windows(qapp) -> Iterator[None]:
    with no_leaked_windows():
        yield


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    """An empty in-memory keyring for one test; the previous backend comes back after it."""
    with installed(MemoryKeyring()) as backend:
        yield backend


@pytest.fixture
def desktop(qtbot, tmp_path, monkeypatch, memory_keyring) -> Desktop:
    """A shown main window whose settings live under ``tmp_path`` and keys in memory.

    ``OLLAMA_HOST`` points at a closed port, so no Ollama of the machine is ever found;
    tests that want one set it to a scripted server. Close it with ``desktop.run(...)``.
    """
    config_dir = tmp_path / "config"
    monkeypatch.setenv("WEBGEN_CONFIG_DIR", str(config_dir))
    monkeypatch.setenv("WEBGEN_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("OLLAMA_HOST", closed_port_url())
    built = build_desktop(config_dir, tmp_path / "runs", tmp_path / "window.ini")
    qtbot.addWidget(built.window)
    return built
