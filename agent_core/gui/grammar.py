"""Reading the GUI agent's reply: one ``Thought:`` and one ``Action:`` from a small grammar.

Actions (keywords in any case, brackets around numbers optional)::

    Click [N]
    Type [N]; text            (surrounding quotes around the text are dropped)
    Scroll [WINDOW|N]; up|down
    Wait
    GoBack                    (also "Go back", "go_back")
    ANSWER; text              (the text runs to the end of the reply)

A reply constrained to JSON (``{"thought": ..., "action": ...}``) reads the same.
Markdown around the labels and the action (``**Action:**``, backticks) is ignored, as are
lines after the action line (except for ANSWER). When the action line is empty the next
non-empty line is read. If several ``Action:`` lines are present the first one counts.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Literal

ActionKind = Literal["click", "type", "scroll", "wait", "go_back", "answer"]
Direction = Literal["up", "down"]
KEYWORDS = "Click, Type, Scroll, Wait, GoBack, ANSWER"

_ACTION_LINE = re.compile(r"(?im)^[ \t>*_#`\-]*action[ \t*_`]*:[ \t*_`]*(.*)$")
_ACTION_ANYWHERE = re.compile(r"(?i)(?<![a-z])action[ \t*_`]*:[ \t*_`]*(.*)$", re.MULTILINE)
_THOUGHT = re.compile(r"(?is)^[ \t>*_#`\-]*thought[ \t*_`]*:[ \t*_`]*(.*)$", re.MULTILINE)
_KEYWORD = re.compile(r"(?i)^(click|type|scroll|wait|go[\s_\-]*back|answer)(?![a-z])")
_WORD = re.compile(r"[A-Za-z_\-]+")
_NUMBER = re.compile(r"^\s*[\[\(]?\s*(\d+)\s*[\]\)]?")
_WRAP = "*`_ \t"
_CANON: dict[str, ActionKind] = {
    "click": "click",
    "type": "type",
    "scroll": "scroll",
    "wait": "wait",
    "goback": "go_back",
    "answer": "answer",
}


@dataclass(frozen=True)
class GuiAction:
    """One action the GUI agent asked for.

    Attributes:
        kind: ``click``, ``type``, ``scroll``, ``wait``, ``go_back`` or ``answer``.
        target: The element number (click, type, scroll of an element); None for the window.
        text: What to type, or the answer.
        direction: ``up`` or ``down`` for a scroll.
        thought: The reasoning the model wrote before the action ('' when missing).
    """

    kind: ActionKind
    target: int | None = None
    text: str = ""
    direction: Direction | None = None
    thought: str = ""

    def describe(self) -> str:
        """The action written back in the grammar, e.g. ``Type [4]; AAPL``."""
        if self.kind == "click":
            return f"Click [{self.target}]"
        if self.kind == "type":
            return f"Type [{self.target}]; {self.text}"
        if self.kind == "scroll":
            where = "WINDOW" if self.target is None else str(self.target)
            return f"Scroll [{where}]; {self.direction}"
        if self.kind == "answer":
            return f"ANSWER; {self.text}"
        return "Wait" if self.kind == "wait" else "GoBack"


@dataclass(frozen=True)
class ParseFailure:
    """A reply that holds no usable action.

    Attributes:
        reason: What is wrong, in words the model can act on.
        thought: The thought, when one could be read.
        action_text: The text after ``Action:``, when there was one.
    """

    reason: str
    thought: str = ""
    action_text: str = ""


def _from_json(text: str) -> str:
    """A reply constrained to ``{"thought", "action"}`` JSON, as the grammar's two lines."""
    stripped = text.strip()
    if not stripped.startswith("{"):
        return text
    try:
        data = json.loads(stripped)
    except ValueError:
        return text
    if not isinstance(data, dict) or not isinstance(data.get("action"), str):
        return text
    return f"Thought: {data.get('thought', '')}\nAction: {data['action']}"


def parse_gui_reply(text: str) -> GuiAction | ParseFailure:
    """Read the thought and the action of one reply.

    Args:
        text: The model's reply.

    Returns:
        The action (with its thought), or a ParseFailure saying why none could be read.
    """
    text = _from_json(text or "").replace("\r\n", "\n")
    found = _ACTION_LINE.search(text) or _ACTION_ANYWHERE.search(text)
    thought = _thought(text, found.start() if found else len(text))
    if found is None:
        return ParseFailure("no 'Action:' line", thought)
    line, rest = found.group(1), text[found.end() :]
    if not line.strip(_WRAP):
        following = [ln for ln in rest.split("\n") if ln.strip(_WRAP)]
        if not following:
            return ParseFailure("the 'Action:' line is empty", thought)
        line = following[0]
        rest = rest[rest.index(line) + len(line) :]
    body = _unwrap(line)
    result = _parse_action(body, rest)
    if isinstance(result, str):
        return ParseFailure(result, thought, body)
    kind, target, value, direction = result
    return GuiAction(kind, target, value, direction, thought)


def _thought(text: str, action_at: int) -> str:
    match = _THOUGHT.search(text[:action_at])
    if match is None:
        return ""
    return _unwrap(text[match.start(1) : action_at])


def _unwrap(text: str) -> str:
    text = text.strip()
    text = re.sub(r"^[*_`]+|[*_`]+$", "", text).strip()
    return text


_DIRECTIONS: tuple[Direction, ...] = ("up", "down")
_Parsed = tuple[ActionKind, int | None, str, Direction | None]


def _parse_action(body: str, rest: str) -> _Parsed | str:
    match = _KEYWORD.match(body)
    if match is None:
        word = _WORD.match(body)
        name = word.group(0) if word else body
        return f"unknown action '{name.strip()[:40]}'; use one of {KEYWORDS}"
    keyword = match.group(1)
    kind = _CANON[re.sub(r"[\s_\-]", "", keyword).lower()]
    args = body[match.end() :]
    if kind == "answer":
        return _answer(args, rest)
    if kind == "click":
        return _click(args)
    if kind == "type":
        return _type(args)
    if kind == "scroll":
        return _scroll(args)
    return _no_arguments(kind, keyword.strip(), args)


def _answer(args: str, rest: str) -> _Parsed | str:
    text = re.sub(r"^\s*[;:,\-]\s*", "", args).strip()
    more = _unwrap(rest)
    text = f"{text}\n{more}".strip() if more else text
    text = _unwrap(text)
    if not text:
        return "ANSWER needs text after ';', e.g. ANSWER; YES - the search shows results"
    return ("answer", None, text, None)


def _trailing(args: str) -> str:
    return args.strip().rstrip(".").strip()


def _click(args: str) -> _Parsed | str:
    number = _NUMBER.match(args)
    if number is None:
        return "Click needs an element number, e.g. Click [3]"
    extra = _trailing(args[number.end() :])
    if extra:
        return (
            f"unexpected text after Click [{number.group(1)}]: '{extra[:40]}'; "
            "put only the action on the Action line"
        )
    return ("click", int(number.group(1)), "", None)


def _type(args: str) -> _Parsed | str:
    number = _NUMBER.match(args)
    if number is None:
        return "Type needs an element number, e.g. Type [4]; hello"
    after = args[number.end() :].strip()
    if not after.startswith(";"):
        return "Type needs text after ';', e.g. Type [4]; hello"
    value = _dequote(after[1:].strip())
    if not value:
        return "Type needs text after ';', e.g. Type [4]; hello"
    return ("type", int(number.group(1)), value, None)


def _dequote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'`":
        return value[1:-1]
    return value


def _scroll(args: str) -> _Parsed | str:
    words = re.sub(r"[\[\]\(\);:,]", " ", args).lower().split()
    direction = next((d for w in words for d in _DIRECTIONS if w == d), None)
    numbers = [w for w in words if w.isdigit()]
    unknown = [w for w in words if w not in ("up", "down", "window") and not w.isdigit()]
    if direction is None:
        return "Scroll needs a direction after ';': up or down, e.g. Scroll [WINDOW]; down"
    if unknown or len(numbers) > 1:
        return "Scroll takes WINDOW or one element number, then up or down"
    target = int(numbers[0]) if numbers else None
    return ("scroll", target, "", direction)


def _no_arguments(kind: ActionKind, word: str, args: str) -> _Parsed | str:
    extra = _trailing(re.sub(r"^\s*\[\s*\]", "", args))
    if extra:
        name = "Wait" if kind == "wait" else "GoBack"
        return f"{name} takes no arguments, but '{extra[:40]}' follows it"
    return (kind, None, "", None)
