"""The run as a log of frozen, typed events, delivered through one sink.

The CLI's progress output, the app's views and the stored trajectory are all readers of
these events. Every event carries the run id and a wall-clock timestamp.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field, fields
from typing import Any, ClassVar

log = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class Event:
    """Base of every engine event."""

    kind: ClassVar[str] = "event"
    run_id: str
    at: float = field(default_factory=time.time)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form with the event's kind."""
        data = asdict(self)
        data["kind"] = self.kind
        return data


@dataclass(frozen=True, kw_only=True)
class RunStarted(Event):
    """A run began (fresh or resumed)."""

    kind: ClassVar[str] = "run_started"
    instruction: str
    run_dir: str
    workspace: str
    resumed: bool = False
    request: str = ""


@dataclass(frozen=True, kw_only=True)
class ElementScoped(Event):
    """The run's request is about an element the user pointed at in the preview.

    ``label`` names it in one line (tag, text, selector, ``file:line``); the coder's request
    carries the element and its source lines.
    """

    kind: ClassVar[str] = "element_scoped"
    tag: str
    selector: str
    label: str
    text: str = ""
    source_file: str = ""
    source_line: int | None = None


@dataclass(frozen=True, kw_only=True)
class SandboxPrepared(Event):
    """How the model's code will run in this run: confined, or not and why."""

    kind: ClassVar[str] = "sandbox_prepared"
    confined: bool
    backend: str
    detail: str
    warning: str = ""


@dataclass(frozen=True, kw_only=True)
class StepStarted(Event):
    """The coder was asked for step ``index``."""

    kind: ClassVar[str] = "step_started"
    index: int
    parent: int | None


@dataclass(frozen=True, kw_only=True)
class UserEditStarted(Event):
    """The user saved their own edit of ``paths``: it becomes step ``index`` after ``parent``."""

    kind: ClassVar[str] = "user_edit_started"
    index: int
    parent: int | None
    paths: tuple[str, ...]
    request: str


@dataclass(frozen=True, kw_only=True)
class Token(Event):
    """A fragment of the coder's streamed reply."""

    kind: ClassVar[str] = "token"
    index: int
    text: str


@dataclass(frozen=True, kw_only=True)
class FileWritten(Event):
    """The coder's reply wrote (or was refused to write) a file."""

    kind: ClassVar[str] = "file_written"
    index: int
    path: str
    size: int
    refused: str | None = None


@dataclass(frozen=True, kw_only=True)
class PhaseChanged(Event):
    """A step entered a phase: coding, install, serve, screenshot, critic, gui_test, commit."""

    kind: ClassVar[str] = "phase_changed"
    index: int
    phase: str
    detail: str = ""


@dataclass(frozen=True, kw_only=True)
class ContextTrimmed(Event):
    """Older turns were folded into a summary so the prompt fits the coder's context."""

    kind: ClassVar[str] = "context_trimmed"
    index: int
    dropped_turns: int
    prompt_tokens_estimate: int


@dataclass(frozen=True, kw_only=True)
class TestInstructionWritten(Event):
    """The feedback model turned the instruction into the GUI agent's test instruction."""

    kind: ClassVar[str] = "test_instruction_written"
    __test__: ClassVar[bool] = False  # not a pytest test class
    text: str


@dataclass(frozen=True, kw_only=True)
class ServerReady(Event):
    """The site answers at ``url`` (``restarted``: a new server process, maybe a new port)."""

    kind: ClassVar[str] = "server_ready"
    index: int
    url: str
    restarted: bool


@dataclass(frozen=True, kw_only=True)
class StepFinished(Event):
    """A step was committed to the run directory, with its scores."""

    kind: ClassVar[str] = "step_finished"
    index: int
    step_kind: str
    parent: int | None
    appearance_grade: int | None
    gui_grade: int | None
    has_error: bool
    files_changed: int
    seconds: float
    feedback: str = ""
    reply: str = ""
    request: str = ""
    errors: tuple[str, ...] = ()
    tokens_in: int = 0
    tokens_out: int = 0
    tokens_estimated: bool = False
    backtracked_from: int | None = None
    candidate: dict[str, Any] | None = None
    """Which candidate of its step this was (``--candidates``): group, number, of, chosen."""
    gate: str = ""
    """Why the render gate kept the page from the critic, if it did."""


@dataclass(frozen=True, kw_only=True)
class Backtracked(Event):
    """Too many consecutive errors: the run continues from an earlier step."""

    kind: ClassVar[str] = "backtracked"
    from_index: int
    to_index: int | None
    consecutive_errors: int


@dataclass(frozen=True, kw_only=True)
class StepRolledBack(Event):
    """Step ``index`` did not finish: the ``files`` it had changed were put back as they were
    after step ``to_index`` (None: the empty start)."""

    kind: ClassVar[str] = "step_rolled_back"
    index: int
    to_index: int | None
    files: int


@dataclass(frozen=True, kw_only=True)
class BestSelected(Event):
    """The best step's files were put back in the workspace (``reason``: why it is best)."""

    kind: ClassVar[str] = "best_selected"
    index: int | None
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class StepRestored(Event):
    """The user made step ``index`` the current step again (None: the empty start)."""

    kind: ClassVar[str] = "step_restored"
    index: int | None


@dataclass(frozen=True, kw_only=True)
class RunFinished(Event):
    """The run ended normally: finish signal, step limit, or without a working site.

    ``reason`` is ``finish``, ``max_steps``, ``no_working_step`` or
    ``model_not_following_format``; ``message`` says what happened and what to try when the
    run built no working site.
    """

    kind: ClassVar[str] = "run_finished"
    reason: str
    best_step: int | None
    message: str = ""


@dataclass(frozen=True, kw_only=True)
class ReplyFormatChanged(Event):
    """The coder is asked for another reply format from step ``index`` on."""

    kind: ClassVar[str] = "reply_format_changed"
    index: int
    reply_format: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class ReplyRestarted(Event):
    """Step ``index``'s reply was cut short by the server: what streamed is dropped and the
    coder is asked again (``reason`` says why, in words)."""

    kind: ClassVar[str] = "reply_restarted"
    index: int
    reason: str


@dataclass(frozen=True, kw_only=True)
class CoderRequests(Event):
    """How the candidates' replies are asked for from now on, said once when it changes.

    ``text`` is for the user, e.g. "the coder's server ignores n: asking 4 times with
    different seeds".
    """

    kind: ClassVar[str] = "coder_requests"
    text: str


@dataclass(frozen=True, kw_only=True)
class CoderContext(Event):
    """The coder's context length as the run uses it, and where it came from."""

    kind: ClassVar[str] = "coder_context"
    context_length: int
    source: str


@dataclass(frozen=True, kw_only=True)
class ImagesAttached(Event):
    """The user attached ``images`` (paths under the run's ``inputs/``) to their instruction
    (``request`` empty) or to the follow-up ``request``; the pictures stay on disk."""

    kind: ClassVar[str] = "images_attached"
    images: tuple[str, ...]
    request: str = ""


@dataclass(frozen=True, kw_only=True)
class ReferenceCompared(Event):
    """The critic compared step ``index``'s screenshot with the attached reference images:
    ``grade`` 0-5 (None: unreadable) and a ``note`` on what matches and what differs."""

    kind: ClassVar[str] = "reference_compared"
    index: int
    grade: int | None
    note: str


@dataclass(frozen=True, kw_only=True)
class RunFailed(Event):
    """The run stopped on an error it could not turn into feedback."""

    kind: ClassVar[str] = "run_failed"
    error: str


@dataclass(frozen=True, kw_only=True)
class RunCancelled(Event):
    """The user stopped the run."""

    kind: ClassVar[str] = "run_cancelled"


@dataclass(frozen=True, kw_only=True)
class QuestionAsked(Event):
    """The user asked the coder about the site and its code; nothing will be changed.

    ``head`` is the step whose files the coder sees (None: the empty start).
    """

    kind: ClassVar[str] = "question_asked"
    question: str
    head: int | None = None


@dataclass(frozen=True, kw_only=True)
class AnswerToken(Event):
    """A fragment of the coder's streamed answer to the question in flight (not logged)."""

    kind: ClassVar[str] = "answer_token"
    text: str


@dataclass(frozen=True, kw_only=True)
class QuestionAnswered(Event):
    """The coder's whole answer, never applied; ``error`` says why it is missing or cut."""

    kind: ClassVar[str] = "question_answered"
    answer: str
    error: str = ""
    tokens_in: int = 0
    tokens_out: int = 0
    tokens_estimated: bool = False
    seconds: float = 0.0


EventSink = Callable[[Event], Awaitable[None] | None]
"""A subscriber: called once per event, in order."""

EVENT_TYPES: dict[str, type[Event]] = {
    cls.kind: cls
    for cls in (
        RunStarted,
        SandboxPrepared,
        StepStarted,
        UserEditStarted,
        Token,
        FileWritten,
        PhaseChanged,
        ContextTrimmed,
        TestInstructionWritten,
        ServerReady,
        StepFinished,
        Backtracked,
        BestSelected,
        StepRestored,
        StepRolledBack,
        RunFinished,
        RunFailed,
        RunCancelled,
        ReplyFormatChanged,
        CoderRequests,
        ReplyRestarted,
        CoderContext,
        QuestionAsked,
        AnswerToken,
        QuestionAnswered,
        ElementScoped,
        ImagesAttached,
        ReferenceCompared,
    )
}


def event_from_dict(data: dict[str, Any]) -> Event:
    """Rebuild an event written by ``Event.to_dict``."""
    cls = EVENT_TYPES[data["kind"]]
    names = {f.name for f in fields(cls)}
    values = {k: v for k, v in data.items() if k in names}
    for name in ("errors", "paths", "images"):
        if isinstance(values.get(name), list):  # JSON has no tuples
            values[name] = tuple(values[name])
    return cls(**values)


class EventBus:
    """Fans events out to subscribers; a failing subscriber is logged, never fatal."""

    def __init__(self) -> None:
        self._sinks: list[EventSink] = []

    def subscribe(self, sink: EventSink) -> Callable[[], None]:
        """Add ``sink``; returns a function that removes it."""
        self._sinks.append(sink)
        return lambda: self._sinks.remove(sink) if sink in self._sinks else None

    async def emit(self, event: Event) -> None:
        """Deliver ``event`` to every subscriber in subscription order."""
        for sink in list(self._sinks):
            try:
                result = sink(event)
                if isinstance(result, Awaitable):
                    await result
            except Exception:  # a view's bug must not stop the agent
                log.exception("event subscriber failed on %s", event.kind)
