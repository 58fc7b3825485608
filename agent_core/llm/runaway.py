"""Stopping a streamed reply that loops: the same chunk of text over and over.

Small local models fall into loops and would keep repeating until the length limit, which
can take minutes. :class:`RepetitionGuard` watches the tail of the stream and says when it
has become one chunk repeated back to back.
"""

from __future__ import annotations

__all__ = ["RepetitionGuard", "ReplyCut"]


class ReplyCut(Exception):
    """Raised from the token callback to stop a stream; carries why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RepetitionGuard:
    """Detects a stream whose tail is one chunk repeated.

    Args:
        min_period: Shortest chunk considered (shorter runs are ordinary: "----", "    ").
        max_period: Longest chunk considered.
        min_span: Characters the repetition must cover, and at least eight repeats of the
            chunk: about a thousand tokens of a loop, long before a reply limit.
        check_every: Characters between checks (a check costs well under a millisecond).
    """

    def __init__(self, min_period: int = 8, max_period: int = 400, min_span: int = 4000,
                 check_every: int = 256) -> None:
        self.min_period = min_period
        self.max_period = max_period
        self.min_span = min_span
        self.check_every = check_every
        self._tail = ""
        self._since_check = 0
        self._window = max(min_span, 8 * max_period) + check_every
        self.period: int | None = None
        """The repeating chunk's length, once found."""

    def feed(self, fragment: str) -> bool:
        """Add streamed text; True once the tail is a repeated chunk."""
        self._tail = (self._tail + fragment)[-self._window:]
        self._since_check += len(fragment)
        if self._since_check < self.check_every:
            return False
        self._since_check = 0
        return self._repeating()

    def _repeating(self) -> bool:
        tail = self._tail
        for period in range(self.min_period, self.max_period + 1):
            span = max(self.min_span, 8 * period)
            if span > len(tail):
                break
            span -= span % period
            chunk = tail[-period:]
            if tail[-span:] == chunk * (span // period):
                self.period = period
                return True
        return False
