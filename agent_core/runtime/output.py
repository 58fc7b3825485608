"""A bounded ring of a process's output lines, ANSI-free, with subscribers and a log mirror."""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import re
from collections import deque
from pathlib import Path
from typing import IO

_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_LINE_END = re.compile(r"\r\n|\n|\r")
MAX_LINE_CHARS = 4000


def strip_ansi(text: str) -> str:
    """``text`` without ANSI escape sequences and other control characters (tabs stay)."""
    return _CONTROL.sub("", _ANSI.sub("", text))


class OutputBuffer:
    """Splits a byte stream into lines (``\\n``, ``\\r\\n`` or ``\\r``) and keeps the last ones.

    Args:
        max_lines: How many complete lines the ring keeps.
        log_file: Also append every line to this file (closed by :meth:`close`).
    """

    def __init__(self, max_lines: int = 2000, log_file: Path | None = None) -> None:
        self._lines: deque[str] = deque(maxlen=max_lines)
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._partial = ""
        self._ended_with_cr = False
        self.count = 0
        self.closed = False
        self._subscribers: list[asyncio.Queue[str | None]] = []
        self._log: IO[str] | None = None
        if log_file is not None:
            log_file.parent.mkdir(parents=True, exist_ok=True)
            self._log = open(log_file, "a", encoding="utf-8")

    def lines(self) -> list[str]:
        """The complete lines in the ring, oldest first."""
        return list(self._lines)

    def tail(self, lines: int = 40) -> str:
        """The last ``lines`` lines (with an unfinished last line), without trailing blanks."""
        found = list(self._lines)
        if self._partial.strip():
            found.append(strip_ansi(self._partial))
        while found and not found[-1].strip():
            found.pop()
        return "\n".join(found[-lines:]) if lines > 0 else ""

    def subscribe(self, *, replay: bool = False) -> asyncio.Queue[str | None]:
        """A queue that receives every new line, then None when the output ends.

        Args:
            replay: First put the lines already in the ring.
        """
        queue: asyncio.Queue[str | None] = asyncio.Queue()
        for line in self._lines if replay else ():
            queue.put_nowait(line)
        if self.closed:
            queue.put_nowait(None)
        else:
            self._subscribers.append(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[str | None]) -> None:
        """Stop feeding ``queue``."""
        with contextlib.suppress(ValueError):
            self._subscribers.remove(queue)

    def feed(self, chunk: bytes) -> None:
        """Add raw output bytes."""
        text = self._decoder.decode(chunk)
        if not text:
            return
        if self._ended_with_cr and text.startswith("\n"):
            text = text[1:]  # the "\n" of a "\r\n" split across two reads
        self._ended_with_cr = text.endswith("\r")
        parts = _LINE_END.split(self._partial + text)
        self._partial = parts.pop()
        for line in parts:
            self._push(line)
        if len(self._partial) > MAX_LINE_CHARS:
            self._push(self._partial)
            self._partial = ""

    def close(self) -> None:
        """The output ended: flush the last line, wake subscribers, close the log."""
        if self.closed:
            return
        rest = self._partial + self._decoder.decode(b"", final=True)
        self._partial = ""
        if rest:
            self._push(rest)
        self.closed = True
        for queue in self._subscribers:
            queue.put_nowait(None)
        self._subscribers.clear()
        if self._log is not None:
            self._log.close()

    def _push(self, raw: str) -> None:
        line = strip_ansi(raw)
        if len(line) > MAX_LINE_CHARS:
            line = line[:MAX_LINE_CHARS] + " [...]"
        self._lines.append(line)
        self.count += 1
        if self._log is not None:
            self._log.write(line + "\n")
            self._log.flush()
        for queue in self._subscribers:
            queue.put_nowait(line)
