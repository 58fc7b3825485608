"""The coder's reply format: actions, the streaming parser, the renderer and the prompt."""

from agent_core.protocol.actions import (
    Action,
    EditAction,
    FileAction,
    ParsedReply,
    ParseIssue,
    ShellAction,
    SignalAction,
    SignalName,
    StartAction,
)
from agent_core.protocol.parser import BoltStreamParser, parse_reply
from agent_core.protocol.render import render_action, render_reply

__all__ = [
    "Action",
    "BoltStreamParser",
    "EditAction",
    "FileAction",
    "ParseIssue",
    "ParsedReply",
    "ShellAction",
    "SignalAction",
    "SignalName",
    "StartAction",
    "parse_reply",
    "render_action",
    "render_reply",
]
