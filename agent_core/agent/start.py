"""Starting a new run from a template or a project folder instead of an empty project."""

from __future__ import annotations

import asyncio
from pathlib import Path

from agent_core.runtime.dep_store import DependencyStore, dependency_key
from agent_core.store.run_store import RunStore
from agent_core.store.start import RunStart, record_start
from agent_core.workspace.guard import Workspace
from agent_core.workspace.seed import SeedFiles


async def seed_run(store: RunStore, seed: SeedFiles, start: RunStart) -> RunStart:
    """Put the starting files into a new run's workspace and record them as its start.

    Read the folder first with :func:`agent_core.workspace.seed.read_seed` (it refuses a
    folder over the limits before a run exists). Dependencies are not copied: a set installed
    before is linked from the dependency store here, otherwise the first step installs it.

    Args:
        store: A new run (no steps yet).
        seed: The files read from the template or project folder.
        start: The start's kind, name and title (files and what was left out are filled in).

    Returns:
        The recorded start.

    Raises:
        RunStoreError: The disk refused a write.
        WorkspaceViolation: A file could not be written into the workspace.
    """
    start = RunStart(start.kind, start.name, start.title, {}, tuple(seed.left_out))
    recorded = await asyncio.to_thread(record_start, store, start, seed.files)
    await asyncio.to_thread(Workspace(store.workspace).restore, seed.files)
    await asyncio.to_thread(_link_known_dependencies, store.workspace)
    return recorded


def _link_known_dependencies(workspace: Path) -> None:
    """Link node_modules now when its set was installed before: the first step then only
    records it (see ``DependencyInstaller``); otherwise that step installs as usual."""
    key = dependency_key(workspace)
    if key is not None:
        DependencyStore().link_into(workspace, key)
