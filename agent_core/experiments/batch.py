"""Running many instructions with several coder models, several samples each, into one folder.

Every (item, coder, sample) gets its own run directory ``OUT/<item id>/<coder slug>/
sample-<n>``, run by the WebGen-Agent loop with the coder that varies and the critic and
feedback models that stay the same. Given ablation conditions, every (item, coder,
condition, sample) runs in ``OUT/<item id>/<coder slug>/<condition>/sample-<n>``. At most
``concurrency`` runs go at once. The batch is resumable: a finished run is skipped, an
unfinished one is resumed from its last committed step. A run that fails is recorded and
the others go on. ``OUT/batch.json`` holds the report, also when the batch is interrupted
(with the runs done so far).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from pathlib import Path

from agent_core.agent.services import AgentModels
from agent_core.config import Condition, RoleConfig, RunConfig
from agent_core.errors import WebGenError
from agent_core.experiments.batch_job import (
    BatchEvent,
    BatchJob,
    EventCallback,
    coder_slug,
    run_job,
)
from agent_core.experiments.batch_report import BatchItem, BatchReport, BatchRun, CoderRow
from agent_core.store.atomic import write_json_atomic
from agent_core.store.locks import LockHeld, take_pid_lock

log = logging.getLogger(__name__)
BATCH_FILE = "batch.json"
LOCK_FILE = ".batch.lock"
_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,79}")

ModelsFactory = Callable[[RoleConfig], AgentModels]
"""Builds the clients for the runs of one coder: that coder plus the shared critic and
feedback clients. Called once per coder; the batch closes only the coder client."""

JobExecutor = Callable[[BatchJob, Path, RunConfig], Awaitable[BatchRun]]
"""Runs one job somewhere else (e.g. on a cluster) and returns its outcome, with the run's
folder in place in the batch folder; it must not raise but for cancellation."""


class BatchError(WebGenError):
    """The batch cannot start: bad items or coders, or its folder is in use."""


def item_id_for(instruction: str) -> str:
    """A folder name for an instruction: its first words and a short hash of the whole.

    The same text always gets the same id, so a batch given its instructions in another
    order still finds its runs.
    """
    words = re.findall(r"[a-z0-9]+", instruction.lower())[:5]
    stem = "-".join(words)[:40].strip("-") or "item"
    return f"{stem}-{hashlib.sha256(instruction.strip().encode()).hexdigest()[:6]}"


async def run_batch(
    instructions: Sequence[BatchItem],
    coders: Sequence[RoleConfig],
    samples: int,
    *,
    out_dir: Path,
    make_models: ModelsFactory | None,
    config: RunConfig,
    concurrency: int,
    on_event: EventCallback | None = None,
    conditions: Sequence[Condition] | None = None,
    executor: JobExecutor | None = None,
) -> BatchReport:
    """Run every instruction with every coder ``samples`` times and compare the coders.

    Args:
        instructions: The items (unique ids).
        coders: The coder roles to compare (model names must give distinct folders).
        samples: Runs per (item, coder).
        out_dir: The batch folder.
        make_models: Builds a coder's clients with the shared critic and feedback clients
            (those belong to the caller, who closes them); a failure to build is recorded
            as a failure of that coder's runs. None only with ``executor``.
        config: Limits of every run (also used when a run is resumed).
        concurrency: Runs at the same time.
        on_event: Called with notes and engine events of every run.
        conditions: Ablation conditions to run each (item, coder, sample) under, each in
            its own folder; None runs ``config`` as it is.
        executor: Runs each job elsewhere (``make_models`` is then not called); None runs
            them in this process, ``concurrency`` at a time.

    Returns:
        The report; ``OUT/batch.json`` holds it too.

    Raises:
        BatchError: No item or coder, duplicate ids or folders, ``samples`` < 1, or another
            batch uses ``out_dir``.
    """
    items = _check_items(instructions)
    names = _check_coders(coders)
    if samples < 1:
        raise BatchError(f"samples must be at least 1, not {samples}")
    if conditions is not None and len({c.name for c in conditions}) != len(conditions):
        raise BatchError("a condition is given twice; give each condition once")
    out, lock = await asyncio.to_thread(_take_folder, Path(out_dir))
    batch = _Batch(items, list(coders), samples, out, make_models, config, concurrency, on_event)
    batch.conditions = list(conditions) if conditions else [None]
    batch.executor = executor
    try:
        try:
            await batch.run_all()
        finally:
            report = BatchReport(out, samples, tuple(items), tuple(names), batch.results(),
                                 conditions=tuple(c.name for c in conditions or ()))
            report = await asyncio.shield(asyncio.to_thread(_write_report, report))
    finally:
        await asyncio.shield(batch.close())
        os.close(lock)
    return report


class _Batch:
    """The runs of one batch invocation, with their shared coder clients."""

    def __init__(self, items: list[BatchItem], coders: list[RoleConfig], samples: int,
                 out: Path, make_models: ModelsFactory | None, config: RunConfig,
                 concurrency: int, on_event: EventCallback | None) -> None:  # fmt: skip
        self.items, self.coders, self.samples, self.out = items, coders, samples, out
        self.make_models, self.config, self.on_event = make_models, config, on_event
        self.slots = asyncio.Semaphore(max(1, concurrency))
        self.models: dict[str, AgentModels | str] = {}
        self.done: dict[tuple[int, int, int, int], BatchRun] = {}
        self.conditions: list[Condition | None] = [None]
        self.executor: JobExecutor | None = None

    def results(self) -> tuple[BatchRun, ...]:
        """The outcomes so far, in (item, coder, condition, sample) order."""
        return tuple(self.done[key] for key in sorted(self.done))

    async def run_all(self) -> None:
        """Set up each coder's clients, then run every (item, coder, condition, sample) job."""
        if self.executor is None:
            for coder in self.coders:
                self.models[coder.model] = self._build(coder)
        async with asyncio.TaskGroup() as group:
            for i, item in enumerate(self.items):
                for c, coder in enumerate(self.coders):
                    for k, condition in enumerate(self.conditions):
                        for sample in range(1, self.samples + 1):
                            job = BatchJob(item, coder.model, condition, sample)
                            group.create_task(self._job((i, c, k, sample), job))

    def _build(self, coder: RoleConfig) -> AgentModels | str:
        if self.make_models is None:
            return f"the coder {coder.model} has no client: no models factory was given"
        try:
            return self.make_models(coder)
        except WebGenError as exc:
            return f"the coder {coder.model} could not be set up: {exc}"

    async def close(self) -> None:
        """Close the coder clients (the shared critic and feedback are the caller's)."""
        for models in self.models.values():
            if isinstance(models, AgentModels):
                with contextlib.suppress(Exception):
                    await models.coder.close()

    async def _job(self, key: tuple[int, int, int, int], job: BatchJob) -> None:
        run_dir = job.run_dir(self.out)
        if self.executor is not None:
            result = await self.executor(job, run_dir, self.config)
        else:
            async with self.slots:
                result = await run_job(job, run_dir, self.models[job.coder], self.config,
                                       self.on_event)  # fmt: skip
        self.done[key] = result
        if result.finished and result.ran:
            self._note(job, run_dir, f"finished ({result.reason}); best step {result.best_step}")
        elif not result.finished:
            self._note(job, run_dir, f"{result.status}: {result.reason}")

    def _note(self, job: BatchJob, run_dir: Path, note: str) -> None:
        if self.on_event is None:
            return
        try:
            self.on_event(job.event(run_dir, note=note))
        except Exception:  # a listener's bug must not stop the batch
            log.exception("batch event listener failed")


def _check_items(items: Sequence[BatchItem]) -> list[BatchItem]:
    items = list(items)
    if not items:
        raise BatchError("no instruction to run: give --instruction, --instructions-file or "
                         "--bench-ids")  # fmt: skip
    seen: set[str] = set()
    for item in items:
        if not _SAFE_ID.fullmatch(item.id):
            raise BatchError(f"the item id {item.id!r} cannot name a folder: use letters, "
                             "digits, '.', '_' or '-'")  # fmt: skip
        if item.id in seen:
            raise BatchError(f"the item {item.id} is given twice; give each instruction once")
        if not item.instruction.strip():
            raise BatchError(f"the item {item.id} has an empty instruction")
        seen.add(item.id)
    return items


def _check_coders(coders: Sequence[RoleConfig]) -> list[str]:
    if not coders:
        raise BatchError("no coder model to run: give --coder-model at least once")
    folders: dict[str, str] = {}
    for coder in coders:
        if not coder.model.strip():
            raise BatchError("a coder has no model name")
        slug = coder_slug(coder.model)
        if slug in folders:
            raise BatchError(
                f"the coder models {folders[slug]!r} and {coder.model!r} would share the "
                f"folder {slug}; compare coders with distinct model names"
            )
        folders[slug] = coder.model
    return [coder.model for coder in coders]


def _take_folder(out_dir: Path) -> tuple[Path, int]:
    """Create the batch folder and take its lock; returns the absolute path and the lock."""
    out = out_dir.resolve()
    out.mkdir(parents=True, exist_ok=True)
    return out, _lock_folder(out)


def _lock_folder(out: Path) -> int:
    try:
        return take_pid_lock(out / LOCK_FILE)
    except LockHeld as held:
        raise BatchError(f"{out} is in use by another batch (process {held.holder}); wait for "
                         "it to end or choose another --out") from None  # fmt: skip


def _write_report(report: BatchReport) -> BatchReport:
    path = report.out_dir / BATCH_FILE
    write_json_atomic(path, {**report.to_dict(), "written_at": time.time()})
    return replace(report, path=path)


__all__ = [
    "BATCH_FILE",
    "BatchError",
    "BatchEvent",
    "BatchItem",
    "BatchJob",
    "BatchReport",
    "BatchRun",
    "CoderRow",
    "EventCallback",
    "JobExecutor",
    "ModelsFactory",
    "coder_slug",
    "item_id_for",
    "run_batch",
]
