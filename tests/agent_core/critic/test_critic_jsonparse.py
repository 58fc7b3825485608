"""Reading JSON objects out of loosely written model replies."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agent_core.critic.jsonparse import (
    coerce_bool,
    coerce_number,
    coerce_str_list,
    extract_json,
)

GOOD = {"analysis": "clean layout", "grade": 4}

TABLE = [
    ("plain object", '{"analysis": "clean layout", "grade": 4}', GOOD),
    ("json fence", '```json\n{"analysis": "clean layout", "grade": 4}\n```', GOOD),
    ("bare fence", '```\n{"analysis": "clean layout", "grade": 4}\n```', GOOD),
    (
        "prose around",
        'Here is my review.\n{"analysis": "clean layout", "grade": 4}\nHope this helps!',
        GOOD,
    ),
    ("trailing commas", '{"analysis": "clean layout", "grade": 4,}', GOOD),
    ("trailing comma in list", '{"s": ["a", "b",], "n": 1}', {"s": ["a", "b"], "n": 1}),
    ("single quotes", "{'analysis': 'clean layout', 'grade': 4}", GOOD),
    ("single quotes with apostrophe inside", "{'a': \"it's fine\"}", {"a": "it's fine"}),
    ("python literals", "{'is_error': False, 'x': None}", {"is_error": False, "x": None}),
    ("grade as string kept", '{"grade": "4"}', {"grade": "4"}),
    ("bare fraction", '{"analysis": "clean layout", "grade": 4/5}', GOOD),
    ("unquoted keys", "{analysis: 'clean layout', grade: 4}", GOOD),
    ("comment line", '{\n  "grade": 4, // solid\n  "analysis": "clean layout"\n}', GOOD),
    (
        "outermost of nested",
        'x {"outer": {"inner": {"deep": 1}}, "grade": 2} y',
        {"outer": {"inner": {"deep": 1}}, "grade": 2},
    ),
    (
        "example then answer",
        'Format: {"grade": <int>}. My answer: {"analysis": "clean layout", "grade": 4}',
        GOOD,
    ),
    (
        "braces inside strings",
        '{"a": "use {curly} and }", "b": 1}',
        {"a": "use {curly} and }", "b": 1},
    ),
    ("stray brace in prose", 'I think { hmm. {"grade": 3}', {"grade": 3}),
    ("cut off reply", '{"analysis": "clean layout", "grade": 4', GOOD),
    (
        "cut off inside string",
        '{"grade": 4, "analysis": "clean lay',
        {"grade": 4, "analysis": "clean lay"},
    ),
    ("newline inside string", '{"a": "line one\nline two"}', {"a": "line one\nline two"}),
    ("url in string", '{"a": "see http://x.test/a//b"}', {"a": "see http://x.test/a//b"}),
    ("no object", "The page looks great, I'd give it a 4.", None),
    ("empty", "", None),
    ("list not object", "[1, 2, 3]", None),
    ("only prose braces", "use {this} and {that}", None),
]


@pytest.mark.parametrize(
    ("text", "expected"), [row[1:] for row in TABLE], ids=[r[0] for r in TABLE]
)
def test_extract_json_table(text, expected):
    assert extract_json(text) == expected


@pytest.mark.parametrize("value", [None, 42, b"{}", ["{}"]])
def test_non_text_gives_none(value):
    assert extract_json(value) is None


@given(st.text(max_size=300))
def test_never_raises_on_any_text(text):
    result = extract_json(text)
    assert result is None or isinstance(result, dict)


@given(st.text(alphabet="{}[]\"',:/ \n\\abc01", max_size=200))
def test_never_raises_on_bracket_soup(text):
    result = extract_json(text)
    assert result is None or isinstance(result, dict)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (4, 4),
        (4.0, 4),
        (3.5, 3.5),
        ("4", 4),
        (" 4 ", 4),
        ("4/5", 4),
        ("4 / 5", 4),
        ("4 out of 5", 4),
        ("Grade: 4", 4),
        ("4 (good)", 4),
        ("-1", -1),
        ("7", 7),
        ("four", None),
        ("I would say 4 because the header is great and 5 is too much", None),
        (True, None),
        (None, None),
        ([4], None),
    ],
)
def test_coerce_number(value, expected):
    assert coerce_number(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        (False, False),
        ("true", True),
        ("False", False),
        ("yes", True),
        (0, False),
        (1, True),
        ("maybe", None),
        (None, None),
        (2, None),
    ],
)
def test_coerce_bool(value, expected):
    assert coerce_bool(value) is expected


def test_coerce_str_list():
    assert coerce_str_list(["a ", "", 3, {"b": 1}]) == ["a", "3", '{"b": 1}']
    assert coerce_str_list("one suggestion") == ["one suggestion"]
    assert coerce_str_list(None) == []
