"""A ChatModel for any OpenAI-compatible server (vLLM, llama.cpp, LM Studio, OpenAI...)."""

from __future__ import annotations

import base64
import logging
from collections.abc import Sequence
from typing import Any

import openai

from agent_core.config import RoleConfig
from agent_core.errors import ModelError
from agent_core.llm.base import Completion, JsonSchema, Message, TokenCallback, Usage
from agent_core.llm.failures import (
    detail_of,
    from_status,
    malformed_stream,
    no_model_list,
    redact,
    reply_cut,
    retry_after_seconds,
    timed_out,
    unreachable,
)
from agent_core.llm.stream_end import OVERLAPPED, StreamEndings, Visit
from agent_core.llm.support import RetryingChatModel, StreamState, image_mime
from agent_core.llm.token_count import TokenCounter

log = logging.getLogger(__name__)


SCHEMA_STYLES = ("json_schema", "json_object_schema", "json_object")
"""``response_format`` shapes tried in order until the server accepts one."""


def response_format(style: str, schema: JsonSchema) -> dict[str, Any]:
    """The ``response_format`` of ``style`` for ``schema``."""
    if style == "json_schema":
        return {"type": "json_schema", "json_schema": {"name": "reply", "schema": schema}}
    if style == "json_object_schema":
        return {"type": "json_object", "schema": schema}
    return {"type": "json_object"}


def _about_format(error: openai.APIStatusError) -> bool:
    """Whether a 400 refused the ``response_format`` (rather than, say, stream_options)."""
    text = f"{error.message} {error.body}".lower()
    return any(word in text for word in ("response_format", "json_schema", "json_object",
                                         "schema", "grammar"))


def _about_length(error: openai.APIStatusError) -> bool:
    """Whether a 400 says the prompt or the reply does not fit the model's context."""
    text = f"{error.message} {error.body}".lower()
    return any(word in text for word in ("context", "too long", "exceed", "maximum", "tokens"))


def _about_options(error: openai.APIStatusError) -> bool:
    """Whether a 400 refused ``stream_options`` (asked for the usage of a stream)."""
    text = f"{error.message} {error.body}".lower()
    return "stream_options" in text or "include_usage" in text


def _refuses_n(error: openai.APIStatusError) -> bool:
    """Whether an error answers a request for several replies by refusing ``n``.

    A 400 or 422 about nothing else we send does; so does llama.cpp's HTTP 500 "Only one
    completion choice is allowed" (some of its versions answer so).
    """
    if error.status_code in (400, 422):
        return not (_about_format(error) or _about_length(error) or _about_options(error))
    body = error.body if isinstance(error.body, dict) else {}
    text = f"{error.message} {error.body}".lower()
    return error.status_code == 500 and ("completion choice" in text or body.get("param") == "n")


class NotHonoured(Exception):
    """The server refused a request for several replies (``n``); the reason is the text."""


def to_openai_message(message: Message) -> dict[str, Any]:
    """One Message in the chat-completions shape; images become data-URL content parts."""
    if not message.images:
        return {"role": message.role, "content": message.content}
    parts: list[dict[str, Any]] = [{"type": "text", "text": message.content}]
    for image in message.images:
        url = f"data:{image_mime(image)};base64,{base64.b64encode(image).decode('ascii')}"
        parts.append({"type": "image_url", "image_url": {"url": url}})
    return {"role": message.role, "content": parts}


class OpenAIChatModel(RetryingChatModel):
    """Chat with a model through ``openai.AsyncOpenAI``.

    Args:
        config: The role's settings (``provider`` should be ``openai``).
        api_key: The API key, or None for servers without authentication.
        role: The role name, used in the hint of an authentication error.
        retry: Backoff delays; the number of retries is ``config.max_retries``.
    """

    provider = "openai"

    def _build_client(self, config: RoleConfig, api_key: str | None) -> openai.AsyncOpenAI:
        self._stream_usage = True  # dropped if the server refuses stream_options
        self._counter = TokenCounter(config.url)
        self._schema_styles = list(SCHEMA_STYLES)  # the first is used; refused ones go
        self.endings = StreamEndings(config.url)
        """Tells a stream that ended whole from one the server cut short."""
        return openai.AsyncOpenAI(
            base_url=config.url,
            api_key=api_key or "not-needed",
            max_retries=0,
            timeout=config.timeout_s,
        )

    async def list_models(self) -> list[str]:
        """Model ids from ``GET {base_url}/models`` (one attempt, no retries).

        Raises:
            ModelError: When the server cannot be reached or refuses the request.
        """
        try:
            with Visit(self.config.url):
                return [model.id async for model in self._client.models.list()]
        except openai.NotFoundError as exc:
            raise no_model_list(self.endpoint) from exc
        except openai.OpenAIError as exc:
            raise self._error(exc) from exc

    async def close(self) -> None:
        """Close the HTTP connection pool."""
        await self._client.close()

    def _request(self, messages: Sequence[Message], schema: JsonSchema | None) -> dict[str, Any]:
        request: dict[str, Any] = {
            "model": self.config.model,
            "messages": [to_openai_message(m) for m in messages],
            "temperature": self.config.temperature,
            "max_tokens": self.config.reply_limit,
        }
        if self.config.seed is not None:
            request["seed"] = self.config.seed
        if schema is not None and self._schema_styles:
            request["response_format"] = response_format(self._schema_styles[0], schema)
        return request

    async def _create(self, request: dict[str, Any], schema: JsonSchema | None,
                      **stream: Any) -> Any:
        """One request; a refused ``response_format`` style gives way to the next one.

        Servers differ: OpenAI, vLLM and LM Studio take ``json_schema``; llama-cpp-python
        takes ``json_object`` with a ``schema`` and refuses ``json_schema`` (with HTTP 500);
        some take only plain ``json_object``. Each refusal (HTTP 400, 422 or 500 naming the
        format) is remembered for the client's life.
        """
        while True:
            try:
                reply = await self._client.chat.completions.create(**request, **stream)
            except openai.APIStatusError as exc:
                # llama-cpp-python answers an unknown response_format with HTTP 500.
                refusal = exc.status_code in (400, 422, 500) and _about_format(exc)
                if "response_format" not in request or not refusal:
                    raise
                refused = self._schema_styles.pop(0)
                log.info("%s refused response_format %s", self.description, refused)
                if not self._schema_styles or schema is None:
                    # No shape is accepted: the reply comes unconstrained, never an error.
                    self.schema_support = False
                    request = {k: v for k, v in request.items() if k != "response_format"}
                else:
                    request = {**request,
                               "response_format": response_format(self._schema_styles[0], schema)}
                continue
            if "response_format" in request:
                self.schema_support = self._schema_styles[0] != "json_object"
            return reply

    async def _complete_once(self, messages: Sequence[Message],
                             schema: JsonSchema | None) -> Completion:
        try:
            with Visit(self.config.url):
                response = await self._create(self._request(messages, schema), schema)
        except openai.OpenAIError as exc:
            raise self._error(exc) from exc
        if not response.choices:
            raise self._error(openai.OpenAIError("the reply had no choices"))
        choice = response.choices[0]
        usage = response.usage
        return Completion(
            text=choice.message.content or "",
            usage=Usage(usage.prompt_tokens, usage.completion_tokens) if usage else Usage(),
            model=response.model or self.config.model,
            finish_reason=choice.finish_reason,
        )

    async def _stream_once(
        self, messages: Sequence[Message], on_token: TokenCallback, schema: JsonSchema | None
    ) -> Completion:
        state = StreamState()
        with self.endings.visit() as visit:
            finish, usage, model = await self._read_stream(messages, on_token, schema, state)
            ending = self.endings.judge(finish, visit)
        if ending is not None:
            raise state.final(reply_cut(self.endpoint, ending == OVERLAPPED))
        if not usage.reported:  # llama.cpp, LM Studio: no usage in streams, even when asked
            usage = await self._counter.usage(messages, state.text)
        return Completion(text=state.text, usage=usage, model=model, finish_reason=finish)

    async def _read_stream(self, messages: Sequence[Message], on_token: TokenCallback,
                           schema: JsonSchema | None, state: StreamState
                           ) -> tuple[str | None, Usage, str]:
        """Stream one reply into ``state``; its finish reason, usage (if sent) and model."""
        usage, finish, model = Usage(), None, self.config.model
        try:
            stream = await self._open_stream(self._request(messages, schema), schema)
            try:
                async for chunk in stream:
                    model = chunk.model or model
                    if chunk.usage is not None:
                        usage = Usage(chunk.usage.prompt_tokens, chunk.usage.completion_tokens)
                    if not chunk.choices:
                        continue
                    choice = chunk.choices[0]
                    if choice.delta is not None and choice.delta.content:
                        await state.push(on_token, choice.delta.content)
                    finish = choice.finish_reason or finish
            finally:
                await stream.close()
        except openai.OpenAIError as exc:
            raise state.final(self._error(exc), self.endpoint) from exc
        except ValueError as exc:  # an event that is not JSON (the SDK decodes each one)
            raise state.final(malformed_stream(self.endpoint, exc)) from exc
        return finish, usage, model

    async def _count_usage(self, messages: Sequence[Message], text: str) -> Usage:
        return await self._counter.usage(messages, text)

    async def open_choices(self, messages: Sequence[Message], schema: JsonSchema | None,
                           count: int) -> Any:
        """Start one streamed request for ``count`` replies (``n``); see ``llm.choices``.

        Raises:
            NotHonoured: The server refused ``n`` (HTTP 400 or 422 about nothing else).
            openai.OpenAIError: Any other failure, as the SDK raised it.
        """
        request = {**self._request(messages, schema), "n": count}
        try:
            return await self._open_stream(request, schema, keep_options_on_refusal=True)
        except openai.APIStatusError as exc:
            if not _refuses_n(exc):
                raise
            raise NotHonoured(redact(detail_of(exc.body) or exc.message, self._api_key)) from exc

    def model_error(self, exc: openai.OpenAIError) -> ModelError:
        """What the SDK raised, as the ModelError the user is shown."""
        return self._error(exc)

    async def count_usage(self, messages: Sequence[Message], text: str) -> Usage:
        """Usage of ``text`` as a reply to ``messages``, counted (the server said nothing)."""
        return await self._counter.usage(messages, text)

    async def _open_stream(self, request: dict[str, Any], schema: JsonSchema | None, *,
                           keep_options_on_refusal: bool = False) -> Any:
        """Start a streamed reply, asking for usage unless the server refused that before.

        With ``keep_options_on_refusal``, a 400 that does not name ``stream_options`` is
        raised as it is (the request carries something else the server may refuse).
        """
        if self._stream_usage:
            try:
                return await self._create(request, schema, stream=True,
                                          stream_options={"include_usage": True})
            except openai.BadRequestError as exc:
                if _about_format(exc) or _about_length(exc):
                    raise  # not about stream_options: a retry without them would not help
                if keep_options_on_refusal and not _about_options(exc):
                    raise
                log.info("%s refused stream_options (%s); retrying without", self.description, exc)
            stream = await self._create(request, schema, stream=True)
            self._stream_usage = False
            return stream
        return await self._create(request, schema, stream=True)

    def _error(self, exc: openai.OpenAIError) -> ModelError:
        """Map an openai exception to a ModelError with an actionable message."""
        ep = self.endpoint
        if isinstance(exc, openai.APITimeoutError):
            return timed_out(ep)
        if isinstance(exc, openai.APIConnectionError):
            return unreachable(ep, exc)
        if isinstance(exc, openai.APIStatusError):
            detail = redact(detail_of(exc.body) or exc.message, self._api_key)
            wait = retry_after_seconds(exc.response.headers)
            return from_status(ep, exc.status_code, detail, wait)
        if isinstance(exc, openai.APIError):  # an error event inside a stream
            return from_status(ep, -1, redact(detail_of(exc.body) or exc.message, self._api_key))
        return ModelError(
            f"{ep.server} call for model '{ep.model}' failed: {redact(str(exc), self._api_key)}"
        )
