"""Folding a coder reply (whole or still streaming) into what the chat shows.

A Bolt reply is mostly file content nobody wants to read in a chat bubble. :func:`fold_reply`
keeps the prose and turns every action into one short segment ("wrote src/App.jsx, 42
lines"). It is a pure function of the text received so far and is re-run on every refresh
while the reply streams, so it is a single linear scan, and it never shows the start of a
tag that has not fully arrived yet.

Tags are recognised by the same rules as :mod:`agent_core.protocol.parser`: attributes in
any order and with either quote, a markdown fence inside an action body, and only a literal
``</boltAction>`` closing an action.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agent_core.protocol.bodies import command_text, file_content, parse_attrs

_TAG_START = re.compile(r"<(/?)(boltArtifact|boltAction)(?=[\s/>])")
_BODY_STOP = re.compile(r"</boltAction>|<(?:/?boltArtifact|boltAction)(?=[\s/>])")
_CLOSE_ACTION = re.compile(r"\s*</boltAction>")
_PREFIXES = ("<boltArtifact", "</boltArtifact>", "<boltAction", "</boltAction>")
_MAX_TAG = 1024  # a longer "tag" is prose that happens to start like one
_FENCE_LINE = re.compile(r"[ \t]*```[\w+.#-]*[ \t]*")
_SIGNAL_TEXT = {
    "screenshot_validated": "Looks right: test the features",
    "finish": "Finished",
}
_BODY_KINDS = ("file", "shell", "start")

KINDS = ("prose", "wrote", "writing", "shell", "start", "signal")
"""Every segment kind, in no particular order."""


@dataclass(frozen=True)
class Segment:
    """One visible piece of a folded reply.

    Attributes:
        kind: ``prose`` (text between actions), ``wrote`` (a complete file action),
            ``writing`` (a file action the stream is still inside, or one never closed),
            ``shell`` / ``start`` (a command), or ``signal`` (screenshot validated, finish).
        text: The prose, the file path, the command, or the signal's wording.
        detail: A short addition: ``"42 lines"`` for a written file, ``"12 lines so far"``
            while writing, ``"not closed; not written"`` for an abandoned file action,
            ``"incomplete"`` for a command still arriving; empty otherwise.
    """

    kind: str
    text: str
    detail: str = ""


def fold_reply(text: str) -> list[Segment]:
    """Fold a coder reply, possibly cut off anywhere, into segments for display.

    Args:
        text: The reply so far.

    Returns:
        The segments in reading order. Prose never contains a Bolt tag or the start of one.
    """
    folder = _Folder(text)
    folder.run()
    return folder.segments


class _Folder:
    """One left-to-right pass over a reply."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.segments: list[Segment] = []
        self._prose: list[str] = []  # prose pieces not yet emitted (only tags between them)
        self._in_fence = False  # a fence wrapping an artifact was opened and not yet closed

    def run(self) -> None:
        text, pos = self.text, 0
        while pos < len(text):
            match = _TAG_START.search(text, pos)
            if match is None:
                self._add_prose(text[pos : _hold_from(text, pos)], tag_follows=True)
                break
            end = _tag_end(text, match.end())
            if end is None and len(text) - match.start() >= _MAX_TAG:
                self._add_prose(text[pos : match.start() + 1], tag_follows=False)
                pos = match.start() + 1  # not a tag after all: read on as prose
                continue
            self._add_prose(text[pos : match.start()], tag_follows=True)
            if end is None:
                self._partial_tag(match)
                break
            pos = self._on_tag(match, end)
        self._flush_prose()

    # -- prose ----------------------------------------------------------------------------

    def _add_prose(self, piece: str, *, tag_follows: bool) -> None:
        if self._in_fence and piece.strip():
            piece, self._in_fence = _drop_leading_fence(piece)
        if tag_follows:
            piece, opened = _drop_trailing_fence(piece)
            self._in_fence = self._in_fence or opened
        self._prose.append(piece)

    def _flush_prose(self) -> None:
        prose = "\n\n".join(piece.strip() for piece in self._prose if piece.strip())
        self._prose.clear()
        if prose:
            self.segments.append(Segment("prose", prose))

    def _emit(self, segment: Segment) -> None:
        self._flush_prose()
        self.segments.append(segment)

    # -- tags -----------------------------------------------------------------------------

    def _on_tag(self, match: re.Match[str], end: int) -> int:
        """Handle the complete tag ``text[match.start():end+1]``; return where to read on."""
        if match.group(2) == "boltArtifact" or match.group(1):
            return end + 1  # artifact tags and stray closers simply vanish
        inner = self.text[match.end() : end].rstrip()
        self_closing = inner.endswith("/")
        attrs = parse_attrs(inner[:-1] if self_closing else inner)
        kind = attrs.get("type", "").lower().replace("-", "_")
        if kind in _SIGNAL_TEXT:
            self._emit(Segment("signal", _SIGNAL_TEXT[kind]))
            closer = None if self_closing else _CLOSE_ACTION.match(self.text, end + 1)
            return closer.end() if closer else end + 1
        if self_closing:
            return end + 1
        return self._read_body(kind, attrs, end + 1)

    def _read_body(self, kind: str, attrs: dict[str, str], start: int) -> int:
        """Handle an action body starting at ``start``; return where to read on."""
        stop = _BODY_STOP.search(self.text, start)
        raw = self.text[start : stop.start() if stop else len(self.text)]
        path = attrs.get("filepath", attrs.get("path", ""))
        valid = kind in _BODY_KINDS and (kind != "file" or bool(path))
        if stop is not None and stop.group() != "</boltAction>":
            if valid and kind == "file":  # the model forgot to close it: nothing was written
                self._emit(Segment("writing", path, "not closed; not written"))
            return stop.start()
        if not valid:
            pass  # the protocol parser ignores such an action; so does the chat
        elif stop is None:
            self._emit(_unfinished(kind, path, raw))
        elif kind == "file":
            self._emit(Segment("wrote", path, _lines(file_content(raw))))
        elif command := command_text(raw):
            self._emit(Segment(kind, command))
        return stop.end() if stop else len(self.text)

    def _partial_tag(self, match: re.Match[str]) -> None:
        """The text ends inside an opening tag: announce a file as soon as its path is known."""
        if match.group(1) or match.group(2) != "boltAction":
            return
        rest = self.text[match.end() :]
        cut = max(rest.rfind('"'), rest.rfind("'"))
        attrs = parse_attrs(rest[: cut + 1]) if cut >= 0 else {}
        path = attrs.get("filepath", attrs.get("path", ""))
        if attrs.get("type", "").lower() == "file" and path:
            self._emit(Segment("writing", path))


def _unfinished(kind: str, path: str, raw: str) -> Segment:
    """The segment of an action whose closing tag has not arrived yet."""
    if kind == "file":
        lines = raw.count("\n") - (1 if raw.startswith("\n") else 0)
        return Segment("writing", path, f"{lines} lines so far" if lines > 0 else "")
    return Segment(kind, command_text(raw.split("</", 1)[0]), "incomplete")


def _lines(content: str) -> str:
    """``"42 lines"`` for a file's content (a last line without a newline counts)."""
    count = content.count("\n") + (1 if content and not content.endswith("\n") else 0)
    return "1 line" if count == 1 else f"{count} lines"


def _tag_end(text: str, start: int) -> int | None:
    """Index of the ``>`` closing a tag whose name ends at ``start``, or None if not seen.

    A quoted attribute value may contain ``>``; a quote left open until a newline or ``<``
    falls back to the first ``>``, as the protocol parser does.
    """
    limit = min(len(text), start + _MAX_TAG)
    first_gt = text.find(">", start, limit)
    if first_gt == -1:
        return None
    quote: str | None = None
    after_eq = False
    for i in range(start, limit):
        ch = text[i]
        if quote is not None:
            if ch == quote:
                quote = None
            elif ch in "\n<":
                return first_gt
        elif ch == ">":
            return i
        elif ch in "\"'" and after_eq:
            quote = ch
        after_eq = ch == "=" or (after_eq and ch.isspace())
    return first_gt if limit - start >= _MAX_TAG else None


def _hold_from(text: str, start: int) -> int:
    """Where the text must be cut because its end may be the beginning of a tag."""
    k = text.rfind("<", max(start, len(text) - 16))
    if k != -1 and any(p.startswith(text[k:]) for p in _PREFIXES):
        return k
    return len(text)


def _drop_trailing_fence(piece: str) -> tuple[str, bool]:
    """Remove a fence opened right before a tag (the model fenced its artifact).

    Only an opening fence counts: the piece must hold an odd number of fence lines.
    """
    body = piece.rstrip()
    cut = body.rfind("\n") + 1
    last = body[cut:]
    if not last.lstrip().startswith("```") or not _FENCE_LINE.fullmatch(last):
        return piece, False
    fences = sum(1 for line in body.split("\n") if line.lstrip().startswith("```"))
    if fences % 2 == 0:
        return piece, False
    return body[:cut], True


def _drop_leading_fence(piece: str) -> tuple[str, bool]:
    """Remove the bare fence closing an artifact's wrapper; report whether it is still open."""
    stripped = piece.lstrip()
    line, _, rest = stripped.partition("\n")
    if line.strip() == "```":
        return rest, False
    return piece, True
