"""The CLI's status line on a terminal: phase, seconds, tokens so far and tokens per second.

A reply from a local model can take minutes; the line, redrawn in place a few times a second
(``rich``), shows it is alive and how fast it goes. Lines of the ordinary progress output
print above it. Off a terminal (pipes, CI logs) nothing of this is drawn.
"""

from __future__ import annotations

import time
from typing import TextIO

from rich.console import Console
from rich.live import Live
from rich.text import Text

from agent_core.events import (
    Event,
    PhaseChanged,
    RunCancelled,
    RunFailed,
    RunFinished,
    RunStarted,
    StepStarted,
    Token,
)

PHASE_NAMES = {"coding": "the coder is replying", "install": "installing dependencies",
               "serve": "starting the dev server", "screenshot": "taking the screenshot",
               "critic": "grading the screenshot", "gui_test": "testing in the browser",
               "command": "running a command", "commit": "saving the step"}  # fmt: skip


class LiveStatus:
    """What the status line says; rendered on demand (``rich`` calls ``__rich__``)."""

    def __init__(self, clock=time.monotonic) -> None:
        self._clock = clock
        self.step: int | None = None
        self.phase = ""
        self.detail = ""
        self.since = clock()
        self.tokens = 0

    def update(self, event: Event) -> None:
        """Follow the run's events."""
        match event:
            case StepStarted(index=index):
                self.step, self.phase, self.detail = index, "coding", ""
                self.since, self.tokens = self._clock(), 0
            case PhaseChanged(index=index, phase=phase, detail=detail):
                self.step, self.phase, self.detail = index, phase, detail
                if phase != "coding":
                    self.since = self._clock()
            case Token():
                self.tokens += 1  # streamed fragments: about one token each

    def text(self) -> str:
        """The line, e.g. ``step 2 · the coder is replying · 14 s · 310 tokens · 22.1 tok/s``."""
        if self.step is None:
            return "starting…"
        seconds = max(self._clock() - self.since, 0.0)
        parts = [f"step {self.step}", PHASE_NAMES.get(self.phase, self.phase)]
        if self.detail and self.phase != "coding":
            parts[-1] += f" ({self.detail[:60]})"
        parts.append(f"{seconds:.0f} s")
        if self.phase == "coding":
            rate = self.tokens / seconds if seconds > 0.5 else 0.0
            parts += [f"{self.tokens} tokens", f"{rate:.1f} tok/s"]
        return " · ".join(parts)

    def __rich__(self) -> Text:
        return Text(self.text(), style="dim")


class LiveLine:
    """Draws a :class:`LiveStatus` at the bottom of a terminal during a run.

    Args:
        out: The terminal stream (stderr).
        force_terminal: Draw even when ``out`` is not a terminal (tests).
    """

    def __init__(self, out: TextIO, *, force_terminal: bool = False) -> None:
        self.console = Console(file=out, force_terminal=force_terminal or None,
                               highlight=False, soft_wrap=True)
        self.status = LiveStatus()
        self._live: Live | None = None

    def print(self, line: str) -> None:
        """A progress line, printed above the status line."""
        self.console.print(line, markup=False)

    def __call__(self, event: Event) -> None:
        """Follow one event: start the line with the run, stop it at the end."""
        self.status.update(event)
        if isinstance(event, RunStarted) and self._live is None:
            self._live = Live(self.status, console=self.console, refresh_per_second=4,
                              transient=True)
            self._live.start()
        elif isinstance(event, RunFinished | RunFailed | RunCancelled):
            self.stop()

    def stop(self) -> None:
        """Remove the status line (safe to call twice)."""
        live, self._live = self._live, None
        if live is not None:
            live.stop()
