"""Token counts when a server's stream carries none (llama.cpp, LM Studio).

The count then comes from the server's own tokenizer where it has an endpoint for it
(llama-cpp-python's ``/extras/tokenize``, llama.cpp's ``/tokenize``), else from the length of
the text. Either way it is marked estimated: the chat template's tokens are not counted.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import httpx

from agent_core.llm.base import Message, Usage
from agent_core.llm.stream_end import Visit

CHARS_PER_TOKEN = 3.5
"""For the fallback estimate: code and markup run denser than prose's four."""

_ENDPOINTS = (("/extras/tokenize", "input"), ("/tokenize", "content"))


def estimate_tokens(text: str) -> int:
    """Tokens of ``text`` by length alone."""
    return math.ceil(len(text) / CHARS_PER_TOKEN) if text else 0


def server_root(base_url: str) -> str:
    """``http://host:port`` of an OpenAI-compatible base URL (``.../v1`` dropped)."""
    root = base_url.rstrip("/")
    return root[: -len("/v1")] if root.endswith("/v1") else root


class TokenCounter:
    """Counts tokens with the server's tokenizer once it is found to have one.

    Args:
        base_url: The OpenAI-compatible base URL.
        timeout_s: Per request; a slow or missing endpoint falls back to the estimate.
    """

    def __init__(self, base_url: str, timeout_s: float = 10.0) -> None:
        self._root = server_root(base_url)
        self._timeout_s = timeout_s
        self._endpoint: tuple[str, str] | None = None
        self._probed = False

    async def count(self, text: str) -> int:
        """Tokens of ``text``: the server's count, or the estimate."""
        if not text:
            return 0
        endpoints = [self._endpoint] if self._probed else list(_ENDPOINTS)
        async with httpx.AsyncClient(timeout=self._timeout_s, trust_env=False) as client:
            for endpoint in endpoints:
                if endpoint is None:
                    break
                with Visit(self._root):  # it cuts a stream on llama-cpp-python
                    tokens = await _tokenize(client, self._root + endpoint[0], endpoint[1],
                                             text)
                if tokens is not None:
                    self._endpoint, self._probed = endpoint, True
                    return tokens
        self._probed = True
        return estimate_tokens(text)

    async def usage(self, messages: Sequence[Message], reply: str) -> Usage:
        """Estimated usage of a call whose server reported none."""
        prompt = "\n".join(m.content for m in messages)
        return Usage(await self.count(prompt), await self.count(reply), estimated=True)


async def _tokenize(client: httpx.AsyncClient, url: str, field: str, text: str) -> int | None:
    try:
        reply = await client.post(url, json={field: text})
        tokens = reply.json().get("tokens") if reply.status_code == 200 else None
    except (httpx.HTTPError, ValueError, AttributeError):
        return None
    return len(tokens) if isinstance(tokens, list) else None
