"""A real sandbox for tests that drive the installer or the dev server directly."""

from __future__ import annotations

from pathlib import Path

from agent_core.config import SandboxConfig
from agent_core.runtime.sandbox import Sandbox
from tests.support.npm import NPM_CACHE


def sandbox_for(root: Path, config: SandboxConfig | None = None) -> Sandbox:
    """The sandbox of a site folder ``root``; its private HOME and TMPDIR sit beside it.

    npm uses the suite's warm cache, as a user's configured ``npm_config_cache`` would be.
    """
    root = Path(root)
    private = root.parent / f".{root.name}-sandbox"
    return Sandbox(root, private, NPM_CACHE, config or SandboxConfig())
