"""What one capture of a page returns."""

from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Capture:
    """A screenshot of a page and what the page reported while it was taken.

    Attributes:
        png: The viewport as PNG bytes.
        url: The URL the page ended on (after redirects).
        title: The document title.
        console_errors: Console messages of type error, with their source location.
        page_errors: Uncaught exceptions thrown by the page's scripts.
        failed_requests: Requests that failed or answered with HTTP status 400 or above.
        seconds: Wall time of the whole capture.
        timings: Seconds per phase: ``navigate``, ``quiet``, ``frames``, ``screenshot``.
        pending_requests: URLs still in flight when the screenshot was taken (the network
            did not go quiet within ``quiet_max_s``).
        text: The page's visible text, ``[media] `` first when it shows pictures.
        blocked_requests: Requests the site policy refused (loopback or private addresses
            other than the site, or the internet when it is off), with the reason.
    """

    png: bytes
    url: str
    title: str
    console_errors: list[str]
    page_errors: list[str]
    failed_requests: list[str]
    seconds: float
    timings: dict[str, float]
    pending_requests: list[str] = field(default_factory=list)
    blocked_requests: list[str] = field(default_factory=list)
    text: str = ""


class Stopwatch:
    """Seconds per named phase of a capture."""

    def __init__(self) -> None:
        self._start = self._mark = time.monotonic()
        self.laps: dict[str, float] = {}

    def lap(self, name: str) -> None:
        """Record the time since the previous lap as phase ``name``."""
        now = time.monotonic()
        self.laps[name] = now - self._mark
        self._mark = now

    def total(self) -> float:
        """Seconds since the stopwatch was made."""
        return time.monotonic() - self._start
