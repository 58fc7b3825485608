"""The bench with each task run as one Ray task: generation and judging on the cluster.

``RayBenchRunner`` is the in-process ``BenchRunner`` with one difference: a task is sent to
the cluster instead of run here. The folder's lock, the journal, the counts, the result
files and the table stay on the driver, so the report is the one an in-process bench
writes. The verdicts come home as records and are journalled as they arrive; the run's
folder and the appearance strips come home as files (or are written in place on a shared
filesystem).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from agent_core.bench.ablation import AblationReport, run_conditions
from agent_core.bench.dataset import BenchTask
from agent_core.bench.results import AppearanceResult, CaseResult
from agent_core.bench.runner import BenchError, BenchOptions, BenchReport, BenchRunner
from agent_core.bench.runner import ProgressCallback as BenchProgressCallback
from agent_core.config import Condition, ModelSettings, Role, RoleConfig
from agent_core.distributed.dispatch import Dispatcher, RunLost, Unit
from agent_core.distributed.keys import task_environment
from agent_core.distributed.tickets import BenchPayload
from agent_core.distributed.worker import bench_task
from agent_core.llm.base import ChatModel

SHOTS = "bench-shots"


class RayBenchRunner(BenchRunner):
    """Runs the benchmark over ``tasks``, each task a Ray task.

    Args:
        tasks: The selected tasks.
        options: As for ``BenchRunner`` (``concurrency`` is the cluster's to decide).
        critic: The judge's client on the driver (only its description is used here).
        judge_role: The judge's settings, sent to the workers.
        model_settings: The loop's models, sent to the workers (None with
            ``evaluate_only``).
        dispatcher: The open dispatcher of this invocation.
        on_progress: As for ``BenchRunner``.
    """

    needs_local_models = False

    def __init__(self, tasks: Sequence[BenchTask], options: BenchOptions, *, critic: ChatModel,
                 judge_role: RoleConfig, model_settings: ModelSettings | None,
                 dispatcher: Dispatcher,
                 on_progress: BenchProgressCallback | None = None) -> None:  # fmt: skip
        super().__init__(tasks, options, critic=critic, on_progress=on_progress)
        self._judge_role = judge_role
        self._settings = None if options.evaluate_only else model_settings
        if self._settings is None and not options.evaluate_only:
            raise ValueError("generating sites needs model_settings (or use evaluate_only)")
        self._dispatcher = dispatcher
        self._lost: list[str] = []

    async def run(self) -> BenchReport:
        """As ``BenchRunner.run``; then raise when some task was lost for good.

        Raises:
            BenchError: A task's worker kept dying or Ray refused it (the results of the
                others are written; the same command runs the lost ones again).
        """
        report = await super().run()
        if self._lost:
            raise BenchError(f"{len(self._lost)} task(s) got no result from the cluster "
                             f"(run the same command again to retry them): "
                             + "; ".join(self._lost))  # fmt: skip
        return report

    async def _task(self, task: BenchTask) -> None:
        if self._journal.task_done(task):
            return
        payload = BenchPayload(
            task, self.options.run_config, self._judge_role, self.options.judge, self._settings,
            self.graded(task.id), tuple(self.missing_cases(task)), self.options.max_turns,
            dict(self.options.agent_options),
        )  # fmt: skip
        name = self.options.name or self.runs_dir.name
        unit = Unit(f"{name}/{task.id}", f"webgen bench {name} {task.id}", self.runs_dir,
                    (task.id, f"{SHOTS}/{task.id}"), self._record)  # fmt: skip
        roles = [("critic", self._judge_role)]
        if self._settings is not None:
            roles += [(str(r), self._settings.for_role(r)) for r in Role]
        try:
            await self._dispatcher.run(unit, bench_task, payload, env=task_environment(roles))
        except RunLost as lost:
            self._lost.append(str(lost))
            self.note(f"{task.id}: no result from the cluster: {lost}")

    async def _record(self, record: dict[str, Any]) -> None:
        """A verdict or grade sent home: journalled once (a retried worker may resend)."""
        if record.get("kind") == "case":
            case = CaseResult.from_record(record)
            if not self._journal.has_case(case.task_id, case.case_index):
                await self.add_case(case)
        elif record.get("kind") == "appearance":
            grade = AppearanceResult.from_record(record)
            if not self.graded(grade.task_id):
                await self.add_appearance(grade)


async def run_conditions_on_ray(
    tasks: Sequence[BenchTask], options: BenchOptions, conditions: Sequence[Condition], *,
    critic: ChatModel, judge_role: RoleConfig, model_settings: ModelSettings | None,
    dispatcher: Dispatcher, on_progress: BenchProgressCallback | None = None,
) -> AblationReport:  # fmt: skip
    """``run_conditions`` with every condition's tasks on the cluster."""

    def make(sub_tasks: Sequence[BenchTask], sub: BenchOptions) -> BenchRunner:
        return RayBenchRunner(sub_tasks, sub, critic=critic, judge_role=judge_role,
                              model_settings=model_settings, dispatcher=dispatcher,
                              on_progress=on_progress)  # fmt: skip

    return await run_conditions(tasks, options, conditions, critic=critic,
                                on_progress=on_progress, make_runner=make)  # fmt: skip

__all__ = ["RayBenchRunner", "run_conditions_on_ray"]
