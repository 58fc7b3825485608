"""Structured coder replies: one JSON object whose actions the server constrains by a schema.

Small local models rarely keep to the ``<boltArtifact>`` tags; asked for JSON under a schema
(``response_format`` on OpenAI-compatible servers, ``format`` on Ollama) their replies parse
by construction. The actions are the text protocol's: file, edit, shell, start and the two
signals. A reply cut off mid-way keeps the actions that were complete.
"""

from __future__ import annotations

import json
from typing import Any

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

__all__ = ["StructuredReplyParser", "coder_schema", "parse_structured", "render_structured"]

ACTION_TYPES = ("file", "edit", "shell", "start", "screenshot_validated", "finish")


def coder_schema() -> dict[str, Any]:
    """The JSON schema of a coder reply: each action with exactly the fields its type needs.

    Long strings (file content, search and replace text) carry no ``maxLength``: grammar
    builders expand a bound into one rule per character, and llama-cpp-python 0.3.36 fails
    to parse such a grammar for a few thousand characters and then crashes. The reply
    limit (``max_tokens``) bounds the reply instead; a reply cut off there keeps its
    complete actions (see :func:`parse_structured`).
    """
    text = {"type": "string"}
    path = {"type": "string", "minLength": 1, "maxLength": 200}
    command = {"type": "string", "minLength": 1, "maxLength": 300}

    def shape(kind: str, **fields: Any) -> dict[str, Any]:
        return {"type": "object", "properties": {"type": {"const": kind}, **fields},
                "required": ["type", *fields], "additionalProperties": False}

    actions = [
        shape("file", path=path, content=text),
        shape("edit", path=path, search=text, replace=text),
        shape("shell", command=command),
        shape("start", command=command),
        shape("screenshot_validated"),
        shape("finish"),
    ]
    return {
        "type": "object",
        "properties": {
            "message": {"type": "string", "maxLength": 300},
            "actions": {"type": "array", "minItems": 1, "maxItems": 24,
                        "items": {"anyOf": actions}},
        },
        "required": ["message", "actions"],
        "additionalProperties": False,
    }


def _action(item: Any, position: int) -> tuple[Action | None, str | None]:
    """One action from its JSON object, or why it was not taken."""
    if not isinstance(item, dict):
        return None, f"action {position} is not an object; it was ignored"
    kind = str(item.get("type", "")).strip().lower()
    path = str(item.get("path", "")).strip()
    if is_signal_name(kind):
        return SignalAction(kind), None
    if kind == "file" and path and isinstance(item.get("content"), str):
        return FileAction(path, item["content"]), None
    if kind == "edit" and path and isinstance(item.get("search"), str):
        return EditAction(path, item["search"], str(item.get("replace", ""))), None
    if kind in ("shell", "start") and str(item.get("command", "")).strip():
        command = str(item["command"]).strip()
        return (ShellAction(command) if kind == "shell" else StartAction(command)), None
    if kind not in ACTION_TYPES:
        return None, (f"action {position} has the unknown type '{kind}'; use one of "
                      + ", ".join(ACTION_TYPES))
    needs = {"file": "path and content", "edit": "path and search",
             "shell": "command", "start": "command"}[kind]
    return None, f"the {kind} action {position} needs {needs}; it was ignored"


def _actions_array(text: str) -> tuple[list[Any], bool]:
    """The items of ``"actions": [...]``, and whether the array was complete.

    A reply cut off mid-way keeps its complete items: each is decoded on its own.
    """
    key = text.find('"actions"')
    start = text.find("[", key) if key >= 0 else -1
    if start < 0:
        return [], False
    decoder, pos = json.JSONDecoder(), start + 1
    items: list[Any] = []
    while True:
        while pos < len(text) and text[pos] in " \t\r\n,":
            pos += 1
        if pos >= len(text):
            return items, False
        if text[pos] == "]":
            return items, True
        try:
            item, pos = decoder.raw_decode(text, pos)
        except ValueError:
            return items, False
        items.append(item)


def parse_structured(text: str) -> ParsedReply:
    """The actions of a structured reply; problems become issues the coder is told."""
    items, complete = _actions_array(text)
    actions: list[Action] = []
    issues: list[ParseIssue] = []
    for position, item in enumerate(items, start=1):
        action, problem = _action(item, position)
        if action is not None:
            actions.append(action)
        if problem:
            issues.append(ParseIssue(problem, 0))
    if not complete:
        what = "had no \"actions\" array" if not items else "was cut off before its end"
        kept = f"; the {len(actions)} complete action(s) before that were taken" if actions else ""
        issues.append(ParseIssue(
            f'the JSON reply {what}{kept}. Reply with one object: {{"actions": [...]}}',
            len(text)))
    return ParsedReply(tuple(actions), tuple(issues), None)


class StructuredReplyParser:
    """The streaming parser's interface for JSON replies: actions come when the reply ends."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._parsed: ParsedReply | None = None

    def feed(self, chunk: str) -> list[Action]:
        """Keep streamed text (nothing is acted on before the JSON is whole)."""
        self._parts.append(chunk)
        return []

    def close(self) -> list[Action]:
        """Parse the whole reply; returns its actions."""
        self._parsed = parse_structured("".join(self._parts))
        return list(self._parsed.actions)

    def to_reply(self) -> ParsedReply:
        """The parsed reply (after :meth:`close`)."""
        return self._parsed or parse_structured("".join(self._parts))


def render_structured(actions: list[Action], message: str = "") -> str:
    """A structured reply holding ``actions`` (scripted coders, and shown replays)."""
    items: list[dict[str, str]] = []
    for action in actions:
        if isinstance(action, FileAction):
            items.append({"type": "file", "path": action.path, "content": action.content})
        elif isinstance(action, EditAction):
            items.append({"type": "edit", "path": action.path, "search": action.search,
                          "replace": action.replace})
        elif isinstance(action, ShellAction | StartAction):
            kind = "shell" if isinstance(action, ShellAction) else "start"
            items.append({"type": kind, "command": action.command})
        else:
            items.append({"type": action.signal})
    return json.dumps({"message": message, "actions": items}, indent=1)
