"""Table tests of the Bolt reply parser: what the coder writes, what the agent does with it."""

from __future__ import annotations

import re

import pytest

from agent_core.protocol import (
    BoltStreamParser,
    FileAction,
    ShellAction,
    SignalAction,
    StartAction,
    parse_reply,
)

APP = 'export default function App() {\n  return <div className="app">Hi</div>;\n}\n'


def test_typical_reply_yields_files_commands_and_title() -> None:
    reply = (
        "I will build a small todo app.\n\n"
        '<boltArtifact id="todo-app" title="Todo &amp; Notes">\n'
        '<boltAction type="file" filePath="package.json">\n{"name": "todo"}\n</boltAction>\n'
        f'<boltAction type="file" filePath="src/App.jsx">\n{APP}</boltAction>\n'
        '<boltAction type="shell">npm install</boltAction>\n'
        '<boltAction type="start">npm run dev</boltAction>\n'
        "</boltArtifact>\n\nRun it and enjoy."
    )
    parsed = parse_reply(reply)
    assert parsed.actions == (
        FileAction("package.json", '{"name": "todo"}\n'),
        FileAction("src/App.jsx", APP),
        ShellAction("npm install"),
        StartAction("npm run dev"),
    )
    assert parsed.issues == ()
    assert parsed.title == "Todo & Notes"
    assert parsed.files == {"package.json": '{"name": "todo"}\n', "src/App.jsx": APP}
    assert parsed.shell_commands == ("npm install",)
    assert parsed.start_commands == ("npm run dev",)
    assert parsed.signal is None
    assert parsed.has_actions


@pytest.mark.parametrize(
    ("reply", "signal"),
    [
        ('<boltArtifact id="a" title="t"><boltAction type="finish"/></boltArtifact>', "finish"),
        ('<boltArtifact id="a" title="t"><boltAction type="finish" /></boltArtifact>', "finish"),
        ('<boltArtifact id="a"><boltAction type="finish"></boltAction></boltArtifact>', "finish"),
        ('<boltAction type="screenshot_validated"/>', "screenshot_validated"),
        ("<boltAction type='screenshot_validated'>\n</boltAction>", "screenshot_validated"),
        ('<boltAction type="screenshot_validated"/><boltAction type="finish"/>', "finish"),
        ('<boltAction type="finish"/><boltAction type="screenshot_validated"/>', "finish"),
        ("No tags at all, just talk.", None),
    ],
)
def test_signals_and_which_one_wins(reply: str, signal: str | None) -> None:
    parsed = parse_reply(reply)
    assert parsed.signal == signal
    assert parsed.issues == ()


def test_signal_with_closing_tag_reports_no_stray_tag() -> None:
    parsed = parse_reply('<boltAction type="finish">All done.</boltAction>')
    assert parsed.actions == (SignalAction("finish"),)
    assert parsed.issues == ()


@pytest.mark.parametrize(
    "open_tag",
    [
        '<boltAction type="file" filePath="src/a.js">',
        "<boltAction filePath='src/a.js' type='file'>",
        '<boltAction   type = "file"\n   filePath = "src/a.js"   >',
        '<boltAction data-x="1" type="file" filePath="src/a.js" extra>',
        '<boltAction type="FILE" filepath=" src/a.js ">',
        '<boltAction type="file" filePath="src/a&#46;js">',
        '<boltAction type="file" filePath="src/a.js" title="a > b">',
    ],
)
def test_attribute_spellings_and_order(open_tag: str) -> None:
    parsed = parse_reply(f"{open_tag}\nconst a = 1;\n</boltAction>")
    assert parsed.actions == (FileAction("src/a.js", "const a = 1;\n"),)
    assert parsed.issues == ()


@pytest.mark.parametrize(
    ("body", "content"),
    [
        ("\n```jsx\nconst a = 1;\n```\n", "const a = 1;\n"),
        ("```\nconst a = 1;\n```", "const a = 1;\n"),
        ("\n```js\nconst a = '```';\n```\n", "const a = '```';\n"),
        # Two code blocks in a markdown file: nothing wraps the whole body, keep it all.
        ("\n```js\na\n```\ntext\n```js\nb\n```\n", "```js\na\n```\ntext\n```js\nb\n```\n"),
        ("\n# Title\n\n```sh\nnpm i\n```\n", "# Title\n\n```sh\nnpm i\n```\n"),
    ],
)
def test_a_single_wrapping_fence_is_removed(body: str, content: str) -> None:
    parsed = parse_reply(f'<boltAction type="file" filePath="f">{body}</boltAction>')
    assert parsed.files == {"f": content}


def test_file_content_is_verbatim_entities_markup_and_the_word_boltaction() -> None:
    content = (
        "const s = '&lt;b&gt; &amp; boltAction <boltActions> </boltActionX>';\n"
        "<div>\n  <p>&nbsp;</p>\n</div>\r\nconst close = '</' + 'boltAction>';\n"
    )
    parsed = parse_reply(f'<boltAction type="file" filePath="x.jsx">\n{content}</boltAction>')
    assert parsed.files == {"x.jsx": content}
    assert parsed.issues == ()


def test_shell_commands_are_trimmed_unfenced_and_entity_decoded() -> None:
    parsed = parse_reply(
        '<boltAction type="shell">\n```bash\nnpm install react-router-dom &amp;&amp; '
        'npm run dev\n```\n</boltAction><boltAction type="start">  npm run dev \n</boltAction>'
    )
    assert parsed.actions == (
        ShellAction("npm install react-router-dom && npm run dev"),
        StartAction("npm run dev"),
    )


def test_actions_outside_an_artifact_are_accepted_silently() -> None:
    parsed = parse_reply('Sure!\n<boltAction type="file" filePath="a.txt">hi</boltAction>')
    assert parsed.files == {"a.txt": "hi"}
    assert parsed.issues == ()


@pytest.mark.parametrize(
    ("reply", "message", "actions"),
    [
        (
            '<boltArtifact id="a"><boltAction type="file" filePath="src/App.jsx">partial',
            "the file action for src/App.jsx was not closed; the file was not written",
            (),
        ),
        (
            '<boltAction type="file" filePath="src/A.jsx">a\n'
            '<boltAction type="file" filePath="src/B.jsx">b</boltAction>',
            "the file action for src/A.jsx was not closed before the next <boltAction> tag; "
            "the file was not written",
            (FileAction("src/B.jsx", "b"),),
        ),
        (
            '<boltArtifact id="a"><boltAction type="file" filePath="a.js">x</boltArtifact>',
            "the file action for a.js was not closed before the next </boltArtifact> tag",
            (),
        ),
        (
            '<boltAction type="deploy">now</boltAction>',
            "unknown action type 'deploy' was ignored",
            (),
        ),
        ("<boltAction>npm i</boltAction>", "without a type attribute was ignored", ()),
        (
            '<boltAction type="file">x</boltAction>',
            "a file action without a filePath attribute was ignored",
            (),
        ),
        (
            '<boltAction type="file" filePath="  ">x</boltAction>',
            "a file action with an empty filePath was ignored",
            (),
        ),
        (
            '<boltAction type="file" filePath="a.js"/>',
            "the file action for a.js had no content; the file was not written",
            (),
        ),
        ('<boltAction type="shell">  </boltAction>', "an empty shell action was ignored", ()),
        (
            '<boltAction type="shell">npm install react',
            "the shell action 'npm install react' was not closed; the command was not run",
            (),
        ),
        (
            '<boltAction type="start">npm run dev',
            "the start action 'npm run dev' was not closed; nothing was started",
            (),
        ),
        (
            'text </boltAction> <boltAction type="shell">npm i</boltAction>',
            "a stray </boltAction> without a matching <boltAction> was ignored",
            (ShellAction("npm i"),),
        ),
        (
            "</boltArtifact>",
            "a stray </boltArtifact> without an open <boltArtifact> was ignored",
            (),
        ),
        (
            '<boltArtifact id="a"><boltAction type="shell">npm i</boltAction>',
            "the <boltArtifact> was not closed with </boltArtifact>; "
            "the complete actions in it were still taken",
            (ShellAction("npm i"),),
        ),
        (
            '<boltAction type="file" filePath="src/App',
            "the file action for src/App was not closed; the file was not written",
            (),
        ),
        ('<boltArtifact id="a" tit', "the reply ended inside a <boltArtifact> tag", ()),
    ],
)
def test_format_errors_become_issues_never_exceptions(
    reply: str, message: str, actions: tuple[object, ...]
) -> None:
    parsed = parse_reply(reply)
    assert any(message in issue.message for issue in parsed.issues), parsed.issues
    assert parsed.actions == actions


def test_issue_offset_points_at_the_opening_tag() -> None:
    reply = 'prose <boltAction type="file" filePath="a.js">x'
    (issue,) = parse_reply(reply).issues
    assert reply[issue.offset :].startswith('<boltAction type="file"')


def test_truncated_signal_tag_still_counts_at_close() -> None:
    parser = BoltStreamParser()
    assert parser.feed('<boltArtifact id="a"><boltAction type="finish"/') == []
    assert parser.close() == [SignalAction("finish")]
    assert parser.to_reply().signal == "finish"


def test_file_action_is_available_before_the_artifact_closes() -> None:
    parser = BoltStreamParser()
    assert parser.feed('<boltArtifact id="a" title="T">\n<boltAction type="file" ') == []
    assert parser.feed('filePath="index.html"><h1>Hi</h1></boltAc') == []
    assert parser.feed("tion>\n<boltAction type=") == [FileAction("index.html", "<h1>Hi</h1>")]
    assert parser.feed('"start">npm run dev</boltAction></boltArtifact>') == [
        StartAction("npm run dev")
    ]
    assert parser.close() == []
    assert parser.title == "T"
    assert parser.issues == []


def test_feed_after_close_is_a_programming_error() -> None:
    parser = BoltStreamParser()
    parser.close()
    assert parser.close() == []
    with pytest.raises(RuntimeError, match="after close"):
        parser.feed("x")


def test_a_lone_angle_bracket_in_prose_is_not_a_tag() -> None:
    parsed = parse_reply("if a < b and <boltActionable> <bolt then\n" + "x" * 3000)
    assert parsed.actions == ()
    assert parsed.issues == ()


def test_one_char_chunks_of_a_200kb_reply_give_each_file_as_its_tag_closes() -> None:
    files = [
        f'<boltAction type="file" filePath="src/f{i}.jsx">\n' + "<div>{x}</div>\n" * 330
        for i in range(40)
    ]
    reply = '<boltArtifact id="big" title="Big">' + "</boltAction>".join(files)
    reply += "</boltAction></boltArtifact>"
    assert len(reply) > 200_000
    closes = [m.end() - 1 for m in re.finditer("</boltAction>", reply)]

    parser = BoltStreamParser()
    got, fed_at = [], []
    for position, ch in enumerate(reply):
        for action in parser.feed(ch):
            got.append(action)
            fed_at.append(position)
    assert parser.close() == []

    assert got == list(parse_reply(reply).actions)
    assert len(got) == 40 and parser.issues == []
    # Each file is handed out by the character that closes its tag, not later: the coder's
    # files are written while the reply streams. (Speed: benchmarks/parser_stream.py.)
    assert fed_at == closes
