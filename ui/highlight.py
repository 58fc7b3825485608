"""Syntax colouring for the code viewer and the diff view.

One ``QSyntaxHighlighter`` serves every language: a language is a single regular expression
of named alternatives, scanned left to right, so a ``//`` inside a string stays a string.
Comments and fenced blocks that span lines continue through the block state.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QPalette,
    QSyntaxHighlighter,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
)

# Each role has a colour for light palettes and one for dark palettes.
_COLOURS: dict[str, tuple[str, str]] = {
    "keyword": ("#8a3ab9", "#c98bf0"),
    "builtin": ("#0b6e99", "#56b6c2"),
    "string": ("#2b7a32", "#98c379"),
    "comment": ("#6b7280", "#8b93a1"),
    "number": ("#b4540a", "#e0a36b"),
    "tag": ("#1d5fc4", "#6cb2f5"),
    "attribute": ("#9a4c00", "#e5c07b"),
    "key": ("#1d5fc4", "#6cb2f5"),
    "heading": ("#1d5fc4", "#6cb2f5"),
    "code": ("#2b7a32", "#98c379"),
    "link": ("#0b6e99", "#56b6c2"),
    "emphasis": ("#8a3ab9", "#c98bf0"),
}
_BOLD = {"keyword", "heading", "tag"}

_JS_KEYWORDS = (
    "as async await break case catch class const continue debugger default delete do else "
    "enum export extends finally for from function get if implements import in instanceof "
    "interface let new of private protected public readonly return set static super switch "
    "throw try type typeof var void while with yield"
)
_JS_BUILTINS = "true false null undefined this NaN Infinity"
_STRING = r"\"(?:[^\"\\\n]|\\.)*\"?|'(?:[^'\\\n]|\\.)*'?"
_NUMBER = r"\b(?:0[xX][0-9a-fA-F_]+|\d[\d_]*(?:\.\d+)?(?:[eE][+-]?\d+)?n?)\b"


def _words(words: str) -> str:
    return r"\b(?:" + "|".join(words.split()) + r")\b"


@dataclass(frozen=True)
class Span:
    """A construct that may run over several lines (block comment, template, fence).

    Attributes:
        group: Name of the alternative in the language pattern that opens it.
        close: Regular expression that ends it.
        role: Colour role for the whole span.
        state: Block state that says "still inside" at the end of a line.
    """

    group: str
    close: str
    role: str
    state: int


@dataclass(frozen=True)
class Language:
    """A language: one pattern whose named groups are colour roles or span openers."""

    name: str
    pattern: re.Pattern[str]
    spans: tuple[Span, ...] = field(default=())


def _language(name: str, parts: list[tuple[str, str]], spans: tuple[Span, ...] = ()) -> Language:
    alternatives = "|".join(f"(?P<{group}>{regex})" for group, regex in parts)
    return Language(name, re.compile(alternatives, re.MULTILINE), spans)


_BLOCK_COMMENT = Span("block_comment", r"\*/", "comment", 1)
_TEMPLATE = Span("template", r"(?<!\\)`", "string", 2)
_HTML_COMMENT = Span("html_comment", r"-->", "comment", 1)
_FENCE = Span("fence", r"^\s*```", "code", 3)

JAVASCRIPT = _language(
    "javascript",
    [
        ("block_comment", r"/\*"),
        ("comment", r"//.*"),
        ("template", r"`"),
        ("string", _STRING),
        ("tag", r"</?[A-Za-z][\w.]*(?=[\s/>])|(?<!=)/?>(?=\s*$)|/>"),
        ("attribute", r"\b[A-Za-z_][\w-]*(?==[\"'{])"),
        ("keyword", _words(_JS_KEYWORDS)),
        ("builtin", _words(_JS_BUILTINS)),
        ("number", _NUMBER),
    ],
    (_BLOCK_COMMENT, _TEMPLATE),
)

CSS = _language(
    "css",
    [
        ("block_comment", r"/\*"),
        ("comment", r"(?<![:\w])//.*"),
        ("string", _STRING),
        ("keyword", r"@[\w-]+|!important"),
        ("number", r"#[0-9a-fA-F]{3,8}\b|-?\b\d*\.?\d+(?:px|r?em|%|vh|vw|s|ms|deg|fr|ch)?\b"),
        ("key", r"(?<![\w-])-{0,2}[A-Za-z][\w-]*(?=\s*:[^;{]*(?:;|$))"),
        ("tag", r"[.#][A-Za-z_][\w-]*|&"),
    ],
    (_BLOCK_COMMENT,),
)

HTML = _language(
    "html",
    [
        ("html_comment", r"<!--"),
        ("tag", r"</?[A-Za-z!][\w:.-]*|/?>"),
        ("string", _STRING),
        ("attribute", r"[A-Za-z_:@#][\w:.@-]*(?=\s*=)"),
        ("builtin", r"&[#\w]+;"),
    ],
    (_HTML_COMMENT,),
)

JSON = _language(
    "json",
    [
        ("key", r"\"(?:[^\"\\\n]|\\.)*\"(?=\s*:)"),
        ("string", _STRING),
        ("builtin", _words("true false null")),
        ("number", r"-?\b\d+(?:\.\d+)?(?:[eE][+-]?\d+)?\b"),
    ],
)

MARKDOWN = _language(
    "markdown",
    [
        ("fence", r"^\s*```.*"),
        ("heading", r"^#{1,6}\s.*"),
        ("code", r"`[^`\n]+`"),
        ("link", r"!?\[[^\]\n]*\]\([^)\n]*\)"),
        ("emphasis", r"\*\*[^*\n]+\*\*|__[^_\n]+__|\*[^*\s][^*\n]*\*"),
        ("keyword", r"^\s*(?:[-*+]|\d+\.)\s|^>.*"),
    ],
    (_FENCE,),
)

_BY_SUFFIX: dict[str, Language] = {
    **dict.fromkeys(["js", "jsx", "ts", "tsx", "mjs", "cjs", "mts", "cts"], JAVASCRIPT),
    **dict.fromkeys(["css", "scss", "sass", "less"], CSS),
    **dict.fromkeys(["html", "htm", "vue", "svelte", "svg", "xml"], HTML),
    **dict.fromkeys(["json", "jsonc", "webmanifest"], JSON),
    **dict.fromkeys(["md", "markdown"], MARKDOWN),
}


def language_for(path: str) -> Language | None:
    """The language to colour ``path`` with, or None for plain text."""
    suffix = PurePosixPath(path).suffix.lower().lstrip(".")
    return _BY_SUFFIX.get(suffix)


def is_dark(palette: QPalette) -> bool:
    """Whether the palette draws light text on a dark base."""
    return palette.color(QPalette.ColorRole.Base).lightness() < 128


def _formats(dark: bool) -> dict[str, QTextCharFormat]:
    formats = {}
    for role, (light_colour, dark_colour) in _COLOURS.items():
        fmt = QTextCharFormat()
        fmt.setForeground(QColor(dark_colour if dark else light_colour))
        if role in _BOLD:
            fmt.setFontWeight(QFont.Weight.DemiBold)
        if role in {"comment", "emphasis"}:
            fmt.setFontItalic(True)
        formats[role] = fmt
    return formats


def _utf16_offsets(text: str) -> list[int] | None:
    """Map code-point offsets to the UTF-16 offsets Qt uses; None when they are equal."""
    if all(ord(ch) <= 0xFFFF for ch in text):
        return None
    offsets, position = [], 0
    for ch in text:
        offsets.append(position)
        position += 2 if ord(ch) > 0xFFFF else 1
    offsets.append(position)
    return offsets


class CodeHighlighter(QSyntaxHighlighter):
    """Colours one document as ``language``; ``set_dark`` follows palette changes.

    Args:
        document: The document to colour.
        language: What the document holds.
        dark: Use the colours made for dark palettes.
    """

    def __init__(self, document: QTextDocument, language: Language, dark: bool) -> None:
        super().__init__(document)
        self.language = language
        self._formats = _formats(dark)
        self._spans = {span.group: span for span in language.spans}
        self._by_state = {span.state: span for span in language.spans}

    def set_dark(self, dark: bool) -> None:
        """Switch the colour set and recolour the document."""
        self._formats = _formats(dark)
        self.rehighlight()

    def highlightBlock(self, text: str) -> None:
        """Colour one line (Qt calls this for every changed block)."""
        offsets = _utf16_offsets(text)
        self.setCurrentBlockState(0)
        position = 0
        open_span = self._by_state.get(self.previousBlockState())
        if open_span is not None:
            position = self._finish_span(text, 0, 0, open_span, offsets)
        while position < len(text):
            match = self.language.pattern.search(text, position)
            if match is None:
                break
            group = match.lastgroup or ""
            span = self._spans.get(group)
            if span is not None:
                position = self._finish_span(text, match.start(), match.end(), span, offsets)
                continue
            self._paint(match.start(), match.end(), group, offsets)
            position = max(match.end(), match.start() + 1)

    def _finish_span(
        self, text: str, start: int, search_from: int, span: Span, offsets: list[int] | None
    ) -> int:
        close = re.compile(span.close).search(text, search_from)
        if close is None:
            self._paint(start, len(text), span.role, offsets)
            self.setCurrentBlockState(span.state)
            return len(text)
        self._paint(start, close.end(), span.role, offsets)
        return max(close.end(), start + 1)

    def _paint(self, start: int, end: int, role: str, offsets: list[int] | None) -> None:
        fmt = self._formats.get(role)
        if fmt is None:
            return
        if offsets is not None:
            start, end = offsets[start], offsets[end]
        self.setFormat(start, end - start, fmt)


class DiffHighlighter(QSyntaxHighlighter):
    """Colours unified-diff text: file headers bold, hunk lines blue."""

    def __init__(self, document: QTextDocument) -> None:
        super().__init__(document)
        self._header = QTextCharFormat()
        self._header.setFontWeight(QFont.Weight.Bold)
        self._hunk = QTextCharFormat()
        self._hunk.setForeground(QColor(DIFF_BLUE))

    def highlightBlock(self, text: str) -> None:
        """Colour one diff line."""
        if text.startswith(("+++ ", "--- ")):
            self.setFormat(0, len(text), self._header)
        elif text.startswith("@@"):
            self.setFormat(0, len(text), self._hunk)


DIFF_GREEN = "#2e9d57"
DIFF_RED = "#d1453b"
DIFF_BLUE = "#3b7dd8"


def diff_line_background(line: str) -> QColor | None:
    """Full-width background tint for a unified-diff line (None: no tint)."""
    if line.startswith(("+++ ", "--- ")):
        return None
    colour = {"+": DIFF_GREEN, "-": DIFF_RED, "@": DIFF_BLUE}.get(line[:1])
    if colour is None:
        return None
    tint = QColor(colour)
    tint.setAlpha(38 if line.startswith("@") else 56)
    return tint


def paint_diff_backgrounds(document: QTextDocument) -> None:
    """Tint added, removed and hunk lines of a diff across the full editor width."""
    cursor = QTextCursor(document)
    cursor.beginEditBlock()
    block = document.begin()
    while block.isValid():
        tint = diff_line_background(block.text())
        if tint is not None:
            fmt = QTextBlockFormat()
            fmt.setBackground(QBrush(tint))
            cursor.setPosition(block.position())
            cursor.setBlockFormat(fmt)
        block = block.next()
    cursor.endEditBlock()
