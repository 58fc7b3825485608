"""Reading a JSON object out of a model's reply, however loosely it was written."""

from __future__ import annotations

import json
import re
from typing import Any

_FENCE = re.compile(r"```[ \t]*(?:json|JSON|javascript|js)?[ \t]*\n?(.*?)```", re.DOTALL)
_MAX_STARTS = 50
_MAX_CHARS = 100_000
_CLOSER = {"{": "}", "[": "]"}
_VALUE_START = "{[:,"


def extract_json(text: object) -> dict[str, Any] | None:
    """Find the JSON object in a model reply.

    Tolerates code fences, prose before and after the object, trailing commas, single-quoted
    strings, Python's ``True``/``False``/``None``, unquoted keys, ``//`` comments, a bare
    fraction such as ``"grade": 4/5`` (read as 4) and a reply cut off before its closing
    braces. Values are otherwise returned as written: use ``coerce_number``/``coerce_bool`` for
    ``"4"`` or ``"4/5"`` strings. When objects are nested the outermost one is returned; when
    there are several, the first that can be read.

    Args:
        text: The reply. Anything that is not a string gives None.

    Returns:
        The object as a dict, or None when there is no readable object. Never raises.
    """
    if not isinstance(text, str) or "{" not in text:
        return None
    text = text[:_MAX_CHARS]
    candidates = [match.group(1) for match in _FENCE.finditer(text)] + [text]
    for candidate in candidates:
        found = _first_object(candidate)
        if found is not None:
            return found
    return None


def _first_object(text: str) -> dict[str, Any] | None:
    starts = [i for i, char in enumerate(text) if char == "{"][:_MAX_STARTS]
    for start in starts:
        parsed = _parse(_balanced_from(text, start))
        if isinstance(parsed, dict):
            return parsed
    return None


def _balanced_from(text: str, start: int) -> str:
    """The object starting at ``start`` up to its matching brace, closed if cut off."""
    stack: list[str] = []
    quote = ""
    i = start
    while i < len(text):
        char = text[i]
        if quote:
            if char == "\\":
                i += 1
            elif char == quote:
                quote = ""
        elif char == '"' or (char == "'" and _after_value_start(text, i)):
            quote = char
        elif char in _CLOSER:
            stack.append(_CLOSER[char])
        elif char in "}]" and stack:
            stack.pop()
            if not stack:
                return text[start : i + 1]
        i += 1
    return _close(text[start:], quote, stack)


def _after_value_start(text: str, i: int) -> bool:
    before = text[:i].rstrip()
    return bool(before) and before[-1] in _VALUE_START


def _close(partial: str, quote: str, stack: list[str]) -> str:
    """Finish a reply that was cut off: close the open string, drop a dangling comma."""
    if quote:
        partial += quote
    partial = partial.rstrip()
    if partial.endswith(","):
        partial = partial[:-1]
    elif partial.endswith(":"):
        partial += " null"
    return partial + "".join(reversed(stack))


def _parse(candidate: str) -> Any:
    try:
        return json.loads(candidate, strict=False)
    except ValueError:
        pass
    try:
        return json.loads(_repair(candidate), strict=False)
    except (ValueError, RecursionError):
        return None


_BARE_WORDS = {"True": "true", "False": "false", "None": "null"}
_TRAILING_COMMA = re.compile(r",(\s*[}\]])")
_FRACTION = re.compile(r"(-?\d+(?:\.\d+)?)\s*/\s*\d+(?:\.\d+)?")
_UNQUOTED_KEY = re.compile(r"([{,]\s*)([A-Za-z_][A-Za-z0-9_]*)(\s*:)")
_WORD = re.compile(r"\b(True|False|None)\b")


def _repair(candidate: str) -> str:
    """Rewrite the usual near-JSON mistakes into JSON, leaving string contents alone."""
    out: list[str] = []
    for is_string, piece in _split_strings(candidate):
        if is_string:
            out.append(piece)
            continue
        piece = _TRAILING_COMMA.sub(r"\1", piece)
        piece = _FRACTION.sub(r"\1", piece)
        piece = _UNQUOTED_KEY.sub(r'\1"\2"\3', piece)
        piece = _WORD.sub(lambda m: _BARE_WORDS[m.group(1)], piece)
        out.append(piece)
    return "".join(out)


def _split_strings(text: str) -> list[tuple[bool, str]]:
    """Split into code and string pieces; single-quoted strings come back double-quoted."""
    pieces: list[tuple[bool, str]] = []
    code: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == '"' or (char == "'" and _after_value_start(text, i)):
            pieces.append((False, "".join(code)))
            code = []
            end = _string_end(text, i)
            pieces.append((True, _as_double_quoted(text[i : end + 1], char)))
            i = end + 1
        elif text.startswith("//", i):
            newline = text.find("\n", i)
            i = len(text) if newline < 0 else newline
        else:
            code.append(char)
            i += 1
    pieces.append((False, "".join(code)))
    return pieces


def _string_end(text: str, start: int) -> int:
    quote = text[start]
    i = start + 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == quote:
            return i
        i += 1
    return len(text) - 1


def _as_double_quoted(literal: str, quote: str) -> str:
    if quote == '"':
        return literal
    inner = literal[1:-1] if len(literal) > 1 and literal.endswith("'") else literal[1:]
    inner = inner.replace("\\'", "'").replace('"', '\\"')
    return f'"{inner}"'


_GRADE_TEXT = re.compile(
    r"^\s*(?:[A-Za-z ]*[:=]\s*)?(-?\d+(?:\.\d+)?)\s*"
    r"(?:(?:/|out of)\s*\d+(?:\.\d+)?)?\s*(?:\(.*\)|[A-Za-z .!-]*)$",
    re.IGNORECASE,
)


def coerce_number(value: object) -> int | float | None:
    """Read a score written loosely: ``4``, ``4.0``, ``"4"``, ``"4/5"``, ``"Grade: 4"``.

    Args:
        value: A value from a parsed reply.

    Returns:
        An int when the number is whole, else a float (so the caller can refuse it with a
        reason); None when there is no number (booleans are not numbers here).
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, str) and len(value) <= 60:
        match = _GRADE_TEXT.match(value)
        if match:
            return coerce_number(float(match.group(1)))
    return None


def coerce_bool(value: object) -> bool | None:
    """Read a yes/no written loosely: ``true``, ``"false"``, ``"yes"``, ``1``; else None."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in ("true", "yes", "1"):
            return True
        if word in ("false", "no", "0"):
            return False
    return None


def coerce_str_list(value: object) -> list[str]:
    """Read a list of strings: a list (non-strings turned to text, blanks dropped) or one
    string (one item); anything else gives an empty list."""
    if isinstance(value, str):
        return [value.strip()] if value.strip() else []
    if isinstance(value, list):
        items = [item if isinstance(item, str) else json.dumps(item) for item in value]
        return [item.strip() for item in items if item and item.strip()]
    return []
