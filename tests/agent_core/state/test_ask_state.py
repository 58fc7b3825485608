"""Questions in a run's state: an answer that streams, and one the app never finished."""

from __future__ import annotations

from agent_core.events import AnswerToken, QuestionAnswered, QuestionAsked
from agent_core.state import Status, actions_for, reduce, replay
from agent_core.state.from_store import load_state
from agent_core.store.run_store import RunStore
from tests.support.runs import StepSpec, build_run

RUN = "r1"


def test_while_an_answer_streams_only_stop_is_offered_and_the_box_waits(tmp_path):
    store = build_run(tmp_path / "run", [StepSpec()])
    finished = load_state(store)
    asking = replay([QuestionAsked(run_id=RUN, question="Why blue?", head=1),
                     AnswerToken(run_id=RUN, text="Because "),
                     AnswerToken(run_id=RUN, text="the brand")], finished)
    assert asking.chat[-1].text == "Because the brand" and not asking.chat[-1].done
    offered = actions_for(asking)
    assert offered.stop and not (offered.start or offered.restore or offered.best)
    assert offered.input_mode == "busy"
    answered = reduce(asking, QuestionAnswered(run_id=RUN, answer="Because the brand is."))
    assert answered.chat[-1].text == "Because the brand is." and answered.chat[-1].done
    assert answered.status is Status.FINISHED and answered.steps == finished.steps
    assert actions_for(answered) == actions_for(finished)


def test_a_question_the_app_died_on_reopens_with_the_question_and_why(tmp_path):
    store = build_run(tmp_path / "run", [StepSpec()])
    store.append_event(QuestionAsked(run_id=RUN, question="Which font?", head=1))
    state = load_state(RunStore.open(tmp_path / "run"))
    assert not state.asking
    assert [(c.kind, c.text) for c in state.chat[-2:]] == [
        ("question", "Which font?"),
        ("notice", "No complete answer: the app stopped before the answer was complete")]
    assert actions_for(state).input_mode == "follow_up"
