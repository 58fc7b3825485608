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

- the same client saw this server finish a reply properly before, or
- another request from this process reached the same server while it streamed (the case
  llama-cpp-python cuts).

Otherwise the reply is taken as whole, and the log says once that the server does not say
how its replies end. The requests each server got are counted for the whole process, since
every client of the process shares the server; only differences are ever compared, so the
count never goes stale.

A reply cut while another request of this process was at the server is not worth asking
again at once (it would be cut again while the other runs): its error is final, and the
caller asks one request at a time (the candidates do). One cut by something else may be
asked again as usual, as long as none of it was shown yet.
"""

from __future__ import annotations

import logging
import threading

from agent_core.config import Provider, RoleConfig

log = logging.getLogger(__name__)

__all__ = ["OVERLAPPED", "UNFINISHED", "StreamEndings", "note_request", "one_server"]

OVERLAPPED = "overlapped"
"""A reply cut while another request of this process reached its server."""
UNFINISHED = "unfinished"
"""A reply with no finish reason from a server that sends them."""

_started: dict[str, int] = {}
"""Requests this process sent to each server (by its root URL), ever."""
_lock = threading.Lock()


def _server_of(base_url: str) -> str:
    """``http://host:port`` of a base URL, with or without ``/v1``."""
    return base_url.rstrip("/").removesuffix("/v1")


def note_request(base_url: str) -> int:
    """Count one request to the server of ``base_url``; returns the count with it."""
    root = _server_of(base_url)
    with _lock:
        _started[root] = _started.get(root, 0) + 1
        return _started[root]


def one_server(first: RoleConfig, second: RoleConfig) -> bool:
    """Whether two roles talk to the same OpenAI-compatible server (one may cut the other's
    stream short; Ollama queues requests instead)."""
    both = first.provider is Provider.OPENAI and second.provider is Provider.OPENAI
    return both and _server_of(first.url) == _server_of(second.url)


def _requests_so_far(root: str) -> int:
    with _lock:
        return _started.get(root, 0)


class StreamEndings:
    """One client's judge of how its streams ended.

    Args:
        base_url: The client's base URL (its server).
    """

    def __init__(self, base_url: str) -> None:
        self.root = _server_of(base_url)
        self.finishes_seen = False
        """Whether a stream from this server carried a ``finish_reason`` for this client."""
        self._told_none = False

    def begin(self) -> int:
        """Count the request a stream is about to send; the mark :meth:`judge` compares."""
        return note_request(self.root)

    def judge(self, finish: str | None, mark: int) -> str | None:
        """How a reply that ended with ``finish`` was cut short, or None if it ended whole.

        Args:
            finish: The reply's ``finish_reason`` (None: none came).
            mark: What :meth:`begin` returned for its request.

        Returns:
            None (whole), :data:`OVERLAPPED` (another request reached the server while it
            streamed) or :data:`UNFINISHED` (the server finishes its replies otherwise).
        """
        if finish:
            self.finishes_seen = True
            return None
        if _requests_so_far(self.root) != mark:
            return OVERLAPPED
        if self.finishes_seen:
            return UNFINISHED
        if not self._told_none:
            self._told_none = True
            log.info("%s sent a reply without a finish_reason while no other request was "
                     "made to it: its replies are taken as whole when they end so", self.root)
        return None
