"""A run's end of the exchange, on the worker that runs it.

``WorkerLink`` decides where the run works: in the driver's folder when this node shares
its filesystem, else in a scratch folder of its own, filled with the run's files as they
are at home (so a run started again after its worker died resumes from its last committed
step). While the run goes, ``send`` pushes what changed, records and notes; ``close``
pushes the rest and removes the scratch folder.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import shutil
import tempfile
from pathlib import Path
from typing import Any

from agent_core.distributed.cluster import FilesMode
from agent_core.distributed.exchange import Push, Snapshot
from agent_core.distributed.files import TreeWatch, clear_tree, write_tree
from agent_core.distributed.tickets import Ticket

SCRATCH = "webgen-ray"


def shares_home(ticket: Ticket) -> bool:
    """Whether this node sees the driver's output folder (the probe's token is there)."""
    if ticket.files is FilesMode.SHARED:
        return True
    if ticket.files is FilesMode.COPY:
        return False
    path, token = ticket.probe
    try:
        return Path(path).read_text(encoding="utf-8") == token
    except (OSError, UnicodeDecodeError):
        return False


def node_name() -> str:
    """This node as progress shows it: its address and the start of its id."""
    ray: Any = importlib.import_module("ray")
    node_id = str(ray.get_runtime_context().get_node_id())
    return f"{ray.util.get_node_ip_address()} {node_id[:6]}"


class WorkerLink:
    """Use as ``async with WorkerLink(ticket) as link:``; work in ``link.root``.

    Args:
        ticket: The run's ticket.

    Attributes:
        shared: Whether the run works in the driver's folder.
        root: Where to work: the driver's folder, or the scratch copy of the run's tree.
        records: Result records an earlier attempt of this run already sent home.
    """

    def __init__(self, ticket: Ticket) -> None:
        self.ticket = ticket
        self.shared = shares_home(ticket)
        self.root = Path(ticket.home)
        self.records: tuple[dict[str, Any], ...] = ()
        self._node = node_name()
        self._watch: TreeWatch | None = None
        self._lock = asyncio.Lock()
        self._pending: set[asyncio.Task[None]] = set()

    async def __aenter__(self) -> WorkerLink:
        snapshot: Snapshot = await self._call("fetch", self.ticket.key, not self.shared)
        self.records = snapshot.records
        if not self.shared:
            self.root = await asyncio.to_thread(self._fill_scratch, snapshot.files or {})
        await self._call("push", Push(self.ticket.key, self._node, started=True))
        return self

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.shield(self.close())

    def _fill_scratch(self, files: dict[str, bytes | None]) -> Path:
        root = Path(tempfile.gettempdir()) / SCRATCH / self.ticket.job / self.ticket.key
        clear_tree(root, self.ticket.subtrees)  # an attempt before this one on this node
        root.mkdir(parents=True, exist_ok=True)
        write_tree(root, files)
        self._watch = TreeWatch(root, self.ticket.subtrees)
        self._watch.mark_seen()
        return root

    async def send(self, records: tuple[dict[str, Any], ...] = (), note: str = "") -> None:
        """Push the files changed since the last push, ``records`` and ``note``, in order."""
        async with self._lock:
            files = None
            if self._watch is not None:
                files = await asyncio.to_thread(self._watch.changes)
            if files or records or note:
                await self._call("push", Push(self.ticket.key, self._node, files, records, note))

    def note(self, text: str) -> None:
        """``send`` a note (and the files changed by then) without waiting for it."""
        task = asyncio.ensure_future(self.send(note=text))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def close(self) -> None:
        """Push what is left, then remove the scratch folder."""
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)
        await self.send()
        if self._watch is not None:
            with contextlib.suppress(OSError):
                await asyncio.to_thread(shutil.rmtree, self.root, True)

    def home_path(self, rel: str) -> Path:
        """Where ``rel`` (relative to the root) lives at home."""
        return Path(self.ticket.home) / rel

    async def _call(self, method: str, *args: Any) -> Any:
        ref = getattr(self.ticket.exchange, method).remote(*args)
        return await asyncio.wrap_future(ref.future())


__all__ = ["SCRATCH", "WorkerLink", "node_name", "shares_home"]
