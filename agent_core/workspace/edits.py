"""Search/replace edits: one unique block of a file becomes new text.

A small change costs a few lines instead of the whole file. When the block is not in the
file, or is there more than once, nothing changes and the coder is told why, with the lines
of the file that come nearest to what it searched for.
"""

from __future__ import annotations

import difflib

from agent_core.errors import WorkspaceViolation
from agent_core.workspace.guard import Workspace

__all__ = ["apply_edit", "edit_file"]

NEAREST_LINES = 8


def apply_edit(path: str, text: str, search: str, replace: str) -> str:
    """``text`` with the one occurrence of ``search`` replaced.

    A search block that ends in a newline also matches at the very end of a file that does
    not.

    Raises:
        WorkspaceViolation: ``search`` is empty, absent, or occurs more than once; the
            message says which, with the nearest lines when absent.
    """
    if not search.strip():
        raise WorkspaceViolation(f"the edit of {path} has an empty search block; nothing changed")
    count = text.count(search)
    if count == 0 and search.endswith("\n") and text.endswith(search[:-1]):
        search, replace, count = search[:-1], replace.removesuffix("\n"), 1
    if count == 1:
        return text.replace(search, replace, 1)
    if count > 1:
        raise WorkspaceViolation(
            f"the search block of the edit of {path} occurs {count} times; nothing changed. "
            "Include more surrounding lines so that it occurs once.")
    raise WorkspaceViolation(
        f"the search block of the edit of {path} is not in the file; nothing changed. "
        "Copy the lines exactly as they are now. The nearest lines in the file are:\n"
        + _nearest(text, search))


def _nearest(text: str, search: str) -> str:
    """The window of the file's lines most like ``search`` (as long as it, at most 8)."""
    lines = text.splitlines()
    wanted = search.strip("\n").splitlines() or [""]
    size = min(max(len(wanted), 1), NEAREST_LINES)
    if not lines:
        return "(the file is empty)"
    best, best_ratio = 0, -1.0
    target = "\n".join(wanted[:size])
    for start in range(max(1, len(lines) - size + 1)):
        ratio = difflib.SequenceMatcher(None, "\n".join(lines[start:start + size]), target,
                                        autojunk=False).quick_ratio()
        if ratio > best_ratio:
            best, best_ratio = start, ratio
    return "\n".join(f"{n + 1:>4} | {line}" for n, line in
                     enumerate(lines[best:best + size], start=best))


def edit_file(workspace: Workspace, path: str, search: str, replace: str) -> int:
    """Apply an edit to a file of ``workspace``; returns the bytes written.

    Raises:
        WorkspaceViolation: The path is refused, the file does not exist or is not text, or
            the search block is not unique (see :func:`apply_edit`).
    """
    target = workspace.resolve(path, verb="edit")
    try:
        text = target.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise WorkspaceViolation(
            f"cannot edit {path}: the file does not exist; write it whole with a file action"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise WorkspaceViolation(f"cannot edit {path}: {exc}") from None
    return workspace.write_file(path, apply_edit(path, text, search, replace))
