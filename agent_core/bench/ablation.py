"""The bench under several ablation conditions, one after the other, compared side by side.

Each condition gets its own runs folder ``RUNS_DIR/<condition>`` (a complete bench there:
runs, result files, its own ``table.md``), so every run keeps the condition it was made
under. ``RUNS_DIR/table.md`` then holds one row per condition, like the paper's ablation
table, and ``format_comparison`` shows accuracy and appearance per condition.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from agent_core.agent.services import AgentModels
from agent_core.bench.cost import BenchCost, bench_cost
from agent_core.bench.dataset import BenchTask
from agent_core.bench.runner import BenchOptions, BenchReport, BenchRunner, ProgressCallback
from agent_core.bench.table import write_table
from agent_core.config import Condition
from agent_core.llm.base import ChatModel

RunnerFactory = Callable[[Sequence[BenchTask], BenchOptions], BenchRunner]
"""Makes the runner of one condition's bench (e.g. one that runs its tasks on a cluster)."""


@dataclass(frozen=True)
class ConditionResult:
    """One condition's bench.

    Attributes:
        condition: The condition.
        report: Its bench report (its folder is ``report.results_path.parent``).
        cost: Wall time and coder tokens per task of its runs.
    """

    condition: Condition
    report: BenchReport
    cost: BenchCost = field(default_factory=BenchCost)


@dataclass(frozen=True)
class AblationReport:
    """The benches of all conditions.

    Attributes:
        runs_dir: The folder holding one sub-folder per condition.
        results: One per condition, in the order given.
        table_path: ``RUNS_DIR/table.md``.
    """

    runs_dir: Path
    results: tuple[ConditionResult, ...]
    table_path: Path


def condition_options(options: BenchOptions, condition: Condition) -> BenchOptions:
    """The options of ``condition``'s bench: its folder, its run settings, its name."""
    return replace(
        options, runs_dir=Path(options.runs_dir) / condition.name,
        run_config=condition.apply(options.run_config), name=condition.name,
    )  # fmt: skip


async def run_conditions(
    tasks: Sequence[BenchTask],
    options: BenchOptions,
    conditions: Sequence[Condition],
    *,
    critic: ChatModel,
    agent_models: AgentModels | None = None,
    on_progress: ProgressCallback | None = None,
    make_runner: RunnerFactory | None = None,
) -> AblationReport:
    """Run the bench once per condition, then write the comparison table.

    Args:
        tasks: The selected tasks.
        options: The bench options; each condition's folder and run settings derive from them.
        conditions: The conditions, in the order their rows should appear (no repeats).
        critic: The judge.
        agent_models: The loop's clients (not needed with ``evaluate_only``).
        on_progress: Called with counts and notes of the condition running.
        make_runner: Makes each condition's runner (default: an in-process ``BenchRunner``
            with ``critic`` and ``agent_models``).

    Returns:
        The reports. An interrupted or failed condition raises as ``BenchRunner.run`` does;
        the conditions finished before it keep their files.
    """
    if len({c.name for c in conditions}) != len(conditions):
        raise ValueError("each condition may be given once")
    results: list[ConditionResult] = []
    for condition in conditions:
        sub = condition_options(options, condition)
        if make_runner is not None:
            runner = make_runner(tasks, sub)
        else:
            runner = BenchRunner(tasks, sub, critic=critic, agent_models=agent_models,
                                 on_progress=on_progress)  # fmt: skip
        if on_progress is not None:
            runner.note(f"condition {condition.name}: {sub.runs_dir}")
        report = await runner.run()
        cost = await asyncio.to_thread(bench_cost, sub.runs_dir, [t.id for t in tasks])
        results.append(ConditionResult(condition, report, cost))
    runs_dir = await asyncio.to_thread(Path(options.runs_dir).resolve)
    table = await asyncio.to_thread(write_comparison_table, runs_dir, results)
    return AblationReport(runs_dir, tuple(results), table)


def write_comparison_table(runs_dir: Path, results: Sequence[ConditionResult]) -> Path:
    """``runs_dir/table.md`` with one row per condition, costs included (blocking)."""
    rows = [(r.condition.name, r.report.summary) for r in results]
    costs = [(r.condition.name, r.condition.candidates, r.cost) for r in results]
    return write_table(runs_dir, rows, costs)


def format_comparison(results: Sequence[ConditionResult]) -> str:
    """Accuracy (both readings), appearance, candidates and cost per condition, one line each.

    Time and tokens are means per task of its runs ("-" where there are none, as with
    ``--evaluate-only`` on runs made elsewhere).
    """
    width = max([len("condition"), *(len(r.condition.name) for r in results)])
    lines = [f"{'condition':<{width}}  {'cases':>5}  {'accuracy':>8}  {'strict':>7}  "
             f"{'appearance':>10}  {'candidates':>10}  {'s/task':>7}  "
             f"{'coder tokens/task':>17}"]  # fmt: skip
    for result in results:
        summary, cost = result.report.summary, result.cost
        look = "-" if summary.appearance is None else f"{summary.appearance:.2f}"
        seconds = _number(cost.seconds_per_task, 1)
        tokens = _number(cost.coder_tokens_per_task, 0)
        lines.append(
            f"{result.condition.name:<{width}}  {summary.published.overall.cases:>5}  "
            f"{_percent(summary.published.overall.accuracy):>8}  "
            f"{_percent(summary.strict.overall.accuracy):>7}  {look:>10}  "
            f"{result.condition.candidates:>10}  {seconds:>7}  {tokens:>17}"
        )
    return "\n".join(lines)


def _number(value: float | None, places: int) -> str:
    return "-" if value is None else f"{value:.{places}f}"


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


__all__ = [
    "AblationReport",
    "ConditionResult",
    "RunnerFactory",
    "condition_options",
    "format_comparison",
    "run_conditions",
    "write_comparison_table",
]
