"""The meeting point of the driver and its workers: a small Ray actor holding what came home.

Workers ``push`` what a run produced as it goes: changed files (when they work on their own
disk), result records (the bench's case verdicts and appearance grades) and notes. The
driver ``drain``s those pushes and puts them in its output folder. A worker that needs a
run's files as they are at home (to resume it, or to judge it) asks with ``fetch``; the
driver answers with ``provide``. The exchange remembers, per run, the files and records it
has seen, so a worker started again after its predecessor died resumes from the last
committed step that reached the exchange, without waiting for the driver.

Never given: API keys. They travel only in a task's environment.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from agent_core.distributed.files import FileChanges


@dataclass(frozen=True)
class Push:
    """Something one run sent home.

    Attributes:
        key: The run's key in this invocation.
        node: The node it ran on (its address).
        files: Changed files, relative to the driver's output folder (None: none sent,
            the worker writes into the driver's folder itself).
        records: Result records, in the order they were made.
        note: A line to show ('' for none).
        started: The run began (or began again) on ``node``.
    """

    key: str
    node: str
    files: FileChanges | None = None
    records: tuple[dict[str, Any], ...] = ()
    note: str = ""
    started: bool = False


@dataclass(frozen=True)
class Snapshot:
    """A run's state at home, as a worker starting it gets it.

    Attributes:
        files: Its files (None when they were not asked for).
        records: Result records already made for it in this invocation.
    """

    files: FileChanges | None
    records: tuple[dict[str, Any], ...] = ()


@dataclass
class _Run:
    files: FileChanges | None = None
    records: list[dict[str, Any]] = field(default_factory=list)
    provided: asyncio.Event = field(default_factory=asyncio.Event)


class Exchange:
    """The actor's class (made remote with ``ray.remote`` by the driver; async methods)."""

    def __init__(self) -> None:
        self._runs: dict[str, _Run] = {}
        self._outbox: list[Push] = []
        self._wanted: list[str] = []

    def _run(self, key: str) -> _Run:
        return self._runs.setdefault(key, _Run())

    async def push(self, update: Push) -> None:
        """A worker's update: remembered for a later attempt and queued for the driver."""
        run = self._run(update.key)
        if update.files is not None and run.files is not None:
            for rel, data in update.files.items():
                if data is None:
                    run.files.pop(rel, None)
                else:
                    run.files[rel] = data
        run.records.extend(update.records)
        self._outbox.append(update)

    async def fetch(self, key: str, with_files: bool) -> Snapshot:
        """What a starting worker needs: the records so far and, if asked, the run's files."""
        run = self._run(key)
        if with_files and not run.provided.is_set():
            if key not in self._wanted:
                self._wanted.append(key)
            await run.provided.wait()
        files = dict(run.files) if with_files and run.files is not None else None
        return Snapshot(files, tuple(run.records))

    async def provide(self, key: str, files: FileChanges) -> None:
        """The driver's answer to ``fetch``: the run's files in its output folder."""
        run = self._run(key)
        run.files = {rel: data for rel, data in files.items() if data is not None}
        run.provided.set()

    async def drain(self) -> tuple[list[Push], list[str]]:
        """The pushes since the last drain, and the runs whose files are wanted."""
        pushes, self._outbox = self._outbox, []
        wanted, self._wanted = self._wanted, []
        return pushes, wanted

    async def forget(self, key: str) -> None:
        """Drop a run that ended (its files are home)."""
        self._runs.pop(key, None)


__all__ = ["Exchange", "Push", "Snapshot"]
