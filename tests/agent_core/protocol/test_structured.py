"""Structured (JSON) coder replies and the edit action in both formats."""

from __future__ import annotations

import json

from agent_core.protocol.actions import EditAction, FileAction, ShellAction, SignalAction
from agent_core.protocol.parser import parse_reply
from agent_core.protocol.render import render_reply
from agent_core.protocol.structured import coder_schema, parse_structured, render_structured

ACTIONS = [
    FileAction("index.html", "<h1>Bakery</h1>\n"),
    EditAction("src/App.jsx", "const title = 'Old';\n", "const title = 'Bakery';\n"),
    ShellAction("npm install"),
    SignalAction("screenshot_validated"),
]


def test_a_structured_reply_reads_back_as_its_actions() -> None:
    parsed = parse_structured(render_structured(ACTIONS, "Built the page."))
    assert list(parsed.actions) == ACTIONS and parsed.issues == ()


def test_a_reply_cut_off_keeps_its_complete_actions_and_says_so() -> None:
    text = render_structured(ACTIONS)
    cut = text[: text.index('"npm install"') + 5]
    parsed = parse_structured(cut)
    assert list(parsed.actions) == ACTIONS[:2]
    assert "was cut off before its end; the 2 complete action(s) before that were taken" in (
        parsed.issues[-1].message)


def test_prose_or_bad_actions_become_issues_the_coder_can_act_on() -> None:
    assert parse_structured("Sure! Here is a website.").actions == ()
    assert 'had no "actions" array' in parse_structured("Sure!").issues[0].message
    reply = json.dumps({"actions": [{"type": "deploy"}, {"type": "file", "path": "a.js"},
                                    {"type": "finish"}]})
    parsed = parse_structured(reply)
    assert parsed.actions == (SignalAction("finish"),)
    assert [i.message for i in parsed.issues] == [
        "action 1 has the unknown type 'deploy'; use one of file, edit, shell, start, "
        "screenshot_validated, finish",
        "the file action 2 needs path and content; it was ignored",
    ]


def test_the_schema_gives_each_action_the_fields_its_type_needs() -> None:
    schema = coder_schema()
    shapes = {s["properties"]["type"]["const"]: s
              for s in schema["properties"]["actions"]["items"]["anyOf"]}
    assert list(shapes) == ["file", "edit", "shell", "start", "screenshot_validated", "finish"]
    assert shapes["file"]["required"] == ["type", "path", "content"]
    assert shapes["edit"]["required"] == ["type", "path", "search", "replace"]
    assert shapes["shell"]["required"] == ["type", "command"]
    assert shapes["finish"]["required"] == ["type"]
    assert all(not s["additionalProperties"] for s in shapes.values())
    assert "maxLength" not in shapes["file"]["properties"]["content"]  # see coder_schema
    assert schema["properties"]["actions"]["minItems"] == 1


def test_an_edit_action_in_the_tag_format_round_trips() -> None:
    reply = render_reply([ACTIONS[1]])
    assert "<<<<<<< SEARCH\nconst title = 'Old';\n=======\n" in reply
    assert parse_reply(reply).actions == (ACTIONS[1],)


def test_an_edit_without_a_block_is_reported() -> None:
    parsed = parse_reply('<boltAction type="edit" filePath="a.js">just text</boltAction>')
    assert parsed.actions == ()
    assert parsed.issues[0].message.startswith(
        "the edit action for a.js has no search/replace block; nothing was changed")
