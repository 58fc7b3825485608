"""The user's own edit in the run state: a card of its own, the chat says what was edited."""

from __future__ import annotations

from agent_core.events import (
    PhaseChanged,
    RunFinished,
    RunStarted,
    StepFinished,
    StepRolledBack,
    UserEditStarted,
    event_from_dict,
)
from agent_core.state import CardStatus, Status, interrupted, replay
from agent_core.state.from_store import events_from_records
from agent_core.store.records import Manifest, RunStatus, StepKind, StepRecord

RID = "r1"
EDIT_FEEDBACK = "The user edited the project's files by hand after your last reply."


def finished_run() -> list:
    return [RunStarted(run_id=RID, instruction="a bakery site", run_dir="/r", workspace="/w"),
            StepFinished(run_id=RID, index=1, step_kind="edit", parent=None,
                         appearance_grade=4, gui_grade=None, has_error=False, files_changed=1,
                         seconds=2.0, reply="<boltArtifact>", feedback="looks fine"),
            RunFinished(run_id=RID, reason="finish", best_step=1)]


def user_edit(index: int = 2, parent: int = 1) -> UserEditStarted:
    return UserEditStarted(run_id=RID, index=index, parent=parent, paths=("index.html",),
                           request="Your edit of index.html")


def edit_finished(index: int = 2, parent: int = 1, look: int | None = 5) -> StepFinished:
    return StepFinished(run_id=RID, index=index, step_kind="user_edit", parent=parent,
                        appearance_grade=look, gui_grade=None, has_error=False,
                        files_changed=1, seconds=1.5, feedback=EDIT_FEEDBACK,
                        request="Your edit of index.html")


def chat(state) -> list[tuple[str, str]]:
    return [(item.kind, item.text) for item in state.chat]


def test_a_users_edit_runs_as_its_own_card_and_the_chat_says_what_was_edited():
    state = replay([*finished_run(), user_edit(),
                    PhaseChanged(run_id=RID, index=2, phase="critic")])
    card = state.card(2)
    assert card.kind is StepKind.USER_EDIT and card.status is CardStatus.RUNNING
    assert card.phase == "critic" and state.running_step == 2
    assert state.status is Status.FINISHED  # the run itself is not started again
    assert chat(state)[-1] == ("user", "Your edit of index.html")

    state = replay([edit_finished()], state)

    card = state.card(2)
    assert card.status is CardStatus.DONE and card.kind is StepKind.USER_EDIT
    assert card.appearance_grade == 5 and state.head == 2 and state.running_step is None
    assert chat(state)[-2:] == [("user", "Your edit of index.html"),
                                ("feedback", EDIT_FEEDBACK)]  # no empty coder reply


def test_an_edit_that_could_not_be_kept_leaves_an_abandoned_card_and_says_so():
    state = replay([*finished_run(), user_edit(),
                    StepRolledBack(run_id=RID, index=2, to_index=1, files=1)])
    assert state.card(2).status is CardStatus.ABANDONED
    assert state.running_step is None and state.head == 1
    assert chat(state)[-1][1].startswith("Step 2 did not finish, so what it had written was "
                                         "undone (1 file)")


def test_a_log_that_ends_mid_edit_reads_as_an_unfinished_edit_on_reopening():
    state = interrupted(replay([*finished_run(), user_edit()]))
    assert state.card(2).status is CardStatus.ABANDONED
    assert state.status is Status.FINISHED


def test_the_event_survives_the_log_and_a_run_without_log_shows_the_same_chat():
    event = user_edit()
    assert event_from_dict(event.to_dict()) == event
    manifest = Manifest(run_id=RID, instruction="a bakery site", created_at=1.0,
                        updated_at=2.0, status=RunStatus.FINISHED, end_reason="finish",
                        best_step=1)
    records = [StepRecord(1, StepKind.EDIT, None, appearance_grade=4, reply="<boltArtifact>",
                          feedback="looks fine", files_changed=["index.html"]),
               StepRecord(2, StepKind.USER_EDIT, 1, appearance_grade=5,
                          feedback=EDIT_FEEDBACK, files_changed=["index.html"],
                          request="Your edit of index.html")]
    state = replay(events_from_records(manifest, records))
    assert state.card(2).kind is StepKind.USER_EDIT and state.card(2).status is CardStatus.DONE
    assert ("user", "Your edit of index.html") in chat(state)
    assert ("reply", "") not in chat(state)
