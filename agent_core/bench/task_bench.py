"""One task of the bench: generate its site (unless evaluating only), serve it, judge it.

``TaskBench`` holds what the bench does for a single task, whoever runs it: the in-process
``BenchRunner`` (one shared browser, the runs folder's journal) and a cluster worker (its
own browser, results sent home) both hand it a ``ResultSink`` that knows which results
exist and records new ones, and a way to get the judge.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Protocol

from agent_core.agent.services import AgentModels
from agent_core.bench.dataset import BenchTask
from agent_core.bench.evaluate import SiteJudge, start_failed_appearance, start_failed_case
from agent_core.bench.generate import generate_site
from agent_core.bench.results import AppearanceResult, CaseResult
from agent_core.bench.site import RunSite
from agent_core.config import RunConfig
from agent_core.errors import ModelError

NoteCallback = Callable[[str], None]
JudgeProvider = Callable[[], Awaitable[SiteJudge]]


class ResultSink(Protocol):
    """Where a task's results go, and what is recorded already."""

    def graded(self, task_id: str) -> bool:
        """Whether the task's appearance grade is recorded."""
        ...

    def missing_cases(self, task: BenchTask) -> list[int]:
        """Indexes of the task's cases without a result."""
        ...

    async def add_case(self, result: CaseResult) -> None:
        """Record a finished case."""
        ...

    async def add_appearance(self, result: AppearanceResult) -> None:
        """Record the task's appearance grade."""
        ...


class TaskBench:
    """Generates and judges one task at a time into a runs folder.

    Args:
        runs_dir: The runs folder; the task's run is ``runs_dir/<task id>``.
        run_config: Limits and ablation condition of new runs; timeouts of serving.
        sink: Knows the recorded results and records new ones.
        judge: Returns the judge (started on first use by whoever owns the browser).
        agent_models: The loop's clients (None: evaluate the run as it is).
        note: Called with a line to show.
    """

    def __init__(self, runs_dir: Path, run_config: RunConfig, sink: ResultSink,
                 judge: JudgeProvider, agent_models: AgentModels | None,
                 note: NoteCallback) -> None:  # fmt: skip
        self.runs_dir = runs_dir
        self.run_config = run_config
        self._sink = sink
        self._judge = judge
        self._agent_models = agent_models
        self._note = note

    async def run(self, task: BenchTask) -> None:
        """Generate the task's site when models were given, then judge what is missing."""
        run_dir = self.runs_dir / task.id
        if self._agent_models is not None:
            await self.generate(task, run_dir)
        await self.evaluate(task, run_dir)

    async def generate(self, task: BenchTask, run_dir: Path) -> None:
        """Create, resume or keep the task's run (a finished one is kept as it is)."""
        assert self._agent_models is not None
        self._note(f"{task.id}: generating the site in {run_dir}")
        outcome = await generate_site(
            run_dir, task, self._agent_models, self.run_config, on_note=self._note
        )
        state = "generated" if outcome.ran else "already generated"
        self._note(
            f"{task.id}: {state} ({outcome.status}, {outcome.reason or 'no reason'}); "
            f"best step {outcome.best_step}"
        )

    async def evaluate(self, task: BenchTask, run_dir: Path) -> None:
        """Serve the run's best step, grade its looks and try every case without a result."""
        site = RunSite(run_dir, self.run_config)
        try:
            served = await site.start()
            if served.url is None:
                self._note(f"{task.id}: the site did not start: {served.problem}")
                await self._record_start_failure(task, served.problem)
                return
            self._note(f"{task.id}: testing step {served.best_step} at {served.url}")
            judge = await self._judge()
            if not self._sink.graded(task.id):
                await self._grade(judge, task, served.url)
            for index in self._sink.missing_cases(task):
                await self._sink.add_case(await judge.run_case(task, task.cases[index], served.url))
        finally:
            await asyncio.shield(site.stop())

    async def _grade(self, judge: SiteJudge, task: BenchTask, url: str) -> None:
        try:
            result = await judge.grade_appearance(task, url)
        except (ModelError, RuntimeError) as error:
            # Not recorded: the same command grades it again. Until then it counts 0.
            self._note(f"{task.id}: appearance not graded, the judge failed: {error}")
            return
        await self._sink.add_appearance(result)

    async def _record_start_failure(self, task: BenchTask, problem: str) -> None:
        if not self._sink.graded(task.id):
            await self._sink.add_appearance(start_failed_appearance(task, problem))
        for index in self._sink.missing_cases(task):
            await self._sink.add_case(start_failed_case(task, task.cases[index], problem))


__all__ = ["JudgeProvider", "NoteCallback", "ResultSink", "TaskBench"]
