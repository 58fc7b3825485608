"""The scripted server's streamed replies, encoded event by event: OpenAI server-sent events
(the choices of an ``n`` request interleaved by index) or Ollama's JSON lines, then the
faults a reply asks for."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from typing import Any

from tests.fakes.model_script import (
    RecordedRequest,
    Reply,
    ollama_done,
    ollama_part,
    openai_chunk,
    openai_usage_chunk,
)

DONE = b"data: [DONE]\n\n"
"""The end of an OpenAI stream."""

STALL = object()
"""Marks where a stream goes quiet for ``Reply.stall_s``."""


def stream_events(request: RecordedRequest, reply: Reply, others: list[Reply]
                  ) -> Iterator[Any]:
    """Encoded stream events; None marks where a dropped connection is cut, ``STALL`` a
    pause. ``others`` are the further choices of an ``n`` request (OpenAI only)."""
    model = request.model
    if request.protocol == "openai":
        sse = lambda obj: f"data: {json.dumps(obj)}\n\n".encode()  # noqa: E731
        replies = [reply, *others]
        for i in range(len(replies)):
            yield sse(openai_chunk(model, {"role": "assistant", "content": ""}, None, i))
        for turn in itertools.zip_longest(*(r.fragments() for r in replies)):
            for i, fragment in enumerate(turn):
                if fragment is not None:
                    yield sse(openai_chunk(model, {"content": fragment}, None, i))
        yield from _faults(reply, sse, b"data: {\"choices\": [{\"delta\": \n\n")
        if reply.stream_error:
            return
        for i, answer in enumerate(replies):
            yield sse(openai_chunk(model, {}, answer.finish_reason, i))
        asked = (request.body.get("stream_options") or {}).get("include_usage")
        if asked and reply.stream_usage:
            yield sse(openai_usage_chunk(request, reply, others))
        yield DONE
        return
    ndjson = lambda obj: (json.dumps(obj) + "\n").encode()  # noqa: E731
    yield ndjson(ollama_part(model, ""))
    for fragment in reply.fragments():
        yield ndjson(ollama_part(model, fragment))
    yield from _faults(reply, ndjson, b'{"model": "x", "message": {"content\n')
    if reply.stream_error:
        return
    yield ndjson(ollama_done(request, reply))


def _faults(reply: Reply, encode: Callable[[Any], bytes], broken: bytes) -> Iterator[Any]:
    """The faults a reply asks for, after its fragments: cut, broken line, stall, error."""
    if reply.drop_connection:
        yield None
    if reply.malformed:
        yield broken
    if reply.stall_s:
        yield STALL
    if reply.stream_error:
        yield encode({"error": {"message": reply.stream_error, "type": "server_error"}}
                     if broken.startswith(b"data:") else {"error": reply.stream_error})
