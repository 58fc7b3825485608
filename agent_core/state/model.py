"""What a run's state is made of: its status, step cards, chat entries and token usage.

``agent_core.state.run_state`` builds these from events; views only read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from agent_core.store.records import StepKind


class Status(StrEnum):
    """Where a run stands, as its events tell it."""

    NEW = "new"
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"
    STOPPED = "stopped"
    INTERRUPTED = "interrupted"
    """The log ends mid-run: the process was killed or the machine went down."""


class CardStatus(StrEnum):
    """A timeline card: the step in flight, committed, or left unfinished."""

    RUNNING = "running"
    DONE = "done"
    ABANDONED = "abandoned"


@dataclass(frozen=True)
class StepCard:
    """One step as the timeline shows it (the attribute names match ``StepRecord``'s)."""

    index: int
    parent: int | None
    status: CardStatus = CardStatus.RUNNING
    kind: StepKind = StepKind.EDIT
    appearance_grade: int | None = None
    gui_grade: int | None = None
    has_error: bool = False
    errors: tuple[str, ...] = ()
    files_changed: int = 0
    seconds: float = 0.0
    backtracked_from: int | None = None
    phase: str = ""
    phase_detail: str = ""
    fragments: int = 0
    """Streamed reply fragments, about one token each."""
    abandoned_reason: str = ""
    candidate: dict[str, Any] | None = field(default=None, hash=False)
    """Which candidate of its step this was (``--candidates``), None for a plain step."""
    gate: str = ""
    """Why the render gate kept the page from the critic, if it did."""
    reference_grade: int | None = None
    """How closely the screenshot matches the attached reference images, 0-5."""
    reference_note: str = ""


@dataclass(frozen=True)
class ChatItem:
    """One entry of the run's chat, in the order it happened.

    Attributes:
        kind: ``user`` (instruction or request), ``element`` (the element a request is
            about), ``reply`` (the coder's), ``feedback`` (what the coder was told after a
            step), ``notice`` (what the run did or why it ended), ``question`` (asked about
            the site) or ``answer`` (the coder's, never applied).
        text: The words shown.
        step: The step a reply or feedback belongs to; for a question, the step asked about.
        level: A notice's level (info, success, warning, error); ``error`` on a feedback
            marks an error step.
        done: False while a reply is still streaming.
        images: Images the user attached to this message (paths in the run folder).
    """

    kind: str
    text: str
    step: int | None = None
    level: str = "info"
    done: bool = True
    images: tuple[str, ...] = ()


@dataclass(frozen=True)
class Usage:
    """Tokens of the committed steps, all roles; ``estimated`` when a server sent none."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    estimated: bool = False


@dataclass(frozen=True)
class RunState:
    """Everything a view of one run shows; built only by ``reduce``."""

    run_id: str = ""
    instruction: str = ""
    status: Status = Status.NEW
    end_reason: str = ""
    end_message: str = ""
    steps: tuple[StepCard, ...] = ()
    running_step: int | None = None
    head: int | None = None
    best: int | None = None
    best_reason: str = ""
    chat: tuple[ChatItem, ...] = ()
    usage: Usage = Usage()
    streamed_chars: int = 0
    url: str | None = None
    test_instruction: str = ""
    reply_format: str = ""
    coder_requests: str = ""
    """How the candidates' replies are asked for, when the run fell back to one request each."""
    context_length: int | None = None
    sandbox_warning: str = ""
    asking: bool = False
    """A question is being answered (nothing else may start meanwhile)."""

    def card(self, index: int) -> StepCard | None:
        """The card of step ``index``, if there is one."""
        return next((c for c in self.steps if c.index == index), None)

    @property
    def committed(self) -> tuple[StepCard, ...]:
        """The steps that were committed, in order."""
        return tuple(c for c in self.steps if c.status is CardStatus.DONE)

    @property
    def notices(self) -> tuple[ChatItem, ...]:
        """The chat's notices: backtracks, folded context, refused writes, the ending."""
        return tuple(item for item in self.chat if item.kind == "notice")

    @property
    def phase(self) -> str:
        """The running step's phase, empty between steps."""
        card = self.card(self.running_step) if self.running_step is not None else None
        return card.phase if card else ""
