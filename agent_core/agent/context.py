"""Fitting the coder's conversation into its context window.

Local models often have 8-32k tokens. When the whole conversation does not fit, the
oldest turns give way to a note that holds the current files and a short log of the
feedback those turns received; the newest turns stay verbatim.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from agent_core.llm.base import Message

CHARS_PER_TOKEN = 3.0
"""Conservative: code and markup tokenise denser than prose."""

SKIPPED_IN_STATE = ("package-lock.json", "yarn.lock", "pnpm-lock.yaml")
FEEDBACK_LOG_CHARS = 300
IMAGE_TOKENS = 1600
"""What one attached picture of at most 1568 px costs in the prompt, about (servers differ)."""


@dataclass(frozen=True)
class Turn:
    """One earlier step as the coder saw it: its reply and the feedback that followed.

    ``request`` is the user's follow-up message (already worded for the coder) that came
    just before the reply, if any, and ``images`` the pictures attached to it. ``by_user``
    marks the user's own edit of the files: there is no reply, and ``feedback`` (what the
    user changed) joins the user message before the coder's next reply.
    """

    index: int
    reply: str
    feedback: str
    summary: str = ""
    request: str = ""
    by_user: bool = False
    images: tuple[bytes, ...] = ()


@dataclass(frozen=True)
class FittedPrompt:
    """Messages ready for the coder, and what had to give way."""

    messages: list[Message]
    dropped_turns: int
    tokens_estimate: int

    @property
    def trimmed(self) -> bool:
        """Whether older turns were folded into the state note."""
        return self.dropped_turns > 0


def estimate_tokens(text: str) -> int:
    """Rough token count of ``text``."""
    return math.ceil(len(text) / CHARS_PER_TOKEN) + 4


def message_tokens(message: Message) -> int:
    """Rough token count of a message, its pictures included."""
    return estimate_tokens(message.content) + IMAGE_TOKENS * len(message.images)


def prompt_budget(context_length: int, max_tokens: int) -> int:
    """Tokens available for the prompt once the reply's room is kept free."""
    reply_room = min(max_tokens, context_length // 3)
    return max(512, context_length - reply_room - 256)


def fit_conversation(
    system: str,
    first_user: str,
    turns: Sequence[Turn],
    files: Mapping[str, str],
    budget: int,
    closing: str,
    pending: str = "",
    binary: Mapping[str, int] | None = None,
    first_images: Sequence[bytes] = (),
    pending_images: Sequence[bytes] = (),
) -> FittedPrompt:
    """Build the coder's messages within ``budget`` tokens.

    Args:
        system: The coder's system prompt.
        first_user: The first user message (the instruction).
        turns: Earlier steps along the parent chain, oldest first.
        files: The project's current text files (for the state note).
        budget: Prompt tokens allowed.
        closing: User text to send when the last turn has no feedback (e.g. after finish).
        pending: A follow-up request (worded for the coder) to add to the last user message.
        binary: Files that are not UTF-8 text, with their sizes: the state note names them
            ("binary, N bytes, not shown") rather than leaving them out.
        first_images: Pictures the user attached to the instruction (a vision coder's).
        pending_images: Pictures attached to the pending request.
    """
    binary = binary or {}
    opening = (first_user, tuple(first_images))
    waiting = (pending, tuple(pending_images))
    if not turns and (files or binary):  # a run started from a template or a folder
        note = _start_note(files, budget // 2, binary)
        messages = _assemble(system, opening, note, [], closing, waiting)
        return FittedPrompt(messages, 0, sum(message_tokens(m) for m in messages))
    for keep in range(len(turns), -1, -1):
        dropped = turns[: len(turns) - keep]
        note = _state_note(dropped, files, budget // 2, binary) if dropped else ""
        messages = _assemble(system, opening, note, turns[len(turns) - keep :], closing, waiting)
        tokens = sum(message_tokens(m) for m in messages)
        if tokens <= budget:
            return FittedPrompt(messages, len(dropped), tokens)
    # Even the newest turn is too large: send the state note with file names only.
    note = _state_note(turns, files, 0, binary)
    messages = _assemble(system, opening, note, [], closing, waiting)
    return FittedPrompt(messages, len(turns), sum(message_tokens(m) for m in messages))


def _assemble(
    system: str, opening: tuple[str, tuple[bytes, ...]], note: str, kept: Sequence[Turn],
    closing: str, pending: tuple[str, tuple[bytes, ...]],
) -> list[Message]:
    first_user, first_images = opening
    text = first_user if not note else f"{first_user}\n\n{note}"
    messages = [Message("system", system), Message("user", text, images=first_images)]
    for turn in kept:
        if turn.request:
            _extend_last(messages, turn.request, turn.images)
        if turn.by_user:
            _extend_last(messages, turn.feedback)
            continue
        messages.append(Message("assistant", turn.reply))
        messages.append(Message("user", turn.feedback or closing))
    if pending[0]:
        _extend_last(messages, *pending)
    return messages


def _extend_last(messages: list[Message], text: str, images: tuple[bytes, ...] = ()) -> None:
    last = messages[-1]
    messages[-1] = Message(last.role, f"{last.content}\n\n{text}", (*last.images, *images))


def _state_note(dropped: Sequence[Turn], files: Mapping[str, str], file_budget: int,
                binary: Mapping[str, int]) -> str:
    lines = [
        f"[Context note: the first {len(dropped)} step(s) of this conversation were folded "
        "to fit the context window. Below are the current project files and what the "
        "feedback said about those steps.]",
        "",
        "Feedback log:",
    ]
    for turn in dropped:
        if turn.request:
            asked = turn.request.strip().replace("\n", " ")
            lines.append(f"- before step {turn.index}: {asked[:FEEDBACK_LOG_CHARS]}")
        text = (turn.summary or turn.feedback).strip().replace("\n", " ")
        lines.append(f"- step {turn.index}: {text[:FEEDBACK_LOG_CHARS]}")
    if dropped and dropped[-1].feedback:
        lines += ["", "Latest feedback in full:", dropped[-1].feedback]
    lines += ["", files_section(files, file_budget, binary)]
    return "\n".join(lines)


def files_section(files: Mapping[str, str], budget: int,
                  binary: Mapping[str, int] | None = None) -> str:
    """The project's files as the coder reads them, the smallest first, within ``budget``.

    Args:
        files: Text files by path.
        budget: Tokens the file bodies may take; the files that do not fit (and lock files)
            are named with their size instead.
        binary: Files that are not UTF-8 text, with their sizes (named, never shown).
    """
    return "\n".join(["Current files:", *_file_lines(files, budget, binary or {})])


def _start_note(files: Mapping[str, str], file_budget: int, binary: Mapping[str, int]) -> str:
    lines = [
        "[The project does not start empty: it already holds the files below (a template "
        "or the user's own project). Build on them: change what the task needs, keep what "
        "it does not touch, and write every file you change in full.]",
        "",
        "Starting files:",
        *_file_lines(files, file_budget, binary),
    ]
    return "\n".join(lines)


def _file_lines(files: Mapping[str, str], budget: int,
                binary: Mapping[str, int]) -> list[str]:
    """The files' text, smallest first, within ``budget`` tokens; the rest by name."""
    lines: list[str] = []
    used = 0
    for path in sorted(files, key=lambda p: (len(files[p]), p)):
        body = files[path]
        cost = estimate_tokens(body) + 20
        if path in SKIPPED_IN_STATE or used + cost > budget:
            lines.append(f"- {path} ({len(body)} characters, not shown)")
            continue
        used += cost
        lines += [f"--- {path} ---", body]
    lines += [f"- {path} (binary, {size} bytes, not shown)"
              for path, size in sorted(binary.items())]
    return lines
