"""The commit message of a step in a git export: its request, its grades and their reasons."""

from __future__ import annotations

from collections.abc import Iterable

from agent_core.store.records import StepKind, StepRecord
from agent_core.store.selection import parent_chain

SUBJECT_WIDTH = 72
_KIND_NAMES = {StepKind.EDIT: "edit", StepKind.GUI_TEST: "GUI test", StepKind.FINISH: "finish"}


def request_of(step: StepRecord, instruction: str, steps: Iterable[StepRecord]) -> str:
    """The request a step worked on: the latest follow-up on its way, else the instruction."""
    by_index = {s.index: s for s in steps}
    by_index.setdefault(step.index, step)
    for earlier in reversed(parent_chain(by_index, step.index)):
        if earlier.request.strip():
            return earlier.request.strip()
    return instruction.strip()


def commit_message(step: StepRecord, instruction: str, steps: Iterable[StepRecord], *,
                   missing_parent: int | None = None) -> str:
    """The message of the commit of ``step``.

    Args:
        step: The step.
        instruction: The run's instruction.
        steps: The run's steps (to find the follow-up request the step answered).
        missing_parent: The step it continued from, when that step's record is missing.
    """
    request = request_of(step, instruction, steps)
    headline = " ".join(request.split()) or "no request"
    subject = f"Step {step.index} ({_KIND_NAMES.get(step.kind, str(step.kind))}): {headline}"
    if len(subject) > SUBJECT_WIDTH:
        subject = subject[:SUBJECT_WIDTH - 1].rstrip() + "…"
    body = [f"Request: {request or '(none)'}", "", _appearance(step)]
    gui = _gui(step)
    if gui:
        body.append(gui)
    if step.errors:
        body.append("Errors: " + "; ".join(step.errors))
    elif step.has_error:
        body.append("Errors: the step was marked as failing.")
    if step.backtracked_from is not None:
        body.append(f"The run backtracked here from step {step.backtracked_from}.")
    if missing_parent is not None:
        body.append(f"It continued from step {missing_parent}, whose record could not be read.")
    return "\n".join([subject, "", *body]) + "\n"


def _appearance(step: StepRecord) -> str:
    grade = "not graded" if step.appearance_grade is None else f"{step.appearance_grade}/5"
    reason = ""
    if step.critic is not None:
        reason = (step.critic.grade_analysis or step.critic.error_message
                  or "; ".join(step.critic.problems))
    return f"Appearance: {grade}." + (f" {_flat(reason)}" if reason else "")


def _gui(step: StepRecord) -> str:
    test = step.gui
    if step.gui_grade is None and (test is None or not test.available):
        return ""
    grade = "not graded" if step.gui_grade is None else f"{step.gui_grade}/5"
    reasons: list[str] = []
    summary = test.summary if test is not None else None
    if summary is not None and summary.test_passed is not None:
        grade += ", passed" if summary.test_passed else ", not passed"
    if summary is not None and summary.improvement_suggestions:
        reasons.append("To improve: " + "; ".join(summary.improvement_suggestions))
    if test is not None and test.answer:
        reasons.append(f"The tester said: {test.answer}")
    elif test is not None and test.ended_because:
        reasons.append(f"The test ended: {test.ended_because}")
    return f"GUI test: {grade}." + "".join(f" {_flat(r)}" for r in reasons)


def _flat(text: str) -> str:
    """One paragraph: commit bodies are read in terminals, runs of blank lines add nothing."""
    return " ".join(text.split())


__all__ = ["commit_message", "request_of"]
