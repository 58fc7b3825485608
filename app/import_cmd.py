"""``webgen import-webgen-agent``: open a log of the official WebGen-Agent as a run.

Registered in ``app.cli`` with ``add_import_parser(sub)`` and dispatched to ``run_import``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from agent_core.errors import RunStoreError
from agent_core.importers import ImportReport, import_webgen_agent_log

EXIT_OK, EXIT_USAGE = 0, 2
COMMAND = "import-webgen-agent"


def add_import_parser(subparsers: Any) -> None:
    """Add the ``import-webgen-agent`` command to ``webgen``'s sub-commands.

    Args:
        subparsers: What ``ArgumentParser.add_subparsers()`` returned.
    """
    parser = subparsers.add_parser(
        COMMAND,
        help="turn a log directory of the official WebGen-Agent into a run directory",
        description="Read the step0.json, step1.json, ... and screenshots that the official "
        "WebGen-Agent implementation writes, and store them as a finished run that "
        "`webgen show` and the window open like their own runs.",
    )
    parser.add_argument("log_dir", type=Path, metavar="LOG_DIR", help="the log directory")
    parser.add_argument(
        "--out", required=True, type=Path, metavar="RUN_DIR", help="the new run directory"
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")


def run_import(args: argparse.Namespace) -> int:
    """Import ``args.log_dir`` into ``args.out`` and report what happened.

    Args:
        args: Parsed arguments of ``import-webgen-agent``.

    Returns:
        0 after an import (problems included), 2 when nothing could be imported.
    """
    try:
        report = import_webgen_agent_log(args.log_dir, args.out)
    except RunStoreError as exc:
        print(f"webgen: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        print(json.dumps(report_dict(report), indent=2))
    else:
        print(report_text(report))
    return EXIT_OK


def report_dict(report: ImportReport) -> dict[str, Any]:
    """The ``--json`` object: run_dir, steps_imported, problems, skipped."""
    return {
        "run_dir": str(report.run_dir),
        "steps_imported": report.steps_imported,
        "problems": list(report.problems),
        "skipped": list(report.skipped),
    }


def report_text(report: ImportReport) -> str:
    """A summary line, then one line per problem and per skipped step file."""
    count = len(report.problems)
    noun = "step" if report.steps_imported == 1 else "steps"
    counts = f"{count} problem" + ("" if count == 1 else "s")
    if report.skipped:
        counts += f", {len(report.skipped)} step file" + (
            " skipped" if len(report.skipped) == 1 else "s skipped"
        )
    lines = [f"Imported {report.steps_imported} {noun} into {report.run_dir} ({counts})"]
    lines += [f"  {line}" for line in (*report.skipped, *report.problems)]
    return "\n".join(lines)
