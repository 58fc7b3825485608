"""What the coder is told about the user's own edit of the files, in this project's words."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass

from agent_core.agent.feedback import EditReport, site_lines

MAX_CHANGE_CHARS = 12_000
"""Characters of diff (or new file) shown per file; the whole file is in the project."""

OPENING = (
    "The user edited the project's files by hand after your last reply. Their edit is part "
    "of the project now: build on it, and keep it unless the user asks for something else."
)


@dataclass(frozen=True)
class FileChange:
    """One file the user saved: its text before (None: a new file) and after."""

    path: str
    old: str | None
    new: str


def change_text(change: FileChange) -> str:
    """The change as the coder sees it: a unified diff, or the whole new file."""
    if change.old is None:
        return f"New file {change.path}:\n```\n{_cut(change.new)}\n```"
    diff = difflib.unified_diff(
        change.old.splitlines(keepends=True), change.new.splitlines(keepends=True),
        fromfile=f"a/{change.path}", tofile=f"b/{change.path}",
    )
    body = "".join(line if line.endswith("\n") else line + "\n" for line in diff)
    return f"Changes to {change.path}:\n```diff\n{_cut(body.rstrip())}\n```"


def user_edit_feedback(changes: Sequence[FileChange], report: EditReport | None,
                       note: str = "") -> str:
    """The message about a user's edit that joins the coder's next user message.

    Args:
        changes: The files the user saved.
        report: What serving, the screenshot and the critic said (None: not checked).
        note: Why the edit was not graded, if it was not.
    """
    parts = [OPENING, ""]
    parts += [change_text(change) for change in changes]
    if report is not None:
        parts += ["", "The site after the user's edit:", *site_lines(report)]
    if note:
        parts += ["", note]
    return "\n".join(parts)


def _cut(text: str) -> str:
    if len(text) <= MAX_CHANGE_CHARS:
        return text
    return (text[:MAX_CHANGE_CHARS]
            + f"\n[... cut at {MAX_CHANGE_CHARS:,} characters; the whole file is in the project]")
