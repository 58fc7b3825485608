"""Suite-wide guards: no connection beyond loopback, no process left behind, offline npm."""

from __future__ import annotations

import ipaddress
import os
import socket

import pytest

from tests.support.npm import offline_npm_env
from tests.support.procs import cmdline, descendants, new_processes, wait_until_gone

# The pipx test (marker `pipx`) downloads about 700 MB from PyPI: it runs only when asked
# (see pytest_collection_modifyitems). Read before the WEBGEN_* variables are cleared.
PACKAGING_TESTS = os.environ.get("WEBGEN_PACKAGING_TESTS") == "1"
BUNDLE_DIR = os.environ.get("WEBGEN_BUNDLE_DIR", "")  # reuse a built bundle in those tests

os.environ.update(offline_npm_env())
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Keep model settings of the developer's shell out of the tests.
# (The ollama client would also send OLLAMA_API_KEY by itself.)
for _name in list(os.environ):
    if _name.startswith("WEBGEN_") or _name in (
        "OLLAMA_API_KEY", "OPENAI_API_KEY", "OLLAMA_HOST", "OPENAI_BASE_URL"
    ):
        del os.environ[_name]

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _is_loopback(address: object) -> bool:
    if not isinstance(address, tuple) or not address:
        return True  # AF_UNIX paths and the like never leave the machine
    host = str(address[0])
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False  # an unresolved name: refuse, it could go anywhere


class NetworkGuardError(AssertionError):
    """A test tried to open a connection beyond loopback."""


def _guarded_connect(self: socket.socket, address: object) -> None:
    if not _is_loopback(address):
        raise NetworkGuardError(f"test tried to connect beyond loopback: {address!r}")
    return _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: object) -> int:
    if not _is_loopback(address):
        raise NetworkGuardError(f"test tried to connect beyond loopback: {address!r}")
    return _real_connect_ex(self, address)


socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip tests marked ``pipx`` unless WEBGEN_PACKAGING_TESTS=1."""
    if PACKAGING_TESTS:
        return
    skip = pytest.mark.skip(reason="set WEBGEN_PACKAGING_TESTS=1 (./studio package) to run")
    for item in items:
        if item.get_closest_marker("pipx") is not None:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def no_leaked_processes(request: pytest.FixtureRequest):
    """Fail a test that leaves child processes (dev servers, npm, browsers) running."""
    before = set(descendants())
    yield
    leaked = new_processes(before)
    leaked = wait_until_gone(leaked, timeout_s=5.0)
    if leaked:
        described = "; ".join(f"{p}: {cmdline(p)[:120]}" for p in leaked)
        for pid in leaked:
            try:
                os.kill(pid, 9)
            except ProcessLookupError:
                pass
        pytest.fail(f"test left processes running: {described}")
