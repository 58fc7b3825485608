"""What one evaluated test case and one appearance grade leave behind, and reading verdicts.

A GUI agent ends a bench case with ``ANSWER; <text>``; the text must start with YES, PARTIAL
or NO. Anything else - another word, no answer at all (turn limit, model error, unreadable
replies) - counts as NO, and the record says why.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

Verdict = Literal["YES", "PARTIAL", "NO"]
SCORES: dict[str, float] = {"YES": 1.0, "PARTIAL": 0.5, "NO": 0.0}
_VERDICT = re.compile(r"^[\W_]*(yes|partial(?:ly)?|no)\b", re.IGNORECASE)


def parse_verdict(answer: str | None, ended_because: str = "") -> tuple[Verdict, str]:
    """The verdict in a GUI agent's final answer, and why it was read that way.

    Args:
        answer: The text after ``ANSWER;`` (None when the agent never answered).
        ended_because: Why the agent stopped, used when there is no answer.

    Returns:
        ``(verdict, reason)``: the reason is the answer itself when it starts with a verdict,
        otherwise what made it a NO.
    """
    if answer is None:
        why = ended_because or "the agent stopped without an answer"
        return "NO", f"no answer: {why}"
    text = answer.strip()
    match = _VERDICT.match(text)
    if match is None:
        shown = text if len(text) <= 120 else text[:117] + "..."
        return "NO", f"the answer {shown!r} does not start with YES, PARTIAL or NO"
    word = match.group(1).upper()
    verdict: Verdict = "YES" if word == "YES" else "NO" if word == "NO" else "PARTIAL"
    return verdict, text


@dataclass(frozen=True)
class CaseResult:
    """The outcome of one UI test case (one line of ``bench-cases.jsonl``).

    Attributes:
        task_id: The task's id.
        case_index: The case's position in the task's ``ui_instruct``, from 0.
        task_category: The task's primary category.
        case_category: The case's primary category.
        verdict: YES, PARTIAL or NO.
        start_failed: The site could not be served, so the case was not tried.
        reason: The agent's answer, or why the case is a NO.
        answer: The agent's raw answer (None when it gave none).
        turns: How many turns the agent took.
        seconds: Wall time of the case.
        actions: The agent's actions, in the grammar's words.
        url: Where the site was served ('' when it did not start).
    """

    task_id: str
    case_index: int
    task_category: str
    case_category: str
    verdict: Verdict
    start_failed: bool = False
    reason: str = ""
    answer: str | None = None
    turns: int = 0
    seconds: float = 0.0
    actions: list[str] = field(default_factory=list)
    url: str = ""

    @property
    def score(self) -> float:
        """1 for YES, 0.5 for PARTIAL, 0 for NO."""
        return SCORES[self.verdict]

    def to_record(self) -> dict[str, Any]:
        """The JSON line written for this case."""
        return {"kind": "case", **asdict(self), "score": self.score}

    @classmethod
    def from_record(cls, data: dict[str, Any]) -> CaseResult:
        """Rebuild a result from its JSON line (unknown keys are ignored).

        Raises:
            KeyError, TypeError, ValueError: The line is not a case record.
        """
        values = _known(cls, data)
        if values.get("verdict") not in SCORES:
            raise ValueError(f"unknown verdict {values.get('verdict')!r}")
        return cls(**values)


@dataclass(frozen=True)
class AppearanceResult:
    """The vision critic's grade of a task's final site (one line of the appearance file).

    Attributes:
        task_id: The task's id.
        grade: 0-5; None when the critic gave no usable grade (left out of the mean).
        start_failed: The site could not be served (graded 0: nothing to look at).
        reason: Why the grade is what it is when it was not given by the critic normally.
        analysis: The critic's reasoning.
        url: Where the site was served.
    """

    task_id: str
    grade: int | None
    start_failed: bool = False
    reason: str = ""
    analysis: str = ""
    url: str = ""

    def to_record(self) -> dict[str, Any]:
        """The JSON line written for this grade."""
        return {"kind": "appearance", **asdict(self)}

    @classmethod
    def from_record(cls, data: dict[str, Any]) -> AppearanceResult:
        """Rebuild a grade from its JSON line (unknown keys are ignored)."""
        values = _known(cls, data)
        grade = values.get("grade")
        if grade is not None and (isinstance(grade, bool) or not isinstance(grade, int)):
            raise ValueError(f"grade {grade!r} is not a whole number")
        return cls(**values)


def _known(cls: type, data: dict[str, Any]) -> dict[str, Any]:
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in data.items() if k in names}


__all__ = ["SCORES", "AppearanceResult", "CaseResult", "Verdict", "parse_verdict"]
