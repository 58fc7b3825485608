"""A run's state as a pure fold over its events: what every view of a run shows.

``reduce(state, event)`` returns the next state and never touches disk, clocks or widgets, so
the live window, a reopened run (its ``events.jsonl`` replayed) and ``webgen show`` all see the
same steps, chat, notices, head, best step and ending.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from agent_core.events import (
    AnswerToken,
    Backtracked,
    BestSelected,
    CoderContext,
    CoderRequests,
    ContextTrimmed,
    ElementScoped,
    Event,
    FileWritten,
    ImagesAttached,
    PhaseChanged,
    QuestionAnswered,
    QuestionAsked,
    ReferenceCompared,
    ReplyFormatChanged,
    ReplyRestarted,
    RunCancelled,
    RunFailed,
    RunFinished,
    RunStarted,
    SandboxPrepared,
    ServerReady,
    StepFinished,
    StepRestored,
    StepRolledBack,
    StepStarted,
    TestInstructionWritten,
    Token,
    UserEditStarted,
)
from agent_core.state.model import (
    CardStatus,
    ChatItem,
    RunState,
    Status,
    StepCard,
    Usage,
)
from agent_core.store.records import StepKind


def replay(events: Iterable[Event], state: RunState | None = None) -> RunState:
    """Fold ``events`` into a state, from ``state`` or an empty one."""
    state = state or RunState()
    for event in events:
        state = reduce(state, event)
    return state


def reduce(state: RunState, event: Event) -> RunState:
    """The state after ``event``; events a view does not need leave it unchanged."""
    handler = _HANDLERS.get(type(event))
    return handler(state, event) if handler else state


def interrupted(state: RunState) -> RunState:
    """A run whose log stops mid-run, seen after the fact: nothing is still running."""
    state = _end_answer(state, "", "the app stopped before the answer was complete")
    if state.status is not Status.RUNNING:  # a user's edit may have been saving
        return _abandon(state, "the app ended before the edit was committed")
    head = f"step {state.head}" if state.head else "the empty start"
    state = _abandon(state, "the process ended before the step was committed")
    return _notice(replace(state, status=Status.INTERRUPTED, end_reason="interrupted"),
                   f"This run was interrupted before it ended (the app or its process "
                   f"stopped). Continue picks up from {head}.", "warning")


# -- helpers ---------------------------------------------------------------------------


def _notice(state: RunState, text: str, level: str = "info") -> RunState:
    return replace(state, chat=(*state.chat, ChatItem("notice", text, level=level)))


def _with_card(state: RunState, card: StepCard) -> RunState:
    others = [c for c in state.steps if c.index != card.index]
    return replace(state, steps=tuple(sorted((*others, card), key=lambda c: c.index)))


def _update_card(state: RunState, index: int, **changes: Any) -> RunState:
    card = state.card(index)
    return state if card is None else _with_card(state, replace(card, **changes))


def _reply_at(state: RunState, index: int) -> int | None:
    """Position in the chat of step ``index``'s reply."""
    for position in range(len(state.chat) - 1, -1, -1):
        item = state.chat[position]
        if item.kind == "reply" and item.step == index:
            return position
    return None


def _set_item(state: RunState, position: int, item: ChatItem | None) -> RunState:
    chat = list(state.chat)
    if item is None:
        del chat[position]
    else:
        chat[position] = item
    return replace(state, chat=tuple(chat))


def _abandon(state: RunState, reason: str) -> RunState:
    """The step in flight ends without a commit: its card says why, an empty reply goes."""
    index = state.running_step
    if index is None:
        return state
    state = _update_card(state, index, status=CardStatus.ABANDONED, abandoned_reason=reason)
    position = _reply_at(state, index)
    if position is not None:
        item = state.chat[position]
        state = _set_item(state, position,
                          replace(item, done=True) if item.text.strip() else None)
    return replace(state, running_step=None, streamed_chars=0)


def _open_answer(state: RunState) -> int | None:
    """Position in the chat of the answer still streaming, if any."""
    return next((i for i in range(len(state.chat) - 1, -1, -1)
                 if state.chat[i].kind == "answer" and not state.chat[i].done), None)


def _end_answer(state: RunState, answer: str, error: str) -> RunState:
    """The question in flight is over: its answer is whole, or cut short and said why."""
    if not state.asking:
        return state
    position = _open_answer(state)
    if position is not None:
        item = state.chat[position]
        text = answer or item.text
        ended = replace(item, text=text, done=True, level="error" if error else "info")
        state = _set_item(state, position, ended if text.strip() else None)
    state = replace(state, asking=False)
    return _notice(state, f"No complete answer: {error}", "warning") if error else state


# -- handlers --------------------------------------------------------------------------


def _run_started(state: RunState, e: RunStarted) -> RunState:
    state = _end_answer(state, "", "the app stopped before the answer was complete")
    state = replace(state, run_id=e.run_id, instruction=state.instruction or e.instruction,
                    status=Status.RUNNING, end_reason="", end_message="", streamed_chars=0)
    if not state.chat and not e.resumed:
        state = replace(state, chat=(ChatItem("user", e.instruction),))
    if e.request:
        state = replace(state, chat=(*state.chat, ChatItem("user", e.request)))
    return state


def _element_scoped(state: RunState, e: ElementScoped) -> RunState:
    return replace(state, chat=(*state.chat, ChatItem("element", f"About {e.label}")))


def _sandbox(state: RunState, e: SandboxPrepared) -> RunState:
    if not e.warning:
        return state
    return _notice(replace(state, sandbox_warning=e.warning), e.warning, "warning")


def _format_changed(state: RunState, e: ReplyFormatChanged) -> RunState:
    return _notice(replace(state, reply_format=e.reply_format),
                   f"From step {e.index}: {e.reply_format} replies ({e.reason}).", "warning")


def _coder_requests(state: RunState, e: CoderRequests) -> RunState:
    """How the candidates' replies are asked for: said once, again only when it changes (a
    continued run learns the same about its server and says it again)."""
    if e.text == state.coder_requests:
        return state
    text = e.text[:1].upper() + e.text[1:]
    return _notice(replace(state, coder_requests=e.text), f"{text}.")


def _reply_restarted(state: RunState, e: ReplyRestarted) -> RunState:
    """A cut reply's text goes; the new one streams in its place."""
    position = _reply_at(state, e.index)
    if position is not None:
        state = _set_item(state, position, replace(state.chat[position], text=""))
    card = state.card(e.index)
    if card is not None:
        state = _with_card(state, replace(card, fragments=0))
    state = replace(state, streamed_chars=0)
    return _notice(state, f"Step {e.index}: {e.reason}; the coder is asked again.", "warning")


def _coder_context(state: RunState, e: CoderContext) -> RunState:
    return replace(state, context_length=e.context_length)


def _step_started(state: RunState, e: StepStarted) -> RunState:
    state = _with_card(state, StepCard(e.index, e.parent, phase="coding"))
    return replace(state, running_step=e.index, streamed_chars=0,
                   chat=(*state.chat, ChatItem("reply", "", step=e.index, done=False)))


def _user_edit_started(state: RunState, e: UserEditStarted) -> RunState:
    """A user's edit becomes a step: its card runs, the chat says what was edited (no reply)."""
    state = _with_card(state, StepCard(e.index, e.parent, kind=StepKind.USER_EDIT,
                                       phase="write"))
    return replace(state, running_step=e.index, streamed_chars=0,
                   chat=(*state.chat, ChatItem("user", e.request)))


def _token(state: RunState, e: Token) -> RunState:
    position = _reply_at(state, e.index)
    if position is not None:
        item = state.chat[position]
        state = _set_item(state, position, replace(item, text=item.text + e.text))
    card = state.card(e.index)
    if card is not None:
        state = _with_card(state, replace(card, fragments=card.fragments + 1))
    return replace(state, streamed_chars=state.streamed_chars + len(e.text))


def _file_written(state: RunState, e: FileWritten) -> RunState:
    if not e.refused:
        return state
    said = e.refused  # the workspace guard names the path itself ("refused to write 'x': ...")
    text = said[0].upper() + said[1:] if said.lower().startswith("refused") else (
        f"Refused to write {e.path}: {said}")
    return _notice(state, text, "warning")


def _phase(state: RunState, e: PhaseChanged) -> RunState:
    return _update_card(state, e.index, phase=e.phase, phase_detail=e.detail)


def _trimmed(state: RunState, e: ContextTrimmed) -> RunState:
    return _notice(state, f"Step {e.index}: the {e.dropped_turns} oldest step(s) were folded "
                          "into a summary so the prompt fits the coder's context.")


def _test_instruction(state: RunState, e: TestInstructionWritten) -> RunState:
    return replace(state, test_instruction=e.text)


def _server_ready(state: RunState, e: ServerReady) -> RunState:
    return replace(state, url=e.url)


def _step_finished(state: RunState, e: StepFinished) -> RunState:
    card = StepCard(e.index, e.parent, CardStatus.DONE, StepKind(e.step_kind),
                    e.appearance_grade, e.gui_grade, e.has_error, tuple(e.errors),
                    e.files_changed, e.seconds, e.backtracked_from,
                    candidate=e.candidate, gate=e.gate)
    state = _with_card(state, card)
    position = _reply_at(state, e.index)
    if position is not None:
        item = state.chat[position]
        state = _set_item(state, position, replace(item, text=e.reply or item.text, done=True))
    elif e.step_kind != StepKind.USER_EDIT:  # a user's edit has no reply to show
        state = replace(state, chat=(*state.chat, ChatItem("reply", e.reply, step=e.index)))
    if e.feedback:
        level = "error" if e.has_error else "info"
        state = replace(state, chat=(*state.chat,
                                     ChatItem("feedback", e.feedback, step=e.index, level=level)))
    usage = state.usage
    usage = Usage(usage.prompt_tokens + e.tokens_in, usage.completion_tokens + e.tokens_out,
                  usage.estimated or e.tokens_estimated)
    running = None if state.running_step == e.index else state.running_step
    return replace(state, head=e.index, usage=usage, running_step=running, streamed_chars=0)


def _asked(state: RunState, e: QuestionAsked) -> RunState:
    state = _end_answer(state, "", "another question was asked")
    chat = (*state.chat, ChatItem("question", e.question, step=e.head),
            ChatItem("answer", "", done=False))
    return replace(state, chat=chat, asking=True)


def _answer_token(state: RunState, e: AnswerToken) -> RunState:
    position = _open_answer(state)
    if position is None:
        return state
    item = state.chat[position]
    return _set_item(state, position, replace(item, text=item.text + e.text))


def _answered(state: RunState, e: QuestionAnswered) -> RunState:
    return _end_answer(state, e.answer, e.error)


def _images_attached(state: RunState, e: ImagesAttached) -> RunState:
    for position in range(len(state.chat) - 1, -1, -1):
        item = state.chat[position]
        if item.kind == "user":
            images = tuple(dict.fromkeys((*item.images, *e.images)))  # a restart says it again
            return _set_item(state, position, replace(item, images=images))
    return replace(state, chat=(*state.chat, ChatItem("user", e.request, images=e.images)))


def _reference_compared(state: RunState, e: ReferenceCompared) -> RunState:
    return _update_card(state, e.index, reference_grade=e.grade, reference_note=e.note)


def _backtracked(state: RunState, e: Backtracked) -> RunState:
    state = replace(state, head=e.to_index)
    if not e.consecutive_errors:
        return state
    target = f"step {e.to_index}" if e.to_index else "an empty project"
    return _notice(state, f"{e.consecutive_errors} error steps in a row: going back to "
                          f"{target}.", "warning")


def _best(state: RunState, e: BestSelected) -> RunState:
    state = replace(state, best=e.index, head=e.index, best_reason=e.reason)
    return _notice(state, e.reason, "success") if e.reason else state


def _restored(state: RunState, e: StepRestored) -> RunState:
    where = f"Step {e.index} is" if e.index else "The empty start is"
    return _notice(replace(state, head=e.index),
                   f"{where} the current step again; the next run continues from it.")


def _rolled_back(state: RunState, e: StepRolledBack) -> RunState:
    if state.running_step == e.index:  # a user's edit that could not be kept
        state = _abandon(state, "not kept")
    where = f"step {e.to_index}" if e.to_index else "the empty start"
    files = "1 file" if e.files == 1 else f"{e.files} files"
    return _notice(state, f"Step {e.index} did not finish, so what it had written was undone "
                          f"({files}): the project is as it was at {where}.")


def _finished(state: RunState, e: RunFinished) -> RunState:
    state = _abandon(state, "stopped")
    state = replace(state, status=Status.FINISHED, end_reason=e.reason, end_message=e.message,
                    best=e.best_step if e.best_step is not None else state.best)
    if e.message:  # no working site: what happened and what to try
        return _notice(state, e.message, "warning")
    why = "the coder sent finish" if e.reason == "finish" else "the step limit"
    best = f"; best step {e.best_step}" if e.best_step else ""
    return _notice(state, f"Run finished ({why}){best}.", "success")


def _failed(state: RunState, e: RunFailed) -> RunState:
    state = _abandon(state, "failed")
    state = replace(state, status=Status.FAILED, end_reason=e.error, end_message=e.error)
    return _notice(state, f"The run stopped on an error: {e.error}", "error")


def _cancelled(state: RunState, e: RunCancelled) -> RunState:
    state = replace(_abandon(state, "stopped"), status=Status.STOPPED, end_reason="cancelled")
    return _notice(state, "Stopped. Continue picks up from the current step.", "warning")


_HANDLERS: dict[type[Event], Callable[[RunState, Any], RunState]] = {
    RunStarted: _run_started,
    ElementScoped: _element_scoped,
    SandboxPrepared: _sandbox,
    ReplyFormatChanged: _format_changed,
    CoderRequests: _coder_requests,
    ReplyRestarted: _reply_restarted,
    CoderContext: _coder_context,
    StepStarted: _step_started,
    UserEditStarted: _user_edit_started,
    Token: _token,
    FileWritten: _file_written,
    PhaseChanged: _phase,
    ContextTrimmed: _trimmed,
    TestInstructionWritten: _test_instruction,
    ServerReady: _server_ready,
    StepFinished: _step_finished,
    Backtracked: _backtracked,
    BestSelected: _best,
    StepRestored: _restored,
    StepRolledBack: _rolled_back,
    RunFinished: _finished,
    RunFailed: _failed,
    RunCancelled: _cancelled,
    QuestionAsked: _asked,
    AnswerToken: _answer_token,
    QuestionAnswered: _answered,
    ImagesAttached: _images_attached,
    ReferenceCompared: _reference_compared,
}

__all__ = ["CardStatus", "ChatItem", "RunState", "Status", "StepCard", "Usage", "interrupted",
           "reduce", "replay"]  # the state's parts live in state.model; importable from here
