"""``webgen export``: training data (Step-GRPO step records or SFT trajectories) from runs.

Registered in ``app.cli`` with ``add_export_parser(sub)`` and dispatched to ``run_export``.
The record schemas are documented in docs/export.md.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from agent_core.errors import ConfigError, RunStoreError
from agent_core.export import (
    GROUP_BY,
    REWARDS,
    sft_records,
    step_grpo_records,
    write_jsonl,
    write_parquet,
)
from app.review_cmd import expand_runs

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
FORMATS = ("step-grpo", "sft")


def add_export_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``export`` command to ``webgen``'s sub-commands.

    Args:
        subparsers: What ``ArgumentParser.add_subparsers()`` returned.

    Returns:
        The ``export`` parser.
    """
    parser = subparsers.add_parser(
        "export",
        help="write training data (Step-GRPO or SFT) from runs",
        description="Write one Step-GRPO record per step (reward and group-standardised "
        "advantage) or one SFT conversation per run, as JSON Lines or Parquet. "
        "Field by field: docs/export.md.",
    )
    parser.add_argument(
        "--format",
        dest="export_format",
        required=True,
        choices=FORMATS,
        help="step-grpo: one record per step; sft: one per run (best step)",
    )
    parser.add_argument(
        "runs",
        nargs="+",
        type=Path,
        metavar="RUNS",
        help="a run directory, or a folder of runs (each run inside it is read)",
    )
    parser.add_argument("--out", required=True, type=Path, metavar="FILE")
    parser.add_argument(
        "--reward",
        choices=REWARDS,
        default=None,
        help="step-grpo reward: appearance + GUI grade (both, the default), or one of them",
    )
    parser.add_argument(
        "--group",
        choices=GROUP_BY,
        default=None,
        help="step-grpo: standardise rewards within runs of one instruction (the default), "
        "within each run, or within each step's candidates (siblings)",
    )
    parser.add_argument(
        "--human-labels",
        action="store_true",
        help="step-grpo: use people's grades from review/labels.json where they exist",
    )
    parser.add_argument(
        "--parquet",
        action="store_true",
        help="write Parquet (needs pyarrow; implied by an --out ending .parquet)",
    )
    return parser


class _Tally:
    """Passes records through while counting their runs and groups."""

    def __init__(self, records: Iterable[dict[str, Any]]) -> None:
        self._records = records
        self.runs: set[str] = set()
        self.groups: set[str] = set()

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for record in self._records:
            self.runs.add(record["run_id"])
            self.groups.add(record["group_id"])
            yield record


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _records(args: argparse.Namespace, runs: list[Path]) -> Iterator[dict[str, Any]]:
    if args.export_format == "sft":
        return sft_records(runs)
    return step_grpo_records(runs, reward=args.reward or "both", use_human_labels=args.human_labels,
                             group_by=args.group or "instruction")


def run_export(args: argparse.Namespace) -> int:
    """Export ``args.runs`` to ``args.out`` and say how much was written.

    Returns:
        0; 1 when the runs hold no step to export or the file cannot be written; 2 when the
        options do not fit together, a path is not a run or a folder of runs, a run cannot
        be read, or Parquet is asked for without pyarrow (the reason goes to stderr).
    """
    if args.export_format == "sft" and (args.reward or args.human_labels or args.group):
        print(
            "webgen: --reward and --human-labels apply to --format step-grpo only, as does "
            "--group; "
            "SFT records carry the best step's automatic grades",
            file=sys.stderr,
        )
        return EXIT_USAGE
    parquet = args.parquet or args.out.suffix.lower() == ".parquet"
    try:
        runs = expand_runs(list(args.runs))
        tally = _Tally(_records(args, runs))
        records = iter(tally)
        first = next(records, None)
        if first is None:
            print(
                f"webgen: nothing to export: none of the {_plural(len(runs), 'run')} "
                f"given has a committed step; {args.out} was not written",
                file=sys.stderr,
            )
            return EXIT_FAILED
        writer = write_parquet if parquet else write_jsonl
        count = writer(itertools.chain([first], records), args.out)
    except (RunStoreError, ConfigError) as exc:
        print(f"webgen: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:
        print(f"webgen: cannot write {args.out}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAILED
    print(
        f"Wrote {_plural(count, 'record')} from {_plural(len(tally.runs), 'run')} "
        f"({_plural(len(tally.groups), 'group')}) to {args.out}"
    )
    if len(tally.runs) < len(runs):
        skipped = len(runs) - len(tally.runs)
        print(
            f"webgen: {_plural(skipped, 'run')} without committed steps gave no record",
            file=sys.stderr,
        )
    return EXIT_OK
