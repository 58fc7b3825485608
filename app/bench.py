"""``webgen bench``: the WebGen-Bench evaluation from the command line.

Registered in ``app.cli`` with ``add_bench_parser(sub)`` and dispatched to ``run_bench``;
``python -m app.bench --tasks ...`` runs it on its own.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
from pathlib import Path
from typing import Any, TextIO

from agent_core.agent.services import AgentModels
from agent_core.bench import (
    BenchDataError,
    BenchOptions,
    BenchProgress,
    BenchReport,
    BenchRunner,
    BenchTask,
    format_table,
    load_tasks,
    select_tasks,
)
from agent_core.config import ModelSettings, RoleConfig, RunConfig
from agent_core.errors import ConfigError, WebGenError
from agent_core.llm.base import ChatModel
from agent_core.llm.factory import make_chat_model
from agent_core.runtime.processes import reap_orphans
from app import settings
from app.flags import (
    add_role_flags,
    add_sandbox_flags,
    apply_run_flags,
    positive_int,
    role_flags,
)

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_CANCELLED = 0, 1, 2, 130
DEFAULT_RUNS_DIR = Path("bench-runs")
UNUSED_MODEL = "(not used by --evaluate-only)"



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
        "its UI cases with the GUI agent, grade its appearance, and report the accuracy.",
    )  # fmt: skip
    bench.add_argument(
        "--tasks", required=True, type=Path, metavar="PATH", help="the benchmark file (test.jsonl)"
    )
    bench.add_argument(
        "--ids",
        default="",
        metavar="ID,ID",
        help="only these task ids, comma-separated (default: all)",
    )
    bench.add_argument(
        "--runs-dir",
        type=Path,
        default=DEFAULT_RUNS_DIR,
        metavar="DIR",
        help=f"run directories and results (default: ./{DEFAULT_RUNS_DIR})",
    )
    bench.add_argument(
        "--concurrency",
        type=positive_int,
        default=1,
        metavar="N",
        help="tasks handled at once (default: 1)",
    )
    bench.add_argument(
        "--evaluate-only",
        action="store_true",
        help="evaluate the run directories already in --runs-dir",
    )
    bench.add_argument("--json", action="store_true", help="print one JSON object")
    bench.add_argument("--quiet", action="store_true", help="no progress output")
    _add_generation_and_model_flags(bench)
    bench.set_defaults(handler=run_bench)
    return bench


def _add_generation_and_model_flags(bench: argparse.ArgumentParser) -> None:
    bench.add_argument("--max-steps", type=int, default=None, help="steps of a new run")
    bench.add_argument("--error-limit", type=int, default=None)
    bench.add_argument("--no-gui-testing", action="store_true",
                       help="generate without the GUI agent's feature tests")  # fmt: skip
    bench.add_argument("--chromium", default=None, metavar="PATH",
                       help="browser executable (default: found automatically)")  # fmt: skip
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
        ids = [part for part in args.ids.split(",") if part.strip()]
        tasks = select_tasks(load_tasks(args.tasks), ids)
        model_settings = _model_settings(args)
    except (BenchDataError, ConfigError) as exc:
        print(f"webgen bench: {exc}", file=sys.stderr)
        return EXIT_USAGE
    options = BenchOptions(
        runs_dir=args.runs_dir, tasks_file=Path(args.tasks).resolve(),
        concurrency=args.concurrency, evaluate_only=args.evaluate_only,
        run_config=_run_config(args),
    )  # fmt: skip
    reap_orphans(settings.state_dir())
    return asyncio.run(_bench(tasks, model_settings, options, args))


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


async def _bench(tasks: list[BenchTask], model_settings: ModelSettings, options: BenchOptions,
                 args: argparse.Namespace) -> int:  # fmt: skip
    bar = None if args.quiet else ProgressBar(sys.stderr)
    critic = make_chat_model(model_settings.critic, "critic")
    agent_models = (None if args.evaluate_only
                    else AgentModels.from_settings(model_settings, critic=critic))
    runner = BenchRunner(tasks, options, critic=critic, agent_models=agent_models,
                         on_progress=bar)  # fmt: skip
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, task.cancel)
    try:
        report = await asyncio.create_task(runner.run())
    except asyncio.CancelledError:
        _end_bar(bar)
        print(f"webgen bench: interrupted; finished cases are kept in {runner.runs_dir}; run "
              "the same command again to continue", file=sys.stderr)  # fmt: skip
        return EXIT_CANCELLED
    except WebGenError as exc:
        _end_bar(bar)
        print(f"webgen bench: {exc}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
        await _close_models(critic, agent_models)
    _end_bar(bar)
    _print_report(report, args)
    return EXIT_OK


async def _close_models(critic: ChatModel, agent_models: AgentModels | None) -> None:
    if agent_models is not None:
        await agent_models.close()  # closes the shared critic client too
    else:
        await critic.close()


def _end_bar(bar: ProgressBar | None) -> None:
    if bar is not None:
        bar.finish()


def _print_report(report: BenchReport, args: argparse.Namespace) -> None:
    if report.skipped_lines:
        print(f"webgen bench: skipped {report.skipped_lines} unreadable line(s) in "
              f"{report.cases_path.parent}", file=sys.stderr)  # fmt: skip
    if args.json:
        print(json.dumps(report.summary.to_json(), indent=2))
        return
    print(format_table(report.summary))
    print(f"\nresults: {report.results_path}\ncases:   {report.cases_path}")


class ProgressBar:
    """A text progress bar of the bench on a stream (stderr), redrawn in place on a terminal.

    Notes (generation steps, start failures) are printed on their own lines above the bar.
    When the stream is not a terminal, the bar is printed as a line each time it advances.

    Args:
        out: The stream.
        width: Characters of the bar itself.
    """

    def __init__(self, out: TextIO, width: int = 30) -> None:
        self.out = out
        self.width = width
        self.tty = bool(getattr(out, "isatty", lambda: False)())
        self._shown = ""
        self._last_done: int | None = None

    def __call__(self, progress: BenchProgress) -> None:
        """Show one update."""
        if progress.note:
            self._clear()
            print(progress.note, file=self.out, flush=True)
        text = self.render(progress)
        if self.tty:
            self.out.write("\r" + text)
            self.out.flush()
            self._shown = text
        elif progress.done != self._last_done:
            print(text, file=self.out, flush=True)
        self._last_done = progress.done

    def render(self, progress: BenchProgress) -> str:
        """The bar as text, e.g. ``[#####-----] 3/6 cases  YES 1  PARTIAL 1  NO 1``."""
        total = max(progress.total, 1)
        filled = round(self.width * min(progress.done, total) / total)
        bar = "#" * filled + "-" * (self.width - filled)
        return (f"[{bar}] {progress.done}/{progress.total} cases  YES {progress.yes}  "
                f"PARTIAL {progress.partial}  NO {progress.no}")  # fmt: skip

    def finish(self) -> None:
        """End the bar's line (on a terminal)."""
        if self.tty and self._shown:
            self.out.write("\n")
            self.out.flush()
            self._shown = ""

    def _clear(self) -> None:
        if self.tty and self._shown:
            self.out.write("\r" + " " * len(self._shown) + "\r")
            self._shown = ""


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


if __name__ == "__main__":
    sys.exit(main())
