"""One coder reply: streamed, parsed as it arrives, its files written as each action closes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from agent_core.errors import WorkspaceViolation
from agent_core.llm.base import ChatModel, Message, Usage
from agent_core.protocol.actions import Action, FileAction, ParsedReply, ParseIssue
from agent_core.protocol.parser import BoltStreamParser
from agent_core.workspace.guard import Workspace

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
    """

    reply: str
    parsed: ParsedReply
    usage: Usage
    written: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    action_log: list[dict[str, Any]] = field(default_factory=list)


class _StreamWriter:
    """Feeds streamed text to the parser and applies file actions as they complete."""

    def __init__(self, workspace: Workspace, on_text: TextCallback, on_file: FileCallback):
        self.parser = BoltStreamParser()
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
        if not isinstance(action, FileAction):
            self.log.append(_describe(action))
            return
        try:
            size = self.workspace.write_file(action.path, action.content)
        except WorkspaceViolation as exc:
            self.refused.append(str(exc))
            self.log.append({"type": "file", "path": action.path, "refused": str(exc)})
            await self.on_file(action.path, 0, str(exc))
            return
        self.written.append(action.path)
        self.log.append({"type": "file", "path": action.path, "bytes": size})
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
) -> CoderTurn:
    """Ask the coder once and apply its file actions while the reply streams in."""
    writer = _StreamWriter(workspace, on_text, on_file)
    completion = await model.complete(messages, on_token=writer.feed)
    await writer.finish()
    parsed = writer.parser.to_reply()
    return CoderTurn(
        reply=completion.text,
        parsed=parsed,
        usage=completion.usage,
        written=writer.written,
        refused=writer.refused,
        action_log=writer.log,
    )


__all__ = ["CoderTurn", "ParseIssue", "run_coder_turn"]
