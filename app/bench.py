"""``webgen bench``: the WebGen-Bench evaluation from the command line.

Registered in ``app.cli`` with ``add_bench_parser(sub)`` and dispatched to ``run_bench``;
``python -m app.bench --tasks ...`` runs it on its own.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
from collections.abc import Awaitable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent_core.agent.services import AgentModels
from agent_core.bench import (
    AblationReport,
    BenchDataError,
    BenchOptions,
    BenchReport,
    BenchRunner,
    BenchTask,
    JudgeSettings,
    format_comparison,
    format_table,
    load_tasks,
    run_conditions,
    select_tasks,
)
from agent_core.config import Condition, ModelSettings, RoleConfig, RunConfig
from agent_core.distributed import Dispatcher, RayBenchRunner, run_conditions_on_ray
from agent_core.errors import ConfigError, WebGenError
from agent_core.llm.factory import make_chat_model
from agent_core.runtime.processes import reap_orphans
from app import settings
from app.bench_progress import ProgressBar
from app.flags import (
    add_candidate_flags,
    add_condition_flags,
    add_role_flags,
    add_sandbox_flags,
    apply_run_flags,
    conditions_from,
    positive_int,
    role_flags,
)
from app.ray_flags import add_ray_flags, cluster_choice, open_cluster

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_CANCELLED = 0, 1, 2, 130
DEFAULT_RUNS_DIR = Path("bench-runs")
UNUSED_MODEL = "(not used by --evaluate-only)"
PUBLISHED = JudgeSettings()


@dataclass
class _Plan:
    """What one ``webgen bench`` invocation does."""

    tasks: list[BenchTask]
    model_settings: ModelSettings
    options: BenchOptions
    conditions: list[Condition] | None


def add_bench_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``bench`` command to ``webgen``'s sub-commands.

    Args:
        subparsers: What ``ArgumentParser.add_subparsers()`` returned.

    Returns:
        The ``bench`` parser.
    """
    bench = subparsers.add_parser(
        "bench", help="evaluate the agent on WebGen-Bench",
        description="Generate a website per WebGen-Bench task (or take existing runs), test "
        "its UI cases with the GUI agent, grade its appearance, and report the accuracy "
        "(both verdict readings) and RUNS_DIR/table.md. See docs/bench.md.",
    )  # fmt: skip
    bench.add_argument(
        "--tasks", required=True, type=Path, metavar="PATH", help="the benchmark file (test.jsonl)"
    )
    bench.add_argument("--ids", default="", metavar="ID,ID",
                       help="only these task ids, comma-separated (default: all)")  # fmt: skip
    bench.add_argument("--runs-dir", type=Path, default=DEFAULT_RUNS_DIR, metavar="DIR",
                       help=f"run directories and results (default: ./{DEFAULT_RUNS_DIR})")
    bench.add_argument("--concurrency", type=positive_int, default=1, metavar="N",
                       help="tasks handled at once (default: 1)")  # fmt: skip
    bench.add_argument("--evaluate-only", action="store_true",
                       help="evaluate the run directories already in --runs-dir")
    bench.add_argument("--json", action="store_true", help="print one JSON object")
    bench.add_argument("--quiet", action="store_true", help="no progress output")
    _add_judge_flags(bench)
    add_condition_flags(bench, several=True)
    _add_generation_and_model_flags(bench)
    add_ray_flags(bench)
    bench.set_defaults(handler=run_bench)
    return bench


def seed_value(text: str) -> int | None:
    """An argparse type: a whole number, or ``none`` for no seed."""
    if text.strip().lower() == "none":
        return None
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number or 'none'") from None


def _add_judge_flags(bench: argparse.ArgumentParser) -> None:
    group = bench.add_argument_group(
        "judge (the critic role's model, asked as in the benchmark's published runs)")
    group.add_argument("--judge-screenshots", type=positive_int, default=PUBLISHED.screenshots,
                       metavar="N", help="latest screenshots attached to each GUI-agent "
                       f"request (default: {PUBLISHED.screenshots})")  # fmt: skip
    group.add_argument("--judge-temperature", type=float, default=PUBLISHED.temperature,
                       metavar="T", help="temperature of every judge request (default: "
                       f"{PUBLISHED.temperature:g})")  # fmt: skip
    group.add_argument("--judge-seed", type=seed_value, default=PUBLISHED.seed,
                       metavar="N|none", help="seed of every judge request, for servers that "
                       f"honour one (default: {PUBLISHED.seed})")  # fmt: skip


def _add_generation_and_model_flags(bench: argparse.ArgumentParser) -> None:
    bench.add_argument("--max-steps", type=int, default=None, help="steps of a new run")
    bench.add_argument("--error-limit", type=int, default=None)
    bench.add_argument("--no-gui-testing", action="store_true",
                       help="generate without the GUI agent's feature tests")  # fmt: skip
    bench.add_argument("--chromium", default=None, metavar="PATH",
                       help="browser executable (default: found automatically)")  # fmt: skip
    add_candidate_flags(bench, several=True)
    add_sandbox_flags(bench)
    add_role_flags(
        bench, "models (the critic role browses and grades; the coder and feedback roles generate)"
    )


def run_bench(args: argparse.Namespace) -> int:
    """Run ``webgen bench`` with parsed arguments.

    Returns:
        0 when the bench completed, 1 when it failed, 2 for a bad file or settings,
        130 when interrupted (finished cases are kept; the same command continues).
    """
    try:
        plan = _plan(args)
    except (BenchDataError, ConfigError) as exc:
        print(f"webgen bench: {exc}", file=sys.stderr)
        return EXIT_USAGE
    reap_orphans(settings.state_dir())
    return asyncio.run(_bench(plan, args))


def _plan(args: argparse.Namespace) -> _Plan:
    ids = [part for part in args.ids.split(",") if part.strip()]
    tasks = select_tasks(load_tasks(args.tasks), ids)
    conditions = conditions_from(args)
    judge = JudgeSettings(args.judge_screenshots, args.judge_temperature, args.judge_seed)
    options = BenchOptions(
        runs_dir=Path(args.runs_dir).resolve(), tasks_file=Path(args.tasks).resolve(),
        concurrency=args.concurrency, evaluate_only=args.evaluate_only,
        run_config=_run_config(args), judge=judge,
    )  # fmt: skip
    return _Plan(tasks, _model_settings(args), options, conditions)


def _model_settings(args: argparse.Namespace) -> ModelSettings:
    flags = role_flags(args)
    if not args.evaluate_only:
        return settings.resolve_model_settings(flags)
    # Only the critic browses and grades: the other roles need no model here.
    unused = RoleConfig(model=UNUSED_MODEL)
    base = ModelSettings(coder=unused, critic=RoleConfig(), feedback=unused)
    return settings.resolve_model_settings(flags, base=base)


def _run_config(args: argparse.Namespace) -> RunConfig:
    """The settings file's sandbox choice, then the flags (as for ``webgen run``)."""
    return apply_run_flags(RunConfig(sandbox=settings.sandbox_settings()), args)


async def _bench(plan: _Plan, args: argparse.Namespace) -> int:
    choice = cluster_choice(args)
    bar = None if args.quiet else ProgressBar(sys.stderr)
    if bar is not None and choice is not None:
        bar.tty = False  # the cluster's live display owns the terminal: plain lines here
    # The judge has its own client: the published temperature and seed must not change how
    # the loop's critic grades while it generates.
    judge = make_chat_model(plan.options.judge.role(plan.model_settings.critic), "critic")
    agent_models = (None if args.evaluate_only or choice is not None
                    else AgentModels.from_settings(plan.model_settings))  # fmt: skip
    try:
        async with contextlib.AsyncExitStack() as stack:
            dispatcher = None
            if choice is not None:
                dispatcher = await stack.enter_async_context(
                    open_cluster(choice, quiet=args.quiet))
            report = await _cancellable(_work(plan, judge, agent_models, dispatcher, bar))
    except asyncio.CancelledError:
        _end_bar(bar)
        print(f"webgen bench: interrupted; finished cases are kept in {plan.options.runs_dir}; "
              "run the same command again to continue", file=sys.stderr)  # fmt: skip
        return EXIT_CANCELLED
    except WebGenError as exc:
        _end_bar(bar)
        print(f"webgen bench: {exc}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        await judge.close()
        if agent_models is not None:
            await agent_models.close()
    _end_bar(bar)
    _print_report(report, args)
    return EXIT_OK


def _work(plan: _Plan, judge: Any, agent_models: AgentModels | None,
          dispatcher: Dispatcher | None,
          bar: ProgressBar | None) -> Awaitable[BenchReport | AblationReport]:  # fmt: skip
    """The bench (or the benches of the conditions), in this process or on the cluster."""
    if dispatcher is not None:
        role = plan.options.judge.role(plan.model_settings.critic)
        ray_kw: dict[str, Any] = {"critic": judge, "judge_role": role,
                                  "model_settings": plan.model_settings,
                                  "dispatcher": dispatcher, "on_progress": bar}  # fmt: skip
        if plan.conditions is None:
            return RayBenchRunner(plan.tasks, plan.options, **ray_kw).run()
        return run_conditions_on_ray(plan.tasks, plan.options, plan.conditions, **ray_kw)
    if plan.conditions is None:
        return BenchRunner(plan.tasks, plan.options, critic=judge, agent_models=agent_models,
                           on_progress=bar).run()  # fmt: skip
    return run_conditions(plan.tasks, plan.options, plan.conditions, critic=judge,
                          agent_models=agent_models, on_progress=bar)  # fmt: skip


async def _cancellable(work: Awaitable[Any]) -> Any:
    """Await ``work`` in its own task; SIGINT and SIGTERM cancel it."""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, task.cancel)
    try:
        return await asyncio.ensure_future(work)
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)


def _end_bar(bar: ProgressBar | None) -> None:
    if bar is not None:
        bar.finish()


def _print_report(report: BenchReport | AblationReport, args: argparse.Namespace) -> None:
    benches = ([report] if isinstance(report, BenchReport)
               else [r.report for r in report.results])  # fmt: skip
    for bench in benches:
        _warn_about_files(bench)
    if isinstance(report, BenchReport):
        if args.json:
            print(json.dumps(report.summary.to_json(), indent=2))
            return
        print(format_table(report.summary))
        print(f"\nresults: {report.results_path}\ncases:   {report.cases_path}\n"
              f"table:   {report.table_path}")  # fmt: skip
        return
    if args.json:
        data = {"conditions": [{**r.report.summary.to_json(),
                                "candidates": r.condition.candidates, **r.cost.to_json()}
                               for r in report.results],
                "table": str(report.table_path)}  # fmt: skip
        print(json.dumps(data, indent=2))
        return
    print(format_comparison(report.results))
    for result in report.results:
        print(f"\n{result.condition.name}: {result.report.results_path}")
    print(f"\ntable: {report.table_path}")


def _warn_about_files(report: BenchReport) -> None:
    folder = report.cases_path.parent
    if report.skipped_lines:
        print(f"webgen bench: skipped {report.skipped_lines} unreadable line(s) in {folder}",
              file=sys.stderr)  # fmt: skip
    if report.set_aside:
        print(f"webgen bench: set aside {report.set_aside} appearance grade(s) in {folder} "
              "given by the in-loop critic's rubric; those tasks were graded again with the "
              "benchmark's protocol", file=sys.stderr)  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """``python -m app.bench [bench] --tasks ...``: the bench without the rest of ``webgen``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] != "bench":
        argv.insert(0, "bench")
    parser = argparse.ArgumentParser(prog="webgen")
    add_bench_parser(parser.add_subparsers(dest="command", required=True))
    return run_bench(parser.parse_args(argv))


main_for_tests = main
"""The same as :func:`main`, for tests that run the command in-process."""

__all__ = ["ProgressBar", "add_bench_parser", "main", "main_for_tests", "run_bench"]


if __name__ == "__main__":
    sys.exit(main())
