"""The benchmark's numbers: accuracy in both readings, overall and per category, and appearance.

accuracy = (YES + 0.5 x PARTIAL) / cases, computed twice from the same trajectories: with
the published scorer's reading and with the strict one (``agent_core.bench.results``). Cases
are counted per task primary category (Content Presentation, User Interaction, Data
Management) and per test-case category (Functional Testing, Data Display Testing, Design
Validation Testing). As in the benchmark's table, the counts split every case into YES,
PARTIAL, NO and start_failed (a site that did not start: scored 0, in neither of the others).

Appearance follows the benchmark too: the sum of the selected tasks' grades divided by their
number, so a task without a grade (site not started, grade unreadable, not graded yet) adds 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from agent_core.bench.dataset import BenchTask
from agent_core.bench.results import AppearanceResult, CaseResult, Verdict

TASK_CATEGORIES = ("Content Presentation", "User Interaction", "Data Management")
CASE_CATEGORIES = ("Functional Testing", "Data Display Testing", "Design Validation Testing")
CaseKey = tuple[str, int]


@dataclass
class Tally:
    """Verdict counts of a group of cases; ``yes + partial + no + start_failed == cases``."""

    cases: int = 0
    yes: int = 0
    partial: int = 0
    no: int = 0
    start_failed: int = 0

    def add(self, verdict: Verdict, start_failed: bool = False) -> None:
        """Count one case (a start failure counts as start_failed whatever the verdict)."""
        self.cases += 1
        if start_failed:
            self.start_failed += 1
        elif verdict == "YES":
            self.yes += 1
        elif verdict == "PARTIAL":
            self.partial += 1
        else:
            self.no += 1

    @property
    def accuracy(self) -> float | None:
        """(YES + 0.5 x PARTIAL) / cases; None without cases."""
        if not self.cases:
            return None
        return (self.yes + 0.5 * self.partial) / self.cases

    def counts(self) -> dict[str, int]:
        """``yes``, ``partial``, ``no`` and ``start_failed``."""
        return {"yes": self.yes, "partial": self.partial, "no": self.no,
                "start_failed": self.start_failed}  # fmt: skip


@dataclass
class Reading:
    """The tallies of one way of reading the verdicts."""

    overall: Tally = field(default_factory=Tally)
    by_task_category: dict[str, Tally] = field(default_factory=dict)
    by_case_category: dict[str, Tally] = field(default_factory=dict)
    by_task: dict[str, Tally] = field(default_factory=dict)

    def add(self, task: BenchTask, category: str, verdict: Verdict, start_failed: bool) -> None:
        """Count one case of ``task`` whose test-case category is ``category``."""
        for tally in (
            self.overall,
            self.by_task.setdefault(task.id, Tally()),
            self.by_task_category.setdefault(task.category, Tally()),
            self.by_case_category.setdefault(category, Tally()),
        ):
            tally.add(verdict, start_failed)

    def category(self, name: str) -> Tally:
        """The tally of a task or test-case category (empty when no case has it)."""
        return self.by_task_category.get(name) or self.by_case_category.get(name) or Tally()

    def order(self) -> None:
        """Put the known categories first, in the benchmark's order."""
        self.by_task_category = _ordered(self.by_task_category, TASK_CATEGORIES)
        self.by_case_category = _ordered(self.by_case_category, CASE_CATEGORIES)


@dataclass
class BenchSummary:
    """Scores of a benchmark run over the selected tasks.

    Attributes:
        published: The verdicts as the benchmark's published scorer reads them.
        strict: The verdicts as this project reads them (the answer must start with one).
        tasks: How many tasks are selected (the appearance divisor).
        appearance_by_task: Each task's grade (None: not graded yet).
        missing_cases: Cases of the selected tasks with no result yet.
        condition: The ablation condition the sites were generated under.
        judge: The judge settings used.
    """

    published: Reading = field(default_factory=Reading)
    strict: Reading = field(default_factory=Reading)
    tasks: int = 0
    appearance_by_task: dict[str, int | None] = field(default_factory=dict)
    missing_cases: int = 0
    condition: str = ""
    judge: dict[str, Any] = field(default_factory=dict)

    @property
    def appearance(self) -> float | None:
        """The sum of the tasks' grades divided by the number of tasks (None: no task)."""
        if not self.tasks:
            return None
        return sum(g or 0 for g in self.appearance_by_task.values()) / self.tasks

    @property
    def appearance_missing(self) -> int:
        """Tasks without a grade yet (they add 0 to the appearance score)."""
        return sum(1 for g in self.appearance_by_task.values() if g is None)

    def to_json(self) -> dict[str, Any]:
        """The documented ``--json`` object of ``webgen bench``."""
        names = [*self.published.by_task_category, *self.published.by_case_category]
        by_category = {name: _both(self.published.category(name), self.strict.category(name))
                       for name in names}  # fmt: skip
        return {
            "condition": self.condition,
            "cases": self.published.overall.cases,
            "accuracy": self.published.overall.accuracy,
            "accuracy_strict": self.strict.overall.accuracy,
            "published": self.published.overall.counts(),
            "strict": self.strict.overall.counts(),
            "appearance": self.appearance,
            "appearance_tasks": self.tasks,
            "appearance_missing": self.appearance_missing,
            "by_category": by_category,
            "judge": self.judge,
        }

    def to_results(self) -> dict[str, Any]:
        """The ``--json`` object plus the detail kept in ``bench-results.json``."""
        tasks = {
            task_id: {**_both(tally, self.strict.by_task.get(task_id, Tally())),
                      "appearance": self.appearance_by_task.get(task_id)}
            for task_id, tally in self.published.by_task.items()
        }  # fmt: skip
        return {**self.to_json(), "missing_cases": self.missing_cases, "tasks": tasks}


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
    summary = BenchSummary(tasks=len(tasks))
    for task in tasks:
        summary.published.by_task[task.id] = Tally()
        summary.strict.by_task[task.id] = Tally()
        for case in task.cases:
            result = cases.get((task.id, case.index))
            if result is None:
                summary.missing_cases += 1
                continue
            summary.published.add(task, case.category, result.published, result.start_failed)
            summary.strict.add(task, case.category, result.verdict, result.start_failed)
        grade = appearance.get(task.id)
        summary.appearance_by_task[task.id] = grade.grade if grade else None
    summary.published.order()
    summary.strict.order()
    return summary


def format_table(summary: BenchSummary) -> str:
    """The summary as a small text table for a terminal: both readings side by side."""
    head = f"{'':<28} {'cases':>5}  {'accuracy':>8} {'Y/P/N':>9}  {'strict':>7} {'Y/P/N':>9}"
    lines = [head, _row("overall", summary.published.overall, summary.strict.overall)]
    for title, names in (
        ("by task category", summary.published.by_task_category),
        ("by test-case category", summary.published.by_case_category),
    ):
        if names:
            lines.append(title)
            lines += [_row(f"  {name}", summary.published.category(name),
                           summary.strict.category(name)) for name in names]  # fmt: skip
    lines.append("")
    lines.append(f"sites that did not start: {summary.published.overall.start_failed} case(s), "
                 "scored 0 in both readings")  # fmt: skip
    lines.append(appearance_line(summary))
    if summary.missing_cases:
        lines.append(f"not evaluated yet: {summary.missing_cases} case(s)")
    return "\n".join(lines)


def appearance_line(summary: BenchSummary) -> str:
    """The appearance score in words, with what it is made of."""
    if summary.appearance is None:
        return "appearance: no task"
    missing = summary.appearance_missing
    note = f"; {missing} not graded yet, counted 0" if missing else ""
    return (f"appearance: {summary.appearance:.2f} / 5 (sum of the grades of {summary.tasks} "
            f"task(s) divided by {summary.tasks}{note})")  # fmt: skip


def _row(name: str, published: Tally, strict: Tally) -> str:
    shown = name if len(name) <= 28 else name[:25] + "..."
    return (f"{shown:<28} {published.cases:>5}  {_percent(published):>8} {_ypn(published):>9}  "
            f"{_percent(strict):>7} {_ypn(strict):>9}")  # fmt: skip


def _percent(tally: Tally) -> str:
    return "-" if tally.accuracy is None else f"{100 * tally.accuracy:.1f}%"


def _ypn(tally: Tally) -> str:
    return f"{tally.yes}/{tally.partial}/{tally.no}"


def _ordered(group: dict[str, Tally], known: Sequence[str]) -> dict[str, Tally]:
    names = [n for n in known if n in group] + sorted(n for n in group if n not in known)
    return {name: group[name] for name in names}


def _both(published: Tally, strict: Tally) -> dict[str, Any]:
    return {
        "cases": published.cases,
        "accuracy": published.accuracy,
        "accuracy_strict": strict.accuracy,
        "published": published.counts(),
        "strict": strict.counts(),
    }


__all__ = [
    "CASE_CATEGORIES",
    "TASK_CATEGORIES",
    "BenchSummary",
    "Reading",
    "Tally",
    "appearance_line",
    "format_table",
    "summarize",
]
