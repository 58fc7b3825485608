"""``webgen review-summary``: how often the automatic judges agree with people's labels.

Registered in ``app.cli`` with ``add_review_parser(sub)`` and dispatched to
``run_review_summary``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from agent_core.errors import RunStoreError
from agent_core.review import agreement

EXIT_OK, EXIT_USAGE = 0, 2
MANIFEST = "manifest.json"
NO_LABELS = (
    "No human labels yet: label steps in the app (step details → Your review) or with "
    "Python: LabelStore(RUN_DIR).set(STEP, StepLabel(appearance=4, gui=3)) "
    "from agent_core.review."
)


def add_review_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``review-summary`` command to ``webgen``'s sub-commands.

    Args:
        subparsers: What ``ArgumentParser.add_subparsers()`` returned.

    Returns:
        The ``review-summary`` parser.
    """
    parser = subparsers.add_parser(
        "review-summary",
        help="how often the automatic judges agree with your own grades",
        description="Compare the vision critic's appearance grades and the GUI agent's "
        "grades and verdicts with the grades people gave (per judged model and overall).",
    )
    parser.add_argument(
        "run_dirs",
        nargs="+",
        type=Path,
        metavar="RUN_DIR",
        help="a run directory, or a folder of runs (each run inside it is read)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    return parser


def expand_runs(paths: list[Path]) -> list[Path]:
    """The run directories named by ``paths``: runs as given, folders expanded to the runs
    directly inside them (in name order); each run once.

    Raises:
        RunStoreError: A path does not exist, or is a folder with no run in it.
    """
    runs: list[Path] = []
    for path in paths:
        if (path / MANIFEST).is_file():
            found = [path]
        elif path.is_dir():
            found = sorted(p for p in path.iterdir() if (p / MANIFEST).is_file())
            if not found:
                raise RunStoreError(
                    f"{path} is neither a WebGen run nor a folder of runs "
                    f"(no {MANIFEST} in it or in its sub-folders)"
                )
        else:
            raise RunStoreError(f"{path} does not exist")
        runs += [run for run in found if run.resolve() not in {r.resolve() for r in runs}]
    return runs


def run_review_summary(args: argparse.Namespace) -> int:
    """Print the agreement report of ``args.run_dirs`` (a table, or JSON with ``--json``).

    Returns:
        0, or 2 when a run or a labels file cannot be read (the reason goes to stderr).
    """
    try:
        report = agreement(expand_runs(list(args.run_dirs)))
    except RunStoreError as exc:
        print(f"webgen: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
        if not report.labelled_steps:
            print(NO_LABELS, file=sys.stderr)
    elif not report.labelled_steps:
        print(NO_LABELS)
    else:
        print(report.format_table())
    return EXIT_OK
