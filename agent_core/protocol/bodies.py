"""How the text inside tags becomes file content, commands and attribute values.

Shared by the parser (reading) and the renderer (writing), so both agree on the rules
described in :mod:`agent_core.protocol.parser`.
"""

from __future__ import annotations

import html
import re

_ATTR = re.compile(r"""([A-Za-z_:][-\w:.]*)\s*(?:=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")
_FENCE_OPEN = re.compile(r"```[\w+.#-]*\s*")


def file_content(raw: str) -> str:
    """The file content of a file action's body: one leading newline dropped, fence removed."""
    if raw.startswith("\r\n"):
        raw = raw[2:]
    elif raw.startswith("\n"):
        raw = raw[1:]
    return strip_fence(raw)


def command_text(raw: str) -> str:
    """The command of a shell or start action's body: unfenced, trimmed, entities decoded."""
    return html.unescape(strip_fence(raw).strip())


def strip_fence(text: str) -> str:
    """Remove one markdown code fence that wraps all of ``text``, if there is exactly one.

    Args:
        text: An action body.

    Returns:
        The text inside the fence (ending with a newline), or ``text`` unchanged.
    """
    stripped = text.strip()
    if not stripped.startswith("```"):
        return text
    lines = stripped.split("\n")
    if len(lines) < 2 or lines[-1].rstrip() != "```" or not _FENCE_OPEN.fullmatch(lines[0]):
        return text
    inner = lines[1:-1]
    if any(line.lstrip().startswith("```") for line in inner):
        return text
    return "\n".join(inner) + "\n" if inner else ""


def parse_attrs(inner: str) -> dict[str, str]:
    """Attributes of a tag, keyed by lower-case name without ``-``/``_``; values decoded."""
    attrs: dict[str, str] = {}
    for match in _ATTR.finditer(inner):
        name, dq, sq, bare = match.groups()
        key = name.lower().replace("-", "").replace("_", "")
        value = dq if dq is not None else sq if sq is not None else bare
        if value is not None and key not in attrs:
            attrs[key] = html.unescape(value).strip()
    return attrs


_EDIT = re.compile(
    r"^<{5,9} ?SEARCH[ \t]*\r?\n(.*?)^={5,9}[ \t]*\r?\n(.*?)^>{5,9} ?REPLACE[ \t]*$",
    re.DOTALL | re.MULTILINE,
)


def edit_blocks(raw: str) -> tuple[str, str] | None:
    """The search and replace text of an edit action's body, or None when it has no block.

    The body is written as::

        <<<<<<< SEARCH
        the exact lines to find
        =======
        what they become
        >>>>>>> REPLACE
    """
    match = _EDIT.search(strip_fence(raw))
    if match is None:
        return None
    return match.group(1), match.group(2)
