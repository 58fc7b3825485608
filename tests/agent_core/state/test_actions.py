"""The window's actions follow from the run's status: the whole table."""

from __future__ import annotations

import pytest

from agent_core.events import RunCancelled, RunFailed, RunFinished, RunStarted, StepStarted
from agent_core.state import replay
from agent_core.state.actions import CONTINUE, START, Situation, actions_for
from tests.agent_core.state.test_run_state import RID, finished, started, step

NEW = replay([])
RUNNING = replay([started(), *step(1, None)])
FAILED_EMPTY = replay([started(), *step(1, None), RunFailed(run_id=RID, error="down")])
ONE_STEP = [started(), *step(1, None), finished(1, None)]
FINISHED = replay([*ONE_STEP, RunFinished(run_id=RID, reason="finish", best_step=1)])
STOPPED = replay([*ONE_STEP, RunCancelled(run_id=RID)])
FAILED = replay([*ONE_STEP, StepStarted(run_id=RID, index=2, parent=1),
                 RunFailed(run_id=RID, error="x")])
RESUMED = replay([RunStarted(run_id=RID, instruction="i", run_dir="", workspace="",
                             resumed=True)], FINISHED)

# state, situation -> start, stop, restore, best, serve, label, input
TABLE = [
    (None, Situation(), (1, 0, 0, 0, 0, START, "first")),
    (NEW, Situation(), (1, 0, 0, 0, 0, START, "follow_up")),
    (RUNNING, Situation(), (0, 1, 0, 0, 0, CONTINUE, "busy")),
    (RESUMED, Situation(selected=True), (0, 1, 0, 0, 0, CONTINUE, "busy")),
    (RUNNING, Situation(stopping=True), (0, 0, 0, 0, 0, CONTINUE, "busy")),
    (FAILED_EMPTY, Situation(), (1, 0, 0, 0, 0, CONTINUE, "follow_up")),
    (FINISHED, Situation(), (1, 0, 0, 1, 1, CONTINUE, "follow_up")),
    (FINISHED, Situation(selected=True), (1, 0, 1, 1, 1, CONTINUE, "follow_up")),
    (STOPPED, Situation(selected=True), (1, 0, 1, 1, 1, CONTINUE, "follow_up")),
    (FAILED, Situation(), (1, 0, 0, 1, 1, CONTINUE, "follow_up")),
    (FINISHED, Situation(read_only=True, selected=True), (0, 0, 0, 0, 0, CONTINUE, "busy")),
    (FINISHED, Situation(example=True), (0, 0, 0, 1, 1, CONTINUE, "locked")),
    (FINISHED, Situation(example=True, selected=True), (0, 0, 1, 1, 1, CONTINUE, "locked")),
    (NEW, Situation(example=True), (0, 0, 0, 0, 0, START, "locked")),
]


@pytest.mark.parametrize(("state", "situation", "expected"), TABLE)
def test_actions_follow_the_status(state, situation, expected) -> None:
    a = actions_for(state, situation)
    got = (int(a.start), int(a.stop), int(a.restore), int(a.best), int(a.serve),
           a.start_label, a.input_mode)
    assert got == expected
