"""What the screenshot critic asks the vision model, in this project's own words.

Two questions are asked about the same screenshot, in parallel: whether the page is broken
(with a description and suggestions when it is not), and how good it looks on a 0-5 scale.
"""

from __future__ import annotations

from collections.abc import Sequence

from agent_core.llm.base import Message
from agent_core.llm.schemas import string_list

MAX_CONSOLE_LINES = 10
MAX_CONSOLE_CHARS = 300

ERROR_CHECK_SYSTEM = """\
You inspect screenshots of websites that an automated developer has just built. Each \
screenshot shows the browser viewport (1024x768 pixels) right after the page finished loading.

First decide whether the page is broken. It is broken when, instead of the website, it shows:
- a development error overlay (a red or dark panel naming a file, a line or a failed import),
- an exception, a stack trace or "Uncaught ..." text,
- a server message such as "Cannot GET /", "404 Not Found" or "Internal Server Error",
- an empty page, or a page with only a stray heading, where the request clearly called for \
content - what a crashed script leaves behind.
A page that is plain, unfinished, unstyled or ugly is not broken; say so in the description.

If the page is broken, set "is_error" to true and put the error text you can read, or a short \
statement of what is wrong, in "error_message".

Otherwise set "is_error" to false and describe the page so that someone who cannot see it \
could sketch it: the overall layout and its sections; the components (navigation, header, \
hero, cards, forms, buttons, tables, images, footer); the colours and typography; the visible \
text; and anything that looks wrong, such as overlapping or clipped elements, missing images, \
poor contrast, misalignment or placeholder text. Then give concrete changes that would make the \
page serve the user's request better, most important first.

Answer with exactly one JSON object and nothing else, shaped like this:
{"is_error": false, "error_message": "", "description": "...", "suggestions": ["...", "..."]}
"""

GRADE_SYSTEM = """\
You grade the appearance of websites that an automated developer has just built, from a \
screenshot of the browser viewport (1024x768 pixels) taken right after the page loaded.

Compare the page with the user's request and pick one whole-number grade:
0 - nothing to judge: a blank page, or only an error message.
1 - poor: major rendering problems, content unrelated to the request, or a chaotic layout.
2 - below average: only partly rendered, or the content is badly organised.
3 - average: mostly right with minor flaws; it works but looks plain.
4 - good: no significant errors, relevant content, a harmonious and modern look.
5 - excellent: flawless, clearly made for this request, polished and memorable.

Write a short analysis first - what you see, where it meets or misses the request, and what \
decided the grade - then the grade.

Answer with exactly one JSON object and nothing else, shaped like this:
{"analysis": "...", "grade": 3}
"""

RETRY_REQUEST = (
    "I could not read your answer as the JSON object I asked for. Answer again with only that "
    "JSON object: no code fence and no text before or after it."
)


def _request_block(instruction: str) -> str:
    return f"The user asked for this website:\n<request>\n{instruction.strip()}\n</request>\n"


def _console_block(console_errors: Sequence[str]) -> str:
    if not console_errors:
        return ""
    lines = [f"- {line.strip()[:MAX_CONSOLE_CHARS]}" for line in console_errors[:MAX_CONSOLE_LINES]]
    more = len(console_errors) - MAX_CONSOLE_LINES
    if more > 0:
        lines.append(f"- ... and {more} more")
    return (
        "\nWhile the page loaded, the browser reported these errors:\n"
        + "\n".join(lines)
        + "\nTreat them as hints only: judge from the screenshot whether the page is broken.\n"
    )


def error_check_messages(
    instruction: str, png: bytes, console_errors: Sequence[str] = ()
) -> list[Message]:
    """Messages for call 1: is the page broken, and if not, what it shows and how to improve it.

    Args:
        instruction: The user's request for the website.
        png: The screenshot.
        console_errors: Errors the browser reported while loading, given as hints.

    Returns:
        A system message and a user message carrying the screenshot.
    """
    text = (
        _request_block(instruction)
        + _console_block(console_errors)
        + "\nThe screenshot is attached. Check it for errors, then describe it."
    )
    return [
        Message("system", ERROR_CHECK_SYSTEM),
        Message("user", text, images=(png,)),
    ]


def grade_messages(instruction: str, png: bytes) -> list[Message]:
    """Messages for call 2: the 0-5 appearance grade with a short analysis.

    Args:
        instruction: The user's request for the website.
        png: The screenshot.

    Returns:
        A system message and a user message carrying the screenshot.
    """
    text = _request_block(instruction) + "\nThe screenshot is attached. Grade it."
    return [
        Message("system", GRADE_SYSTEM),
        Message("user", text, images=(png,)),
    ]


def retry_messages(messages: Sequence[Message], unreadable_reply: str) -> list[Message]:
    """The same conversation again, with the unreadable reply and a request to fix it.

    Args:
        messages: The messages of the first attempt.
        unreadable_reply: What the model answered.

    Returns:
        The messages for the second attempt.
    """
    return [
        *messages,
        Message("assistant", unreadable_reply),
        Message("user", RETRY_REQUEST),
    ]


CHECK_SCHEMA = {
    "type": "object",
    "properties": {
        "is_error": {"type": "boolean"},
        "error_message": {"type": "string"},
        "description": {"type": "string"},
        "suggestions": string_list(),
    },
    "required": ["is_error", "error_message", "description", "suggestions"],
}
"""The shape of the error-check answer, for servers that constrain replies."""

GRADE_SCHEMA = {
    "type": "object",
    "properties": {
        "analysis": {"type": "string"},
        "grade": {"type": "integer", "enum": [0, 1, 2, 3, 4, 5]},
    },
    "required": ["analysis", "grade"],
}
"""The shape of the appearance grade answer."""
