"""Writing actions in the reply format: the inverse of the parser.

Used to replay steps, to show actions, and by scripted coders in tests. Whatever
:func:`render_reply` returns, :func:`agent_core.protocol.parser.parse_reply` reads back as
the same actions.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from agent_core.protocol.actions import (
    Action,
    EditAction,
    FileAction,
    ShellAction,
    SignalAction,
    StartAction,
)
from agent_core.protocol.bodies import command_text, strip_fence

_BOLT_TAG = re.compile(r"</boltAction>|<(?:/?boltArtifact|boltAction)(?=[\s/>])")


def render_action(action: Action) -> str:
    """One action as a ``<boltAction>`` element.

    Args:
        action: The action.

    Returns:
        The element text.

    Raises:
        ValueError: The action cannot be written so that it reads back unchanged (file
            content containing a Bolt tag or made of one fenced block; a command whose
            surrounding whitespace or HTML entities would be lost).
    """
    if isinstance(action, SignalAction):
        return f'<boltAction type="{action.signal}"/>'
    if isinstance(action, FileAction):
        content = action.content
        if _BOLT_TAG.search(content) or strip_fence(content) != content:
            raise ValueError(f"the content of {action.path} cannot be written as a file action")
        path = html.escape(action.path, quote=True)
        return f'<boltAction type="file" filePath="{path}">\n{content}</boltAction>'
    if isinstance(action, EditAction):
        path = html.escape(action.path, quote=True)
        search, replace = (t if t.endswith("\n") or not t else t + "\n"
                           for t in (action.search, action.replace))
        return (f'<boltAction type="edit" filePath="{path}">\n<<<<<<< SEARCH\n{search}'
                f"=======\n{replace}>>>>>>> REPLACE\n</boltAction>")
    if not isinstance(action, ShellAction | StartAction):
        raise TypeError(f"not an action: {action!r}")
    kind = "shell" if isinstance(action, ShellAction) else "start"
    if command_text(action.command) != action.command or _BOLT_TAG.search(action.command):
        raise ValueError(f"the command {action.command!r} cannot be written as a {kind} action")
    return f'<boltAction type="{kind}">{action.command}</boltAction>'


def render_reply(
    actions: Iterable[Action],
    *,
    title: str = "Website",
    artifact_id: str = "website",
    preamble: str = "",
) -> str:
    """A whole reply: optional prose, then one artifact holding ``actions``.

    Args:
        actions: The actions, in order.
        title: The artifact's title.
        artifact_id: The artifact's kebab-case id.
        preamble: Text before the artifact.

    Returns:
        The reply text.
    """
    head = (
        f'<boltArtifact id="{html.escape(artifact_id, quote=True)}" '
        f'title="{html.escape(title, quote=True)}">'
    )
    body = "\n".join(render_action(a) for a in actions)
    prefix = f"{preamble.rstrip()}\n\n" if preamble.strip() else ""
    return f"{prefix}{head}\n{body}\n</boltArtifact>\n"
