"""A real ChatModel driven by a script, for tests of code that talks to a model.

It implements the ``ChatModel`` protocol for real (no mocking): each ``complete()`` call is
recorded and answered from a list of replies, in order, or by a function of the messages.
A reply may be a string, a ``Completion``, or an exception instance to raise.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from agent_core.llm.base import Completion, Message, TokenCallback, Usage

Reply = str | Completion | BaseException
ReplyFunction = Callable[[list[Message]], Reply | Awaitable[Reply]]


@dataclass
class ScriptedCall:
    """One recorded call: the messages sent and whether the caller streamed."""

    messages: list[Message]
    streamed: bool


@dataclass
class ScriptedChat:
    """A scripted model.

    Args:
        script: Replies used in order, or a (sync or async) function from messages to a reply.
        description: What ``description`` returns.
        models: What ``list_models()`` returns.
        usage: Usage attached to string replies.
    """

    script: Sequence[Reply] | ReplyFunction
    description: str = "scripted model @ memory"
    models: list[str] = field(default_factory=lambda: ["scripted-vl"])
    usage: Usage = field(default_factory=lambda: Usage(100, 20, 0.01))
    calls: list[ScriptedCall] = field(default_factory=list)
    in_flight: int = 0
    closed: bool = False
    _next: int = 0

    async def complete(
        self, messages: Sequence[Message], *, on_token: TokenCallback | None = None,
        schema: dict | None = None,
    ) -> Completion:
        """Record the call and answer it from the script (a schema is accepted and unused)."""
        self.calls.append(ScriptedCall(list(messages), on_token is not None))
        self.in_flight += 1
        try:
            reply = await self._reply(list(messages))
        finally:
            self.in_flight -= 1
        if isinstance(reply, BaseException):
            raise reply
        completion = reply if isinstance(reply, Completion) else Completion(reply, self.usage)
        if on_token is not None:
            for start in range(0, len(completion.text), 16):
                result = on_token(completion.text[start : start + 16])
                if inspect.isawaitable(result):
                    await result
        return completion

    async def _reply(self, messages: list[Message]) -> Reply:
        if callable(self.script):
            reply = self.script(messages)
            return await reply if inspect.isawaitable(reply) else reply
        if self._next >= len(self.script):
            raise AssertionError(f"the script has only {len(self.script)} replies")
        self._next += 1
        await asyncio.sleep(0)  # a real model call always yields to the loop
        return self.script[self._next - 1]

    async def list_models(self) -> list[str]:
        """The scripted model names."""
        return list(self.models)

    async def close(self) -> None:
        """Mark the model closed."""
        self.closed = True
