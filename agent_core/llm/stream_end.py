"""Telling a streamed reply that ended whole from one the server cut short.

Every OpenAI-compatible server this app is used with closes each reply of a stream with a
``finish_reason`` (``stop``, ``length``...) before ``[DONE]``: OpenAI, vLLM (once per
choice), Ollama's ``/v1`` endpoint, llama.cpp's ``llama-server`` and llama-cpp-python.
llama-cpp-python's server also ends a stream early when any other request reaches it (its
``interrupt_requests`` setting, on by default): it sends ``[DONE]`` after the chunk it was
on, and no ``finish_reason``. A stream that ends without one may therefore be cut.

A few servers send no ``finish_reason`` at all (some proxies, early versions of small
servers). To keep those working, a stream without one counts as cut only when there is a
reason to think so:

- another request from this process was at the same server while it streamed (the case
  llama-cpp-python cuts; which of two requests sent together reached it first cannot be
  known here, so any overlap counts), or
- the same client saw this server finish a reply properly before.

Otherwise the reply is taken as whole, and the log says once that the server does not say
how its replies end. The requests at each server are followed for the whole process, since
every client of the process shares the server: each request is a :class:`Visit`.

A reply cut while another request of this process was at the server is not worth asking
again at once (it would be cut again while the other runs): its error is final, and the
caller asks one request at a time (the candidates do). One cut by something else may be
asked again as usual, as long as none of it was shown yet.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from agent_core.config import Provider, RoleConfig

log = logging.getLogger(__name__)

__all__ = ["OVERLAPPED", "UNFINISHED", "StreamEndings", "Visit", "one_server"]

OVERLAPPED = "overlapped"
"""A reply cut while another request of this process was at its server."""
UNFINISHED = "unfinished"
"""A reply with no finish reason from a server that sends them."""


@dataclass
class _Traffic:
    started: int = 0
    """Requests this process sent to the server, ever."""
    active: int = 0
    """Requests at the server now."""


_servers: dict[str, _Traffic] = {}
_lock = threading.Lock()  # clients may live on more than one thread's event loop


def _server_of(base_url: str) -> str:
    """``http://host:port`` of a base URL, with or without ``/v1``."""
    return base_url.rstrip("/").removesuffix("/v1")


def one_server(first: RoleConfig, second: RoleConfig) -> bool:
    """Whether two roles talk to the same OpenAI-compatible server (one may cut the other's
    stream short; Ollama queues requests instead)."""
    both = first.provider is Provider.OPENAI and second.provider is Provider.OPENAI
    return both and _server_of(first.url) == _server_of(second.url)


class Visit:
    """One request at a server, from sending it to reading its end; a context manager.

    Args:
        base_url: The server's base URL.
    """

    def __init__(self, base_url: str) -> None:
        with _lock:
            self._traffic = _servers.setdefault(_server_of(base_url), _Traffic())
            self._traffic.started += 1
            self._mark = self._traffic.started
            self._crowded = self._traffic.active > 0
            self._traffic.active += 1
        self._here = True

    def overlapped(self) -> bool:
        """Whether another request was at the server at any time during this one."""
        with _lock:
            return self._crowded or self._traffic.started != self._mark

    def leave(self) -> None:
        """The request is over (idempotent)."""
        with _lock:
            if self._here:
                self._here = False
                self._traffic.active -= 1

    def __enter__(self) -> Visit:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.leave()


class StreamEndings:
    """One client's judge of how its streams ended.

    Args:
        base_url: The client's base URL (its server).
    """

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.finishes_seen = False
        """Whether a stream from this server carried a ``finish_reason`` for this client."""
        self._told_none = False

    def visit(self) -> Visit:
        """The visit of a request about to be sent."""
        return Visit(self.base_url)

    def judge(self, finish: str | None, visit: Visit) -> str | None:
        """How a reply that ended with ``finish`` was cut short, or None if it ended whole.

        Args:
            finish: The reply's ``finish_reason`` (None: none came).
            visit: Its request's visit, not yet left (the client's own later requests,
                such as counting the reply's tokens, must not count as overlapping).

        Returns:
            None (whole), :data:`OVERLAPPED` (another request was at the server while it
            streamed) or :data:`UNFINISHED` (the server finishes its replies otherwise).
        """
        if finish:
            self.finishes_seen = True
            return None
        if visit.overlapped():
            return OVERLAPPED
        if self.finishes_seen:
            return UNFINISHED
        if not self._told_none:
            self._told_none = True
            log.info("%s sent a reply without a finish_reason while no other request was "
                     "at it: its replies are taken as whole when they end so", self.base_url)
        return None
