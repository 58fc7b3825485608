"""One run of a batch: which item, coder, condition and sample, and running it to its end.

``run_job`` creates the run, resumes an unfinished one from its last committed step, or
skips a finished one, and returns its outcome. The in-process batch calls it for each job;
a cluster worker calls the same function with clients built on its own machine.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from agent_core.agent.loop import WebGenAgent
from agent_core.agent.services import AgentModels
from agent_core.bench.generate import check_run_dir
from agent_core.config import Condition, RunConfig
from agent_core.errors import WebGenError
from agent_core.events import Event, EventBus
from agent_core.experiments.batch_report import BatchItem, BatchRun, read_run
from agent_core.store.records import RunStatus
from agent_core.store.run_store import MANIFEST, RunStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BatchEvent:
    """Something happened in one run of a batch.

    Attributes:
        item_id: The run's item.
        coder: The run's coder model.
        sample: The run's sample number (from 1).
        run_dir: The run directory.
        note: A line about the run as a whole ('' when ``event`` is set): started, resumed,
            skipped, finished, failed.
        event: An engine event of the run (tokens included), or None for a note.
        condition: The run's ablation condition ('' when the batch names none).
    """

    item_id: str
    coder: str
    sample: int
    run_dir: Path
    note: str = ""
    event: Event | None = None
    condition: str = ""


EventCallback = Callable[[BatchEvent], None]


def coder_slug(model: str) -> str:
    """A folder name for a coder model, e.g. ``qwen2.5-coder:7b`` -> ``qwen2.5-coder-7b``."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", model).strip("-.")
    return slug or "coder"


@dataclass(frozen=True)
class BatchJob:
    """One run of the batch: which item, coder, condition and sample.

    Attributes:
        item: The instruction.
        coder: The coder model's name.
        condition: The ablation condition (None: the batch's config as it is).
        sample: The sample number, from 1.
    """

    item: BatchItem
    coder: str
    condition: Condition | None
    sample: int

    def run_dir(self, out: Path) -> Path:
        """The run's folder in the batch folder ``out``."""
        folder = out / self.item.id / coder_slug(self.coder)
        if self.condition is not None:
            folder = folder / self.condition.name
        return folder / f"sample-{self.sample}"

    def config(self, base: RunConfig) -> RunConfig:
        """The run's settings: ``base`` under the job's condition."""
        return self.condition.apply(base) if self.condition else base

    def event(self, run_dir: Path, *, note: str = "", event: Event | None = None) -> BatchEvent:
        """A batch event of this job."""
        name = self.condition.name if self.condition else ""
        return BatchEvent(self.item.id, self.coder, self.sample, run_dir, note, event, name)


async def run_job(job: BatchJob, run_dir: Path, models: AgentModels | str, config: RunConfig,
                  on_event: EventCallback | None = None) -> BatchRun:  # fmt: skip
    """Create, resume or skip the job's run in ``run_dir``; never raises but for cancellation.

    Args:
        job: The job.
        run_dir: Its run directory.
        models: The clients of its coder with the shared critic and feedback (not closed
            here), or why they could not be set up (the run then fails with that reason).
        config: The batch's run settings (the job's condition is applied here).
        on_event: Called with notes and engine events of the run.

    Returns:
        The run's outcome, read from its directory.
    """
    config = job.config(config)
    where = (job.item.id, job.coder, job.sample, run_dir)
    name = job.condition.name if job.condition else ""
    try:
        store = await asyncio.to_thread(_store_for, job, run_dir, config, models)
        if store is None:
            _note(on_event, job, run_dir, "finished earlier; skipped")
            return await asyncio.to_thread(read_run, *where, ran=False, condition=name)
        assert isinstance(models, AgentModels)
        await _run(store, job, models, config, on_event)
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        if not isinstance(exc, WebGenError):
            log.exception("run %s failed unexpectedly", run_dir)
        error = str(exc) or type(exc).__name__
        return await asyncio.to_thread(read_run, *where, ran=True, error=error,
                                       condition=name)  # fmt: skip
    return await asyncio.to_thread(read_run, *where, ran=True, condition=name)


def _store_for(job: BatchJob, run_dir: Path, config: RunConfig,
               models: AgentModels | str) -> RunStore | None:  # fmt: skip
    """The run's store, locked (None: it finished before).

    Raises:
        WebGenError: The coder could not be set up, the folder is not a run (of this
            condition), or the run is in use by another process.
    """
    check_run_dir(run_dir, config)
    if (run_dir / MANIFEST).exists():
        store = RunStore.open(run_dir)
        if store.manifest.status is RunStatus.FINISHED:
            return None
    else:
        store = None
    if isinstance(models, str):
        raise WebGenError(models)
    if store is None:
        store = RunStore.create(run_dir, job.item.instruction,
                                models=models.settings.to_public_dict(),
                                config=config.to_dict())  # fmt: skip
    store.lock()
    return store


async def _run(store: RunStore, job: BatchJob, models: AgentModels, config: RunConfig,
               on_event: EventCallback | None) -> None:  # fmt: skip
    resumed = bool(store.steps())
    note = f"resumed after step {store.head}" if resumed else "started"
    _note(on_event, job, store.run_dir, note)
    bus = EventBus()
    if on_event is not None:
        sink = on_event
        bus.subscribe(lambda e: sink(job.event(store.run_dir, event=e)))
    try:
        await WebGenAgent(store, models, config, bus).run()
    finally:
        store.unlock()


def _note(on_event: EventCallback | None, job: BatchJob, run_dir: Path, note: str) -> None:
    if on_event is None:
        return
    try:
        on_event(job.event(run_dir, note=note))
    except Exception:  # a listener's bug must not stop the batch
        log.exception("batch event listener failed")


__all__ = ["BatchEvent", "BatchJob", "EventCallback", "coder_slug", "run_job"]
