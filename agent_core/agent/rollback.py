"""Undoing a step that did not finish: the project goes back to the last committed step.

A coder's files are written while its reply streams, so a step cut short (the model server
dropped the stream, stalled, sent garbage; the user pressed Stop) leaves some of its files in
the project. The run's head is still the last committed step, so the files must be too.
"""

from __future__ import annotations

import asyncio

from agent_core.store.run_store import RunStore
from agent_core.store.start import start_files
from agent_core.workspace.guard import Workspace


def _undo(store: RunStore, workspace: Workspace, head: int | None) -> int:
    target = store.files_of(head) if head else start_files(store)
    current = workspace.snapshot()
    changed = {p for p in set(current) | set(target) if current.get(p) != target.get(p)}
    if changed:
        workspace.restore(target)
    return len(changed)


async def roll_back_unfinished(store: RunStore, workspace: Workspace) -> int:
    """Make the project equal to the head step's files; returns how many files changed.

    Reads and writes in a worker thread (the window's loop never waits on the disk).
    """
    return await asyncio.to_thread(_undo, store, workspace, store.head)
