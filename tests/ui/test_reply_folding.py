"""Folding coder replies into prose and action segments, whole and cut off anywhere."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from agent_core.protocol import FileAction, ShellAction, StartAction, parse_reply
from tests.ui.replies import APP_CSS, APP_JSX, PACKAGE_JSON, bakery_reply, lines_of, signal_reply
from ui.reply_folding import Segment, fold_reply

TAG_BITS = ("<boltAction", "<boltArtifact", "</boltAction", "</boltArtifact")


def kinds(segments: list[Segment]) -> list[str]:
    return [s.kind for s in segments]


def assert_clean_prose(segments: list[Segment]) -> None:
    for segment in segments:
        if segment.kind == "prose":
            assert not any(bit in segment.text for bit in TAG_BITS), segment.text
            assert segment.text == segment.text.strip()
            assert segment.text


def test_whole_reply_folds_to_prose_and_chips() -> None:
    segments = fold_reply(bakery_reply())

    assert segments == [
        Segment("prose", "I'll build the bakery order page with React and Vite."),
        Segment("wrote", "package.json", f"{lines_of(PACKAGE_JSON)} lines"),
        Segment("wrote", "src/App.jsx", f"{lines_of(APP_JSX)} lines"),
        Segment("wrote", "src/App.css", f"{lines_of(APP_CSS)} lines"),
        Segment("shell", "npm install && npm run build"),
        Segment("start", "npm run dev"),
        Segment("prose", "The page lists orders and lets you add new ones."),
    ]


def test_signals_self_closing_or_with_empty_body() -> None:
    assert fold_reply(signal_reply()) == [
        Segment("prose", "The screenshot matches the request."),
        Segment("signal", "Looks right: test the features"),
    ]
    done = 'All done.\n<boltAction type="finish"/>\n<boltAction type="finish" />'
    assert fold_reply(done) == [
        Segment("prose", "All done."),
        Segment("signal", "Finished"),
        Segment("signal", "Finished"),
    ]


def test_attributes_in_any_order_and_quote() -> None:
    text = (
        "<boltAction filePath=\"a.js\" type='file'>x\n</boltAction>"
        "<boltAction type=file filePath='b.js'>y</boltAction>"
        '<boltAction   type = "file"   filePath = "c d.js" >\n1\n2\n3\n</boltAction>'
    )
    assert fold_reply(text) == [
        Segment("wrote", "a.js", "1 line"),
        Segment("wrote", "b.js", "1 line"),
        Segment("wrote", "c d.js", "3 lines"),
    ]


def test_fence_around_artifact_is_dropped_but_prose_code_blocks_stay() -> None:
    text = (
        "Run this first:\n```bash\nnpm ci\n```\n"
        "```html\n<boltArtifact id='x' title='X'>\n"
        '<boltAction type="start">npm run dev</boltAction>\n</boltArtifact>\n```\nThat is all.'
    )
    assert fold_reply(text) == [
        Segment("prose", "Run this first:\n```bash\nnpm ci\n```"),
        Segment("start", "npm run dev"),
        Segment("prose", "That is all."),
    ]


def test_partial_tags_at_the_end_are_never_shown() -> None:
    for tail in ("<", "<bolt", "<boltAct", "</boltArtifact", '<boltAction type="file" filePa'):
        assert fold_reply("Here it comes.\n" + tail) == [Segment("prose", "Here it comes.")]


def test_file_is_announced_as_soon_as_its_path_arrives() -> None:
    text = 'Writing.\n<boltAction type="file" filePath="src/App.jsx" '
    assert fold_reply(text)[-1] == Segment("writing", "src/App.jsx")


def test_unfinished_file_shows_writing_with_lines_so_far() -> None:
    text = '<boltAction type="file" filePath="src/App.jsx">\nline 1\nline 2\n</boltAc'
    assert fold_reply(text) == [Segment("writing", "src/App.jsx", "2 lines so far")]
    assert fold_reply(text + "tion>") == [Segment("wrote", "src/App.jsx", "2 lines")]


def test_unfinished_command_is_marked_incomplete() -> None:
    assert fold_reply('<boltAction type="shell">npm inst') == [
        Segment("shell", "npm inst", "incomplete")
    ]


def test_file_action_never_closed_is_reported_not_written() -> None:
    text = (
        '<boltAction type="file" filePath="src/a.js">const a = 1;\n'
        '<boltAction type="start">npm run dev</boltAction>'
    )
    assert fold_reply(text) == [
        Segment("writing", "src/a.js", "not closed; not written"),
        Segment("start", "npm run dev"),
    ]


def test_unknown_actions_and_stray_closers_leave_no_trace() -> None:
    text = (
        'Hi.<boltAction type="deploy">x</boltAction></boltAction></boltArtifact>'
        '<boltAction type="file">no path</boltAction> Bye.'
    )
    assert fold_reply(text) == [Segment("prose", "Hi.\n\nBye.")]


def test_tag_like_text_without_end_is_prose() -> None:
    text = "Use <boltActionless things " + "x" * 1200
    assert fold_reply(text) == [Segment("prose", text)]


def test_empty_reply_has_no_segments() -> None:
    assert fold_reply("") == []
    assert fold_reply("   \n") == []


def test_agrees_with_the_protocol_parser() -> None:
    text = bakery_reply()
    parsed = parse_reply(text)
    segments = fold_reply(text)
    wrote = [s.text for s in segments if s.kind == "wrote"]
    assert wrote == [a.path for a in parsed.actions if isinstance(a, FileAction)]
    assert [s.text for s in segments if s.kind == "shell"] == [
        a.command for a in parsed.actions if isinstance(a, ShellAction)
    ]
    assert [s.text for s in segments if s.kind == "start"] == [
        a.command for a in parsed.actions if isinstance(a, StartAction)
    ]


def test_a_60_kb_reply_folds_into_one_chip_per_file() -> None:
    body = "export const row = () => <div className='row'>cell</div>;\n" * 105
    files = "".join(
        f'<boltAction type="file" filePath="src/f{i}.jsx">\n{body}</boltAction>\n'
        for i in range(10)
    )
    text = f"Intro.\n<boltArtifact id='big' title='Big'>\n{files}</boltArtifact>\nDone."
    assert len(text) >= 60_000
    assert kinds(fold_reply(text)) == ["prose"] + ["wrote"] * 10 + ["prose"]


@settings(max_examples=300, deadline=None)
@given(cut=st.integers(min_value=0, max_value=len(bakery_reply())))
def test_any_prefix_of_a_reply_folds_cleanly(cut: int) -> None:
    full = fold_reply(bakery_reply())
    segments = fold_reply(bakery_reply()[:cut])
    assert_clean_prose(segments)
    wrote = [s.text for s in segments if s.kind == "wrote"]
    assert wrote == [s.text for s in full if s.kind == "wrote"][: len(wrote)]
    assert sum(s.kind == "writing" for s in segments) <= 1


PIECES = (
    "Some prose. ",
    "\n```xml\n",
    "\n```\n",
    '<boltArtifact id="a" title="A">',
    "</boltArtifact>",
    '<boltAction type="file" filePath="src/x.js">',
    "<boltAction filePath='y.css' type='file'>",
    '<boltAction type="shell">',
    '<boltAction type="start">',
    '<boltAction type="finish"/>',
    '<boltAction type="screenshot_validated">',
    "</boltAction>",
    "const a = 1 > 0 && <b>x</b>;\n",
    "npm install",
    "<",
    ">",
    '"',
)


@settings(max_examples=400, deadline=None)
@given(parts=st.lists(st.sampled_from(PIECES), max_size=25), cut=st.integers(min_value=0))
def test_random_tag_soup_never_leaks_tags_into_prose(parts: list[str], cut: int) -> None:
    text = "".join(parts)
    segments = fold_reply(text[: cut % (len(text) + 1)])
    assert_clean_prose(segments)
    assert all(
        s.kind in ("prose", "wrote", "writing", "shell", "start", "signal") for s in segments
    )
    wrote = [s.text for s in fold_reply(text) if s.kind == "wrote"]
    parsed = parse_reply(text)
    assert wrote == [a.path for a in parsed.actions if isinstance(a, FileAction)]
