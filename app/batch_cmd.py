"""``webgen batch``: run instructions with several coder models and compare them in a table.

Registered in ``app.cli`` with ``add_batch_parser(sub)`` and dispatched to ``run_batch_cmd``.
The critic and feedback roles come from the usual flags, variables and settings file and
stay the same for every run; each ``--coder-model`` is a model name (the coder role's other
settings apply) or ``PROVIDER:URL:MODEL``. ``--condition`` (repeatable) and
``--paper-ablation`` run every instruction and coder under several ablation conditions too.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import signal
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from agent_core.agent.services import AgentModels
from agent_core.bench import BenchDataError, load_tasks, select_tasks
from agent_core.config import Condition, ModelSettings, Provider, Role, RoleConfig, RunConfig
from agent_core.distributed import run_batch_on_ray
from agent_core.errors import ConfigError, WebGenError
from agent_core.events import StepFinished
from agent_core.experiments import (
    BatchError,
    BatchEvent,
    BatchItem,
    BatchReport,
    item_id_for,
    run_batch,
)
from agent_core.experiments.batch import ModelsFactory
from agent_core.llm.factory import make_chat_model
from agent_core.runtime.processes import reap_orphans
from app import settings
from app.flags import (
    ROLE_FLAGS,
    add_candidate_flags,
    add_condition_flags,
    add_sandbox_flags,
    apply_run_flags,
    conditions_from,
    positive_int,
    role_flags,
)
from app.ray_flags import add_ray_flags, cluster_choice, open_cluster

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_CANCELLED = 0, 1, 2, 130
DEFAULT_BENCH_FILE = (Path(__file__).resolve().parents[1] / ".." / "shared" / "webgen-bench"
                      / "test.jsonl").resolve()  # fmt: skip
PER_CODER = "(set per --coder-model)"
_SPEC = re.compile(
    r"(?P<provider>openai|ollama):(?P<url>https?://[^/:\s]+(?::\d+)?(?:/[^:\s]*)?):(?P<model>.+)"
)



def add_batch_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``batch`` command to ``webgen``'s sub-commands.

    Args:
        subparsers: What ``ArgumentParser.add_subparsers()`` returned.

    Returns:
        The ``batch`` parser.
    """
    batch = subparsers.add_parser(
        "batch", help="run instructions with several coder models and compare them",
        description="Run every instruction with every --coder-model, --samples times each, "
        "into OUT/<item>/<coder>/sample-<n> (a finished run is skipped, an unfinished one "
        "resumed), then print a table per coder and write OUT/batch.json.",
    )  # fmt: skip
    source = batch.add_argument_group("instructions (any mix)")
    source.add_argument(
        "--instruction",
        action="append",
        default=[],
        metavar="TEXT",
        help="a website instruction (repeatable)",
    )
    source.add_argument(
        "--instructions-file",
        type=Path,
        default=None,
        metavar="PATH",
        help="a text file with one instruction a line ('#' lines skipped)",
    )
    source.add_argument(
        "--bench-ids", default="", metavar="ID,ID", help="WebGen-Bench task ids, comma-separated"
    )
    source.add_argument(
        "--bench-file",
        type=Path,
        default=DEFAULT_BENCH_FILE,
        metavar="PATH",
        help=f"the WebGen-Bench file (default: {DEFAULT_BENCH_FILE})",
    )
    batch.add_argument(
        "--coder-model",
        action="append",
        required=True,
        metavar="SPEC",
        help="a coder to compare: MODEL or PROVIDER:URL:MODEL (repeatable)",
    )
    batch.add_argument(
        "--samples",
        type=positive_int,
        default=1,
        metavar="N",
        help="runs per instruction and coder (default: 1)",
    )
    batch.add_argument(
        "--concurrency",
        type=positive_int,
        default=1,
        metavar="K",
        help="runs at the same time (default: 1)",
    )
    batch.add_argument("--out", required=True, type=Path, metavar="DIR")
    batch.add_argument("--json", action="store_true", help="print batch.json's content")
    batch.add_argument("--quiet", action="store_true", help="no progress output")
    _add_run_and_role_flags(batch)
    return batch


def _add_run_and_role_flags(batch: argparse.ArgumentParser) -> None:
    batch.add_argument("--max-steps", type=int, default=None)
    batch.add_argument("--error-limit", type=int, default=None)
    batch.add_argument("--allow-command", action="append", default=[], metavar="PREFIX")
    batch.add_argument("--allow-any-command", action="store_true")
    batch.add_argument("--no-gui-testing", action="store_true")
    batch.add_argument("--chromium", default=None, metavar="PATH")
    add_candidate_flags(batch, several=True)
    add_sandbox_flags(batch)
    add_condition_flags(batch, several=True)
    add_ray_flags(batch)
    group = batch.add_argument_group(
        "models (flags beat WEBGEN_<ROLE>_* variables and the settings file; the critic and "
        "feedback are shared by all runs, the coder settings apply to every --coder-model)"
    )
    for role in Role:
        for flag in ROLE_FLAGS:
            if (role, flag) != (Role.CODER, "model"):
                group.add_argument(f"--{role}-{flag}", default=None, metavar="VALUE")


def batch_items(args: argparse.Namespace) -> list[BatchItem]:
    """The items named by ``--instruction``, ``--instructions-file`` and ``--bench-ids``.

    Raises:
        BenchDataError: The benchmark file or an id is wrong.
        BatchError: The instructions file cannot be read.
    """
    texts = [t.strip() for t in args.instruction if t.strip()]
    if args.instructions_file is not None:
        try:
            lines = args.instructions_file.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise BatchError(f"cannot read instructions file {args.instructions_file}: {exc}"
                             ) from None  # fmt: skip
        texts += [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    items = [BatchItem(item_id_for(text), text) for text in texts]
    ids = [part.strip() for part in args.bench_ids.split(",") if part.strip()]
    if ids:
        tasks = select_tasks(load_tasks(args.bench_file), ids)
        items += [BatchItem(task.id, task.instruction) for task in tasks]
    return items


def coder_configs(specs: list[str], base: RoleConfig) -> list[RoleConfig]:
    """One coder role per ``--coder-model``: ``MODEL`` or ``PROVIDER:URL:MODEL`` over ``base``.

    Raises:
        ConfigError: A spec is empty.
    """
    coders = []
    for spec in specs:
        spec = spec.strip()
        found = _SPEC.fullmatch(spec)
        if found:
            coders.append(replace(base, provider=Provider(found["provider"]),
                                  base_url=found["url"], model=found["model"]))  # fmt: skip
        elif spec:
            coders.append(replace(base, model=spec))
        else:
            raise ConfigError("--coder-model needs a model name or PROVIDER:URL:MODEL")
    return coders


def _model_settings(args: argparse.Namespace) -> ModelSettings:
    flags = role_flags(argparse.Namespace(**{**vars(args), "coder_model": PER_CODER}))
    return settings.resolve_model_settings(flags)


def run_batch_cmd(args: argparse.Namespace) -> int:
    """Run ``webgen batch`` with parsed arguments.

    Returns:
        0 when every run finished, 1 when some did not (the table says which), 2 for bad
        instructions or settings, 130 when interrupted (the same command continues).
    """
    try:
        items = batch_items(args)
        shared = _model_settings(args)
        coders = coder_configs(args.coder_model, shared.coder)
        conditions = conditions_from(args)
    except (BenchDataError, BatchError, ConfigError) as exc:
        print(f"webgen batch: {exc}", file=sys.stderr)
        return EXIT_USAGE
    config = apply_run_flags(RunConfig(sandbox=settings.sandbox_settings()), args)
    reap_orphans(settings.state_dir())
    return asyncio.run(_batch(items, coders, shared, config, args, conditions))


async def _batch(items: list[BatchItem], coders: list[RoleConfig], shared: ModelSettings,
                 config: RunConfig, args: argparse.Namespace,
                 conditions: list[Condition] | None = None) -> int:  # fmt: skip
    critic = make_chat_model(shared.critic, "critic")
    feedback = make_chat_model(shared.feedback, "feedback")

    def make_models(coder: RoleConfig) -> AgentModels:
        return AgentModels(coder=make_chat_model(coder, "coder"), critic=critic,
                           feedback=feedback, settings=replace(shared, coder=coder))  # fmt: skip

    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, task.cancel)
    try:
        report = await asyncio.create_task(
            _run(items, coders, shared, config, args, conditions, make_models))
    except asyncio.CancelledError:
        print(f"webgen batch: interrupted; finished runs are kept in {args.out}; run the same "
              "command again to continue", file=sys.stderr)  # fmt: skip
        return EXIT_CANCELLED
    except WebGenError as exc:
        print(f"webgen batch: {exc}", file=sys.stderr)
        return EXIT_USAGE if isinstance(exc, BatchError) else EXIT_FAILED
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
        await critic.close()
        if feedback is not critic:
            await feedback.close()
    print(json.dumps(report.to_dict(), indent=2) if args.json
          else f"{report.format_table()}\n\nreport: {report.path}")  # fmt: skip
    failed = report.failed_runs()
    if failed:
        print(f"webgen batch: {len(failed)} of {len(report.runs)} runs did not finish",
              file=sys.stderr)  # fmt: skip
        return EXIT_FAILED
    return EXIT_OK


async def _run(items: list[BatchItem], coders: list[RoleConfig], shared: ModelSettings,
               config: RunConfig, args: argparse.Namespace, conditions: list[Condition] | None,
               make_models: ModelsFactory) -> BatchReport:  # fmt: skip
    """The batch, in this process or (``--ray``, ``--ray-address``) on a cluster."""
    choice = cluster_choice(args)
    if choice is None:
        return await run_batch(
            items, coders, args.samples, out_dir=args.out, make_models=make_models,
            config=config, concurrency=args.concurrency,
            on_event=None if args.quiet else _progress, conditions=conditions,
        )  # fmt: skip
    async with open_cluster(choice, quiet=args.quiet) as dispatcher:
        return await run_batch_on_ray(items, coders, args.samples, out_dir=args.out,
                                      shared=shared, config=config, dispatcher=dispatcher,
                                      conditions=conditions)  # fmt: skip


def _progress(update: BatchEvent) -> None:
    condition = f"{update.condition}/" if update.condition else ""
    where = f"{update.item_id}/{update.coder}/{condition}sample-{update.sample}"
    if update.note:
        print(f"{where}: {update.note}", file=sys.stderr, flush=True)
    elif isinstance(update.event, StepFinished):
        event = update.event
        grade = "-" if event.appearance_grade is None else f"{event.appearance_grade}/5"
        gui = "" if event.gui_grade is None else f", GUI {event.gui_grade}/5"
        flag = ", error" if event.has_error else ""
        print(f"{where}: step {event.index} {event.step_kind}, appearance {grade}{gui}{flag}",
              file=sys.stderr, flush=True)  # fmt: skip
