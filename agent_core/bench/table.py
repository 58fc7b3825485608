"""``RUNS_DIR/table.md``: the benchmark's result table, to put beside the paper's.

The columns are those of the benchmark's published scorer: test name, the YES / PARTIAL /
NO / start_failed counts, the total, their four rates, the accuracy, then the accuracy of
the three task categories and of the three test-case categories, all in percent with one
decimal. One row per bench (or per ablation condition). The table is given for the
published reading first, then for the strict one, then the appearance scores.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from agent_core.bench.cost import BenchCost
from agent_core.bench.scoring import CASE_CATEGORIES, TASK_CATEGORIES, BenchSummary, Reading
from agent_core.store.atomic import write_bytes_atomic

TABLE_FILE = "table.md"
COLUMNS = (
    "test_name", "yes_num", "partial_num", "no_num", "start_failed_num", "total", "yes_rate",
    "partial_rate", "no_rate", "start_failed_rate", "accuracy", *TASK_CATEGORIES,
    *CASE_CATEGORIES,
)  # fmt: skip
Row = tuple[str, BenchSummary]
CostRow = tuple[str, int, BenchCost]
"""A bench's name, its candidates per step, and its cost per task."""


def reading_table(rows: Sequence[Row], reading: str = "published") -> str:
    """The benchmark's table of one reading (``published`` or ``strict``), one row per bench."""
    lines = [_line(COLUMNS), _line(["---"] * len(COLUMNS))]
    for name, summary in rows:
        lines.append(_line(_cells(name, getattr(summary, reading))))
    return "\n".join(lines)


def results_markdown(rows: Sequence[Row], costs: Sequence[CostRow] = ()) -> str:
    """The whole ``table.md``: both readings, the appearance scores, what is missing, and
    (when ``costs`` are given) the candidates and cost per task of each bench."""
    parts = [
        "# WebGen-Bench results",
        "",
        "Published reading (the benchmark's scorer: YES when \"YES\" occurs anywhere in the "
        "judge's last message, else PARTIAL when \"PARTIAL\" does, else NO):",
        "",
        reading_table(rows, "published"),
        "",
        "Strict reading (the judge's answer must start with YES, PARTIAL or NO):",
        "",
        reading_table(rows, "strict"),
        "",
        "Appearance (1-5: the sum of the tasks' grades divided by the number of tasks):",
        "",
        _line(["test_name", "appearance", "tasks", "not_graded"]),
        _line(["---"] * 4),
    ]
    for name, summary in rows:
        score = "-" if summary.appearance is None else f"{summary.appearance:.2f}"
        parts.append(_line([name, score, str(summary.tasks), str(summary.appearance_missing)]))
    if costs:
        parts += ["", "Candidates per step and cost per task (wall time from a run's first "
                  "step to its last; coder tokens: prompt and reply, every candidate):", "",
                  _line(["test_name", "candidates", "seconds_per_task", "coder_tokens_per_task",
                         "runs"]), _line(["---"] * 5)]
        parts += [_line([name, str(n), _number(c.seconds_per_task, 1),
                         _number(c.coder_tokens_per_task, 0), str(c.runs)])
                  for name, n, c in costs]
    missing = [(name, s.missing_cases) for name, s in rows if s.missing_cases]
    if missing:
        parts += ["", "Not evaluated yet (left out of the totals above): "
                  + ", ".join(f"{name}: {count} case(s)" for name, count in missing)]
    return "\n".join(parts) + "\n"


def write_table(runs_dir: Path, rows: Sequence[Row], costs: Sequence[CostRow] = ()) -> Path:
    """Write ``runs_dir/table.md`` atomically (blocking) and return its path."""
    path = Path(runs_dir) / TABLE_FILE
    write_bytes_atomic(path, results_markdown(rows, costs).encode("utf-8"))
    return path


def _number(value: float | None, places: int) -> str:
    return "-" if value is None else f"{value:.{places}f}"


def _cells(name: str, reading: Reading) -> list[str]:
    overall = reading.overall
    total = overall.cases
    counts = [overall.yes, overall.partial, overall.no, overall.start_failed]
    rates = [_percent(count / total if total else None) for count in counts]
    categories = [_percent(reading.category(c).accuracy)
                  for c in (*TASK_CATEGORIES, *CASE_CATEGORIES)]  # fmt: skip
    return [name, *map(str, counts), str(total), *rates, _percent(overall.accuracy),
            *categories]  # fmt: skip


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}"


def _line(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cell.replace("|", "/") for cell in cells) + " |"


__all__ = ["COLUMNS", "TABLE_FILE", "CostRow", "reading_table", "results_markdown", "write_table"]
