"""``webgen export-site RUN [--step N] (--zip F | --build DIR | --git DIR)``: take a site out.

Registered in ``app.cli`` with ``add_export_site_parser(sub)`` and dispatched to
``run_export_site``. The exports themselves are :mod:`agent_core.export.site` (zip),
:mod:`agent_core.export.site_build` (static build) and :mod:`agent_core.export.site_git`.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from agent_core.config import RunConfig
from agent_core.errors import ConfigError, RunStoreError, WebGenError
from agent_core.export.site import ExportTargetError, SiteExport, export_zip
from agent_core.export.site_build import export_build
from agent_core.export.site_git import export_git
from agent_core.store.run_store import RunStore
from app.flags import add_sandbox_flags, apply_run_flags, positive_int

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def add_export_site_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``export-site`` command to ``webgen``'s sub-commands.

    Args:
        subparsers: What ``ArgumentParser.add_subparsers()`` returned.

    Returns:
        The ``export-site`` parser.
    """
    parser = subparsers.add_parser(
        "export-site",
        help="take a step's site out: its sources as a zip, a static build, or a git repository",
        description="Take the site of one step out of a run: its sources as a zip (without "
        "node_modules and the app's own files), a static build (npm run build, confined like "
        "the run's commands), or a git repository with one commit per step (the path to the "
        "step on main, other lines of steps as branches).",
    )
    parser.add_argument("run_dir", type=Path, metavar="RUN", help="the run folder")
    parser.add_argument("--step", type=positive_int, default=None, metavar="N",
                        help="the step to export (default: the run's best step, else its "
                        "current one)")
    kind = parser.add_mutually_exclusive_group(required=True)
    kind.add_argument("--zip", type=Path, metavar="FILE", help="write the sources as a zip")
    kind.add_argument("--build", type=Path, metavar="DIR",
                      help="run npm run build and copy its output to DIR (new or empty)")
    kind.add_argument("--git", type=Path, metavar="DIR",
                      help="write a git repository of the run's steps to DIR (new or empty)")
    add_sandbox_flags(parser)
    return parser


def run_export_site(args: argparse.Namespace) -> int:
    """Export the step the flags name and say what was written.

    Returns:
        0; 1 when the export failed (a failed build, git missing, a full disk); 2 when the
        run cannot be read or the step or destination is unusable (the reason goes to
        stderr). Nothing is left half-written at the destination either way.
    """
    try:
        store = RunStore.open(args.run_dir)
        result = asyncio.run(_export(store, args))
    except (ExportTargetError, RunStoreError, ConfigError) as exc:
        print(f"webgen: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except WebGenError as exc:
        print(f"webgen: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(result.summary())
    return EXIT_OK


async def _export(store: RunStore, args: argparse.Namespace) -> SiteExport:
    if args.zip is not None:
        return await export_zip(store, args.zip, args.step)
    if args.git is not None:
        return await export_git(store, args.git, args.step)
    config = apply_run_flags(stored_config(store), args)
    return await export_build(store, args.build, args.step, sandbox=config.sandbox,
                              timeouts=config.timeouts)


def stored_config(store: RunStore) -> RunConfig:
    """The run's own config (its sandbox and timeouts); the defaults where it is unreadable."""
    try:
        return RunConfig.from_dict(store.manifest.config)
    except (TypeError, ValueError):
        return RunConfig()
