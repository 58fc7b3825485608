"""An element the user pointed at in the preview, and how a request about it reads to the coder.

The preview reports the element (tag, text, selector, outer HTML, and ``file:line:col`` when
the dev server tagged it); the engine finds its source lines; the follow-up request then
carries all of it, so the coder changes that element and not another one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from agent_core.events import ElementScoped

MARKER = "The request is about this element of the page"
"""The first words of the element block appended to a request."""

_LIMITS = {"tag": 64, "text": 200, "selector": 400, "html": 1200, "page": 300, "source": 500}
_TAG = re.compile(r"^[a-z][a-z0-9-]*(?::[a-z0-9-]+)?$")
_SOURCE = re.compile(r"^(?P<file>[^:\n]+?):(?P<line>\d{1,7})(?::(?P<col>\d{1,7}))?$")
SOURCE_ATTR_PATTERN = re.compile(r'\sdata-webgen-src="[^"]*"')
"""The dev server's source tags as they appear in HTML (never shown to the coder)."""


@dataclass(frozen=True)
class ElementRef:
    """One element of the site, as picked in the preview.

    Attributes:
        tag: Its tag name, lower case (``button``).
        text: Its visible text, shortened.
        selector: A CSS selector that finds it (ids, tag names and positions).
        html: Its outer HTML, shortened, without source tags.
        page: The path of the page it is on (``/``, ``/about.html``).
        source_file: The workspace file it is written in, when known.
        source_line: The line (1-based) of its opening tag there, when known.
        source_exact: The dev server tagged this very element (not an enclosing one, and not
            found by searching the file).
        excerpt: The source lines around ``source_line``, numbered.
    """

    tag: str
    text: str = ""
    selector: str = ""
    html: str = ""
    page: str = "/"
    source_file: str = ""
    source_line: int | None = None
    source_exact: bool = False
    excerpt: str = ""

    @classmethod
    def from_page(cls, data: Mapping[str, Any]) -> ElementRef:
        """The element the preview's picker reported.

        Args:
            data: ``tag``, ``text``, ``selector``, ``html``, ``page``, ``source``
                (``file:line:col`` or empty) and ``source_is_own``.

        Returns:
            The element; its source is the tagged file and line, not yet read.

        Raises:
            ValueError: The report has no valid tag name or a field is not text.
        """
        fields = {}
        for name, limit in _LIMITS.items():
            value = data.get(name, "")
            if not isinstance(value, str):
                raise ValueError(f"the picked element's {name} is not text: {value!r:.80}")
            fields[name] = value.strip()[:limit]
        tag = fields["tag"].lower()
        if not _TAG.match(tag):
            raise ValueError(f"the picked element has no valid tag name ({fields['tag']!r:.80})")
        ref = cls(tag=tag, text=" ".join(fields["text"].split()), selector=fields["selector"],
                  html=SOURCE_ATTR_PATTERN.sub("", fields["html"]), page=fields["page"] or "/")
        match = _SOURCE.match(fields["source"])
        if match is None:
            return ref
        return replace(ref, source_file=match["file"], source_line=int(match["line"]),
                       source_exact=bool(data.get("source_is_own")))

    @property
    def location(self) -> str:
        """``file:line``, the file alone, or '' when the source is not known."""
        if not self.source_file:
            return ""
        return f"{self.source_file}:{self.source_line}" if self.source_line else self.source_file

    def label(self) -> str:
        """One line naming the element: ``<button> “Order” · main > button · index.html:9``."""
        parts = [f"<{self.tag}>" + (f" “{_clip(self.text, 40)}”" if self.text else "")]
        if self.selector:
            parts.append(_clip(self.selector, 80))
        if self.location:
            parts.append(self.location)
        return " · ".join(parts)

    def scoped_event(self, run_id: str) -> ElementScoped:
        """The event that logs a run's request being about this element."""
        return ElementScoped(run_id=run_id, tag=self.tag, selector=self.selector,
                             label=self.label(), text=self.text,
                             source_file=self.source_file, source_line=self.source_line)

    def block(self) -> str:
        """What the coder is told about the element, with its source lines."""
        lines = [f"{MARKER} (the user pointed at it in the preview):",
                 f"- element: <{self.tag}>",
                 f"- CSS selector: {self.selector or '(none)'}",
                 f"- page: {self.page}"]
        if self.text:
            lines.append(f"- text: “{self.text}”")
        if self.location:
            how = "" if self.source_exact else " (found by searching the file; check it)"
            lines.append(f"- written in: {self.source_file}, line {self.source_line}{how}")
        if self.html:
            lines += ["- its HTML in the page now:", self.html]
        if self.excerpt:
            lines += [f"{self.source_file} around line {self.source_line}:", self.excerpt]
        return "\n".join(lines)


def scoped_request(request: str, element: ElementRef | None) -> str:
    """The request as the coder gets it: the user's words, then the element block."""
    words = request.strip()
    return words if element is None else f"{words}\n\n{element.block()}"


def request_words(request: str) -> str:
    """A request without its element block (for the short task reminders)."""
    words, _, block = request.partition(f"\n\n{MARKER}")
    if not block:
        return request
    element = re.search(r"^- element: (<[^>\n]+>)", block, re.MULTILINE)
    where = re.search(r"^- written in: ([^,\n]+), line (\d+)", block, re.MULTILINE)
    about = element[1] if element else "an element"
    if where:
        about += f" in {where[1]}:{where[2]}"
    return f"{words} (about {about} picked in the preview)"


def numbered_excerpt(text: str, line: int, radius: int = 6) -> str:
    """The lines of ``text`` within ``radius`` of ``line`` (1-based), numbered, ``>`` on it.

    Returns:
        The excerpt, or '' when ``line`` is not in ``text``.
    """
    rows = text.splitlines()
    if not 1 <= line <= len(rows):
        return ""
    first, last = max(1, line - radius), min(len(rows), line + radius)
    width = len(str(last))
    return "\n".join(f"{'>' if n == line else ' '} {n:>{width}} | {rows[n - 1]}"
                     for n in range(first, last + 1))


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


__all__ = ["MARKER", "ElementRef", "numbered_excerpt", "request_words", "scoped_request"]
