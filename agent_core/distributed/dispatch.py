"""The driver's side: send runs to the cluster as tasks, bring what they make home.

``Dispatcher`` owns the exchange actor of one invocation and a pump that drains it: files
are written into the output folder, result records handed to whoever sent the run, notes
and run states reported. ``Dispatcher.run`` submits one run as one Ray task, with its
resources (CPUs and a ``browser``), its retries and its keys in the task's environment,
and waits for it; cancelling the wait cancels the task.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent_core.distributed.cluster import BROWSER, Cluster
from agent_core.distributed.exchange import Exchange, Push
from agent_core.distributed.files import TransferError, read_tree, write_tree
from agent_core.distributed.progress import RunState, RunUpdate
from agent_core.distributed.tickets import Ticket

log = logging.getLogger(__name__)
PROBE_FILE = ".webgen-ray-probe"
RecordHandler = Callable[[dict[str, Any]], Awaitable[None]]
UpdateCallback = Callable[[RunUpdate], None]


class RunLost(Exception):
    """A run's task ended without a result: its worker kept dying, or Ray refused it."""


@dataclass(frozen=True)
class Unit:
    """One run as the driver sends it.

    Attributes:
        key: Unique among the invocation's runs.
        label: The run in words.
        root: The output folder the run's files belong in.
        subtrees: The run's folders under ``root``.
        on_record: Receives the run's result records, in order (None: it makes none).
        browsers: ``browser`` resources the run takes.
    """

    key: str
    label: str
    root: Path
    subtrees: tuple[str, ...]
    on_record: RecordHandler | None = None
    browsers: float = 1.0


class Dispatcher:
    """Runs units on a cluster and brings their files and records home.

    Use as ``async with Dispatcher(cluster) as dispatcher:``.

    Args:
        cluster: The connection.
        on_update: Receives run states (queued, running on a node, done, failed) and notes.
        interval_s: Seconds between two drains of the exchange.
    """

    def __init__(self, cluster: Cluster, *, on_update: UpdateCallback | None = None,
                 interval_s: float = 0.2) -> None:  # fmt: skip
        self.cluster = cluster
        self._ray = cluster.ray
        self._on_update = on_update
        self._interval_s = interval_s
        self._job = secrets.token_hex(6)
        self._units: dict[str, Unit] = {}
        self._nodes: dict[str, str] = {}
        self._probes: dict[Path, tuple[str, str]] = {}
        self._remotes: dict[Callable[..., Any], Any] = {}
        self._exchange: Any = None
        self._pump: asyncio.Task[None] | None = None
        self._drain_lock = asyncio.Lock()

    async def __aenter__(self) -> Dispatcher:
        actor = self._ray.remote(num_cpus=0, max_concurrency=1000)(Exchange)
        self._exchange = actor.remote()
        self._pump = asyncio.create_task(self._pump_forever())
        return self

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.shield(self._close())

    async def _close(self) -> None:
        if self._pump is not None:
            self._pump.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._pump
        with contextlib.suppress(Exception):
            await self.drain()
        with contextlib.suppress(Exception):
            self._ray.kill(self._exchange)
        for path, _ in self._probes.values():
            with contextlib.suppress(OSError):
                await asyncio.to_thread(Path(path).unlink, True)

    async def run(self, unit: Unit, function: Callable[..., Any], payload: Any, *,
                  env: Mapping[str, str] | None = None) -> Any:  # fmt: skip
        """Run ``function(ticket, payload)`` as one task on the cluster and return its result.

        Args:
            unit: The run.
            function: A module-level function of ``agent_core.distributed`` (importable on
                the workers).
            payload: Its argument (no keys in it).
            env: The task's environment: the API keys of its models.

        Raises:
            RunLost: The task failed for good (the message says why).
        """
        self._units[unit.key] = unit
        ticket = await self._ticket(unit)
        options: dict[str, Any] = {
            "num_cpus": self.cluster.choice.cpus, "max_retries": self.cluster.choice.retries,
            "retry_exceptions": False, "name": unit.label,
        }  # fmt: skip
        if unit.browsers:
            options["resources"] = {BROWSER: unit.browsers}
        if env:
            options["runtime_env"] = {"env_vars": dict(env)}
        self._report(RunUpdate(unit.key, unit.label, "queued"))
        ref = self._remote(function).options(**options).remote(ticket, payload)
        try:
            result = await asyncio.wrap_future(ref.future())
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                self._ray.cancel(ref, force=True)
            await asyncio.shield(self._finish(unit, "failed", "cancelled"))
            raise
        except Exception as exc:
            reason = _reason(exc)
            await asyncio.shield(self._finish(unit, "failed", reason))
            raise RunLost(f"{unit.label}: {reason}") from None
        await asyncio.shield(self._finish(unit, "done", ""))
        return result

    async def drain(self) -> None:
        """Apply everything pushed so far and answer the workers waiting for files."""
        async with self._drain_lock:
            pushes, wanted = await self._call(self._exchange.drain)
            for key in wanted:
                unit = self._units[key]
                files = await asyncio.to_thread(read_tree, unit.root, unit.subtrees)
                await self._call(self._exchange.provide, key, files)
            for push in pushes:
                await self._apply(push)

    async def _finish(self, unit: Unit, state: RunState, reason: str) -> None:
        await self.drain()
        await self._call(self._exchange.forget, unit.key)
        node = self._nodes.get(unit.key, "")
        self._report(RunUpdate(unit.key, unit.label, state, node, reason))

    async def _apply(self, push: Push) -> None:
        unit = self._units.get(push.key)
        if unit is None:
            return
        if push.started:
            self._nodes[push.key] = push.node
            self._report(RunUpdate(unit.key, unit.label, "running", push.node))
        if push.files:
            try:
                await asyncio.to_thread(write_tree, unit.root, push.files)
            except TransferError as exc:  # reported; the run's other news still counts
                self._report(RunUpdate(unit.key, unit.label, "note", push.node, str(exc)))
        if unit.on_record is not None:
            for record in push.records:
                await unit.on_record(record)
        if push.note:
            self._report(RunUpdate(unit.key, unit.label, "note", push.node, push.note))

    async def _ticket(self, unit: Unit) -> Ticket:
        probe = self._probes.get(unit.root)
        if probe is None:
            token = secrets.token_hex(16)
            path = unit.root / PROBE_FILE
            await asyncio.to_thread(path.write_text, token, "utf-8")
            probe = self._probes[unit.root] = (str(path), token)
        return Ticket(unit.key, unit.label, str(unit.root), unit.subtrees,
                      self.cluster.choice.files, probe, self._exchange, self._job)  # fmt: skip

    def _remote(self, function: Callable[..., Any]) -> Any:
        if function not in self._remotes:
            self._remotes[function] = self._ray.remote(function)
        return self._remotes[function]

    async def _pump_forever(self) -> None:
        while True:
            await asyncio.sleep(self._interval_s)
            try:
                await self.drain()
            except asyncio.CancelledError:
                raise
            except Exception:  # one bad drain must not stop the others; the next retries
                log.exception("bringing results home failed")

    async def _call(self, method: Any, *args: Any) -> Any:
        return await asyncio.wrap_future(method.remote(*args).future())

    def _report(self, update: RunUpdate) -> None:
        if self._on_update is None:
            return
        try:
            self._on_update(update)
        except Exception:  # a listener's bug must not stop the runs
            log.exception("progress listener failed")


def _reason(exc: BaseException) -> str:
    """Why a task failed, in one line (Ray wraps our own errors with a traceback)."""
    cause = getattr(exc, "cause", None)
    if isinstance(cause, BaseException):
        exc = cause
    lines = [line for line in str(exc).strip().splitlines() if line.strip()]
    return (lines[-1] if lines else type(exc).__name__)[:300]


__all__ = ["PROBE_FILE", "Dispatcher", "RunLost", "Unit"]
