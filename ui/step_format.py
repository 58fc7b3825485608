"""Words, numbers and colours shared by the step timeline and the step detail panel.

Pure functions (no widgets), so the timeline and the detail panel say the same thing the
same way: "Look 4/5", "GUI –", "12.5 s", "1 m 05 s".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from agent_core.state import StepCard as CardState
from agent_core.store.records import StepKind

PHASES = ("coding", "install", "serve", "screenshot", "critic", "gui_test", "commit")
"""Phase ids the engine emits, in their usual order ("command" and, for the user's own
edit, "write" may also appear)."""

PHASE_LABELS = {
    "coding": "Generating",
    "install": "Installing",
    "serve": "Starting server",
    "screenshot": "Screenshot",
    "critic": "Critic",
    "gui_test": "GUI test",
    "reference": "Reference match",
    "commit": "Saving",
    "command": "Command",
    "write": "Writing your edit",
}
"""Short names of the phases, for done phases in the progress line and the phase timings."""

CURRENT_PHASE_LABELS = {**PHASE_LABELS, "command": "Running a command",
                        "reference": "Comparing with the reference"}
"""Names of the phase in progress (a bare "Command" would not say that it is running)."""

KIND_LABELS = {StepKind.EDIT: "Edit", StepKind.GUI_TEST: "GUI test", StepKind.FINISH: "Finish",
               StepKind.USER_EDIT: "Your edit"}

SUCCESS = "#2e9d57"
WARNING = "#c98a0b"
ERROR = "#d1453b"
INFO = "#3b7dd8"


def phase_label(phase: str, *, current: bool = False) -> str:
    """The user-facing name of a phase id; unknown ids are shown as they are."""
    labels = CURRENT_PHASE_LABELS if current else PHASE_LABELS
    return labels.get(phase, phase.replace("_", " ").capitalize())


def kind_label(kind: StepKind | str) -> str:
    """'Edit', 'GUI test', 'Finish' or 'Your edit'."""
    try:
        return KIND_LABELS[StepKind(kind)]
    except ValueError:
        return str(kind)


def grade_text(prefix: str, grade: int | None) -> str:
    """'Look 4/5', or 'Look –' when there is no grade."""
    return f"{prefix} {grade}/5" if grade is not None else f"{prefix} –"


def grade_colour(grade: int | None) -> str | None:
    """Red for 2 or lower, amber for 3, green for 4 or higher; None without a grade."""
    if grade is None:
        return None
    if grade <= 2:
        return ERROR
    return WARNING if grade == 3 else SUCCESS


def format_duration(seconds: float) -> str:
    """'12.5 s' under a minute, '1 m 05 s' from a minute on."""
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.1f} s"
    whole = round(seconds)
    minutes, rest = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes} m {rest:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} m"


def abandoned_text(reason: str) -> str:
    """'stopped' for a user's stop (empty reason, 'stopped', 'cancelled'), else 'failed: …'."""
    reason = reason.strip()
    if reason.lower() in ("", "stopped", "cancelled", "canceled"):
        return "stopped"
    return f"failed: {reason}"


NOTE_CHARS = 70


def reference_of(card: CardState) -> tuple[int | None, str]:
    """The reference match of a timeline card (None and '' without one)."""
    return card.reference_grade, card.reference_note


def short_note(note: str) -> str:
    """A note on one or two lines of a card (the whole note goes in the tooltip)."""
    note = " ".join(note.split())
    return note if len(note) <= NOTE_CHARS else note[:NOTE_CHARS - 1].rstrip() + "…"


@dataclass(frozen=True)
class CandidateMark:
    """Which candidate of its step a step was (``--candidates``).

    Attributes:
        group: The index of the group's first step (the candidates take consecutive indices).
        number: This candidate's number, from 1.
        of: How many candidates the step had.
        chosen: The run continued from this one.
    """

    group: int
    number: int
    of: int
    chosen: bool

    @classmethod
    def read(cls, mark: Mapping[str, Any] | None) -> CandidateMark | None:
        """The mark as stored (``runtime.candidate``, ``StepCard.candidate``); None for none."""
        if not mark:
            return None
        return cls(int(mark["group"]), int(mark["number"]), int(mark["of"]),
                   bool(mark["chosen"]))


def candidate_role(mark: CandidateMark, gate: str) -> str:
    """'chosen', 'gated' (kept from the critic) or 'sibling'."""
    return "chosen" if mark.chosen else ("gated" if gate else "sibling")


def candidate_text(card: CardState) -> tuple[str, str]:
    """A candidate's place in its group for the card, and the tooltip ('', '' for others).

    E.g. ``("❐ 2 of 3 · chosen", ...)``, or ``("❐ 1 of 3 · gated", "... the page is blank")``.
    """
    mark = CandidateMark.read(card.candidate)
    if mark is None:
        return "", ""
    text = f"❐ {mark.number} of {mark.of} · {candidate_role(mark, card.gate)}"
    tip = (f"Candidate {mark.number} of {mark.of} replies for this step (steps "
           f"{mark.group}-{mark.group + mark.of - 1} share its parent); "
           + ("the run continued from it." if mark.chosen else "kept beside the chosen one."))
    if card.gate:
        tip += f"\nNot graded: {card.gate}."
    return text, tip


def gate_sentence(gate: str) -> str:
    """The render gate's reason in plain words ('' when the page passed the gate).

    E.g. ``"Not sent to the critic: the page is blank (no visible text or picture)."``
    """
    gate = " ".join(gate.split())
    if not gate:
        return ""
    what, _, detail = gate.partition(": ")
    if len(detail) > NOTE_CHARS:
        detail = detail[:NOTE_CHARS - 1].rstrip() + "…"
    return f"Not sent to the critic: {what}" + (f" ({detail})." if detail else ".")
