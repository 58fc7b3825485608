"""One coder reply: streamed, parsed as it arrives, its files written as each action closes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from agent_core.errors import WorkspaceViolation
from agent_core.llm.base import ChatModel, Message, Usage
from agent_core.protocol.actions import Action, EditAction, FileAction, ParsedReply, ParseIssue
from agent_core.protocol.parser import BoltStreamParser
from agent_core.protocol.structured import StructuredReplyParser, coder_schema
from agent_core.workspace.edits import edit_file
from agent_core.workspace.guard import Workspace

CUT_REASONS = {"length": "length", "repetition": "repetition"}
"""Finish reasons that mean the reply was cut off, and the step's name for them."""

FileCallback = Callable[[str, int, str | None], Awaitable[None]]
"""Called after each file action: path, bytes written, refusal reason (None when written)."""

TextCallback = Callable[[str], Awaitable[None]]


@dataclass
class CoderTurn:
    """What one coder reply did.

    Attributes:
        reply: The full reply text.
        parsed: Its actions and protocol issues.
        usage: Tokens and seconds of the call.
        written: Paths written, in order.
        refused: One reason a refused file action.
        action_log: A summary dict per action, for the step record.
        reply_format: ``text`` (Bolt tags) or ``structured`` (JSON under a schema).
        cut: Why the reply was cut off (``length``: the reply limit; ``repetition``: it kept
            repeating itself), or None.
    """

    reply: str
    parsed: ParsedReply
    usage: Usage
    written: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    action_log: list[dict[str, Any]] = field(default_factory=list)
    reply_format: str = "text"
    cut: str | None = None


class _StreamWriter:
    """Feeds streamed text to the parser and applies file actions as they complete."""

    def __init__(self, workspace: Workspace, on_text: TextCallback, on_file: FileCallback,
                 structured: bool = False):
        self.parser = StructuredReplyParser() if structured else BoltStreamParser()
        self.workspace = workspace
        self.on_text = on_text
        self.on_file = on_file
        self.actions: list[Action] = []
        self.written: list[str] = []
        self.refused: list[str] = []
        self.log: list[dict[str, Any]] = []

    async def feed(self, text: str) -> None:
        await self.on_text(text)
        for action in self.parser.feed(text):
            await self._apply(action)

    async def finish(self) -> None:
        for action in self.parser.close():
            await self._apply(action)

    async def _apply(self, action: Action) -> None:
        self.actions.append(action)
        if not isinstance(action, FileAction | EditAction):
            self.log.append(_describe(action))
            return
        kind = "file" if isinstance(action, FileAction) else "edit"
        try:
            if isinstance(action, FileAction):
                size = self.workspace.write_file(action.path, action.content)
            else:
                size = edit_file(self.workspace, action.path, action.search, action.replace)
        except WorkspaceViolation as exc:
            self.refused.append(str(exc))
            self.log.append({"type": kind, "path": action.path, "refused": str(exc)})
            await self.on_file(action.path, 0, str(exc))
            return
        self.written.append(action.path)
        self.log.append({"type": kind, "path": action.path, "bytes": size})
        await self.on_file(action.path, size, None)


def _describe(action: Action) -> dict[str, Any]:
    kind = type(action).__name__.removesuffix("Action").lower()
    data: dict[str, Any] = {"type": kind}
    for name in ("command", "signal"):
        if hasattr(action, name):
            data[name] = getattr(action, name)
    return data


async def run_coder_turn(
    model: ChatModel,
    messages: Sequence[Message],
    workspace: Workspace,
    *,
    on_text: TextCallback,
    on_file: FileCallback,
    reply_format: str = "text",
) -> CoderTurn:
    """Ask the coder once and apply its file actions while the reply streams in.

    Args:
        model: The coder's client.
        messages: The prompt.
        workspace: Where files are written.
        on_text: Told each streamed fragment.
        on_file: Told each file written or refused.
        reply_format: ``text`` (Bolt tags, applied as they close) or ``structured`` (JSON
            under a schema, applied when the reply ends).
    """
    structured = reply_format == "structured"
    writer = _StreamWriter(workspace, on_text, on_file, structured)
    schema = coder_schema() if structured else None
    completion = await model.complete(messages, on_token=writer.feed, schema=schema)
    await writer.finish()
    parsed = writer.parser.to_reply()
    return CoderTurn(
        reply=completion.text,
        parsed=parsed,
        usage=completion.usage,
        written=writer.written,
        refused=writer.refused,
        action_log=writer.log,
        reply_format=reply_format,
        cut=CUT_REASONS.get(completion.finish_reason or ""),
    )


__all__ = ["CoderTurn", "ParseIssue", "run_coder_turn"]
