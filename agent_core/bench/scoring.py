"""The benchmark's numbers: accuracy overall and per category, and the mean appearance grade.

accuracy = (YES + 0.5 x PARTIAL) / cases. Cases are counted per task primary category
(Content Presentation, User Interaction, Data Management) and per test-case category
(Functional Testing, Data Display Testing, Design Validation Testing). The appearance score
is the mean of the tasks' grades; a missing grade is left out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from agent_core.bench.dataset import BenchTask
from agent_core.bench.results import AppearanceResult, CaseResult

TASK_CATEGORIES = ("Content Presentation", "User Interaction", "Data Management")
CASE_CATEGORIES = ("Functional Testing", "Data Display Testing", "Design Validation Testing")
CaseKey = tuple[str, int]


@dataclass
class Tally:
    """Verdict counts of a group of cases."""

    cases: int = 0
    yes: int = 0
    partial: int = 0
    no: int = 0
    start_failed: int = 0

    def add(self, result: CaseResult) -> None:
        """Count one case."""
        self.cases += 1
        if result.verdict == "YES":
            self.yes += 1
        elif result.verdict == "PARTIAL":
            self.partial += 1
        else:
            self.no += 1
        self.start_failed += int(result.start_failed)

    @property
    def accuracy(self) -> float | None:
        """(YES + 0.5 x PARTIAL) / cases; None without cases."""
        if not self.cases:
            return None
        return (self.yes + 0.5 * self.partial) / self.cases


@dataclass
class BenchSummary:
    """Scores of a benchmark run over the selected tasks.

    Attributes:
        overall: All evaluated cases.
        by_task_category: Per task primary category.
        by_case_category: Per test-case category.
        by_task: Per task id.
        appearance: Mean appearance grade of the graded tasks (None: none graded).
        appearance_graded: How many tasks have a grade.
        appearance_by_task: Each task's grade (None: missing).
        missing_cases: Cases of the selected tasks with no result yet.
    """

    overall: Tally = field(default_factory=Tally)
    by_task_category: dict[str, Tally] = field(default_factory=dict)
    by_case_category: dict[str, Tally] = field(default_factory=dict)
    by_task: dict[str, Tally] = field(default_factory=dict)
    appearance: float | None = None
    appearance_graded: int = 0
    appearance_by_task: dict[str, int | None] = field(default_factory=dict)
    missing_cases: int = 0

    def to_json(self) -> dict[str, Any]:
        """The documented ``--json`` object of ``webgen bench``."""
        by_category = {**self.by_task_category, **self.by_case_category}
        return {
            "cases": self.overall.cases,
            "yes": self.overall.yes,
            "partial": self.overall.partial,
            "no": self.overall.no,
            "start_failed": self.overall.start_failed,
            "accuracy": self.overall.accuracy,
            "appearance": self.appearance,
            "by_category": {
                name: {"cases": t.cases, "accuracy": t.accuracy} for name, t in by_category.items()
            },
        }

    def to_results(self) -> dict[str, Any]:
        """The ``--json`` object plus the detail kept in ``bench-results.json``."""
        return {
            **self.to_json(),
            "appearance_graded": self.appearance_graded,
            "missing_cases": self.missing_cases,
            "by_task_category": _tallies(self.by_task_category),
            "by_case_category": _tallies(self.by_case_category),
            "tasks": {
                task_id: {**_tally(t), "appearance": self.appearance_by_task.get(task_id)}
                for task_id, t in self.by_task.items()
            },
        }


def summarize(
    tasks: Sequence[BenchTask],
    cases: Mapping[CaseKey, CaseResult],
    appearance: Mapping[str, AppearanceResult],
) -> BenchSummary:
    """Score the results of ``tasks`` (results of other tasks are ignored).

    Categories come from the task file, so a record written with other names cannot skew
    the groups.

    Args:
        tasks: The selected tasks.
        cases: Case results by ``(task id, case index)``.
        appearance: Appearance grades by task id.

    Returns:
        The summary.
    """
    summary = BenchSummary()
    for task in tasks:
        summary.by_task[task.id] = Tally()
        for case in task.cases:
            result = cases.get((task.id, case.index))
            if result is None:
                summary.missing_cases += 1
                continue
            for tally in (
                summary.overall,
                summary.by_task[task.id],
                summary.by_task_category.setdefault(task.category, Tally()),
                summary.by_case_category.setdefault(case.category, Tally()),
            ):
                tally.add(result)
        grade = appearance.get(task.id)
        summary.appearance_by_task[task.id] = grade.grade if grade else None
    grades = [g for g in summary.appearance_by_task.values() if g is not None]
    summary.appearance_graded = len(grades)
    summary.appearance = sum(grades) / len(grades) if grades else None
    summary.by_task_category = _ordered(summary.by_task_category, TASK_CATEGORIES)
    summary.by_case_category = _ordered(summary.by_case_category, CASE_CATEGORIES)
    return summary


def format_table(summary: BenchSummary) -> str:
    """The summary as a small text table for a terminal."""
    lines = [f"{'':<28} {'cases':>5}  {'YES':>4} {'PART':>4} {'NO':>4}  {'accuracy':>8}"]
    lines.append(_row("overall", summary.overall))
    for title, group in (
        ("by task category", summary.by_task_category),
        ("by test-case category", summary.by_case_category),
    ):
        if group:
            lines.append(title)
            lines += [_row(f"  {name}", tally) for name, tally in group.items()]
    failed = summary.overall.start_failed
    lines.append("")
    lines.append(f"sites that did not start: {failed} case(s) scored NO")
    if summary.appearance is None:
        lines.append("appearance: no grade")
    else:
        graded = summary.appearance_graded
        lines.append(f"appearance: {summary.appearance:.2f} / 5 (mean of {graded} task(s))")
    if summary.missing_cases:
        lines.append(f"not evaluated yet: {summary.missing_cases} case(s)")
    return "\n".join(lines)


def _row(name: str, tally: Tally) -> str:
    accuracy = "-" if tally.accuracy is None else f"{100 * tally.accuracy:.1f}%"
    shown = name if len(name) <= 28 else name[:25] + "..."
    return (
        f"{shown:<28} {tally.cases:>5}  {tally.yes:>4} {tally.partial:>4} {tally.no:>4}  "
        f"{accuracy:>8}"
    )


def _ordered(group: dict[str, Tally], known: Sequence[str]) -> dict[str, Tally]:
    names = [n for n in known if n in group] + sorted(n for n in group if n not in known)
    return {name: group[name] for name in names}


def _tally(tally: Tally) -> dict[str, Any]:
    return {
        "cases": tally.cases,
        "yes": tally.yes,
        "partial": tally.partial,
        "no": tally.no,
        "start_failed": tally.start_failed,
        "accuracy": tally.accuracy,
    }


def _tallies(group: Mapping[str, Tally]) -> dict[str, dict[str, Any]]:
    return {name: _tally(tally) for name, tally in group.items()}


__all__ = [
    "CASE_CATEGORIES",
    "TASK_CATEGORIES",
    "BenchSummary",
    "Tally",
    "format_table",
    "summarize",
]
