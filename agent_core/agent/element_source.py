"""Where a picked element is written: its file and line in the workspace, and the lines around.

A site served by Vite tags its elements with ``file:line:col`` (see
:mod:`agent_core.runtime.vite_source_tags`); that file is read, if it is a text file of the
workspace. A plain HTML site has no tags: its page is the file, and the element's line is found
by a simple search for its opening tag (its id, or its tag with its text or attributes).
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path, PurePosixPath

from agent_core.protocol.element_ref import ElementRef, numbered_excerpt

MAX_SOURCE_BYTES = 1_000_000
"""Larger files are not read for an excerpt."""
_SKIPPED = {"node_modules", ".git", ".webgen"}
_ATTRIBUTE = re.compile(r'([\w:-]+)="([^"]{1,80})"')


def locate_source(root: Path, element: ElementRef) -> ElementRef:
    """``element`` with its source file, line and excerpt filled in where they can be known.

    Reads files (call it off the event loop). A tagged file outside the workspace, in a tool's
    folder, missing, binary or too large is dropped: the element keeps no source rather than
    a wrong one.

    Args:
        root: The workspace.
        element: The element as the preview reported it.

    Returns:
        The element with ``source_file``, ``source_line`` and ``excerpt`` set or cleared.
    """
    if element.source_file:
        text = _read(root, element.source_file)
        if text is None:
            return replace(element, source_file="", source_line=None, source_exact=False)
        return replace(element, excerpt=numbered_excerpt(text, element.source_line or 0))
    page = page_file(root, element.page)
    if page is None:
        return element
    text = _read(root, page)
    if text is None:
        return element
    line = find_element_line(text, element)
    if line is None:
        return replace(element, source_file=page, source_exact=False)
    return replace(element, source_file=page, source_line=line, source_exact=False,
                   excerpt=numbered_excerpt(text, line))


def page_file(root: Path, page: str) -> str | None:
    """The workspace HTML file a static server serves for the URL path ``page``."""
    path = PurePosixPath("/" + page.split("?")[0].split("#")[0].lstrip("/"))
    name = path.as_posix().lstrip("/")
    candidates = [f"{name}/index.html" if name else "index.html", name, f"{name}.html"]
    for candidate in candidates:
        candidate = candidate.lstrip("/")
        if candidate.endswith(".html") and _inside(root, candidate) is not None and (
                root / candidate).is_file():
            return candidate
    return None


def find_element_line(text: str, element: ElementRef) -> int | None:
    """The line of ``element``'s opening tag in an HTML file, found by a simple search.

    Tried in order: its id; its tag with one of its attributes; its tag on a line that holds
    its text; its tag when it occurs once.
    """
    lines = text.splitlines()
    tag = re.compile(rf"<{re.escape(element.tag)}(?=[\s>/])", re.IGNORECASE)
    with_tag = [n for n, row in enumerate(lines, 1) if tag.search(row)]
    attributes = _ATTRIBUTE.findall(element.html.split(">", 1)[0])
    for name, value in attributes:
        if name == "id":
            found = [n for n, row in enumerate(lines, 1) if f'id="{value}"' in row]
            if found:
                return found[0]
    needles = [f'{name}="{value}"' for name, value in attributes if name != "id"]
    if element.text:
        needles.append(element.text[:30])
    for needle in needles:
        found = [n for n in with_tag if needle in lines[n - 1]]
        if found:
            return found[0]
    return with_tag[0] if len(with_tag) == 1 else None


def _inside(root: Path, relative: str) -> Path | None:
    rel = PurePosixPath(relative)
    if rel.is_absolute() or ".." in rel.parts or _SKIPPED & set(rel.parts):
        return None
    path = (root / rel).resolve()
    try:
        path.relative_to(root.resolve())
    except ValueError:  # a link out of the workspace
        return None
    return path


def _read(root: Path, relative: str) -> str | None:
    path = _inside(root, relative)
    if path is None or not path.is_file() or path.stat().st_size > MAX_SOURCE_BYTES:
        return None
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


__all__ = ["find_element_line", "locate_source", "page_file"]
