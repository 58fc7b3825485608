"""The progress bar of ``webgen bench`` on stderr."""

from __future__ import annotations

from typing import TextIO

from agent_core.bench import BenchProgress


class ProgressBar:
    """A text progress bar of the bench on a stream (stderr), redrawn in place on a terminal.

    Notes (generation steps, start failures) are printed on their own lines above the bar.
    When the stream is not a terminal, the bar is printed as a line each time it advances.

    Args:
        out: The stream.
        width: Characters of the bar itself.
    """

    def __init__(self, out: TextIO, width: int = 30) -> None:
        self.out = out
        self.width = width
        self.tty = bool(getattr(out, "isatty", lambda: False)())
        self._shown = ""
        self._last_done: int | None = None

    def __call__(self, progress: BenchProgress) -> None:
        """Show one update."""
        if progress.note:
            self._clear()
            print(progress.note, file=self.out, flush=True)
        text = self.render(progress)
        if self.tty:
            self.out.write("\r" + text)
            self.out.flush()
            self._shown = text
        elif progress.done != self._last_done:
            print(text, file=self.out, flush=True)
        self._last_done = progress.done

    def render(self, progress: BenchProgress) -> str:
        """The bar as text, e.g. ``[#####-----] 3/6 cases  YES 1  PARTIAL 1  NO 1``."""
        total = max(progress.total, 1)
        filled = round(self.width * min(progress.done, total) / total)
        bar = "#" * filled + "-" * (self.width - filled)
        return (f"[{bar}] {progress.done}/{progress.total} cases  YES {progress.yes}  "
                f"PARTIAL {progress.partial}  NO {progress.no}")  # fmt: skip

    def finish(self) -> None:
        """End the bar's line (on a terminal)."""
        if self.tty and self._shown:
            self.out.write("\n")
            self.out.flush()
            self._shown = ""

    def _clear(self) -> None:
        if self.tty and self._shown:
            self.out.write("\r" + " " * len(self._shown) + "\r")
            self._shown = ""


__all__ = ["ProgressBar"]
