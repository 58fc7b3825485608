"""The real-model tier: one llama.cpp server with SmolLM2-135M for the whole session.

``./studio test`` installs both; here a missing one fails the tier loudly, never skips it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.tiny_model import TinyModelServer


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TinyModelServer]:
    """SmolLM2-135M-Instruct served on loopback (started once, stopped at the end)."""
    server = TinyModelServer(tmp_path_factory.mktemp("tiny-model") / "server.log").start()
    try:
        yield server
    finally:
        server.stop()
