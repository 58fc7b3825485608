"""What each step kind means for the rules that read step records.

A ``user_edit`` step is the user's own change of the files, saved from the code view. It has
no coder reply; its ``request`` names the edited files ("Your edit of src/App.jsx") so the
chat and ``webgen show`` say what happened. That text is not a follow-up request for the
coder: ``follow_up_of`` leaves it out of the task, and the coder is told about the edit in
the step's feedback instead.

For the best-step rule a user's edit counts like a follow-up request (its ``request`` is not
empty, see ``selection.answering_latest_request``): once the user has changed the files, only
the edit and the steps continuing from it compete, ranked by their grades like every step,
so the end of a later run never undoes the user's change with a step from before it.
"""

from __future__ import annotations

from collections.abc import Sequence

from agent_core.store.records import StepKind, StepRecord

USER_EDIT_PREFIX = "Your edit of "


def edits_files(kind: StepKind) -> bool:
    """Whether steps of ``kind`` change the files (and so get a screenshot and a grade)."""
    return kind in (StepKind.EDIT, StepKind.USER_EDIT)


def user_edit_request(paths: Sequence[str]) -> str:
    """The words a user's edit stands under in the chat: ``Your edit of src/App.jsx``."""
    return USER_EDIT_PREFIX + ", ".join(paths)


def follow_up_of(step: StepRecord) -> str:
    """The follow-up request the user sent before ``step`` (empty for a user's edit)."""
    return "" if step.kind is StepKind.USER_EDIT else step.request
