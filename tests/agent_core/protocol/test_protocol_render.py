"""Rendering actions back into the reply format reads back as the same actions."""

from __future__ import annotations

import pytest

from agent_core.protocol import (
    FileAction,
    ShellAction,
    SignalAction,
    StartAction,
    parse_reply,
    render_action,
    render_reply,
)


def test_rendered_reply_parses_back_to_the_same_actions() -> None:
    actions = (
        FileAction("src/App.jsx", 'export default () => <p>&amp; "quoted"</p>;\n'),
        FileAction('odd "name" & more.txt', "no trailing newline"),
        ShellAction("npm install react-router-dom && npm run dev"),
        StartAction("npm run dev"),
        SignalAction("screenshot_validated"),
    )
    text = render_reply(actions, title="Shop & Co", artifact_id="shop", preamble="Here it is.")
    parsed = parse_reply(text)
    assert text.startswith("Here it is.\n\n<boltArtifact")
    assert parsed.actions == actions
    assert parsed.title == "Shop & Co"
    assert parsed.issues == ()


@pytest.mark.parametrize(
    "action",
    [
        FileAction("a.js", "const s = '</boltAction>';"),
        FileAction("a.md", "```js\nwhole file is one block\n```\n"),
        ShellAction("  npm install  "),
        ShellAction("echo &amp;"),
    ],
)
def test_actions_that_cannot_read_back_unchanged_are_refused(action: object) -> None:
    with pytest.raises(ValueError, match="cannot be written"):
        render_action(action)  # type: ignore[arg-type]
