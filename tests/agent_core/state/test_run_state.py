"""The run state folds events into what every view shows: table-driven sequences."""

from __future__ import annotations

import pytest

from agent_core.events import (
    Backtracked,
    BestSelected,
    CoderRequests,
    ContextTrimmed,
    FileWritten,
    PhaseChanged,
    RunCancelled,
    RunFailed,
    RunFinished,
    RunStarted,
    SandboxPrepared,
    StepFinished,
    StepRestored,
    StepStarted,
    Token,
)
from agent_core.state import CardStatus, Status, interrupted, replay

RID = "r1"


def started(request: str = "", resumed: bool = False) -> RunStarted:
    return RunStarted(run_id=RID, instruction="a bakery site", run_dir="/r", workspace="/w",
                      resumed=resumed, request=request)


def step(index: int, parent: int | None, *tokens: str) -> list:
    return [StepStarted(run_id=RID, index=index, parent=parent),
            *(Token(run_id=RID, index=index, text=t) for t in tokens)]


def finished(index: int, parent: int | None, *, error: bool = False, look: int | None = 4,
             reply: str = "", feedback: str = "fix the header", tokens: tuple = (100, 20),
             estimated: bool = False) -> StepFinished:
    return StepFinished(run_id=RID, index=index, step_kind="edit", parent=parent,
                        appearance_grade=look, gui_grade=None, has_error=error,
                        files_changed=2, seconds=3.5, feedback=feedback, reply=reply,
                        errors=("blank page",) if error else (), tokens_in=tokens[0],
                        tokens_out=tokens[1], tokens_estimated=estimated)


def kinds(state) -> list[tuple[str, str]]:
    return [(item.kind, item.text) for item in state.chat]


def test_a_streamed_step_becomes_a_committed_card_with_reply_and_feedback() -> None:
    state = replay([started(), *step(1, None, "<bolt", "Artifact>"),
                    PhaseChanged(run_id=RID, index=1, phase="install", detail="npm install")])
    assert state.status is Status.RUNNING and state.running_step == 1
    assert state.phase == "install" and state.card(1).fragments == 2
    assert kinds(state) == [("user", "a bakery site"), ("reply", "<boltArtifact>")]
    assert state.chat[-1].done is False
    state = replay([finished(1, None, reply="<boltArtifact>")], state)
    assert state.running_step is None and state.head == 1
    card = state.card(1)
    assert card.status is CardStatus.DONE and card.appearance_grade == 4
    assert card.files_changed == 2 and card.seconds == 3.5
    assert kinds(state)[1:] == [("reply", "<boltArtifact>"), ("feedback", "fix the header")]
    assert state.chat[1].done and state.usage.prompt_tokens == 100


@pytest.mark.parametrize(
    ("ending", "status", "notice", "level"),
    [
        (RunFinished(run_id=RID, reason="finish", best_step=1), Status.FINISHED,
         "Run finished (the coder sent finish); best step 1.", "success"),
        (RunFinished(run_id=RID, reason="max_steps", best_step=None), Status.FINISHED,
         "Run finished (the step limit).", "success"),
        (RunFinished(run_id=RID, reason="no_working_step", best_step=None,
                     message="No step produced a working site."), Status.FINISHED,
         "No step produced a working site.", "warning"),
        (RunFailed(run_id=RID, error="coder unreachable"), Status.FAILED,
         "The run stopped on an error: coder unreachable", "error"),
        (RunCancelled(run_id=RID), Status.STOPPED,
         "Stopped. Continue picks up from the current step.", "warning"),
    ],
)
def test_each_ending_sets_the_status_and_says_why_once(ending, status, notice, level) -> None:
    state = replay([started(), *step(1, None, "x"), finished(1, None), ending])
    assert state.status is status
    assert [(n.text, n.level) for n in state.notices] == [(notice, level)]


def test_a_failure_mid_step_abandons_the_card_and_drops_an_empty_reply() -> None:
    state = replay([started(), *step(1, None), RunFailed(run_id=RID, error="connection refused")])
    card = state.card(1)
    assert card.status is CardStatus.ABANDONED and card.abandoned_reason == "failed"
    assert [item.kind for item in state.chat] == ["user", "notice"]  # no empty reply bubble
    assert state.end_message == "connection refused"


def test_a_stop_keeps_the_part_of_the_reply_that_streamed() -> None:
    state = replay([started(), *step(1, None, "half a rep"), RunCancelled(run_id=RID)])
    assert state.card(1).abandoned_reason == "stopped"
    assert ("reply", "half a rep") in kinds(state) and state.chat[1].done


def test_backtrack_restore_and_best_move_the_head_and_leave_notices() -> None:
    events = [started(), *step(1, None), finished(1, None),
              *step(2, 1), finished(2, 1, error=True), *step(3, 2), finished(3, 2, error=True),
              Backtracked(run_id=RID, from_index=3, to_index=1, consecutive_errors=2)]
    state = replay(events)
    assert state.head == 1
    assert state.notices[-1].text == "2 error steps in a row: going back to step 1."
    state = replay([StepRestored(run_id=RID, index=2)], state)
    assert state.head == 2 and "Step 2 is the current step again" in state.notices[-1].text
    state = replay([BestSelected(run_id=RID, index=1, reason="Step 1 has the best look.")],
                   state)
    assert (state.head, state.best, state.notices[-1].level) == (1, 1, "success")
    assert [item.kind for item in state.chat].count("feedback") == 3
    assert [item.level for item in state.chat if item.kind == "feedback"] == [
        "info", "error", "error"]


def test_what_exists_only_live_is_kept_as_notices() -> None:
    state = replay([
        started(),
        SandboxPrepared(run_id=RID, confined=False, backend="none", detail="",
                        warning="Model code runs unconfined."),
        *step(1, None),
        FileWritten(run_id=RID, index=1, path="../x", size=3, refused="outside the project"),
        ContextTrimmed(run_id=RID, index=1, dropped_turns=2, prompt_tokens_estimate=9000),
        finished(1, None),
    ])
    texts = [n.text for n in state.notices]
    assert texts[0] == "Model code runs unconfined."
    assert texts[1] == "Refused to write ../x: outside the project"
    assert texts[2].startswith("Step 1: the 2 oldest step(s) were folded")


def test_a_follow_up_request_and_a_resume_extend_the_same_chat() -> None:
    state = replay([started(), *step(1, None), finished(1, None),
                    RunFinished(run_id=RID, reason="finish", best_step=1),
                    started(request="make it blue", resumed=True), *step(2, 1),
                    finished(2, 1, tokens=(50, 5), estimated=True)])
    assert [k for k, _ in kinds(state)] == [
        "user", "reply", "feedback", "notice", "user", "reply", "feedback"]
    assert kinds(state)[4] == ("user", "make it blue")
    assert state.status is Status.RUNNING and state.end_reason == ""
    assert (state.usage.prompt_tokens, state.usage.completion_tokens) == (150, 25)
    assert state.usage.estimated


def test_a_log_that_stops_mid_step_reads_as_interrupted() -> None:
    state = interrupted(replay([started(), *step(1, None), finished(1, None), *step(2, 1, "ab")]))
    assert state.status is Status.INTERRUPTED and state.running_step is None
    assert state.card(2).status is CardStatus.ABANDONED
    assert "Continue picks up from step 1" in state.notices[-1].text
    done = replay([RunCancelled(run_id=RID)], replay([started()]))
    assert interrupted(done) is done  # an ended run is left as it is


IGNORED = "the coder's server ignores n: asking 4 times with different seeds"
REFUSED = "the coder's server refuses n (HTTP 400): asking 2 times with different seeds"


def asked(text: str) -> CoderRequests:
    return CoderRequests(run_id=RID, text=text)


@pytest.mark.parametrize(
    ("events", "notices"),
    [
        ([started(), asked(IGNORED), *step(1, None), finished(1, None)],
         ["The coder's server ignores n: asking 4 times with different seeds."]),
        # A continued run learns the same about its server and says it again: shown once.
        ([started(), asked(IGNORED), RunCancelled(run_id=RID), started(resumed=True),
          asked(IGNORED)],
         ["The coder's server ignores n: asking 4 times with different seeds.",
          "Stopped. Continue picks up from the current step."]),
        # Continued with another count, or against another server: the new way is said.
        ([started(), asked(IGNORED), asked(REFUSED)],
         ["The coder's server ignores n: asking 4 times with different seeds.",
          "The coder's server refuses n (HTTP 400): asking 2 times with different seeds."]),
        ([started(), *step(1, None), finished(1, None)], []),
    ],
    ids=["said", "said-again-after-a-resume", "changed", "never-said"],
)
def test_how_candidates_replies_are_asked_for_is_a_notice_said_once(events, notices) -> None:
    state = replay(events)
    assert [n.text for n in state.notices] == notices
    assert all(n.level == "info" for n in state.notices if n.text.startswith("The coder"))
