"""Backtracking and best-step rules (METHOD.md), as a table of cases."""

from __future__ import annotations

import pytest

from agent_core.store.records import StepKind, StepRecord
from agent_core.store.selection import (
    backtrack_target,
    consecutive_errors,
    is_valid,
    parent_chain,
    select_best_step,
)


def step(index, parent=None, look=None, gui=None, error=False, kind=StepKind.EDIT):
    return StepRecord(index=index, kind=kind, parent=parent, appearance_grade=look,
                      gui_grade=gui, has_error=error)


BEST_CASES = [
    ("highest GUI grade wins over appearance",
     [step(1, None, 5, None), step(2, 1, 3, 4), step(3, 2, 4, 3)], 2),
    ("appearance breaks a GUI tie",
     [step(1, None, 3, 4), step(2, 1, 5, 4), step(3, 2, 4, 4)], 2),
    ("the later step breaks a full tie",
     [step(1, None, 4, 4), step(2, 1, 4, 4)], 2),
    ("a step with an error is not valid even with top grades",
     [step(1, None, 3, None), step(2, 1, 5, 5, error=True)], 1),
    ("appearance below 3 is not valid",
     [step(1, None, 2, 5), step(2, 1, 3, 1)], 2),
    ("no valid step: all steps are candidates",
     [step(1, None, 2, None, error=True), step(2, 1, 1, 3, error=True), step(3, 2, 0)], 2),
    ("a missing grade ranks below any grade",
     [step(1, None, 3, None), step(2, 1, 3, 1)], 2),
    ("finish keeps its parent's grades and, being later, wins the tie",
     [step(1, None, 4), step(2, 1, 4, 5, kind=StepKind.GUI_TEST),
      step(3, 2, 4, 5, kind=StepKind.FINISH)], 3),
    ("no steps at all", [], None),
]


@pytest.mark.parametrize(("name", "steps", "expected"), BEST_CASES, ids=[c[0] for c in BEST_CASES])
def test_select_best_step(name, steps, expected):
    best = select_best_step(steps)
    assert (best.index if best else None) == expected


def test_validity_needs_grade_three_and_no_error():
    assert is_valid(step(1, look=3))
    assert not is_valid(step(1, look=3, error=True))
    assert not is_valid(step(1, look=2))
    assert not is_valid(step(1, look=None))


def test_consecutive_errors_follow_the_parent_chain_not_the_index_order():
    # 1 ok -> 2 err -> 3 err; then a backtrack made 4 a child of 1; 4 and 5 err.
    steps = {s.index: s for s in [
        step(1, None, 4), step(2, 1, 1, error=True), step(3, 2, 1, error=True),
        step(4, 1, 2, error=True), step(5, 4, 2, error=True),
    ]}
    assert consecutive_errors(steps, 5) == 2
    assert consecutive_errors(steps, 3) == 2
    assert consecutive_errors(steps, 1) == 0
    assert consecutive_errors(steps, None) == 0


def test_backtrack_target_is_the_best_valid_step_or_a_fresh_start():
    steps = [step(1, None, 3), step(2, 1, 4, 2), step(3, 2, 5, error=True)]
    assert backtrack_target(steps).index == 2
    assert backtrack_target([step(1, None, 2, error=True), step(2, 1, 5, 5, error=True)]) is None


def test_parent_chain_runs_from_the_start_to_the_head():
    steps = {s.index: s for s in [step(1), step(2, 1), step(3, 1), step(4, 3)]}
    assert [s.index for s in parent_chain(steps, 4)] == [1, 3, 4]
    assert parent_chain(steps, None) == []


def test_explain_best_names_the_step_the_pool_and_the_ranking():
    from agent_core.store.selection import explain_best

    steps = [step(1, look=4), step(2, look=2, error=True), step(3, look=4, gui=5),
             step(4, look=4, gui=5)]
    text = explain_best(steps)
    assert text.startswith("Step 4: 3 of 4 steps are valid")
    assert "(GUI grade 5, appearance 4)" in text
    assert "latest of 2 steps with the same grades" in text
    assert explain_best([]) == "There are no steps yet."
    invalid = explain_best([step(1, look=2, error=True), step(2, look=1, error=True)])
    assert invalid.startswith("Step 1: no step is valid") and "all 2 compete" in invalid


def test_after_a_follow_up_only_the_steps_answering_it_compete():
    from dataclasses import replace

    from agent_core.store.selection import answering_latest_request

    steps = [step(1, look=4, gui=5), step(2, 1, look=3),
             replace(step(3, 2, look=3), request="Add a footer"), step(4, 3, look=4),
             step(5, 2, look=5)]  # 5 branched off before the request
    competing = answering_latest_request(steps)
    assert [s.index for s in competing] == [3, 4]
    assert select_best_step(competing).index == 4  # not step 1, which scored higher before
    assert [s.index for s in answering_latest_request(steps[:2])] == [1, 2]
