"""Plain text for the code panel: decoding file bytes and diffing one file between steps.

No Qt here, so the rules (binary, size caps, wording) are easy to read and to test.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

VIEW_LIMIT = 1024 * 1024
"""Bytes of a file the viewer shows; larger files are cut with a note."""
DIFF_LIMIT = 300 * 1024
"""Bytes per side above which no diff is computed (difflib would stall the UI)."""
DIFF_LINE_LIMIT = 20_000
"""Lines per side above which no diff is computed."""
CONTEXT_LINES = 3


def human_size(size: int) -> str:
    """``1536`` -> ``"1.5 KB"``: a size a person reads at a glance."""
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def decode_text(data: bytes, limit: int | None = None) -> str | None:
    """The UTF-8 text of ``data`` (its first ``limit`` bytes), or None for a binary file.

    A multi-byte character cut by ``limit`` is dropped rather than making the file binary.
    """
    chunk = data if limit is None else data[:limit]
    if b"\x00" in chunk:
        return None
    try:
        return chunk.decode("utf-8")
    except UnicodeDecodeError as err:
        cut = len(chunk) < len(data)
        if cut and err.start >= len(chunk) - 3:
            return chunk[: err.start].decode("utf-8", errors="replace")
        return None


@dataclass(frozen=True)
class Side:
    """One side of a diff.

    Attributes:
        label: Short name used in headers, e.g. ``"step 2"`` or ``"workspace"``.
        data: The file's bytes on this side, None when the file does not exist there.
    """

    label: str
    data: bytes | None

    @property
    def prose(self) -> str:
        """The label inside a sentence: ``"step 2"``, ``"the workspace"``."""
        return self.label if self.label.startswith("step ") else f"the {self.label}"


@dataclass(frozen=True)
class FileDiff:
    """What the diff tab shows for one file.

    Attributes:
        text: The unified diff, or a sentence when there is nothing to diff.
        summary: One line above the diff, e.g. ``"+5 −2 lines"``.
        added: Lines added.
        removed: Lines removed.
        is_diff: ``text`` is a unified diff (so it gets diff colouring).
    """

    text: str
    summary: str = ""
    added: int = 0
    removed: int = 0
    is_diff: bool = False


def diff_file(path: str, old: Side, new: Side) -> FileDiff:
    """Unified diff of ``path`` from ``old`` to ``new`` with three lines of context.

    Args:
        path: Project-relative path, shown in headers and messages.
        old: The side compared with (the previous or a chosen step).
        new: The side shown in the panel.

    Returns:
        The diff, or a message: no changes, binary, too large, or missing on both sides.
    """
    if old.data is None and new.data is None:
        return FileDiff(f"{path} exists in neither {old.prose} nor {new.prose}.")
    if old.data == new.data:
        return FileDiff(f"No changes in {path} since {old.prose}.", "No changes")
    too_large = _too_large(path, old, new)
    if too_large is not None:
        return too_large
    old_text = "" if old.data is None else decode_text(old.data)
    new_text = "" if new.data is None else decode_text(new.data)
    if old_text is None or new_text is None:
        return FileDiff(_binary_message(path, old, new), "Binary")
    old_lines, new_lines = old_text.splitlines(), new_text.splitlines()
    if max(len(old_lines), len(new_lines)) > DIFF_LINE_LIMIT:
        return FileDiff(
            f"Too large to diff here: {path} has over {DIFF_LINE_LIMIT:,} lines.", "Too large"
        )
    lines = list(
        difflib.unified_diff(
            old_lines,
            new_lines,
            lineterm="",
            n=CONTEXT_LINES,
            fromfile=f"{old.label}/{path}" if old.data is not None else f"(not in {old.label})",
            tofile=f"{new.label}/{path}" if new.data is not None else f"(not in {new.label})",
        )
    )
    if not lines:
        return FileDiff(
            f"{path} differs from {old.prose} only in line endings or the final newline.",
            "Line endings only",
        )
    added = sum(1 for line in lines[2:] if line.startswith("+"))
    removed = sum(1 for line in lines[2:] if line.startswith("-"))
    return FileDiff("\n".join(lines), _summary(old, new, added, removed), added, removed, True)


def _summary(old: Side, new: Side, added: int, removed: int) -> str:
    counts = f"+{added} −{removed} lines"
    if old.data is None:
        return f"New in {new.prose} · {counts}"
    if new.data is None:
        return f"Removed in {new.prose} · {counts}"
    return counts


def _too_large(path: str, old: Side, new: Side) -> FileDiff | None:
    size = max(len(old.data or b""), len(new.data or b""))
    if size <= DIFF_LIMIT:
        return None
    return FileDiff(
        f"Too large to diff here: {path} is {human_size(size)} "
        f"(the limit is {human_size(DIFF_LIMIT)}).",
        "Too large",
    )


def _binary_message(path: str, old: Side, new: Side) -> str:
    def size(side: Side) -> str:
        return "absent" if side.data is None else human_size(len(side.data))

    return f"Binary files differ: {path} ({old.label}: {size(old)}, {new.label}: {size(new)})."
