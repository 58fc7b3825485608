"""Timeline cards as the window has them: step records turned into the run state's cards."""

from __future__ import annotations

from collections.abc import Iterable

from agent_core.events import Event
from agent_core.state import StepCard, replay
from agent_core.state.from_store import reference_event, step_finished_event
from agent_core.store.records import StepRecord


def card_states(records: Iterable[StepRecord], run_id: str = "run") -> list[StepCard]:
    """The cards of ``records``, folded from the events the engine sends after each commit."""
    events: list[Event] = []
    for record in records:
        events.append(step_finished_event(run_id, record))
        compared = reference_event(run_id, record)
        if compared is not None:
            events.append(compared)
    return list(replay(events).steps)


def card_state(record: StepRecord) -> StepCard:
    """The card of one record."""
    return card_states([record])[0]
