"""Incremental parser of Bolt-style coder replies.

The coder streams text such as::

    Some prose.
    <boltArtifact id="todo-app" title="Todo app">
    <boltAction type="file" filePath="src/App.jsx">...whole file...</boltAction>
    <boltAction type="shell">npm install</boltAction>
    <boltAction type="start">npm run dev</boltAction>
    </boltArtifact>

and :class:`BoltStreamParser` turns it into actions while it arrives. Reading rules:

* An action takes effect when its closing ``</boltAction>`` arrives (a file can be written
  while the artifact is still open). The signals ``screenshot_validated`` and ``finish``
  take effect at their tag, whether written self-closing or with a closing tag.
* Text outside tags (prose, markdown) is ignored. Actions outside any ``<boltArtifact>``
  are accepted without an issue: their meaning is unambiguous, and nagging the model about
  the wrapper would only cost context.
* File content is taken verbatim: HTML entities are not decoded. Two tidy-ups only: one
  newline right after the opening tag is dropped, and one markdown fence wrapping the whole
  body (```` ```jsx ... ``` ````) is removed when no other fence is inside.
* Shell and start commands lose a wrapping fence and surrounding whitespace, and HTML
  entities in them are decoded (``&amp;&amp;`` becomes ``&&``). Attribute values are decoded
  and trimmed; attributes may come in any order, with either quote, and unknown ones are
  ignored.
* Inside an action only a literal ``</boltAction>`` closes it. Any other Bolt tag there
  (``<boltAction ...``, ``<boltArtifact ...``, ``</boltArtifact>``) means the model forgot to
  close the action: the open action is dropped with an issue and the tag is read normally.
  Other markup (``<div>``, the word boltAction in a string) is plain content.
* Problems never raise: each becomes a :class:`ParseIssue` whose message tells the model
  what went wrong and what was (not) done.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from agent_core.protocol.actions import (
    Action,
    EditAction,
    FileAction,
    ParsedReply,
    ParseIssue,
    ShellAction,
    SignalAction,
    StartAction,
    is_signal_name,
)
from agent_core.protocol.bodies import command_text, edit_blocks, file_content, parse_attrs

_TAG_START = re.compile(r"<(/?)(boltArtifact|boltAction)(?=[\s/>])")
_BODY_STOP = re.compile(r"</boltAction>|<(?:/?boltArtifact|boltAction)(?=[\s/>])")
_TEXT_PREFIXES = ("<boltArtifact", "</boltArtifact", "<boltAction", "</boltAction")
_BODY_PREFIXES = ("</boltAction>", "<boltArtifact", "</boltArtifact", "<boltAction")
_CLOSE_ACTION = "</boltAction>"
_MAX_TAG = 1024  # a longer "tag" is prose that happens to start like one
_BODY_KINDS = ("file", "edit", "shell", "start")
_PATH_KINDS = ("file", "edit")
_EDIT_FORMAT = (
    "the edit action for {path} has no search/replace block; nothing was changed. Write "
    "<<<<<<< SEARCH, the exact lines to find, =======, the new lines, >>>>>>> REPLACE"
)
_TYPES_HINT = 'use type="file", "edit", "shell", "start", "screenshot_validated" or "finish"'


@dataclass
class _Tag:
    """A tag being read; offsets are absolute positions in the stream."""

    start: int
    name: str
    closing: bool
    scan: int
    quote: str | None = None
    after_eq: bool = False
    first_gt: int | None = None


@dataclass
class _Body:
    """An open action whose closing tag has not arrived yet."""

    kind: str  # "file", "shell", "start" or "skip" (already reported, content discarded)
    path: str
    start: int
    parts: list[str] = field(default_factory=list)


class BoltStreamParser:
    """Reads a coder reply chunk by chunk and hands out each action once it is complete.

    Work is linear in the length of the reply however it is split: only a partial tag (at
    most about 1 KB) is ever kept back between chunks.

    Attributes:
        issues: Format problems found so far.
        title: The title of the first ``<boltArtifact>``, once seen.
    """

    def __init__(self) -> None:
        self.issues: list[ParseIssue] = []
        self.title: str | None = None
        self._actions: list[Action] = []
        self._buf = ""
        self._base = 0  # stream offset of self._buf[0]
        self._tag: _Tag | None = None
        self._body: _Body | None = None
        self._artifact_at: int | None = None
        self._signal_open = False  # a signal was written with an opening tag
        self._closed = False

    @property
    def actions(self) -> tuple[Action, ...]:
        """All complete actions so far, in order."""
        return tuple(self._actions)

    def feed(self, chunk: str) -> list[Action]:
        """Read the next piece of the reply.

        Args:
            chunk: Any slice of the reply; boundaries may fall anywhere, even inside a tag.

        Returns:
            The actions completed by this chunk, in order.

        Raises:
            RuntimeError: ``close()`` was already called.
        """
        if self._closed:
            raise RuntimeError("BoltStreamParser.feed() called after close()")
        out: list[Action] = []
        if chunk:
            self._buf += chunk
            self._advance(out)
        return out

    def close(self) -> list[Action]:
        """End the stream: report whatever was left open.

        Returns:
            Actions completed only by the end of the stream: a signal whose tag was cut off
            right before its ``>``. Usually empty. Calling ``close()`` again returns ``[]``.
        """
        if self._closed:
            return []
        self._closed = True
        out: list[Action] = []
        if self._tag is not None:
            self._close_inside_tag(self._tag, out)
        elif self._body is not None:
            self._report_unclosed(self._body, "")
        elif self._buf.startswith("<boltA") or self._buf.startswith("</boltA"):
            self._issue(f"the reply ended in the middle of a tag ({self._buf!r})", self._base)
        if self._artifact_at is not None:
            self._issue(
                "the <boltArtifact> was not closed with </boltArtifact>; "
                "the complete actions in it were still taken",
                self._artifact_at,
            )
        self._tag = self._body = None
        self._buf = ""
        return out

    def to_reply(self) -> ParsedReply:
        """Everything read so far as a :class:`ParsedReply` (call after ``close()``)."""
        return ParsedReply(tuple(self._actions), tuple(self.issues), self.title)

    # -- scanning -------------------------------------------------------------------------

    def _advance(self, out: list[Action]) -> None:
        pos = 0
        while True:
            if self._tag is not None:
                pos, wait = self._read_tag(self._tag, out)
            elif self._body is not None:
                pos, wait = self._read_body(self._body, pos, out)
            else:
                pos, wait = self._read_text(pos)
            if wait:
                break
        self._buf = self._buf[pos:]
        self._base += pos

    def _read_text(self, pos: int) -> tuple[int, bool]:
        match = _TAG_START.search(self._buf, pos)
        if match is None:
            return _hold_from(self._buf, pos, _TEXT_PREFIXES), True
        self._tag = _Tag(
            start=self._base + match.start(),
            name=match.group(2),
            closing=bool(match.group(1)),
            scan=self._base + match.end(),
        )
        return match.start(), False

    def _read_tag(self, tag: _Tag, out: list[Action]) -> tuple[int, bool]:
        buf, base = self._buf, self._base
        start = tag.start - base
        stop = min(len(buf), start + _MAX_TAG)  # where a tag gives up, however it was split
        end = _scan_tag(tag, buf, base, stop)
        if end is None and stop == start + _MAX_TAG:
            if tag.first_gt is None:
                self._tag = None
                return start + 1, False  # not a tag after all: read on as text
            end = tag.first_gt - base
        if end is None:
            return start, True
        self._tag = None
        self._on_tag(tag, buf[start : end + 1], out)
        return end + 1, False

    def _read_body(self, body: _Body, pos: int, out: list[Action]) -> tuple[int, bool]:
        buf = self._buf
        match = _BODY_STOP.search(buf, pos)
        if match is None:
            keep = _hold_from(buf, pos, _BODY_PREFIXES)
            body.parts.append(buf[pos:keep])
            return keep, True
        body.parts.append(buf[pos : match.start()])
        self._body = None
        if match.group() == _CLOSE_ACTION:
            self._finish_body(body, out)
            return match.end(), False
        tag = match.group().lstrip("<")
        self._report_unclosed(body, f" before the next <{tag}> tag")
        return match.start(), False

    # -- tags -----------------------------------------------------------------------------

    def _on_tag(self, tag: _Tag, text: str, out: list[Action]) -> None:
        signal_open, self._signal_open = self._signal_open, False
        inner = text[1 + tag.closing + len(tag.name) : -1].rstrip()
        self_closing = inner.endswith("/")
        attrs = parse_attrs(inner[:-1] if self_closing else inner)
        if tag.name == "boltArtifact":
            self._on_artifact(tag, attrs, self_closing)
        elif not tag.closing:
            self._on_action(tag.start, attrs, self_closing, out)
        elif not signal_open:
            self._issue(
                "a stray </boltAction> without a matching <boltAction> was ignored", tag.start
            )

    def _on_artifact(self, tag: _Tag, attrs: dict[str, str], self_closing: bool) -> None:
        if tag.closing:
            if self._artifact_at is None:
                self._issue(
                    "a stray </boltArtifact> without an open <boltArtifact> was ignored",
                    tag.start,
                )
            self._artifact_at = None
            return
        if self.title is None and attrs.get("title"):
            self.title = attrs["title"]
        if not self_closing and self._artifact_at is None:
            self._artifact_at = tag.start

    def _on_action(
        self, offset: int, attrs: dict[str, str], self_closing: bool, out: list[Action]
    ) -> None:
        kind = attrs.get("type", "").lower().replace("-", "_")
        if is_signal_name(kind):
            self._emit(SignalAction(kind), out)
            self._signal_open = not self_closing
            return
        path = attrs.get("filepath", attrs.get("path", ""))
        problem = _action_problem(kind, "type" in attrs, "filepath" in attrs or "path" in attrs)
        if problem is None and kind in _PATH_KINDS and not path:
            problem = f"a {kind} action with an empty filePath was ignored"
        if problem is None and self_closing:
            problem = _empty_action_message(kind, path)
        if problem is not None:
            self._issue(problem, offset)
            kind = "skip"
        if not self_closing:
            self._body = _Body(kind=kind, path=path, start=offset)

    def _close_inside_tag(self, tag: _Tag, out: list[Action]) -> None:
        text = self._buf[tag.start - self._base :]
        attrs = parse_attrs(text[1 + tag.closing + len(tag.name) :] + (tag.quote or ""))
        kind = attrs.get("type", "").lower().replace("-", "_")
        if tag.name == "boltAction" and not tag.closing and is_signal_name(kind):
            self._emit(SignalAction(kind), out)
        elif tag.name == "boltAction" and not tag.closing and kind in _BODY_KINDS:
            path = attrs.get("filepath", attrs.get("path", "")) or "(no path)"
            self._report_unclosed(_Body(kind=kind, path=path, start=tag.start), "")
        else:
            slash = "/" if tag.closing else ""
            self._issue(
                f"the reply ended inside a <{slash}{tag.name}> tag; it was ignored", tag.start
            )

    # -- bodies ---------------------------------------------------------------------------

    def _finish_body(self, body: _Body, out: list[Action]) -> None:
        raw = "".join(body.parts)
        if body.kind == "file":
            self._emit(FileAction(body.path, file_content(raw)), out)
        elif body.kind == "edit":
            blocks = edit_blocks(raw)
            if blocks is None:
                self._issue(_EDIT_FORMAT.format(path=body.path), body.start)
            else:
                self._emit(EditAction(body.path, *blocks), out)
        elif body.kind in ("shell", "start"):
            command = command_text(raw)
            if not command:
                self._issue(_empty_action_message(body.kind, ""), body.start)
            elif body.kind == "shell":
                self._emit(ShellAction(command), out)
            else:
                self._emit(StartAction(command), out)

    def _report_unclosed(self, body: _Body, where: str) -> None:
        if body.kind in _PATH_KINDS:
            result = "the file was not written" if body.kind == "file" else "nothing was changed"
            what = f"the {body.kind} action for {body.path} was not closed{where}; {result}"
        elif body.kind in ("shell", "start"):
            preview = " ".join(command_text("".join(body.parts)).split())[:60]
            label = f" '{preview}'" if preview else ""
            result = "the command was not run" if body.kind == "shell" else "nothing was started"
            what = f"the {body.kind} action{label} was not closed{where}; {result}"
        else:
            return  # already reported when it opened
        self._issue(what, body.start)

    def _emit(self, action: Action, out: list[Action]) -> None:
        self._actions.append(action)
        out.append(action)

    def _issue(self, message: str, offset: int) -> None:
        self.issues.append(ParseIssue(message, offset))


def parse_reply(text: str) -> ParsedReply:
    """Parse a complete reply.

    Args:
        text: The whole reply of the coder.

    Returns:
        Its actions, format issues and artifact title.
    """
    parser = BoltStreamParser()
    parser.feed(text)
    parser.close()
    return parser.to_reply()


def _scan_tag(tag: _Tag, buf: str, base: int, stop: int) -> int | None:
    """Advance over a tag's characters up to ``stop``; return the index of its ``>`` if seen."""
    i = tag.scan - base
    while i < stop:
        ch = buf[i]
        if ch == ">" and tag.first_gt is None:
            tag.first_gt = base + i
        if tag.quote is not None:
            if ch == tag.quote:
                tag.quote = None
            elif ch in "\n<":  # a quote left open: fall back to the first '>'
                if tag.first_gt is not None:
                    return tag.first_gt - base
                tag.quote = None
        elif ch == ">":
            return i
        elif ch in "\"'" and tag.after_eq:
            tag.quote = ch
        tag.after_eq = ch == "=" or (tag.after_eq and ch.isspace())
        i += 1
    tag.scan = base + stop
    return None


def _hold_from(buf: str, start: int, prefixes: tuple[str, ...]) -> int:
    """Index from which ``buf`` must be kept because its end may begin one of ``prefixes``."""
    k = buf.rfind("<", max(start, len(buf) - 16))
    if k != -1:
        rest = buf[k:]
        if any(p.startswith(rest) for p in prefixes):
            return k
    return len(buf)


def _action_problem(kind: str, has_type: bool, has_path: bool) -> str | None:
    """Why an action's opening tag cannot be acted on, or None."""
    if not has_type:
        return f"a <boltAction> without a type attribute was ignored; {_TYPES_HINT}"
    if kind not in _BODY_KINDS:
        return f"unknown action type '{kind}' was ignored; {_TYPES_HINT}"
    if kind in _PATH_KINDS and not has_path:
        return (
            f"a {kind} action without a filePath attribute was ignored; write "
            f'<boltAction type="{kind}" filePath="relative/path">'
        )
    return None


def _empty_action_message(kind: str, path: str) -> str:
    if kind == "file":
        return f"the file action for {path} had no content; the file was not written"
    return f"an empty {kind} action was ignored"
