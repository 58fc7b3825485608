"""What travels with every task to the cluster (no keys: those are in the task's environment).

A ``Ticket`` tells a worker which run it is, where the run lives at home, how its files come
home and how to reach the exchange. The payloads say what to do: run one batch job, bench
one task, or re-judge one run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from agent_core.bench.dataset import BenchTask
from agent_core.bench.evaluate import MAX_ACTIONS, JudgeSettings
from agent_core.config import ModelSettings, RoleConfig, RunConfig
from agent_core.distributed.cluster import FilesMode
from agent_core.experiments.batch_job import BatchJob


@dataclass(frozen=True)
class Ticket:
    """A run's identity and its way home.

    Attributes:
        key: The run's key in this invocation (unique among its runs).
        label: The run in words (shown in progress and as the task's name).
        home: The driver's output folder (absolute path on the driver's machine).
        subtrees: The run's folders, relative to ``home``.
        files: How its files come home.
        probe: ``(path, token)``: a file the driver wrote in ``home``; a worker that reads
            the token there shares the driver's filesystem (``files`` auto).
        exchange: The exchange actor's handle.
        job: A token naming this invocation (the worker's scratch folder is named by it).
    """

    key: str
    label: str
    home: str
    subtrees: tuple[str, ...]
    files: FilesMode
    probe: tuple[str, str]
    exchange: Any
    job: str


@dataclass(frozen=True)
class BatchPayload:
    """One batch job.

    Attributes:
        job: Which item, coder, condition and sample.
        run_rel: Its run directory, relative to the batch folder.
        settings: The models: this job's coder with the shared critic and feedback.
        config: The batch's run settings (the job applies its condition).
    """

    job: BatchJob
    run_rel: str
    settings: ModelSettings
    config: RunConfig


@dataclass(frozen=True)
class BenchPayload:
    """One bench task.

    Attributes:
        task: The task.
        run_config: Settings of a new run and of serving.
        judge_role: The judge's client settings (the critic role with the judge's
            temperature and seed).
        judge: The judge settings, as recorded.
        settings: The loop's models (None: evaluate the run as it is).
        graded: Whether its appearance grade is recorded at home.
        missing: Its cases without a result at home.
        max_turns: GUI-agent actions per case.
        agent_options: Extra keyword arguments of the GUI agent.
    """

    task: BenchTask
    run_config: RunConfig
    judge_role: RoleConfig
    judge: JudgeSettings
    settings: ModelSettings | None
    graded: bool
    missing: tuple[int, ...]
    max_turns: int = MAX_ACTIONS
    agent_options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RejudgePayload:
    """One run to grade again.

    Attributes:
        run_rel: The run directory, relative to the ticket's home.
        label: Names the judgements file.
        critic: The new vision critic (None: keep it out).
        feedback: The new feedback model (None: keep GUI tests out).
        concurrency: Steps judged at the same time.
    """

    run_rel: str
    label: str
    critic: RoleConfig | None
    feedback: RoleConfig | None
    concurrency: int = 2


__all__ = ["BatchPayload", "BenchPayload", "RejudgePayload", "Ticket"]
