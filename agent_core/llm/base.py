"""The shape every model client has, whatever server it talks to."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

TokenCallback = Callable[[str], Awaitable[None] | None]
"""Called with each streamed text fragment, in order."""

JsonSchema = dict[str, Any]
"""A JSON schema for a constrained reply."""


@dataclass(frozen=True)
class Message:
    """One chat message.

    Attributes:
        role: ``system``, ``user`` or ``assistant``.
        content: The text.
        images: PNG or JPEG bytes attached to a user message (vision roles only).
    """

    role: Literal["system", "user", "assistant"]
    content: str
    images: tuple[bytes, ...] = ()


@dataclass(frozen=True)
class Usage:
    """Token counts and time of one call.

    Attributes:
        prompt_tokens: Tokens of the prompt.
        completion_tokens: Tokens of the reply.
        seconds: Wall time of the call.
        estimated: The server reported no counts (llama.cpp and LM Studio streams); they
            were counted with its tokenizer endpoint or estimated from the text.
    """

    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    estimated: bool = False

    @property
    def reported(self) -> bool:
        """Whether any count is known."""
        return bool(self.prompt_tokens or self.completion_tokens)

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.prompt_tokens + other.prompt_tokens,
            self.completion_tokens + other.completion_tokens,
            self.seconds + other.seconds,
            self.estimated or other.estimated,
        )


@dataclass(frozen=True)
class Completion:
    """A finished reply."""

    text: str
    usage: Usage = field(default_factory=Usage)
    model: str = ""
    finish_reason: str | None = None


class ChatModel(Protocol):
    """A model reachable through one server, for one role."""

    @property
    def description(self) -> str:
        """Human-readable ``provider model @ url``, for messages and logs."""
        ...

    async def complete(
        self, messages: Sequence[Message], *, on_token: TokenCallback | None = None,
        schema: JsonSchema | None = None,
    ) -> Completion:
        """Send ``messages`` and return the reply.

        When ``on_token`` is given the reply is streamed and each fragment is passed to it
        as it arrives. With ``schema``, the server is asked to constrain the reply to JSON of
        that shape where it can (see :attr:`schema_support`). Retries transient failures;
        raises a ``ModelError`` subclass otherwise.
        """
        ...

    async def list_models(self) -> list[str]:
        """Names of the models the server offers."""
        ...

    async def close(self) -> None:
        """Release the HTTP connections."""
        ...
