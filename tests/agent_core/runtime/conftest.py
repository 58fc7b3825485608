"""Runtime tests keep the engine's process registry in a temporary state dir."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent_core.runtime.guard import configure_state_dir


@pytest.fixture(autouse=True)
def runtime_state_dir(tmp_path: Path):
    """A fresh state dir for this test's process registry (never the user's own)."""
    state = tmp_path / "state"
    configure_state_dir(state)
    yield state
    configure_state_dir(None)
