"""Which reply format the coder is asked for, and when a run gives up on the format.

Under ``auto`` the coder starts with the Bolt tags. When it keeps replying without a single
action (small local models chat instead of editing), it is switched to structured replies,
JSON constrained by a schema, before the run gives up; when that does not help either, the
run ends as ``model_not_following_format`` instead of burning its remaining steps.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from agent_core.store.records import StepKind, StepRecord

FORMAT_PATIENCE = 3
"""Replies in a row without an action before the run gives up on the model."""


class FormatVerdict(StrEnum):
    """What to do after a step."""

    GO_ON = "go_on"
    SWITCH = "switch"
    GIVE_UP = "give_up"


def missed_format(step: StepRecord) -> bool:
    """Whether a step's reply had no action at all (no file, edit, command or signal)."""
    return step.kind is StepKind.EDIT and not step.actions


@dataclass
class FormatTracker:
    """The coder's reply format during one run.

    Args:
        setting: The coder's ``reply_format``: ``auto``, ``text`` or ``structured``.
        patience: Replies in a row without an action before giving up.
    """

    setting: str = "auto"
    patience: int = FORMAT_PATIENCE
    current: str = ""
    misses: int = 0
    switched_after: int | None = None
    """The step after which ``auto`` switched to structured replies, if it did."""

    def __post_init__(self) -> None:
        if not self.current:
            self.current = "structured" if self.setting == "structured" else "text"

    def resume(self, steps: Sequence[StepRecord]) -> None:
        """Continue with the format of the run's last step."""
        if steps and self.setting == "auto":
            self.current = steps[-1].runtime.reply_format or self.current

    def after(self, step: StepRecord, schema_support: bool | None) -> FormatVerdict:
        """Count the step; say whether to switch to structured replies or give up.

        Args:
            step: The step just committed.
            schema_support: Whether the coder's server accepts a schema (None: not known
                yet, so worth a try).
        """
        self.misses = self.misses + 1 if missed_format(step) else 0
        can_switch = (self.setting == "auto" and self.current == "text"
                      and schema_support is not False)
        if can_switch and self.misses >= self.patience - 1:
            self.current, self.misses, self.switched_after = "structured", 0, step.index
            return FormatVerdict.SWITCH
        if self.misses >= self.patience:
            return FormatVerdict.GIVE_UP
        return FormatVerdict.GO_ON


NOT_FOLLOWING = "model_not_following_format"
NO_WORKING_STEP = "no_working_step"
UNSUCCESSFUL_ENDINGS = (NOT_FOLLOWING, NO_WORKING_STEP)
"""End reasons of a run that built no working site (``webgen`` exits with code 3)."""


def has_working_step(steps: Sequence[StepRecord]) -> bool:
    """Whether any step served the site and got a screenshot of it."""
    return any(step.screenshot for step in steps)


def ending_message(reason: str, coder: str, tracker: FormatTracker) -> str:
    """What to tell the user when a run built no working site, naming the model."""
    tries = ("Try a larger coding model, a longer context (--coder-context-length and the "
             "server's own setting), or")
    if reason == NOT_FOLLOWING:
        how = ("even after switching to structured replies"
               if tracker.switched_after is not None else f"in {tracker.current} replies")
        return (f"The coder ({coder}) sent {tracker.patience} replies in a row without a single "
                f"action {how}, so the run stopped. {tries} structured replies "
                "(--coder-reply-format structured) if the server supports JSON schemas.")
    if reason == NO_WORKING_STEP:
        return (f"No step produced a working site: the coder ({coder}) never got the site "
                f"installed, served and shown. {tries} structured replies "
                "(--coder-reply-format structured). Each step's feedback says what failed.")
    return ""
