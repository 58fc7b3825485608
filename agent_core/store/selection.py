"""Backtracking and best-step rules of the WebGen-Agent method (METHOD.md).

Pure functions over step records, kept beside the records so that the store's run index,
the importers and the exporters use the same rules as the loop without importing the loop.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from agent_core.store.records import StepRecord

VALID_APPEARANCE = 3


def is_valid(step: StepRecord) -> bool:
    """A valid step has an appearance grade of at least 3 and no error."""
    return (
        step.appearance_grade is not None
        and step.appearance_grade >= VALID_APPEARANCE
        and not step.has_error
    )


def _rank(step: StepRecord) -> tuple[int, int, int]:
    # A missing grade ranks below every real one.
    gui = step.gui_grade if step.gui_grade is not None else -1
    appearance = step.appearance_grade if step.appearance_grade is not None else -1
    return (gui, appearance, step.index)


def select_best_step(steps: Iterable[StepRecord]) -> StepRecord | None:
    """The step whose files the run should end with.

    Candidates are the valid steps, or every step when none is valid. They are ranked by
    GUI grade, then appearance grade, then the later step.
    """
    steps = list(steps)
    valid = [s for s in steps if is_valid(s)]
    candidates = valid or steps
    return max(candidates, key=_rank, default=None)


def backtrack_target(steps: Iterable[StepRecord]) -> StepRecord | None:
    """Where to continue after too many errors: the best valid step, or None (start over)."""
    valid = [s for s in steps if is_valid(s)]
    return max(valid, key=_rank, default=None)


def consecutive_errors(steps: Mapping[int, StepRecord], head: int | None) -> int:
    """Count error steps from ``head`` back along the parent chain, up to the first clean one."""
    count = 0
    index = head
    seen: set[int] = set()
    while index is not None and index in steps and index not in seen:
        seen.add(index)
        step = steps[index]
        if not step.has_error:
            break
        count += 1
        index = step.parent
    return count


def parent_chain(steps: Mapping[int, StepRecord], head: int | None) -> list[StepRecord]:
    """The steps from the start of the run to ``head``, oldest first."""
    chain: list[StepRecord] = []
    index = head
    seen: set[int] = set()
    while index is not None and index in steps and index not in seen:
        seen.add(index)
        chain.append(steps[index])
        index = steps[index].parent
    chain.reverse()
    return chain


def answering_latest_request(steps: Iterable[StepRecord]) -> list[StepRecord]:
    """The steps that can be the result once the user has sent follow-up requests.

    A follow-up changes the task, so steps from before it answer an older task: only the
    step that took the latest request and the steps continuing from it compete. Without
    follow-ups every step competes. A user's own edit (a ``user_edit`` step) counts as such a
    request: it competes with its grade, and so do the steps continuing from it, while the
    steps from before it, which lack the user's change, no longer do.
    """
    steps = list(steps)
    asked = [s.index for s in steps if s.request]
    if not asked:
        return steps
    latest = max(asked)
    by_index = {s.index: s for s in steps}
    return [s for s in steps if latest in {c.index for c in parent_chain(by_index, s.index)}]


def explain_best(steps: Iterable[StepRecord]) -> str:
    """Why ``select_best_step`` picks the step it picks, in one or two sentences.

    ``steps`` are the competing steps (see ``answering_latest_request``).
    """
    steps = list(steps)
    best = select_best_step(steps)
    if best is None:
        return "There are no steps yet."
    valid = [s for s in steps if is_valid(s)]
    pool = (
        f"{len(valid)} of {len(steps)} steps are valid (appearance 3 or more, no error)"
        if valid else
        f"no step is valid (appearance 3 or more, no error), so all {len(steps)} compete"
    )
    gui = "no GUI grade" if best.gui_grade is None else f"GUI grade {best.gui_grade}"
    look = "no appearance grade" if best.appearance_grade is None else (
        f"appearance {best.appearance_grade}")
    rivals = [s for s in (valid or steps) if s is not best and _rank(s)[:2] == _rank(best)[:2]]
    tie = f"; it is the latest of {len(rivals) + 1} steps with the same grades" if rivals else ""
    return (f"Step {best.index}: {pool}; ranked by GUI grade, then appearance, then the later "
            f"step, it has the highest ({gui}, {look}){tie}.")


def sibling_groups(steps: Iterable[StepRecord]) -> dict[int, list[int]]:
    """Each step taken as one of several candidates, mapped to its siblings' indices.

    Siblings are the other candidates of the same step: they share a parent and a group
    (``RuntimeResult.candidate``). A step taken with one reply has none and is left out.
    """
    groups: dict[int, list[int]] = {}
    for step in steps:
        mark = step.runtime.candidate
        if mark is not None:
            groups.setdefault(mark["group"], []).append(step.index)
    return {index: sorted(i for i in members if i != index)
            for members in groups.values() for index in members}
