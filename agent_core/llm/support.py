"""What both model clients share: the retrying ``complete``, streaming state, images."""

from __future__ import annotations

import inspect
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from agent_core.config import RoleConfig
from agent_core.errors import ModelError, ModelTimeout
from agent_core.llm.base import Completion, JsonSchema, Message, TokenCallback, Usage
from agent_core.llm.failures import Endpoint, after_partial_stream, key_hint_for, stalled
from agent_core.llm.retry import RetryPolicy, call_with_retries
from agent_core.llm.runaway import RepetitionGuard, ReplyCut
from agent_core.llm.token_count import estimate_tokens


def image_mime(data: bytes) -> str:
    """MIME type of PNG/JPEG (and GIF/WebP) bytes, by magic number; PNG when unknown."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return "image/png"


@dataclass
class StreamState:
    """Text streamed so far in one attempt; knows whether a retry is still safe."""

    parts: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """Everything received so far."""
        return "".join(self.parts)

    @property
    def delivered_chars(self) -> int:
        """Characters already passed to the token callback."""
        return sum(len(p) for p in self.parts)

    async def push(self, on_token: TokenCallback, fragment: str) -> None:
        """Record ``fragment`` and pass it on, awaiting the callback if it is async."""
        if not fragment:
            return
        self.parts.append(fragment)
        result = on_token(fragment)
        if inspect.isawaitable(result):
            await result

    def final(self, error: ModelError, endpoint: Endpoint | None = None) -> ModelError:
        """``error`` itself, or a non-retryable copy once tokens were delivered.

        A timeout after part of the reply came is a stall, and says so (with ``endpoint``).
        """
        if not self.parts:
            return error
        if isinstance(error, ModelTimeout) and endpoint is not None:
            error = stalled(endpoint)
        return after_partial_stream(error, self.delivered_chars)


class RetryingChatModel:
    """Base of the clients: retries, timing, description; subclasses make one attempt.

    Args:
        config: The role's model settings.
        api_key: The API key, or None; kept private and never shown.
        role: The role name, used to tell the user where to set a key.
        retry: Backoff settings (the delays); the number of retries is
            ``config.max_retries``.
    """

    provider = ""

    def __init__(
        self,
        config: RoleConfig,
        api_key: str | None = None,
        *,
        role: str | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.config = config
        self._api_key = api_key or None
        self._retry = retry or RetryPolicy()
        self.endpoint = Endpoint(
            provider=self.provider,
            url=config.url,
            model=config.model,
            timeout_s=config.timeout_s,
            key_hint=key_hint_for(config.api_key_env, role),
            key_sent=bool(api_key),
            role=role or "",
        )
        self._client = self._build_client(config, self._api_key)

    def _build_client(self, config: RoleConfig, api_key: str | None) -> Any:
        """The provider's HTTP client (subclasses build theirs)."""
        raise NotImplementedError

    @property
    def description(self) -> str:
        """``provider model @ url``, e.g. ``ollama qwen2.5-coder:7b @ http://localhost:11434``."""
        return f"{self.provider} {self.config.model} @ {self.config.url}"

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.description}>"

    schema_support: bool | None = None
    """Whether the server constrains replies by a schema: None until a schema was sent."""

    async def complete(
        self, messages: Sequence[Message], *, on_token: TokenCallback | None = None,
        schema: JsonSchema | None = None,
    ) -> Completion:
        """Send ``messages`` and return the reply, streaming to ``on_token`` when given.

        Transient failures are retried ``config.max_retries`` times with backoff, except a
        stream that already delivered tokens. ``usage.seconds`` is the wall time of the
        whole call, retries included.

        Raises:
            ModelError: A subclass saying what failed and what to do about it.
        """
        started = time.monotonic()
        guard = RepetitionGuard()
        streamed: list[str] = []

        async def guarded(fragment: str) -> None:
            streamed.append(fragment)
            result = on_token(fragment) if on_token is not None else None
            if inspect.isawaitable(result):
                await result
            if guard.feed(fragment):
                raise ReplyCut("repetition")

        async def attempt() -> Completion:
            streamed.clear()
            if on_token is None:
                return await self._complete_once(messages, schema)
            return await self._stream_once(messages, guarded, schema)

        try:
            completion = await call_with_retries(
                attempt,
                max_retries=self.config.max_retries,
                policy=self._retry,
                what=self.description,
            )
        except ReplyCut as cut:
            text = "".join(streamed)
            usage = await self._count_usage(messages, text)
            completion = Completion(text=text, usage=usage, model=self.config.model,
                                    finish_reason=cut.reason)
        seconds = time.monotonic() - started
        return replace(completion, usage=replace(completion.usage, seconds=seconds))

    async def _count_usage(self, messages: Sequence[Message], text: str) -> Usage:
        """Usage of a reply the server never reported on (it was cut): estimated."""
        prompt = "\n".join(m.content for m in messages)
        return Usage(estimate_tokens(prompt), estimate_tokens(text), estimated=True)

    async def _complete_once(self, messages: Sequence[Message],
                             schema: JsonSchema | None) -> Completion:
        raise NotImplementedError

    async def _stream_once(
        self, messages: Sequence[Message], on_token: TokenCallback, schema: JsonSchema | None
    ) -> Completion:
        raise NotImplementedError
