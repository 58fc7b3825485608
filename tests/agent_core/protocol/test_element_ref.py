"""The picked element as the engine takes it in, and as the coder and the reminders read it."""

from __future__ import annotations

from dataclasses import replace

import pytest

from agent_core.protocol.coder_prompt import effective_instruction, follow_up_message
from agent_core.protocol.element_ref import (
    ElementRef,
    numbered_excerpt,
    request_words,
    scoped_request,
)

PICKED = {
    "tag": "BUTTON",
    "text": "  Search\n   stocks ",
    "selector": "main > section > button",
    "html": '<button data-webgen-src="src/App.jsx:14:9" style="color: white;">Search</button>',
    "source": "src/App.jsx:14:9",
    "source_is_own": True,
    "page": "/",
}


def test_a_pick_becomes_an_element_without_source_tags_in_its_html() -> None:
    element = ElementRef.from_page(PICKED)
    assert (element.tag, element.text, element.selector) == (
        "button", "Search stocks", "main > section > button")
    assert element.html == '<button style="color: white;">Search</button>'
    assert (element.source_file, element.source_line, element.source_exact) == (
        "src/App.jsx", 14, True)
    assert element.label() == "<button> “Search stocks” · main > section > button · src/App.jsx:14"
    untagged = ElementRef.from_page({**PICKED, "source": "", "source_is_own": False})
    assert untagged.location == "" and untagged.label().endswith("main > section > button")


@pytest.mark.parametrize(("field", "value", "message"), [
    ("tag", "", "no valid tag name"),
    ("tag", "<script>", "no valid tag name ('<script>')"),
    ("text", 42, "the picked element's text is not text: 42"),
])
def test_a_broken_pick_is_refused_with_what_is_wrong(field, value, message) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        ElementRef.from_page({**PICKED, field: value})


def test_the_coder_gets_the_element_and_its_source_and_reminders_stay_short() -> None:
    source = "\n".join(f"line {n}" for n in range(1, 31))
    element = ElementRef.from_page(PICKED)
    element = replace(element, excerpt=numbered_excerpt(source, 14))
    request = scoped_request("Make it green ", element)
    message = follow_up_message(request)
    assert message.startswith("New request from the user:\nMake it green\n\n"
                              "The request is about this element of the page")
    for part in ("- element: <button>", "- CSS selector: main > section > button",
                 "- text: “Search stocks”", "- written in: src/App.jsx, line 14\n",
                 '<button style="color: white;">Search</button>',
                 "src/App.jsx around line 14:\n   8 | line 8\n",
                 "> 14 | line 14\n", "  20 | line 20\n"):
        assert part in message
    assert "line 21" not in message and "  7 | " not in message
    assert scoped_request("Make it green", None) == "Make it green"

    assert request_words(request) == (
        "Make it green (about <button> in src/App.jsx:14 picked in the preview)")
    assert request_words("Add a footer") == "Add a footer"
    assert effective_instruction("A shop.", [request]) == (
        "A shop.\n\nLater requests from the user:\n"
        "- Make it green (about <button> in src/App.jsx:14 picked in the preview)")


def test_an_excerpt_of_a_line_that_is_not_there_is_empty() -> None:
    assert numbered_excerpt("one\ntwo", 3) == ""
    assert numbered_excerpt("one\ntwo", 0) == ""
    assert numbered_excerpt("one\ntwo", 1, radius=1) == "> 1 | one\n  2 | two"
