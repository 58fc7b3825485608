"""Turning client library exceptions into the engine's ModelError types.

Both clients describe where they failed with an :class:`Endpoint`; the messages say what
failed, where and what the user can do, and never contain the API key.
"""

from __future__ import annotations

import email.utils
import json
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass

from agent_core.errors import (
    ModelAuthError,
    ModelBadRequest,
    ModelError,
    ModelNotFound,
    ModelRateLimited,
    ModelReplyCut,
    ModelServerError,
    ModelTimeout,
    ModelUnreachable,
)

_DETAIL_LIMIT = 300


@dataclass(frozen=True)
class Endpoint:
    """Where a model lives, as told to the user in error messages.

    Attributes:
        provider: ``openai`` or ``ollama``.
        url: The base URL the client talks to.
        model: The model name.
        timeout_s: The per-request timeout, for timeout messages.
        key_hint: Where the API key is read from, e.g. ``WEBGEN_CODER_API_KEY``.
        key_sent: Whether a real API key was sent.
        role: The role the client serves (``coder``...), or '' when not known.
    """

    provider: str
    url: str
    model: str
    timeout_s: float
    key_hint: str = "the role's API key variable"
    key_sent: bool = False
    role: str = ""

    @property
    def server(self) -> str:
        """``Ollama at URL`` or ``the OpenAI-compatible server at URL``."""
        if self.provider == "ollama":
            return f"Ollama at {self.url}"
        return f"the OpenAI-compatible server at {self.url}"


def key_hint_for(api_key_env: str | None, role: str | None) -> str:
    """Name the place a user should put the API key for a role."""
    names = [n for n in (api_key_env, f"WEBGEN_{role.upper()}_API_KEY" if role else None) if n]
    if not names:
        return "the role's API key environment variable"
    return " or ".join(dict.fromkeys(names))


def redact(text: str, secret: str | None) -> str:
    """Replace every occurrence of ``secret`` in ``text`` with ``***``."""
    if secret and len(secret) >= 4:
        text = text.replace(secret, "***")
    return text


def transport_reason(exc: BaseException) -> str:
    """Why a connection failed, from the innermost cause: 'connection refused' and so on."""
    seen: set[int] = set()
    current: BaseException | None = exc
    last = str(exc)
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        name = type(current).__name__
        if isinstance(current, ConnectionRefusedError):
            return "connection refused"
        if isinstance(current, socket.gaierror):
            return "host name not found"
        if isinstance(current, ConnectionResetError):
            return "connection reset by the server"
        if name == "RemoteProtocolError":
            return f"the server closed the connection before the reply was complete ({current})"
        if str(current):
            last = str(current)
        current = current.__cause__ or current.__context__
    return last or type(exc).__name__


def detail_of(body: object) -> str:
    """The server's own error message from a decoded (or raw) error body, shortened."""
    if isinstance(body, str):
        text = body
        try:
            body = json.loads(text)
        except ValueError:
            return text.strip()[:_DETAIL_LIMIT]
    if isinstance(body, Mapping):
        inner = body.get("error", body)
        if isinstance(inner, Mapping):
            inner = inner.get("message", "")
        if isinstance(inner, str) and inner:
            return inner[:_DETAIL_LIMIT]
        message = body.get("message") or body.get("detail")
        if isinstance(message, str):
            return message[:_DETAIL_LIMIT]
    return "" if body is None else str(body)[:_DETAIL_LIMIT]


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """Seconds from ``retry-after-ms`` or ``retry-after`` (number or HTTP date), if sent."""
    lowered = {k.lower(): v for k, v in headers.items()}
    for name, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = lowered.get(name)
        if value is None:
            continue
        try:
            return max(0.0, float(value) / divisor)
        except ValueError:
            pass
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            continue
        return max(0.0, when.timestamp() - time.time())
    return None


def unreachable(ep: Endpoint, exc: BaseException) -> ModelUnreachable:
    """The server could not be reached or dropped the connection."""
    reason = transport_reason(exc)
    if reason == "connection refused":
        if ep.provider == "ollama":
            reason += "; is Ollama running? Start it with `ollama serve`"
        else:
            reason += "; is the server running and listening on that port?"
    return ModelUnreachable(f"cannot reach {ep.server}: {reason}")


def stalled(ep: Endpoint) -> ModelTimeout:
    """The server went quiet in the middle of a streamed reply (the idle timeout fired)."""
    return ModelTimeout(
        f"{ep.server} stalled in the middle of its reply for model '{ep.model}': nothing came "
        f"for {ep.timeout_s:g} s (the role's timeout); restart the server if it hangs, or raise "
        "the timeout if the model is only slow"
    )


def malformed_stream(ep: Endpoint, error: Exception) -> ModelServerError:
    """A streamed event that is not JSON: a broken server, or a proxy in the way."""
    return ModelServerError(
        f"{ep.server} sent a part of the reply for model '{ep.model}' that is not valid JSON "
        f"({error}); is something between WebGen Studio and the server (a proxy) changing it?"
    )


def reply_cut(ep: Endpoint, overlapped: bool) -> ModelReplyCut:
    """A streamed reply ended (``[DONE]`` or a clean close) with no finish reason.

    Args:
        ep: Where the reply came from.
        overlapped: Another request of this app was at the server meanwhile: asking
            again at once would be cut again, so the error is final.
    """
    whose = f"the {ep.role}'s server at {ep.url}" if ep.role else ep.server
    error = ModelReplyCut(
        f"{whose} ended the reply for model '{ep.model}' without finishing it "
        "(llama-cpp-python does this when another request arrives): the stream stopped "
        "with no finish reason; let nothing else use that server at the same time, or "
        "start llama-cpp-python with --interrupt_requests False"
    )
    error.retryable = not overlapped
    return error


def timed_out(ep: Endpoint) -> ModelTimeout:
    """The server did not answer within the timeout."""
    return ModelTimeout(
        f"{ep.server} did not answer within {ep.timeout_s:g} s for model '{ep.model}'; "
        "the model may be loading or too slow: raise the role's timeout or use a smaller model"
    )


def from_status(
    ep: Endpoint, status: int, detail: str, retry_after_s: float | None = None
) -> ModelError:
    """Map an HTTP error status (and the server's message) to a ModelError."""
    detail = detail.strip().rstrip(".")
    said = f": {detail}" if detail else ""
    if status in (401, 403):
        return _auth_error(ep, status, said)
    if status == 404:
        return _not_found(ep, detail)
    if status == 429:
        error = ModelRateLimited(f"rate limited by {ep.server} (HTTP 429){said}")
        error.retry_after_s = retry_after_s
        return error
    if status == 408:
        return timed_out(ep)
    if status >= 500:
        return ModelServerError(
            f"{ep.server} failed with HTTP {status} for model '{ep.model}'{said}"
        )
    if status < 0:  # an error reported inside a streamed reply
        return ModelServerError(f"{ep.server} reported an error for model '{ep.model}'{said}")
    return ModelBadRequest(
        f"{ep.server} refused the request for model '{ep.model}' (HTTP {status}){said}"
    )


def _auth_error(ep: Endpoint, status: int, said: str) -> ModelAuthError:
    if status == 403:
        return ModelAuthError(
            f"{ep.server} refused access to model '{ep.model}' with this API key "
            f"(HTTP 403){said}; check the key's permissions or set another key in {ep.key_hint}"
        )
    if not ep.key_sent:
        return ModelAuthError(
            f"{ep.server} requires an API key (HTTP 401) and none is set; set {ep.key_hint} "
            "or store the key in the system keyring"
        )
    return ModelAuthError(f"{ep.server} rejected the API key (HTTP 401); set {ep.key_hint}")


def _not_found(ep: Endpoint, detail: str) -> ModelNotFound:
    said = f": {detail}" if detail else ""
    if ep.provider == "ollama" and "model" not in detail.lower():
        return ModelNotFound(
            f"{ep.server} answered HTTP 404{said}; check that the URL points at an Ollama "
            "server (usually http://HOST:11434, without /v1)"
        )
    if ep.provider == "ollama":
        return ModelNotFound(
            f"model '{ep.model}' is not available on {ep.server}; "
            f"pull it with `ollama pull {ep.model}`"
        )
    return ModelNotFound(
        f"model '{ep.model}' is not available on {ep.server} (HTTP 404){said}; check the model "
        "name against the server's model list, and that the base URL ends in /v1 if the "
        "server expects it"
    )


def no_model_list(ep: Endpoint) -> ModelNotFound:
    """A 404 when listing models: the URL does not point at the expected kind of server."""
    if ep.provider == "ollama":
        return ModelNotFound(
            f"{ep.server} has no model list (HTTP 404 for /api/tags); check that the URL "
            "points at an Ollama server (usually http://HOST:11434, without /v1)"
        )
    return ModelNotFound(
        f"{ep.server} has no model list (HTTP 404 for {ep.url.rstrip('/')}/models); check the "
        "base URL: most OpenAI-compatible servers expect it to end in /v1"
    )


def after_partial_stream(error: ModelError, streamed_chars: int) -> ModelError:
    """Make ``error`` final: part of the reply was already passed to the token callback."""
    final = type(error)(
        f"{error}; this happened after {streamed_chars} characters of the reply had been "
        "streamed, so the call was not retried (a retry would repeat text already shown)"
    )
    final.retryable = False
    return final
