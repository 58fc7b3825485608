"""What the critic model is asked about the images a user attached, in this project's words.

Two questions: describe an attached image for a coder that cannot see it, and say how
closely a screenshot of the built site matches the attached images.
"""

from __future__ import annotations

from collections.abc import Sequence

from agent_core.llm.base import Message

DESCRIBE_SYSTEM = """\
You turn pictures into words for a web developer who cannot see them. The user attached the \
picture to a request for a website: a screenshot of a site they like, a mockup, a sketch or a \
photo of something the site is about.

Describe it so that the developer could rebuild it without the picture: what kind of picture \
it is; the overall layout from top to bottom and left to right, with rough proportions; each \
section and component (navigation, header, hero, cards, forms, buttons, tables, images, \
footer); the colours, as hex codes where you can estimate them; the typography (serif or \
sans-serif, weights, relative sizes); every piece of visible text, verbatim; spacing, \
borders, corners and shadows. Say what is uncertain rather than inventing it.

Answer in plain prose and lists, without a preamble.
"""

MATCH_SYSTEM = """\
You compare a website an automated developer built with the reference pictures its user \
attached. The first picture(s) are the references; the last one is a screenshot of the built \
site (the browser viewport, 1024x768 pixels).

Judge how closely the screenshot follows the references in layout, components, colours, \
typography and text, as far as the user's request asks for it. Pick one whole-number grade:
0 - nothing in common, or the screenshot shows an error or a blank page.
1 - little in common: a different layout and look.
2 - the same kind of page, but the layout or look differs a lot.
3 - the layout roughly matches; many details differ (colours, fonts, spacing, content).
4 - close: the same layout, colours and content, with small differences.
5 - a faithful match.

Write a short note first: what matches, then what differs most, most important first. \
Then the grade.

Answer with exactly one JSON object and nothing else, shaped like this:
{"note": "...", "match": 3}
"""

MATCH_SCHEMA = {
    "type": "object",
    "properties": {
        "note": {"type": "string"},
        "match": {"type": "integer", "enum": [0, 1, 2, 3, 4, 5]},
    },
    "required": ["note", "match"],
}
"""The shape of the match answer, for servers that constrain replies."""


def _request_block(instruction: str) -> str:
    return f"The user asked for this website:\n<request>\n{instruction.strip()}\n</request>\n"


def describe_messages(instruction: str, image: bytes) -> list[Message]:
    """Messages asking for a description of one attached image.

    Args:
        instruction: The user's request (what the picture is for).
        image: The attached picture.
    """
    text = _request_block(instruction) + "\nThe picture the user attached is below. Describe it."
    return [Message("system", DESCRIBE_SYSTEM), Message("user", text, images=(image,))]


def match_messages(instruction: str, references: Sequence[bytes], png: bytes) -> list[Message]:
    """Messages asking how closely the screenshot ``png`` matches ``references``.

    Args:
        instruction: The user's request.
        references: The attached pictures, in the order the user attached them.
        png: The screenshot of the built site (sent last).
    """
    count = len(references)
    which = "The first picture is the reference" if count == 1 else (
        f"The first {count} pictures are the references")
    text = (_request_block(instruction)
            + f"\n{which}; the last one is the screenshot of the built site. Compare them.")
    return [Message("system", MATCH_SYSTEM),
            Message("user", text, images=(*references, png))]
