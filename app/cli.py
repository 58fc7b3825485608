"""The ``webgen`` command line: run, resume and show runs without the GUI."""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from agent_core.agent.loop import WebGenAgent
from agent_core.agent.reply_format import UNSUCCESSFUL_ENDINGS
from agent_core.agent.services import AgentModels
from agent_core.config import CANDIDATES_OFFERED, ModelSettings, Role, RunConfig
from agent_core.errors import ConfigError, RunStoreError, WebGenError
from agent_core.events import EventBus
from agent_core.protocol.images import ImageInputError, PreparedImage, read_image_file
from agent_core.runtime.processes import reap_orphans
from agent_core.store.inputs import attach_to_instruction, save_input_images
from agent_core.store.records import RunStatus
from agent_core.store.run_store import RunStore
from app import settings, starts
from app.ask_cmd import add_ask_parser, run_ask
from app.batch_cmd import add_batch_parser, run_batch_cmd
from app.bench import add_bench_parser, run_bench
from app.export_cmd import add_export_parser, run_export
from app.export_site_cmd import add_export_site_parser, run_export_site
from app.flags import (
    add_candidate_flags,
    add_condition_flags,
    add_role_flags,
    add_sandbox_flags,
    apply_run_flags,
    positive_int,
    role_flags,
    window_candidates,
)
from app.import_cmd import add_import_parser, run_import
from app.progress import ProgressPrinter, print_warnings
from app.rejudge_cmd import add_rejudge_parser, run_rejudge
from app.review_cmd import add_review_parser, run_review_summary
from app.summary import run_summary, summary_text

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_NO_SITE, EXIT_CANCELLED = 0, 1, 2, 3, 130
EXIT_CODES = """exit codes:
  0    the run finished with a working site (or the command succeeded)
  1    the run failed on an error, or a check failed
  2    bad input: flags, settings, a run folder that cannot be read
  3    the run ended without a working site: no step served the site
       (no_working_step) or the coder kept replying without actions
       (model_not_following_format); the message says what to try
  130  stopped with Ctrl-C"""
MODELS_TITLE = "models (flags beat WEBGEN_<ROLE>_* variables and the settings file)"
def _add_run_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--max-steps", type=int, default=None, metavar="N",
                        help="stop after N coder steps (default 20)")
    parser.add_argument("--error-limit", type=int, default=None, metavar="N",
                        help="failing steps in a row before backtracking (default 5)")
    parser.add_argument("--allow-command", action="append", default=[], metavar="PREFIX",
                        help="also run commands starting with PREFIX (repeatable)")
    parser.add_argument("--allow-any-command", action="store_true",
                        help="run any command the model asks for (never through a shell)")
    parser.add_argument("--no-gui-testing", action="store_true",
                        help="skip functional testing with the GUI agent")
    parser.add_argument("--chromium", default=None, metavar="PATH",
                        help="browser executable (default: found automatically)")
    parser.add_argument("--image-max-side", type=positive_int, default=None, metavar="PX",
                        help="scale attached images down to this longest side (default 1568)")
    add_candidate_flags(parser)
    add_sandbox_flags(parser)
    add_condition_flags(parser)
    parser.add_argument("--json", action="store_true", help="print one JSON summary")
    parser.add_argument("--stream", action="store_true", help="print the coder's tokens")
    parser.add_argument("--quiet", action="store_true", help="no progress output")
    add_role_flags(parser, MODELS_TITLE)


def _add_doctor_parser(sub: Any) -> None:
    doctor = sub.add_parser("doctor", help="check Python, Node.js, Chromium, models and keys")
    doctor.add_argument(
        "--json", action="store_true", help="print a JSON list of {check, status, detail, fix}"
    )
    doctor.add_argument(
        "--no-network", action="store_true", help="do not contact the model servers or Ollama"
    )
    doctor.add_argument("run_dir", nargs="?", type=Path, metavar="RUN_DIR",
                        help="check this run folder instead: what is missing or damaged")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``webgen``."""
    parser = argparse.ArgumentParser(
        prog="webgen", description="Build websites with the WebGen-Agent loop.",
        epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="check headlessly that this installation works (Qt WebEngine, Chromium, Node.js, "
        "resources) and exit",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="start a new run", epilog=EXIT_CODES,
                         formatter_class=argparse.RawDescriptionHelpFormatter)
    run.add_argument("instruction", help="what the website should be and do")
    run.add_argument("--out", required=True, type=Path, metavar="RUN_DIR",
                     help="the run folder to create")
    run.add_argument("--from", dest="start_from", metavar="TEMPLATE|DIR",
                     help="start from a template (" + ", ".join(starts.TEMPLATE_NAMES) + ") or "
                     "a copy of a project folder (without node_modules and .git) instead of "
                     "an empty project")
    run.add_argument("--image", action="append", default=[], type=Path, metavar="FILE",
                     help="a PNG, JPEG or WebP picture to build from: a screenshot or mockup "
                     "(repeatable); kept in RUN_DIR/inputs")
    _add_run_flags(run)
    resume = sub.add_parser("resume", help="continue a run from its last committed step")
    resume.add_argument("run_dir", type=Path)
    resume.add_argument("--request", default=None, metavar="TEXT",
                        help="a follow-up request: the run continues from its current step "
                        "to answer it (a finished run too)")
    resume.add_argument("--image", action="append", default=[], type=Path, metavar="FILE",
                        help="a PNG, JPEG or WebP picture sent with the request (repeatable)")
    _add_run_flags(resume)
    show = sub.add_parser("show", help="print a run's steps and scores")
    show.add_argument("run_dir", type=Path)
    show.add_argument("--json", action="store_true")
    models = sub.add_parser("models", help="list the models a role's server offers")
    models.add_argument("--role", choices=[str(r) for r in Role], default="coder")
    add_role_flags(models, MODELS_TITLE)
    add_bench_parser(sub)
    add_import_parser(sub)
    add_review_parser(sub)
    add_export_parser(sub)
    add_export_site_parser(sub)
    add_rejudge_parser(sub)
    add_batch_parser(sub)
    add_ask_parser(sub)
    _add_doctor_parser(sub)
    gui = sub.add_parser("gui", help="open the desktop window (the default with no command)")
    gui.add_argument("run_dir", nargs="?", type=Path, help="a run folder to open")
    gui.add_argument("--candidates", type=window_candidates, default=None, metavar="N",
                     help="set the window's \"Candidates per step\" to N for this session "
                     f"(1-{CANDIDATES_OFFERED}); the run named here continues with N")
    return parser


def _run_config(args: argparse.Namespace, stored: dict[str, Any] | None = None) -> RunConfig:
    if not stored:  # a new run: the settings file's sandbox choice, then the flags
        return apply_run_flags(RunConfig(sandbox=settings.sandbox_settings()), args)
    return apply_run_flags(RunConfig.from_dict(stored), args)


async def _drive(store: RunStore, model_settings: ModelSettings, config: RunConfig,
                 args: argparse.Namespace, images: tuple[str, ...] = ()) -> int:
    bus = EventBus()
    printer = None if args.quiet else ProgressPrinter(stream_tokens=args.stream)
    bus.subscribe(printer or print_warnings)
    models = AgentModels.from_settings(model_settings)
    agent = WebGenAgent(store, models, config, bus)
    task = asyncio.current_task()
    assert task is not None  # a coroutine always runs inside a task
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, task.cancel)
    try:
        request = getattr(args, "request", None)
        outcome = await asyncio.create_task(agent.run(request, images))
    except asyncio.CancelledError:
        _print_summary(store, args)
        return EXIT_CANCELLED
    finally:
        await models.close()
        if printer is not None:
            printer.close()
    _print_summary(store, args)
    if outcome.status is not RunStatus.FINISHED:
        return EXIT_FAILED
    return EXIT_NO_SITE if outcome.reason in UNSUCCESSFUL_ENDINGS else EXIT_OK


def _print_summary(store: RunStore, args: argparse.Namespace) -> None:
    summary = run_summary(RunStore.open(store.run_dir))
    if getattr(args, "json", False):
        print(json.dumps(summary, indent=2))
    elif not getattr(args, "quiet", False):
        print(summary_text(summary))


def _start_run(args: argparse.Namespace) -> int:
    model_settings = settings.resolve_model_settings(role_flags(args))
    config = _run_config(args)
    choice = starts.resolve_start(args.start_from) if args.start_from else starts.EMPTY
    seed = starts.read_start(choice)  # a folder over the limits is refused before the run
    # Every picture is checked before the run folder is made: a bad one changes nothing.
    images = _read_images(args.image, config.image_max_side, quiet=args.quiet)
    store = RunStore.create(args.out, args.instruction,
                           models=model_settings.to_public_dict(), config=config.to_dict())
    store.lock()
    attach_to_instruction(store, [(i.file_name, i.data) for i in images])
    if seed is not None:
        asyncio.run(starts.apply_start(store, choice, seed))
        if not args.quiet:
            print(f"webgen: starting from {choice.title} ({len(seed.files)} files)",
                  file=sys.stderr)
    return asyncio.run(_drive(store, model_settings, config, args))


def _read_images(paths: list[Path], max_side: int, *, quiet: bool) -> list[PreparedImage]:
    """The ``--image`` files, checked and scaled; ImageInputError names the first bad one."""
    images = [read_image_file(path, max_side) for path in paths]
    for image in images:
        if image.scaled_from and not quiet:
            width, height = image.scaled_from
            print(f"webgen: {image.source} ({width}x{height}) scaled to "
                  f"{image.width}x{image.height}", file=sys.stderr)
    return images


def _resume_run(args: argparse.Namespace) -> int:
    store = RunStore.open(args.run_dir)
    follow_up = bool(args.request or args.image)
    if store.manifest.status is RunStatus.FINISHED and not follow_up:
        print(f"webgen: {args.run_dir} already finished ({store.manifest.end_reason}); "
              "nothing to resume", file=sys.stderr)
        _print_summary(store, args)
        return EXIT_OK
    stored = settings.model_settings_from_dict(store.manifest.models)
    model_settings = settings.resolve_model_settings(role_flags(args), env={}, file_data={},
                                                     base=stored)
    config = _run_config(args, store.manifest.config)
    images = _read_images(args.image, config.image_max_side, quiet=args.quiet)
    store.lock()
    if follow_up:  # the steps taken so far stay; the limit counts from here
        config = replace(config, max_steps=len(store.steps()) + config.max_steps)
    paths = save_input_images(store, [(i.file_name, i.data) for i in images])
    return asyncio.run(_drive(store, model_settings, config, args, paths))


def _list_models(args: argparse.Namespace) -> int:
    from agent_core.llm.factory import list_server_models

    model_settings = settings.resolve_model_settings(role_flags(args), file_data=None)
    config = model_settings.for_role(Role(args.role))
    for name in asyncio.run(list_server_models(config)):
        print(name)
    return EXIT_OK


def _gui(run_dir: Path | None, candidates: int | None = None) -> int:
    from app.desktop.main import run_gui

    return run_gui(run_dir, candidates)


def _self_test(argv: list[str]) -> int:
    if len(argv) > 1:
        print("webgen: --self-test takes no other arguments", file=sys.stderr)
        return EXIT_USAGE
    from app.selftest import run_self_test  # loaded only when asked: keeps start-up fast

    return run_self_test()


def _doctor(args: argparse.Namespace) -> int:
    if args.run_dir is not None:
        return _doctor_run(args.run_dir, args.json)
    from app.doctor import run_doctor

    return run_doctor(as_json=args.json, network=not args.no_network)


def _doctor_run(run_dir: Path, as_json: bool) -> int:
    """Name what is damaged in a run folder; 0 when nothing is, 1 otherwise."""
    from agent_core.store.check import check_run

    check = check_run(run_dir)
    if as_json:
        print(json.dumps({"run_dir": str(check.run_dir), "steps": check.steps,
                          "problems": check.problems}, indent=2))
    elif not check.damaged:
        print(f"{check.run_dir}: {check.steps} step(s), nothing missing or damaged")
    else:
        print(f"{check.run_dir}: {check.steps} step(s) readable; damaged:")
        print("\n".join(f"  - {problem}" for problem in check.problems))
    return 1 if check.damaged else EXIT_OK


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``webgen`` console script."""
    argv = sys.argv[1:] if argv is None else argv
    if not argv:
        return _gui(None)
    if "--self-test" in argv:
        return _self_test(argv)
    args = build_parser().parse_args(argv)
    if args.command == "gui":
        return _gui(args.run_dir, args.candidates)
    if args.command == "doctor":
        return _doctor(args)
    if args.command in ("run", "resume"):
        reap_orphans(settings.state_dir())
    try:
        if args.command == "run":
            return _start_run(args)
        if args.command == "resume":
            return _resume_run(args)
        if args.command == "models":
            return _list_models(args)
        if args.command == "bench":
            return run_bench(args)
        if args.command == "import-webgen-agent":
            return run_import(args)
        if args.command == "review-summary":
            return run_review_summary(args)
        if args.command == "export":
            return run_export(args)
        if args.command == "export-site":
            return run_export_site(args)
        if args.command == "rejudge":
            return run_rejudge(args)
        if args.command == "batch":
            return run_batch_cmd(args)
        if args.command == "ask":
            return run_ask(args)
        _print_summary(RunStore.open(args.run_dir), args)
        return EXIT_OK
    except WebGenError as exc:
        print(f"webgen: {exc}", file=sys.stderr)
        usage = isinstance(exc, ConfigError | RunStoreError | ImageInputError)
        return EXIT_USAGE if usage else EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
