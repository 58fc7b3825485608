"""The bench: build or take each task's site, test its cases, grade its looks, and score.

For every selected task (``concurrency`` at a time): generate the site in ``RUNS_DIR/<id>``
(unless ``evaluate_only``, or a finished run is there), serve its best step, grade its
appearance with the benchmark's protocol, and let the GUI agent try each test case that has
no result yet. Results are appended to ``bench-cases.jsonl`` / ``bench-appearance.jsonl`` as
they come, so an interrupted bench continues where it stopped; ``bench-results.json`` holds
the scores (both verdict readings, the judge settings and the condition) and ``table.md``
the benchmark's result table.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent_core.agent.services import AgentModels
from agent_core.bench.dataset import BenchTask
from agent_core.bench.evaluate import MAX_ACTIONS, JudgeSettings, SiteJudge
from agent_core.bench.generate import check_run_dir, run_condition
from agent_core.bench.journal import BenchJournal
from agent_core.bench.results import AppearanceResult, CaseResult
from agent_core.bench.scoring import BenchSummary, Tally, summarize
from agent_core.bench.table import write_table
from agent_core.bench.task_bench import TaskBench
from agent_core.browser.session import BrowserSession
from agent_core.config import Condition, RunConfig
from agent_core.errors import WebGenError
from agent_core.llm.base import ChatModel
from agent_core.store.atomic import write_json_atomic
from agent_core.store.locks import LockHeld, take_pid_lock

RESULTS_FILE = "bench-results.json"
LOCK_FILE = ".bench.lock"


class BenchError(WebGenError):
    """The bench cannot run: its folder is in use or unusable."""


@dataclass(frozen=True)
class BenchOptions:
    """How to run the bench.

    Attributes:
        runs_dir: Where the run directories and the result files live.
        tasks_file: The benchmark file (recorded in the results).
        concurrency: Tasks handled at the same time.
        evaluate_only: Take the run directories as they are; generate nothing.
        max_turns: GUI-agent actions per case (the benchmark allows 15).
        run_config: Limits and ablation condition of new runs; its timeouts also bound
            serving and screenshots.
        agent_options: Extra keyword arguments for the evaluating GUI agent (e.g. ``wait_s``).
        judge: The judge settings (recorded; the judge's client is built with them).
        name: The bench's name in ``table.md`` (default: the runs folder's name).
    """

    runs_dir: Path
    tasks_file: Path | None = None
    concurrency: int = 1
    evaluate_only: bool = False
    max_turns: int = MAX_ACTIONS
    run_config: RunConfig = field(default_factory=RunConfig)
    agent_options: Mapping[str, Any] = field(default_factory=dict)
    judge: JudgeSettings = field(default_factory=JudgeSettings)
    name: str = ""


@dataclass(frozen=True)
class BenchProgress:
    """Where the bench stands, sent after every result and with every note.

    Attributes:
        done: Cases with a result (including those from an earlier invocation).
        total: Cases of the selected tasks.
        yes: YES verdicts so far (strict reading).
        partial: PARTIAL verdicts so far.
        no: NO verdicts so far, sites that did not start included.
        note: A line to show ('' for a plain count update).
    """

    done: int
    total: int
    yes: int
    partial: int
    no: int
    note: str = ""


ProgressCallback = Callable[[BenchProgress], None]


@dataclass(frozen=True)
class BenchReport:
    """The outcome of a bench invocation.

    Attributes:
        summary: The scores of the selected tasks.
        results_path: ``bench-results.json``.
        cases_path: ``bench-cases.jsonl``.
        appearance_path: ``bench-appearance.jsonl``.
        evaluated_cases: Cases judged by this invocation (0 when all were done before).
        skipped_lines: Unreadable lines found in the result files.
        table_path: ``table.md``.
        set_aside: Appearance lines of the older critic grading, not counted.
    """

    summary: BenchSummary
    results_path: Path
    cases_path: Path
    appearance_path: Path
    evaluated_cases: int
    skipped_lines: int
    table_path: Path | None = None
    set_aside: int = 0


class BenchRunner:
    """Runs the benchmark over ``tasks``.

    Subclasses may run the tasks elsewhere by overriding ``_task`` (the folder's lock, the
    journal, the counts and the result files stay here).

    Args:
        tasks: The selected tasks.
        options: Folder, concurrency, mode and limits.
        critic: The judge, a vision model (critic role) built with ``options.judge``: GUI
            agent and appearance grade.
        agent_models: The loop's three clients, needed unless ``evaluate_only``.
        on_progress: Called with counts and notes (from the event loop's thread).
    """

    needs_local_models = True
    """Whether generating needs ``agent_models`` in this process (not when tasks run elsewhere)."""

    def __init__(
        self,
        tasks: Sequence[BenchTask],
        options: BenchOptions,
        *,
        critic: ChatModel,
        agent_models: AgentModels | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> None:
        if not options.evaluate_only and agent_models is None and self.needs_local_models:
            raise ValueError("generating sites needs agent_models (or use evaluate_only)")
        self.tasks = list(tasks)
        self.options = options
        self.runs_dir = Path(options.runs_dir).resolve()
        self._critic = critic
        self._agent_models = agent_models
        self._on_progress = on_progress
        self._journal = BenchJournal(self.runs_dir)
        self._tally = Tally()
        self._total = sum(len(t.cases) for t in self.tasks)
        self._evaluated = 0
        self._browser: BrowserSession | None = None
        self._judge: SiteJudge | None = None
        self._judge_lock = asyncio.Lock()
        self._slots = asyncio.Semaphore(max(1, options.concurrency))
        self._task_bench = TaskBench(
            self.runs_dir, options.run_config, self, self._get_judge,
            None if options.evaluate_only else agent_models, self._progress,
        )  # fmt: skip

    async def run(self) -> BenchReport:
        """Run every task that has results missing, then score and write the results.

        The results file is written even when the bench is interrupted or fails (with the
        cases done so far).

        Raises:
            BenchError: Another bench uses the folder.
            BrowserUnavailable: No browser could be started for the evaluation.
            RunStoreError: A task's folder is not a run, or a run is in use elsewhere.
        """
        self.runs_dir.mkdir(parents=True, exist_ok=True)
        lock = _lock_folder(self.runs_dir)
        try:
            await asyncio.to_thread(self._journal.load)
            self._count_recorded()
            if not self.options.evaluate_only:
                await asyncio.to_thread(self._check_run_dirs)
            self._progress("")
            try:
                await _all_or_nothing([self._task(task) for task in self.tasks])
            finally:
                report = await asyncio.shield(asyncio.to_thread(self._write_results))
        finally:
            await asyncio.shield(self._close_browser())
            os.close(lock)
        return report

    def note(self, text: str) -> None:
        """Show ``text`` through the progress callback, with the current counts."""
        self._progress(text)

    def _check_run_dirs(self) -> None:
        for task in self.tasks:
            check_run_dir(self.runs_dir / task.id, self.options.run_config)

    # -- one task --------------------------------------------------------------------

    async def _task(self, task: BenchTask) -> None:
        async with self._slots:
            if self._journal.task_done(task):
                return
            await self._task_bench.run(task)

    # -- the task bench's sink ---------------------------------------------------------

    def graded(self, task_id: str) -> bool:
        """Whether the task's appearance grade is recorded (``ResultSink``)."""
        return task_id in self._journal.appearance

    def missing_cases(self, task: BenchTask) -> list[int]:
        """Indexes of the task's cases without a result (``ResultSink``)."""
        return self._journal.missing_cases(task)

    async def add_case(self, result: CaseResult) -> None:
        """Record a finished case, count it and show the counts (``ResultSink``)."""
        await self._journal.add_case(result)
        self._tally.add(result.verdict, result.start_failed)
        self._evaluated += 1
        self._progress("")

    async def add_appearance(self, result: AppearanceResult) -> None:
        """Record an appearance grade and show it (``ResultSink``)."""
        await self._journal.add_appearance(result)
        self._progress(f"{result.task_id}: appearance {result.grade}/5 ({result.read})")

    # -- shared browser --------------------------------------------------------------

    async def _get_judge(self) -> SiteJudge:
        async with self._judge_lock:
            if self._judge is None:
                config = self.options.run_config
                browser = BrowserSession(config.chromium_path, config.viewport)
                await browser.start()
                self._browser = browser
                self._judge = SiteJudge(
                    self._critic, browser, self.runs_dir, settings=self.options.judge,
                    viewport=config.viewport, max_turns=self.options.max_turns,
                    timeouts=config.timeouts, agent_options=self.options.agent_options,
                )  # fmt: skip
            return self._judge

    async def _close_browser(self) -> None:
        browser, self._browser, self._judge = self._browser, None, None
        if browser is not None:
            with contextlib.suppress(Exception):
                await browser.close()

    # -- counting and writing --------------------------------------------------------

    def _count_recorded(self) -> None:
        for task in self.tasks:
            for case in task.cases:
                result = self._journal.cases.get((task.id, case.index))
                if result is not None:
                    self._tally.add(result.verdict, result.start_failed)

    def _progress(self, note: str) -> None:
        if self._on_progress is None:
            return
        t = self._tally
        no = t.no + t.start_failed
        self._on_progress(BenchProgress(t.cases, self._total, t.yes, t.partial, no, note))

    def _condition(self) -> str:
        """The condition asked for, or (evaluating existing runs) the ones they were made under."""
        if not self.options.evaluate_only:
            return Condition.of(self.options.run_config).name
        found = set()
        for task in self.tasks:
            with contextlib.suppress(WebGenError):  # an unreadable run did not start: no say
                found.add(run_condition(self.runs_dir / task.id))
        names = sorted(c.name for c in found if c is not None)
        return names[0] if len(names) == 1 else ("mixed: " + ", ".join(names) if names else "")

    def _write_results(self) -> BenchReport:
        summary = summarize(self.tasks, self._journal.cases, self._journal.appearance)
        summary.condition = self._condition()
        summary.judge = {**self.options.judge.to_dict(), "model": self._critic.description}
        path = self.runs_dir / RESULTS_FILE
        data = {
            **summary.to_results(),
            "tasks_file": str(self.options.tasks_file) if self.options.tasks_file else None,
            "runs_dir": str(self.runs_dir),
            "cases_file": str(self._journal.cases_log.path),
            "appearance_file": str(self._journal.appearance_log.path),
            "appearance_set_aside": self._journal.set_aside,
            "written_at": time.time(),
        }
        write_json_atomic(path, data)
        table = write_table(self.runs_dir, [(self.options.name or self.runs_dir.name, summary)])
        return BenchReport(
            summary, path, self._journal.cases_log.path, self._journal.appearance_log.path,
            self._evaluated, self._journal.skipped_lines, table, self._journal.set_aside,
        )  # fmt: skip


async def _all_or_nothing(jobs: list[Any]) -> None:
    """Run the coroutines together; the first failure cancels the others and is raised."""
    tasks = [asyncio.ensure_future(job) for job in jobs]
    try:
        await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


def _lock_folder(runs_dir: Path) -> int:
    """Take the runs folder's lock, or say which process holds it."""
    try:
        return take_pid_lock(runs_dir / LOCK_FILE)
    except LockHeld as held:
        raise BenchError(
            f"{runs_dir} is in use by another `webgen bench` (process {held.holder}); wait for "
            "it to end or choose another --runs-dir"
        ) from None


__all__ = [
    "RESULTS_FILE",
    "BenchError",
    "BenchOptions",
    "BenchProgress",
    "BenchReport",
    "BenchRunner",
]
