"""What one evaluated test case and one appearance grade leave behind, and reading verdicts.

A case's verdict is read two ways from the same trajectory:

- **strict** (``parse_verdict``): the GUI agent's ``ANSWER; <text>`` must start with YES,
  PARTIAL or NO; anything else - another word, no answer at all (turn limit, model error,
  unreadable replies) - counts as NO, and the record says why.
- **published** (``published_verdict``): the benchmark's own scorer reads the judge's last
  message as a whole and counts YES when "YES" occurs anywhere in it (upper case), else
  PARTIAL when "PARTIAL" occurs, else NO.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

Verdict = Literal["YES", "PARTIAL", "NO"]
SCORES: dict[str, float] = {"YES": 1.0, "PARTIAL": 0.5, "NO": 0.0}
_VERDICT = re.compile(r"^[\W_]*(yes|partial(?:ly)?|no)\b", re.IGNORECASE)
APPEARANCE_PROTOCOL = "webgen-bench"
"""Marks appearance records graded with the benchmark's protocol (1-5, scrolled strips).
Records without it hold the in-loop critic's 0-5 grade and are never mixed in."""


def parse_verdict(answer: str | None, ended_because: str = "") -> tuple[Verdict, str]:
    """The strict verdict in a GUI agent's final answer, and why it was read that way.

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


def published_verdict(last_message: str | None) -> Verdict:
    """The verdict the benchmark's published scorer reads from the judge's last message.

    "YES" anywhere in the message (case matters, inside a word too) is a YES; otherwise
    "PARTIAL" anywhere is a PARTIAL; otherwise (also with no message) a NO.
    """
    text = last_message or ""
    if "YES" in text:
        return "YES"
    if "PARTIAL" in text:
        return "PARTIAL"
    return "NO"


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
        last_message: The judge's last reply in full, as the published scorer reads it
            (None when it never replied).
        judge: The judge settings the case was tested with.
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
    last_message: str | None = None
    judge: dict[str, Any] = field(default_factory=dict)

    @property
    def score(self) -> float:
        """1 for YES, 0.5 for PARTIAL, 0 for NO (the strict reading)."""
        return SCORES[self.verdict]

    @property
    def published(self) -> Verdict:
        """The published reading of the same trajectory.

        Records written before the last message was kept fall back to the answer text.
        """
        if self.start_failed:
            return "NO"
        text = self.last_message if self.last_message is not None else self.answer
        return published_verdict(text)

    def to_record(self) -> dict[str, Any]:
        """The JSON line written for this case."""
        return {"kind": "case", **asdict(self), "score": self.score,
                "published_verdict": self.published}  # fmt: skip

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
    """A task's appearance grade under the benchmark's protocol (one line of the file).

    Attributes:
        task_id: The task's id.
        grade: The first digit after the word "Grade" in the judge's reply; 0 when there is
            none, when the site did not start or when no screenshot could be taken.
        read: How the grade was read, in words.
        start_failed: The site could not be served (nothing to look at).
        reason: Why the grade is 0 without a judge's reply ('' when the judge replied).
        judge_text: The judge's reply in full.
        screenshots: The strips the judge saw, relative to the runs folder, top first.
        url: Where the site was served.
        judge: The judge settings used.
        protocol: ``APPEARANCE_PROTOCOL``.
    """

    task_id: str
    grade: int
    read: str = ""
    start_failed: bool = False
    reason: str = ""
    judge_text: str = ""
    screenshots: list[str] = field(default_factory=list)
    url: str = ""
    judge: dict[str, Any] = field(default_factory=dict)
    protocol: str = APPEARANCE_PROTOCOL

    def to_record(self) -> dict[str, Any]:
        """The JSON line written for this grade."""
        return {"kind": "appearance", **asdict(self)}

    @classmethod
    def from_record(cls, data: dict[str, Any]) -> AppearanceResult:
        """Rebuild a grade from its JSON line (unknown keys are ignored).

        Raises:
            KeyError, TypeError, ValueError: The line is not an appearance record of the
                benchmark's protocol.
        """
        values = _known(cls, data)
        if values.get("protocol") != APPEARANCE_PROTOCOL:
            raise ValueError("not graded with the benchmark's protocol")
        grade = values.get("grade")
        if isinstance(grade, bool) or not isinstance(grade, int):
            raise ValueError(f"grade {grade!r} is not a whole number")
        return cls(**values)


def _known(cls: type, data: dict[str, Any]) -> dict[str, Any]:
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in data.items() if k in names}


__all__ = [
    "APPEARANCE_PROTOCOL",
    "SCORES",
    "AppearanceResult",
    "CaseResult",
    "Verdict",
    "parse_verdict",
    "published_verdict",
]
