"""A batch with each (item, coder, condition, sample) run as one Ray task.

``run_batch_on_ray`` is ``run_batch`` with a ``JobExecutor`` that sends every job to the
cluster at once (the cluster's resources decide how many run together): the same checks,
the same folders, the same ``batch.json``. Each run's folder comes home as it is committed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from agent_core.config import Condition, ModelSettings, Role, RoleConfig, RunConfig
from agent_core.distributed.dispatch import Dispatcher, RunLost, Unit
from agent_core.distributed.keys import task_environment
from agent_core.distributed.tickets import BatchPayload
from agent_core.distributed.worker import batch_task
from agent_core.experiments.batch import EventCallback, run_batch
from agent_core.experiments.batch_job import BatchJob
from agent_core.experiments.batch_report import BatchItem, BatchReport, BatchRun, read_run
from agent_core.store.records import RunStatus


class RayJobs:
    """Sends batch jobs to the cluster (a ``JobExecutor``).

    Args:
        coders: The coder roles, by model name.
        shared: The critic and feedback settings every run shares.
        dispatcher: The open dispatcher of this invocation.
    """

    def __init__(self, coders: Sequence[RoleConfig], shared: ModelSettings,
                 dispatcher: Dispatcher) -> None:  # fmt: skip
        self._coders = {coder.model: coder for coder in coders}
        self._shared = shared
        self._dispatcher = dispatcher

    async def __call__(self, job: BatchJob, run_dir: Path, config: RunConfig) -> BatchRun:
        """Run ``job`` on the cluster; a run lost for good is a failed run, not an error."""
        out = run_dir.parents[2 if job.condition is None else 3]
        rel = run_dir.relative_to(out).as_posix()
        settings = replace(self._shared, coder=self._coders[job.coder])
        payload = BatchPayload(job, rel, settings, config)
        unit = Unit(rel, f"webgen batch {rel}", out, (rel,))
        env = task_environment((str(role), settings.for_role(role)) for role in Role)
        try:
            run: BatchRun = await self._dispatcher.run(unit, batch_task, payload, env=env)
        except RunLost as lost:
            return _lost(job, run_dir, str(lost))
        return replace(run, run_dir=run_dir)


def _lost(job: BatchJob, run_dir: Path, reason: str) -> BatchRun:
    """A failed run: what came home of it, with the reason it was lost."""
    name = job.condition.name if job.condition else ""
    run = read_run(job.item.id, job.coder, job.sample, run_dir, ran=True, error=reason,
                   condition=name)  # fmt: skip
    return replace(run, status=str(RunStatus.FAILED), reason=reason)


async def run_batch_on_ray(
    items: Sequence[BatchItem], coders: Sequence[RoleConfig], samples: int, *, out_dir: Path,
    shared: ModelSettings, config: RunConfig, dispatcher: Dispatcher,
    on_event: EventCallback | None = None, conditions: Sequence[Condition] | None = None,
) -> BatchReport:  # fmt: skip
    """``run_batch`` with every run on the cluster (see ``run_batch`` for the rest)."""
    jobs = RayJobs(coders, shared, dispatcher)
    return await run_batch(items, coders, samples, out_dir=out_dir, make_models=None,
                           config=config, concurrency=1, on_event=on_event,
                           conditions=conditions, executor=jobs)  # fmt: skip


__all__ = ["RayJobs", "run_batch_on_ray"]
