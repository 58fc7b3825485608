"""A ChatModel for an Ollama server, through its native ``/api/chat`` protocol."""

from __future__ import annotations

import importlib
import os
from collections.abc import Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any

import httpx
import pydantic

from agent_core.config import RoleConfig
from agent_core.errors import ModelBadRequest, ModelError, ModelServerError
from agent_core.llm.base import Completion, JsonSchema, Message, TokenCallback, Usage
from agent_core.llm.failures import (
    detail_of,
    from_status,
    no_model_list,
    redact,
    timed_out,
    unreachable,
)
from agent_core.llm.support import RetryingChatModel, StreamState


def _import_ollama() -> ModuleType:
    """Import ``ollama`` even when ``OLLAMA_HOST`` is malformed.

    The package builds a default client from ``OLLAMA_HOST`` on import and raises ValueError
    for a value it cannot parse (``localhost:abc``), which would keep the whole app from
    starting. Every client here is given its host explicitly, so the import is retried with
    the variable hidden; the bad value then surfaces where it is used, as "no Ollama at ...".
    """
    try:
        return importlib.import_module("ollama")
    except ValueError:
        saved = os.environ.pop("OLLAMA_HOST", None)
        try:
            return importlib.import_module("ollama")
        finally:
            if saved is not None:
                os.environ["OLLAMA_HOST"] = saved


if TYPE_CHECKING:
    import ollama
else:
    ollama = _import_ollama()

# What a broken or odd reply can raise inside the client while it is decoded.
_GARBLED = (ValueError, pydantic.ValidationError)
# Everything the ollama client raises for a failed call.
_CLIENT_ERRORS = (
    ollama.ResponseError,
    ollama.RequestError,
    httpx.HTTPError,
    ConnectionError,
    *_GARBLED,
)


def to_ollama_message(message: Message) -> dict[str, Any]:
    """One Message in Ollama's shape; images go as raw bytes in ``images``."""
    data: dict[str, Any] = {"role": message.role, "content": message.content}
    if message.images:
        data["images"] = list(message.images)
    return data


class OllamaChatModel(RetryingChatModel):
    """Chat with a model through ``ollama.AsyncClient``.

    Args:
        config: The role's settings (``provider`` should be ``ollama``).
        api_key: Sent as ``Authorization: Bearer`` (for Ollama behind a proxy), or None.
        role: The role name, used in the hint of an authentication error.
        retry: Backoff delays; the number of retries is ``config.max_retries``.
    """

    provider = "ollama"

    def _build_client(self, config: RoleConfig, api_key: str | None) -> ollama.AsyncClient:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else None
        return ollama.AsyncClient(host=config.url, headers=headers, timeout=config.timeout_s)

    async def list_models(self) -> list[str]:
        """Names of the pulled models, from ``GET /api/tags`` (one attempt, no retries).

        Raises:
            ModelError: When the server cannot be reached or refuses the request.
        """
        try:
            listing = await self._client.list()
        except ollama.ResponseError as exc:
            if exc.status_code == 404:
                raise no_model_list(self.endpoint) from exc
            raise self._error(exc) from exc
        except _CLIENT_ERRORS as exc:
            raise self._error(exc) from exc
        return [m.model for m in listing.models if m.model]

    async def close(self) -> None:
        """Close the HTTP connection pool."""
        await self._client.close()

    def _request(self, messages: Sequence[Message], schema: JsonSchema | None) -> dict[str, Any]:
        request: dict[str, Any] = {
            "model": self.config.model,
            "messages": [to_ollama_message(m) for m in messages],
            "options": {
                "num_ctx": self.config.context_length,
                "temperature": self.config.temperature,
                "num_predict": self.config.reply_limit,
            },
        }
        if self.config.seed is not None:
            request["options"]["seed"] = self.config.seed
        if schema is not None:
            request["format"] = schema  # Ollama 0.5+ constrains the reply to the schema
            self.schema_support = True
        return request

    async def _complete_once(self, messages: Sequence[Message],
                             schema: JsonSchema | None) -> Completion:
        try:
            response = await self._client.chat(**self._request(messages, schema), stream=False)
        except _CLIENT_ERRORS as exc:
            raise self._error(exc) from exc
        return Completion(
            text=response.message.content or "",
            usage=Usage(response.prompt_eval_count or 0, response.eval_count or 0),
            model=response.model or self.config.model,
            finish_reason=response.done_reason,
        )

    async def _stream_once(
        self, messages: Sequence[Message], on_token: TokenCallback, schema: JsonSchema | None
    ) -> Completion:
        state = StreamState()
        usage, finish, model = Usage(), None, self.config.model
        try:
            parts = await self._client.chat(**self._request(messages, schema), stream=True)
        except _CLIENT_ERRORS as exc:
            raise self._error(exc) from exc
        try:
            while True:
                try:
                    part = await anext(parts)
                except StopAsyncIteration:
                    break
                except _CLIENT_ERRORS as exc:
                    raise state.final(self._error(exc), self.endpoint) from exc
                model = part.model or model
                await state.push(on_token, part.message.content or "")
                if part.done:
                    usage = Usage(part.prompt_eval_count or 0, part.eval_count or 0)
                    finish = part.done_reason
        finally:
            await parts.aclose()
        return Completion(text=state.text, usage=usage, model=model, finish_reason=finish)

    def _error(self, exc: BaseException) -> ModelError:
        """Map what the ollama client raises to a ModelError with an actionable message."""
        ep = self.endpoint
        if isinstance(exc, ollama.ResponseError):
            detail = redact(detail_of(exc.error), self._api_key)
            return from_status(ep, exc.status_code, detail)
        if isinstance(exc, ollama.RequestError):
            return ModelBadRequest(
                f"cannot send the request to {ep.server} for model '{ep.model}': {exc.error}"
            )
        if isinstance(exc, httpx.TimeoutException):
            return timed_out(ep)
        if isinstance(exc, (httpx.TransportError, ConnectionError)):
            return unreachable(ep, exc)
        if isinstance(exc, _GARBLED):
            return ModelServerError(
                f"{ep.server} sent a reply for model '{ep.model}' that is not a valid Ollama "
                f"chat response ({type(exc).__name__}); is the URL really an Ollama server?"
            )
        return ModelError(
            f"{ep.server} call for model '{ep.model}' failed: {redact(str(exc), self._api_key)}"
        )
