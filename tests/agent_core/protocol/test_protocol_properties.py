"""Property tests: the parser reads any split of any text the same way, and never raises."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent_core.protocol import (
    Action,
    BoltStreamParser,
    FileAction,
    ParsedReply,
    ShellAction,
    SignalAction,
    StartAction,
    parse_reply,
    render_action,
)
from agent_core.protocol.bodies import strip_fence

BOLT_TAG = re.compile(r"</boltAction>|<(?:/?boltArtifact|boltAction)(?=[\s/>])")
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Fragments that make the interesting cases likely: tags, halves of tags, fences, entities.
FRAGMENTS = [
    "<",
    ">",
    "/",
    "/>",
    "=",
    '"',
    "'",
    " ",
    "\n",
    "\r\n",
    "```",
    "```jsx\n",
    "&lt;",
    "&amp;",
    "<div>",
    "</div>",
    "boltAction",
    "boltArtifact",
    "<boltAction",
    "</boltAction",
    "</boltAction>",
    "<boltArtifact",
    "</boltArtifact>",
    '<boltAction type="file" filePath="a.js">',
    '<boltAction type="shell">',
    '<boltAction type="finish"/>',
    '<boltArtifact id="x" title="T">',
    "type=",
    "filePath=",
    '"file"',
    "npm install",
    "é",
    "😀",
    "x",
]
soup = st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=8), max_size=40).map("".join)
prose = (st.text(max_size=30) | soup).filter(lambda t: "<bolt" not in t and "</bolt" not in t)
content = (st.text(max_size=200) | soup).filter(
    lambda t: BOLT_TAG.search(t) is None and strip_fence(t) == t
)
paths = st.from_regex(r"[a-z]{1,6}(/[a-z]{1,6}){0,2}\.(jsx|css|html|json)", fullmatch=True)
commands = st.sampled_from(
    ["npm install", "npm i react-router-dom", "npm install && npm run dev", "npm ci"]
)
actions = st.one_of(
    st.builds(FileAction, paths, content),
    st.builds(ShellAction, commands),
    st.builds(StartAction, st.just("npm run dev")),
    st.builds(SignalAction, st.sampled_from(["finish", "screenshot_validated"])),
)


@dataclass(frozen=True)
class Built:
    """A valid reply and where each action's element lies in it."""

    text: str
    actions: tuple[Action, ...]
    spans: tuple[tuple[int, int], ...]
    artifact: tuple[int, int]  # where the opening tag starts, where the artifact ends


@st.composite
def replies(draw: st.DrawFn) -> Built:
    acts = draw(st.lists(actions, max_size=6))
    text = draw(prose)
    artifact_start = len(text)
    text += '<boltArtifact id="site" title="Site">'
    spans = []
    for action in acts:
        text += draw(prose)
        element = render_action(action)
        spans.append((len(text), len(text) + len(element)))
        text += element
    text += draw(prose) + "</boltArtifact>"
    artifact_end = len(text)
    text += draw(prose)
    return Built(text, tuple(acts), tuple(spans), (artifact_start, artifact_end))


def split_at(text: str, cuts: list[int]) -> list[str]:
    points = sorted({min(c, len(text)) for c in cuts} | {0, len(text)})
    return [text[a:b] for a, b in itertools.pairwise(points)]


def parse_chunks(chunks: list[str]) -> tuple[ParsedReply, list[Action]]:
    parser = BoltStreamParser()
    streamed = [action for chunk in chunks for action in parser.feed(chunk)]
    streamed += parser.close()
    return parser.to_reply(), streamed


@SETTINGS
@given(replies(), st.lists(st.integers(min_value=0, max_value=10_000), max_size=30))
def test_valid_reply_reads_the_same_however_it_is_split(built: Built, cuts: list[int]) -> None:
    whole = parse_reply(built.text)
    chunked, streamed = parse_chunks(split_at(built.text, cuts))
    assert whole.actions == built.actions
    assert whole.issues == ()
    assert chunked == whole
    assert tuple(streamed) == whole.actions


@SETTINGS
@given(soup, st.lists(st.integers(min_value=0, max_value=2_000), max_size=30))
def test_tag_soup_never_raises_and_reads_the_same_however_split(text: str, cuts: list[int]) -> None:
    whole = parse_reply(text)
    chunked, streamed = parse_chunks(split_at(text, cuts))
    assert chunked == whole
    assert tuple(streamed) == whole.actions
    for action in whole.actions:
        if isinstance(action, FileAction):
            assert action.path.strip() and "</boltAction>" not in action.content


@SETTINGS
@given(st.text(max_size=300), st.lists(st.integers(min_value=0, max_value=400), max_size=20))
def test_arbitrary_text_never_raises(text: str, cuts: list[int]) -> None:
    chunked, _ = parse_chunks(split_at(text, cuts))
    assert chunked == parse_reply(text)


@SETTINGS
@given(replies(), st.data())
def test_truncated_reply_reports_every_unclosed_action(built: Built, data: st.DataObject) -> None:
    cut = data.draw(st.integers(min_value=0, max_value=len(built.text)))
    parsed, _ = parse_chunks(split_at(built.text[:cut], data.draw(st.lists(st.integers(0, cut)))))
    issue_offsets = {issue.offset for issue in parsed.issues}

    expected: list[Action] = []
    for action, (start, end) in zip(built.actions, built.spans, strict=True):
        if end <= cut:
            expected.append(action)
        elif isinstance(action, SignalAction) and parsed.actions[len(expected) :][:1] == (action,):
            expected.append(action)  # its tag was complete up to the final '>'
        elif start + len("<boltA") <= cut:
            assert start in issue_offsets, (action, built.text[:cut], parsed.issues)
            if (
                isinstance(action, FileAction)
                and f'filePath="{action.path}"' in built.text[start:cut]
            ):
                assert any(action.path in i.message for i in parsed.issues if i.offset == start)
    assert parsed.actions == tuple(expected)
    artifact_start, artifact_end = built.artifact
    if artifact_start + len("<boltA") <= cut < artifact_end:
        assert artifact_start in issue_offsets or any(
            "not closed" in i.message or "ended" in i.message for i in parsed.issues
        )


@SETTINGS
@given(paths, content, st.lists(st.integers(min_value=0, max_value=300), max_size=20))
def test_file_content_round_trips(path: str, text: str, cuts: list[int]) -> None:
    reply = f'<boltArtifact id="a" title="A">{render_action(FileAction(path, text))}'
    reply += "</boltArtifact>"
    parsed, _ = parse_chunks(split_at(reply, cuts))
    assert parsed.files == {path: text}
    assert parsed.issues == ()
