"""Moving the run's head and putting its files in the project: restore, best, last, undo.

A coder's files are written while its reply streams, so a step cut short (the model server
dropped the stream, stalled, sent garbage; the user pressed Stop) leaves some of its files in
the project. The run's head is still the last committed step, so the files must be too
(``roll_back_unfinished``).
"""

from __future__ import annotations

import asyncio

from agent_core.store.run_store import RunStore
from agent_core.store.selection import answering_latest_request, select_best_step
from agent_core.store.start import start_files
from agent_core.workspace.guard import Workspace


def undo_to(store: RunStore, workspace: Workspace, head: int | None) -> int:
    """Make the project equal to step ``head``'s files (None: the start); returns how many
    files changed. Blocking: call it in a worker thread."""
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
    return await asyncio.to_thread(undo_to, store, workspace, store.head)


async def restore_step_files(store: RunStore, workspace: Workspace, index: int | None) -> None:
    """Put step ``index``'s files in the workspace and make it the head (None: the start).

    The start is empty, or the template or folder the run started from. Files are read and
    written off the event loop.
    """
    if index:
        files = await asyncio.to_thread(store.files_of, index)
    else:
        files = await asyncio.to_thread(start_files, store)
    await asyncio.to_thread(workspace.restore, files)
    await store.set_head_async(index)


async def apply_best_step(store: RunStore, workspace: Workspace) -> int | None:
    """Select the best step by the METHOD rule, restore its files and record the choice.

    After a follow-up request only the steps answering it compete, so a finished follow-up
    is never undone by an earlier step that scored higher on the older task.
    """
    best = select_best_step(answering_latest_request(store.steps()))
    index = best.index if best else None
    if index is not None:
        await restore_step_files(store, workspace, index)
    await store.update_manifest_async(best_step=index)
    return index


async def keep_last_step(store: RunStore, workspace: Workspace) -> int | None:
    """Make the last step (the head) the run's result, whatever its grades."""
    index = store.head
    if index is not None:
        await restore_step_files(store, workspace, index)
    await store.update_manifest_async(best_step=index)
    return index
