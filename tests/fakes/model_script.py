"""What a scripted model server sees and answers: requests, replies, scripts.

The wire shapes of both protocols (OpenAI chat completions and Ollama ``/api/chat``) are
built here as plain dicts, so the HTTP layer in ``model_server`` only moves bytes.
"""

from __future__ import annotations

import base64
import binascii
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

Protocol = Literal["openai", "ollama"]


@dataclass
class RecordedRequest:
    """One HTTP request the scripted server received, decoded.

    Attributes:
        path: Request path, e.g. ``/v1/chat/completions`` or ``/api/chat``.
        method: ``GET`` or ``POST``.
        protocol: ``openai`` or ``ollama``.
        model: The model named in the request ('' for listing endpoints).
        messages: The chat messages exactly as sent, as plain dicts.
        images: Every image found in the messages, decoded to bytes (OpenAI ``image_url``
            data URLs or Ollama base64 ``images``), in message order.
        options: Ollama ``options`` dict; for OpenAI the sampling fields of the body.
        temperature: Sampling temperature, when sent.
        max_tokens: ``max_tokens``/``max_completion_tokens`` (OpenAI) or ``num_predict``.
        num_ctx: Ollama context length, when sent.
        stream: Whether a streamed reply was asked for.
        headers: Request headers with lower-case names.
        body: The whole decoded JSON body ({} for GET).
        choice: Which of the replies asked for with the OpenAI ``n`` the script is
            answering (0 for every request without ``n``).
    """

    path: str
    method: str
    protocol: Protocol
    model: str = ""
    messages: list[dict[str, Any]] = field(default_factory=list)
    images: list[bytes] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)
    temperature: float | None = None
    max_tokens: int | None = None
    num_ctx: int | None = None
    stream: bool = False
    headers: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] = field(default_factory=dict)
    choice: int = 0

    @property
    def replies_asked(self) -> int:
        """How many replies an OpenAI request asks for (its ``n``; 1 when absent)."""
        n = self.body.get("n") if self.protocol == "openai" else None
        return n if isinstance(n, int) and n > 1 else 1

    @property
    def is_chat(self) -> bool:
        """Whether this is a chat request (rather than a listing or version call)."""
        return self.path.endswith(("/chat/completions", "/api/chat"))

    @property
    def texts(self) -> list[str]:
        """The text of every message, in order (image parts left out)."""
        return [message_text(m) for m in self.messages]

    @property
    def last_user_text(self) -> str:
        """The text of the last user message, or ''."""
        users = [message_text(m) for m in self.messages if m.get("role") == "user"]
        return users[-1] if users else ""

    def summary(self) -> dict[str, Any]:
        """JSON-able digest (images as byte counts), for request logs of the CLI server."""
        return {
            "path": self.path,
            "protocol": self.protocol,
            "model": self.model,
            "texts": self.texts,
            "roles": [m.get("role") for m in self.messages],
            "image_sizes": [len(i) for i in self.images],
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "num_ctx": self.num_ctx,
            "stream": self.stream,
        }


@dataclass
class Reply:
    """What the server answers to one chat request, including faults to inject.

    Attributes:
        text: The assistant's reply.
        status: HTTP status; anything but 200 sends an error body in the protocol's shape.
        delay_s: Wait before the status line (a slow first byte).
        chunk_size: Characters per streamed fragment.
        chunk_delay_s: Wait between streamed fragments.
        drop_connection: Send headers and the fragments of ``text`` (streamed) or half of
            the body (not streamed), then close the socket without finishing the body.
        headers: Extra response headers, e.g. ``{"Retry-After": "2"}``.
        error_body: Body for an error status: a dict is sent as JSON, a str as is.
            Defaults to the protocol's usual error shape.
        finish_reason: OpenAI ``finish_reason`` / Ollama ``done_reason``; None sends none
            (a server that never says how a reply ended).
        prompt_tokens: Reported prompt tokens (default: prompt characters // 4, at least 1).
        completion_tokens: Reported reply tokens (default: number of fragments).
        stream_usage: Send the usage chunk in an OpenAI stream when asked; False behaves like
            llama.cpp and LM Studio, whose streams carry no usage.
        malformed: Streamed: after the fragments, send a line that is not JSON (a broken
            proxy or server), then finish as usual.
        stream_error: Streamed: after the fragments, send this error the way a server reports
            a failure once the 200 is out (an ``error`` event), and end the stream.
        stall_s: Streamed: after the fragments, send nothing for this long (the socket stays
            open), then finish as usual.
    """

    text: str = ""
    status: int = 200
    delay_s: float = 0.0
    chunk_size: int = 4
    chunk_delay_s: float = 0.0
    drop_connection: bool = False
    headers: dict[str, str] = field(default_factory=dict)
    error_body: dict[str, Any] | str | None = None
    finish_reason: str | None = "stop"
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    stream_usage: bool = True
    malformed: bool = False
    stream_error: str | None = None
    stall_s: float = 0.0

    def fragments(self) -> list[str]:
        """The reply text cut into streamed fragments."""
        size = max(1, self.chunk_size)
        return [self.text[i : i + size] for i in range(0, len(self.text), size)]

    @classmethod
    def from_json(cls, item: str | dict[str, Any]) -> Reply:
        """A reply from a JSON script entry: a string, or a dict of Reply fields."""
        return cls(text=item) if isinstance(item, str) else cls(**item)


Script = Callable[[RecordedRequest], "Reply | str"]
"""Answers one chat request of one model."""

EXHAUSTED = "script exhausted"


def queue(*replies: Reply | str) -> Script:
    """A script serving ``replies`` in order; afterwards every request gets HTTP 500.

    The 500 body says "script exhausted: the test scripted N replies ..." so a test that
    asks for more replies than it scripted fails with an obvious message.
    """
    pending = [r if isinstance(r, Reply) else Reply(text=r) for r in replies]
    lock = threading.Lock()
    served = 0

    def script(request: RecordedRequest) -> Reply:
        nonlocal served
        with lock:
            if served < len(pending):
                served += 1
                return pending[served - 1]
        message = (
            f"{EXHAUSTED}: the test scripted {len(pending)} replies for model "
            f"'{request.model}' and all were used"
        )
        return Reply(status=500, error_body=error_payload(request.protocol, 500, message))

    return script


def message_text(message: dict[str, Any]) -> str:
    """The text of one chat message, whether content is a string or a list of parts."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def _decode_b64(data: str) -> bytes:
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        return b""


def _images_of(protocol: Protocol, messages: list[dict[str, Any]]) -> list[bytes]:
    found: list[bytes] = []
    for message in messages:
        if protocol == "ollama":
            found += [_decode_b64(i) for i in message.get("images") or []]
            continue
        content = message.get("content")
        for part in content if isinstance(content, list) else []:
            if isinstance(part, dict) and part.get("type") == "image_url":
                url = (part.get("image_url") or {}).get("url", "")
                if url.startswith("data:") and "," in url:
                    found.append(_decode_b64(url.split(",", 1)[1]))
    return found


def parse_request(
    method: str, path: str, headers: dict[str, str], body: dict[str, Any]
) -> RecordedRequest:
    """Decode a request body of either protocol into a RecordedRequest."""
    protocol: Protocol = "openai" if path.startswith("/v1") else "ollama"
    messages = body.get("messages") or []
    request = RecordedRequest(
        path=path,
        method=method,
        protocol=protocol,
        model=str(body.get("model") or body.get("name") or ""),
        messages=messages,
        images=_images_of(protocol, messages),
        headers=headers,
        body=body,
    )
    if protocol == "ollama":
        options = body.get("options") or {}
        request.options = dict(options)
        request.temperature = options.get("temperature")
        request.max_tokens = options.get("num_predict")
        request.num_ctx = options.get("num_ctx")
        request.stream = bool(body.get("stream", True))
    else:
        keys = ("temperature", "max_tokens", "max_completion_tokens", "top_p", "stop", "seed")
        request.options = {k: body[k] for k in keys if k in body}
        request.temperature = body.get("temperature")
        request.max_tokens = body.get("max_tokens", body.get("max_completion_tokens"))
        request.stream = bool(body.get("stream", False))
    return request


def error_payload(protocol: Protocol, status: int, message: str) -> dict[str, Any]:
    """An error body shaped as the real servers send it."""
    if protocol == "ollama":
        return {"error": message}
    kinds = {401: "invalid_api_key", 404: "model_not_found", 429: "rate_limit_exceeded"}
    kind = "server_error" if status >= 500 else "invalid_request_error"
    return {"error": {"message": message, "type": kind, "param": None, "code": kinds.get(status)}}


def unknown_model_payload(protocol: Protocol, model: str) -> dict[str, Any]:
    """The 404 body each protocol sends for a model the server does not have."""
    if protocol == "ollama":
        return {"error": f'model "{model}" not found, try pulling it first'}
    return error_payload(protocol, 404, f"The model `{model}` does not exist.")


def _usage(request: RecordedRequest, reply: Reply) -> tuple[int, int]:
    prompt = reply.prompt_tokens
    if prompt is None:
        prompt = max(1, sum(len(t) for t in request.texts) // 4)
    completion = reply.completion_tokens
    if completion is None:
        completion = len(reply.fragments())
    return prompt, completion


def openai_chunk(model: str, delta: dict[str, Any], finish: str | None,
                 index: int = 0) -> dict[str, Any]:
    """One ``chat.completion.chunk`` object, for choice ``index``."""
    return {
        "id": "chatcmpl-scripted",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": index, "delta": delta, "finish_reason": finish,
                     "logprobs": None}],
    }


def openai_usage_chunk(request: RecordedRequest, reply: Reply,
                       others: list[Reply] | None = None) -> dict[str, Any]:
    """The final chunk with empty choices and the token counts (include_usage).

    With ``others`` (the other replies of an ``n`` request) the prompt is counted once and
    the reply tokens of all of them are added up, as real servers report it.
    """
    prompt, completion = _usage(request, reply)
    completion += sum(_usage(request, other)[1] for other in others or [])
    chunk = openai_chunk(request.model, {}, None)
    chunk["choices"] = []
    chunk["usage"] = {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }
    return chunk


def openai_completion(request: RecordedRequest, reply: Reply,
                      others: list[Reply] | None = None) -> dict[str, Any]:
    """A whole non-streamed ``chat.completion`` object (``others``: more choices)."""
    prompt, completion = _usage(request, reply)
    completion += sum(_usage(request, other)[1] for other in others or [])
    return {
        "id": "chatcmpl-scripted",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request.model,
        "choices": [
            {
                "index": index,
                "message": {"role": "assistant", "content": answer.text},
                "finish_reason": answer.finish_reason,
                "logprobs": None,
            }
            for index, answer in enumerate([reply, *(others or [])])
        ],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        },
    }


def ollama_part(model: str, content: str) -> dict[str, Any]:
    """One streamed ``/api/chat`` line that is not the last."""
    return {
        "model": model,
        "created_at": "2025-01-01T00:00:00.000000Z",
        "message": {"role": "assistant", "content": content},
        "done": False,
    }


def ollama_done(request: RecordedRequest, reply: Reply, content: str = "") -> dict[str, Any]:
    """The final ``done: true`` object, with counts and durations (in nanoseconds)."""
    prompt, completion = _usage(request, reply)
    final = ollama_part(request.model, content)
    final.update(
        done=True,
        done_reason=reply.finish_reason,
        total_duration=1_000_000 * (1 + completion),
        load_duration=1_000_000,
        prompt_eval_count=prompt,
        prompt_eval_duration=500_000,
        eval_count=completion,
        eval_duration=1_000_000 * completion,
    )
    return final


def openai_models(names: list[str]) -> dict[str, Any]:
    """Body of ``GET /v1/models``."""
    data = [{"id": n, "object": "model", "created": 0, "owned_by": "scripted"} for n in names]
    return {"object": "list", "data": data}


_DETAILS = {
    "parent_model": "",
    "format": "gguf",
    "family": "llama",
    "families": ["llama"],
    "parameter_size": "7B",
    "quantization_level": "Q4_K_M",
}


def ollama_tags(names: list[str]) -> dict[str, Any]:
    """Body of ``GET /api/tags``."""
    models = [
        {
            "name": n,
            "model": n,
            "modified_at": "2025-01-01T00:00:00Z",
            "size": 4_000_000_000,
            "digest": "0" * 64,
            "details": _DETAILS,
        }
        for n in names
    ]
    return {"models": models}


def ollama_show(model: str, context_length: int = 32768) -> dict[str, Any]:
    """Body of ``POST /api/show`` (minimal)."""
    return {
        "modelfile": f"FROM {model}\n",
        "parameters": "",
        "template": "{{ .Prompt }}",
        "details": _DETAILS,
        "model_info": {"general.architecture": "llama", "llama.context_length": context_length},
        "capabilities": ["completion", "vision"],
        "modified_at": "2025-01-01T00:00:00Z",
    }
