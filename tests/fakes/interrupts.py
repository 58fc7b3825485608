"""llama-cpp-python's ``interrupt_requests`` for the scripted server.

That server runs one request at a time. While it streams a reply, any request that reaches
one of its model endpoints (a chat, the model list, ``/extras/tokenize``) makes it end the
stream after the chunk it just sent, with ``data: [DONE]`` and no ``finish_reason``: the
client sees a reply that stops as if it were complete. :class:`Interrupts` keeps the order
in which requests arrived so each stream can tell whether a later one came.
"""

from __future__ import annotations

import threading

INTERRUPTING_PATHS = ("/v1/chat/completions", "/v1/models", "/extras/tokenize")
"""The requests that end a stream in progress (they take llama-cpp-python's model lock)."""


class Interrupts:
    """Arrivals at a server that interrupts its streams, and the streams it cut.

    Attributes:
        cut: The arrival numbers (from 1) of the requests whose streams were cut short.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._arrivals = 0
        self.cut: list[int] = []

    def arrive(self, path: str) -> int | None:
        """Note a request to ``path``; its arrival number, or None if it interrupts nothing."""
        if path not in INTERRUPTING_PATHS:
            return None
        with self._lock:
            self._arrivals += 1
            return self._arrivals

    def cuts(self, arrival: int | None) -> bool:
        """Whether the stream of request ``arrival`` ends now: a request came after it.

        Each stream is cut once: a True is recorded in :attr:`cut`.
        """
        if arrival is None:
            return False
        with self._lock:
            if self._arrivals <= arrival:
                return False
            self.cut.append(arrival)
            return True

    @property
    def arrivals(self) -> int:
        """How many interrupting requests arrived so far."""
        with self._lock:
            return self._arrivals
