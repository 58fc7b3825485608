"""What a bench's sites cost to make: wall time and coder tokens per task, from their runs.

Read from the run directories (``RUNS_DIR/<task id>``) after a bench, so that benches run
under different settings (``--candidates 1 2 4``) can be compared on cost as well as on
accuracy. A task's wall time is from its first step's start to its last step's end (the
candidates of a step run side by side, so their times are not added up); its coder tokens
are the prompt and reply tokens of every step, candidates included.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from agent_core.errors import RunStoreError
from agent_core.store.run_store import MANIFEST, RunStore


@dataclass(frozen=True)
class BenchCost:
    """Mean cost per task of the tasks that have a run.

    Attributes:
        runs: Tasks with a run (the means are over these).
        seconds_per_task: Mean wall time of a task's run (None: no run).
        coder_tokens_per_task: Mean coder tokens, prompt and reply (None: no run).
    """

    runs: int = 0
    seconds_per_task: float | None = None
    coder_tokens_per_task: float | None = None

    def to_json(self) -> dict[str, float | int | None]:
        """The figures, rounded, for ``--json``."""
        return {
            "runs": self.runs,
            "seconds_per_task": _rounded(self.seconds_per_task, 1),
            "coder_tokens_per_task": _rounded(self.coder_tokens_per_task, 0),
        }


def bench_cost(runs_dir: Path, task_ids: Sequence[str]) -> BenchCost:
    """The mean cost of the runs of ``task_ids`` under ``runs_dir`` (blocking reads).

    A task without a run, or with one that cannot be read, is left out of the means.
    """
    seconds: list[float] = []
    tokens: list[int] = []
    for task_id in task_ids:
        run_dir = Path(runs_dir) / task_id
        if not (run_dir / MANIFEST).is_file():
            continue
        try:
            steps = RunStore.open(run_dir).steps()
        except (RunStoreError, OSError, ValueError):
            continue
        if not steps:
            continue
        seconds.append(max(s.finished_at for s in steps) - min(s.started_at for s in steps))
        tokens.append(sum(_coder_tokens(s.usage) for s in steps))
    if not seconds:
        return BenchCost()
    return BenchCost(len(seconds), sum(seconds) / len(seconds), sum(tokens) / len(tokens))


def _coder_tokens(usage: dict[str, dict[str, float]]) -> int:
    coder = usage.get("coder") or {}
    return int(coder.get("prompt_tokens", 0) + coder.get("completion_tokens", 0))


def _rounded(value: float | None, places: int) -> float | None:
    return None if value is None else round(value, places)


__all__ = ["BenchCost", "bench_cost"]
