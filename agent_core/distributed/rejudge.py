"""Re-judging a stored run on the cluster: one Ray task, the judgements file comes home."""

from __future__ import annotations

import asyncio
from pathlib import Path

from agent_core.config import RoleConfig
from agent_core.distributed.dispatch import Dispatcher, Unit
from agent_core.distributed.keys import task_environment
from agent_core.distributed.tickets import RejudgePayload
from agent_core.distributed.worker import rejudge_task
from agent_core.experiments.judgements import check_label
from agent_core.experiments.rejudge import RejudgeReport
from agent_core.store.run_store import RunStore


async def rejudge_on_ray(run_dir: Path, *, critic: RoleConfig | None,
                         feedback: RoleConfig | None, label: str, concurrency: int,
                         dispatcher: Dispatcher) -> RejudgeReport:  # fmt: skip
    """``rejudge_run`` on a worker of the cluster (it takes no browser).

    Raises:
        RejudgeError: Bad label.
        RunStoreError: The folder is not a readable run (checked here, before sending).
        RunLost: The task failed for good.
    """
    check_label(label)
    store = await asyncio.to_thread(RunStore.open, Path(run_dir))
    home = store.run_dir.parent
    rel = store.run_dir.name
    payload = RejudgePayload(rel, label, critic, feedback, concurrency)
    unit = Unit(rel, f"webgen rejudge {rel} {label}", home, (rel,), browsers=0)
    env = task_environment([("critic", critic), ("feedback", feedback)])
    report: RejudgeReport = await dispatcher.run(unit, rejudge_task, payload, env=env)
    return report


__all__ = ["rejudge_on_ray"]
