"""``webgen rejudge``: grade a stored run again with other critic / feedback models.

Registered in ``app.cli`` with ``add_rejudge_parser(sub)`` and dispatched to
``run_rejudge``. The run is only read; the new grades go to ``RUN_DIR/judgements/``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from agent_core.config import Role, RoleConfig
from agent_core.distributed import RunLost, rejudge_on_ray
from agent_core.errors import ConfigError, RunStoreError, WebGenError
from agent_core.experiments import (
    RejudgeError,
    RejudgeProgress,
    RejudgeReport,
    check_label,
    rejudge_run,
)
from agent_core.llm.base import ChatModel
from agent_core.llm.factory import make_chat_model
from app import settings
from app.flags import ROLE_FLAGS, positive_int, role_flags
from app.ray_flags import add_ray_flags, cluster_choice, open_cluster

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_CANCELLED = 0, 1, 2, 130
JUDGE_ROLES = (Role.CRITIC, Role.FEEDBACK)



def add_rejudge_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``rejudge`` command to ``webgen``'s sub-commands.

    Args:
        subparsers: What ``ArgumentParser.add_subparsers()`` returned.

    Returns:
        The ``rejudge`` parser.
    """
    parser = subparsers.add_parser(
        "rejudge", help="grade a run's screenshots and GUI tests again with other models",
        description="Ask another vision critic (stored screenshots) and/or feedback model "
        "(stored GUI-agent trajectories) for the grades again, and compare them with the "
        "run's own. The run is not changed; the new grades go to RUN_DIR/judgements/LABEL.json.",
    )  # fmt: skip
    parser.add_argument("run_dir", type=Path, metavar="RUN_DIR")
    parser.add_argument("--label", required=True, help="names the judgements (e.g. qwen-72b)")
    parser.add_argument(
        "--only",
        choices=["critic", "gui"],
        default=None,
        help="re-judge only the screenshots (critic) or only the GUI tests",
    )
    parser.add_argument(
        "--concurrency",
        type=positive_int,
        default=2,
        metavar="N",
        help="steps judged at once (default: 2)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--quiet", action="store_true", help="no progress output")
    add_ray_flags(parser)
    group = parser.add_argument_group(
        "models (flags beat WEBGEN_<ROLE>_* variables and the settings file; the feedback "
        "role falls back to the critic's settings)"
    )
    for role in JUDGE_ROLES:
        for flag in ROLE_FLAGS:
            group.add_argument(f"--{role}-{flag}", default=None, metavar="VALUE")
    return parser


def judge_settings(args: argparse.Namespace, env: dict[str, str] | None = None
                   ) -> tuple[RoleConfig | None, RoleConfig | None]:  # fmt: skip
    """The critic and feedback settings the command needs (None for a role left out).

    Precedence as for ``webgen run``: flags, then ``WEBGEN_<ROLE>_*``, then the settings
    file; the feedback role takes the critic's settings when it names no model.

    Raises:
        ConfigError: A needed role has no model, or a value is invalid.
    """
    env = dict(os.environ) if env is None else env
    unset = {f"coder_{flag.replace('-', '_')}": None for flag in ROLE_FLAGS}
    flags = role_flags(argparse.Namespace(**{**vars(args), **unset}))
    file_roles = settings.load_settings_file().get("roles", {})
    critic_values = settings.role_values(Role.CRITIC, flags["critic"], env, file_roles)
    critic = replace(RoleConfig(), **critic_values)
    feedback_values = settings.role_values(Role.FEEDBACK, flags["feedback"], env, file_roles)
    start = RoleConfig() if "model" in feedback_values else critic
    feedback = replace(start, **feedback_values)
    wanted = {"critic": (critic, None), "gui": (None, feedback)}.get(args.only, (critic, feedback))
    for role, config in zip(JUDGE_ROLES, wanted, strict=True):
        if config is not None and not config.model:
            upper = str(role).upper()
            also = " (or a critic model, which it falls back to)" if role is Role.FEEDBACK else ""
            raise ConfigError(
                f"no model set for the {role} role: pass --{role}-model{also} or set "
                f"WEBGEN_{upper}_MODEL (and WEBGEN_{upper}_BASE_URL)"
            )
    return wanted


def run_rejudge(args: argparse.Namespace) -> int:
    """Run ``webgen rejudge`` with parsed arguments.

    Returns:
        0 when every step got a new judgement, 1 when some could not be re-judged (they are
        listed), 2 for a bad label, folder or settings, 130 when interrupted (nothing is
        written then).
    """
    try:
        check_label(args.label)
        critic, feedback = judge_settings(args)
    except (RejudgeError, ConfigError) as exc:
        print(f"webgen rejudge: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        return asyncio.run(_rejudge(args, critic, feedback))
    except KeyboardInterrupt:
        print("webgen rejudge: interrupted; no judgements were written", file=sys.stderr)
        return EXIT_CANCELLED


async def _rejudge(args: argparse.Namespace, critic_config: RoleConfig | None,
                   feedback_config: RoleConfig | None) -> int:  # fmt: skip
    try:
        report = await _report(args, critic_config, feedback_config)
    except (RejudgeError, RunStoreError) as exc:
        print(f"webgen rejudge: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (WebGenError, RunLost) as exc:
        print(f"webgen rejudge: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(json.dumps(report.to_dict(), indent=2) if args.json else report.format_table())
    failed = [step.index for step in report.steps if step.error]
    if failed:
        listed = ", ".join(map(str, failed))
        print(f"webgen rejudge: step(s) {listed} could not be re-judged (see the errors "
              "above)", file=sys.stderr)  # fmt: skip
        return EXIT_FAILED
    return EXIT_OK


async def _report(args: argparse.Namespace, critic_config: RoleConfig | None,
                  feedback_config: RoleConfig | None) -> RejudgeReport:  # fmt: skip
    """The re-judgement, in this process or (``--ray``, ``--ray-address``) on a cluster."""
    choice = cluster_choice(args)
    if choice is not None:
        async with open_cluster(choice, quiet=args.quiet, notes=False) as dispatcher:
            return await rejudge_on_ray(args.run_dir, critic=critic_config,
                                        feedback=feedback_config, label=args.label,
                                        concurrency=args.concurrency, dispatcher=dispatcher)
    critic = make_chat_model(critic_config, "critic") if critic_config else None
    feedback = make_chat_model(feedback_config, "feedback") if feedback_config else None
    try:
        return await rejudge_run(
            args.run_dir, critic=critic, feedback=feedback, label=args.label,
            concurrency=args.concurrency, on_progress=None if args.quiet else _progress,
        )  # fmt: skip
    finally:
        await _close(critic, feedback)


def _progress(progress: RejudgeProgress) -> None:
    state = f"error: {progress.error}" if progress.error else "done"
    print(f"step {progress.index} re-judged ({progress.done}/{progress.total}): {state}",
          file=sys.stderr, flush=True)  # fmt: skip


async def _close(*models: ChatModel | None) -> None:
    seen: set[int] = set()
    for model in models:
        if model is not None and id(model) not in seen:
            seen.add(id(model))
            await model.close()
