"""A stored run's state: its ``events.jsonl`` replayed, or its step records when it has none.

Runs imported from other tools, and runs written before the event log kept replies, are
read through the same reducer: their records are turned into the events the engine would
have sent.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from typing import Any

from agent_core.events import (
    Backtracked,
    Event,
    ImagesAttached,
    ReferenceCompared,
    RunCancelled,
    RunFailed,
    RunFinished,
    RunStarted,
    StepFinished,
    UserEditStarted,
    event_from_dict,
)
from agent_core.state.run_state import CardStatus, RunState, interrupted, reduce, replay
from agent_core.store.records import Manifest, RunStatus, StepKind, StepRecord
from agent_core.store.run_store import RunStore

log = logging.getLogger(__name__)

NO_SITE_ENDINGS = {
    "model_not_following_format": "The coder did not follow the reply format, so the run "
                                  "stopped without a working site.",
    "no_working_step": "No step produced a working site.",
}


def step_finished_event(run_id: str, record: StepRecord) -> StepFinished:
    """The event that announces ``record`` (what the engine sends after a commit)."""
    tokens_in = tokens_out = 0
    estimated = False
    for usage in record.usage.values():
        if isinstance(usage, Mapping):
            tokens_in += int(usage.get("prompt_tokens", 0) or 0)
            tokens_out += int(usage.get("completion_tokens", 0) or 0)
            estimated |= bool(usage.get("estimated"))
    return StepFinished(
        run_id=run_id, at=record.finished_at or record.started_at, index=record.index,
        step_kind=str(record.kind), parent=record.parent,
        appearance_grade=record.appearance_grade, gui_grade=record.gui_grade,
        has_error=record.has_error, files_changed=len(record.files_changed),
        seconds=round(record.seconds, 3), feedback=record.feedback, reply=record.reply,
        request=record.request, errors=tuple(record.errors), tokens_in=tokens_in,
        tokens_out=tokens_out, tokens_estimated=estimated,
        backtracked_from=record.backtracked_from,
        candidate=dict(record.runtime.candidate) if record.runtime.candidate else None,
        gate=record.runtime.gate or "",
    )


def reference_event(run_id: str, record: StepRecord) -> ReferenceCompared | None:
    """The event that announces ``record``'s reference match, when the critic gave one."""
    reference = record.reference
    if reference is None or (reference.match_grade is None and not reference.match_note):
        return None
    return ReferenceCompared(run_id=run_id, at=record.finished_at, index=record.index,
                             grade=reference.match_grade, note=reference.match_note)


def events_from_records(manifest: Manifest, records: Iterable[StepRecord]) -> list[Event]:
    """The events a run with these records would have logged (for runs without a log)."""
    run_id = manifest.run_id
    events: list[Event] = [RunStarted(run_id=run_id, at=manifest.created_at,
                                      instruction=manifest.instruction, run_dir="",
                                      workspace="")]
    if manifest.images:
        events.append(ImagesAttached(run_id=run_id, images=tuple(manifest.images)))
    for record in sorted(records, key=lambda r: r.index):
        if record.kind is StepKind.USER_EDIT:
            events.append(UserEditStarted(run_id=run_id, at=record.started_at,
                                          index=record.index, parent=record.parent,
                                          paths=tuple(record.files_changed),
                                          request=record.request))
        elif record.request:
            events.append(RunStarted(run_id=run_id, instruction=manifest.instruction,
                                     run_dir="", workspace="", resumed=True,
                                     request=record.request))
            if record.images:
                events.append(ImagesAttached(run_id=run_id, images=tuple(record.images),
                                             request=record.request))
        if record.backtracked_from is not None:
            events.append(Backtracked(run_id=run_id, from_index=record.backtracked_from,
                                      to_index=record.parent, consecutive_errors=0))
        events.append(step_finished_event(run_id, record))
        compared = reference_event(run_id, record)
        if compared is not None:
            events.append(compared)
    ending = _ending(manifest)
    if ending is not None:
        events.append(ending)
    return events


def _ending(manifest: Manifest) -> Event | None:
    run_id, reason = manifest.run_id, manifest.end_reason
    if manifest.status is RunStatus.FINISHED:
        return RunFinished(run_id=run_id, reason=reason, best_step=manifest.best_step,
                           message=NO_SITE_ENDINGS.get(reason, ""))
    if manifest.status is RunStatus.FAILED:
        return RunFailed(run_id=run_id, error=reason or "unknown error")
    if manifest.status is RunStatus.CANCELLED:
        return RunCancelled(run_id=run_id)
    return None


def stored_events(store: RunStore) -> Iterator[Event]:
    """The run's logged events; a line this version cannot read is skipped (and logged)."""
    records = {s.index: s for s in store.steps()}
    for data in store.iter_events():
        try:
            event = event_from_dict(data)
        except (KeyError, TypeError, ValueError) as exc:
            log.warning("skipping an unreadable event in %s: %s", store.run_dir, exc)
            continue
        if isinstance(event, StepFinished) and event.index in records and not event.reply:
            event = _completed(event, records[event.index])  # logged before replies were
        yield event


def _completed(event: StepFinished, record: StepRecord) -> StepFinished:
    full = step_finished_event(event.run_id, record)
    return replace(full, at=event.at)


def load_state(store: RunStore, *, running_elsewhere: bool = False) -> RunState:
    """The state of a stored run, as the window and ``webgen show`` present it.

    Args:
        store: The run directory.
        running_elsewhere: Another process is running it now; a log that stops mid-run is
            then still running rather than interrupted.
    """
    events = list(stored_events(store))
    if not any(isinstance(e, RunStarted) for e in events):
        # No run was logged (an imported run): its records, then what the user did since
        # (restores, questions), as it was logged.
        events = events_from_records(store.manifest, store.steps()) + events
    state = replay(events)
    for record in store.steps():  # committed, but the log lost its event (killed between)
        card = state.card(record.index)
        if card is None or card.status is not CardStatus.DONE:
            state = reduce(state, step_finished_event(state.run_id, record))
            compared = reference_event(state.run_id, record)
            state = reduce(state, compared) if compared is not None else state
    if not running_elsewhere:
        state = interrupted(state)
    manifest = store.manifest
    best = manifest.best_step if manifest.best_step is not None else state.best
    return replace(state, head=store.head, best=best, run_id=state.run_id or manifest.run_id,
                   instruction=state.instruction or manifest.instruction)


def state_summary(state: RunState) -> dict[str, Any]:
    """The chat and notices of ``state`` as plain data (``webgen show --json``'s ``chat``)."""
    return {
        "status": str(state.status),
        "chat": [{"kind": item.kind, "text": item.text, "step": item.step, "level": item.level}
                 for item in state.chat],
        "notices": [{"text": item.text, "level": item.level} for item in state.notices],
        "usage": {"prompt_tokens": state.usage.prompt_tokens,
                  "completion_tokens": state.usage.completion_tokens,
                  "estimated": state.usage.estimated},
    }
