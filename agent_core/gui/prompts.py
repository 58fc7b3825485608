"""What the GUI agent and the feedback model are told, in this project's own words.

Four texts: the browsing agent's system prompt and its per-turn message; the feedback
model's request to turn the user's website instruction into a test instruction; and its
request to read a finished trajectory and grade the site's functions 1-5. The feedback
message for the coder after a GUI test is built here too.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from agent_core.llm.base import Message
from agent_core.llm.schemas import string_list
from agent_core.protocol.coder_prompt import reminder

CREDENTIALS_HINT = (
    "If the site asks you to sign in or register, use the username admin, the password "
    "admin123456 and the email admin@example.com."
)
VERDICT_HINT = (
    "When you are done, answer YES if the task was fully achieved, PARTIAL if only part of it "
    "works, and NO if it was not achieved at all, followed by a short reason."
)
MAX_REPLY_IN_HISTORY = 2000

GUI_AGENT_SYSTEM = f"""\
You are a careful tester who checks a freshly built website by using it in a browser, the \
way a visitor would. You cannot read the page's code; you only see it.

Each turn you receive:
- a screenshot of the browser window (1024x768) in which every element you can interact with \
is framed by a coloured box with its number at the top-left corner;
- the same elements as a text list, one per line, e.g. [4] <input type=text> \
placeholder="Stock code";
- the current URL and what happened after your previous action.

Reply in exactly this shape, and nothing after the action:
Thought: <what you see, what you have verified so far, and what you will do next>
Action: <exactly one action>

The actions:
- Click [N] - click element N (a button, link, tab, checkbox...).
- Type [N]; text - clear the field N and type the text. Enter is pressed for you after a \
search box, a form's only field, or a field with no button next to it (the result says \
whether it was); in a form with several fields, fill each one and then Click its button. \
For a drop-down list, Type the label of the option to pick.
- Scroll [WINDOW]; down  or  Scroll [N]; up - scroll the page, or the scrollable element N, \
by two thirds of a screen. Use it to reach content below or above the screenshot.
- Wait - pause a couple of seconds for something slow to appear.
- GoBack - return to the previous page.
- ANSWER; YES|PARTIAL|NO - reason - end the test with your verdict on the task.

Rules:
- Use only numbers from the current list; numbers change from turn to turn.
- Only what is visible in the window is numbered: scroll to reach anything below or above \
it. An element listed as (disabled) cannot be used at the moment.
- Try every feature the task names: fill forms with realistic values and submit them, follow \
the site's own links, and check that each result actually appears on the page.
- Check colours and layout against the task by looking at the screenshot.
- Stay on the site: links to other websites are refused.
- If an action has no visible effect, try another way once; if it still fails, note it and \
move on.
- {CREDENTIALS_HINT}
- You have a limited number of turns. Finish with ANSWER as soon as you have checked the \
task; YES only if everything asked for works, PARTIAL if some of it does, NO if it does not \
work at all.
"""


def gui_turn_text(
    *,
    task: str,
    url: str,
    elements_text: str,
    previous: str | None,
    turn: int,
    max_turns: int,
) -> str:
    """The user message of one turn (its screenshot is attached separately).

    Args:
        task: The test instruction.
        url: The page's current URL.
        elements_text: The numbered element list.
        previous: What happened after the previous action (None on the first turn).
        turn: This turn's number, from 1.
        max_turns: The turn limit.

    Returns:
        The text.
    """
    lines = [f"Task:\n{task.strip()}", "", f"Turn {turn} of {max_turns}. Current URL: {url}"]
    if previous:
        lines.append(f"Result of your previous action: {previous}")
    lines += ["", "Interactive elements (numbers as on the screenshot):", elements_text]
    if turn >= max_turns:
        lines += ["", "This is your last turn: reply with ANSWER and your verdict now."]
    else:
        lines += ["", "Reply with Thought: and Action: as described."]
    return "\n".join(lines)


def gui_turn_summary(*, url: str, previous: str | None, turn: int) -> str:
    """The short text an older turn keeps once its screenshot has left the prompt."""
    head = f"Turn {turn}. URL: {url}"
    if previous:
        head += f"\nResult of your previous action: {previous}"
    return head + "\n(The screenshot and element list of this turn are no longer shown.)"


def parse_error_text(reason: str) -> str:
    """What the agent is told when its reply could not be read."""
    return (
        f"error: your reply could not be read ({reason}), so nothing was done. Reply with one "
        "line 'Thought: ...' and one line 'Action: ...' holding exactly one action."
    )


TEST_WRITER_SYSTEM = """\
You prepare acceptance tests for websites. A user described a website to a developer; a \
tester who can only use a browser (click, type, scroll, go back) will check the result.

Turn the user's description into instructions for that tester:
- one short paragraph, in the imperative, addressed to the tester;
- list the requirements to verify: each page, feature and interaction the user asked for, \
with realistic example values to enter (names, dates, amounts, search words);
- include the visual requirements the user stated: colour scheme, layout, sections, fonts;
- do not invent features the user did not ask for, and do not explain how to build them.

Write only the instructions, without a heading, quotes or code fences. Example of the style: \
"Verify the cream background and dark-teal buttons. Open the route list, book a hotel for two \
nights, search for 'Lisbon' and filter the results by price."
"""


def test_writer_messages(instruction: str) -> list[Message]:
    """The request to turn the user's instruction into a test instruction."""
    return [
        Message("system", TEST_WRITER_SYSTEM),
        Message(
            "user",
            f"The user's description of the website:\n<request>\n{instruction.strip()}\n"
            "</request>\n\nWrite the test instructions.",
        ),
    ]


def unwrap_test_instruction(reply: str) -> str:
    """The text of a ``{"test_instruction": ...}`` reply; any other reply as it is."""
    try:
        data = json.loads(reply.strip())
    except ValueError:
        return reply
    text = data.get("test_instruction") if isinstance(data, dict) else None
    return text if isinstance(text, str) else reply


def finish_test_instruction(written: str, instruction: str) -> str:
    """The written requirements plus the credentials hint and the verdict rule.

    Args:
        written: The feedback model's reply (fences and a leading label are removed).
        instruction: The user's instruction, used when the reply is empty.

    Returns:
        The test instruction given to the GUI agent.
    """
    text = written.strip()
    if text.startswith("```"):
        text = text.strip("`").strip()
        first, _, rest = text.partition("\n")
        text = rest.strip() if first.strip().isalpha() and rest.strip() else text
    for label in ("Test instructions:", "Test instruction:", "Instructions:"):
        if text.lower().startswith(label.lower()):
            text = text[len(label) :].strip()
    if not text:
        text = f"Verify that the website does what the user asked for: {instruction.strip()}"
    return f"{text}\n\n{CREDENTIALS_HINT} {VERDICT_HINT}"


SUMMARY_SYSTEM = """\
You review the record of a browser test of a website. A tester worked through a list of \
requirements by looking at screenshots and clicking or typing; you get the tester's \
thoughts, actions, the outcome of each action and the final verdict. You do not see the \
screenshots, so rely on what the tester reported seeing.

Judge which of the tested functions work. A function fails when the tester could not use it, \
the page did not react, the expected result did not appear, an error was shown, or the tester \
ran out of turns before reaching it. Refused links to other websites and the tester's own \
mistakes are not the site's fault.

Grade the functions that were tested, as one whole number:
1 - the vast majority of the tested functions fail;
2 - many of them fail;
3 - about half of them work;
4 - most of them work, with minor issues;
5 - all of them work.

Then list concrete improvements for the developer: what is broken or missing, where it is, \
and what should happen instead. Leave the list empty when everything works.

Answer with exactly one JSON object and nothing else:
{"test_passed": true, "improvement_suggestions": ["..."], "grade": 4}
"test_passed" is true only when the requirements were met.
"""

SUMMARY_RETRY = (
    "I could not read your answer as the JSON object I asked for. Answer again with only that "
    'object: {"test_passed": ..., "improvement_suggestions": [...], "grade": 1-5}, without a '
    "code fence or any other text."
)


@dataclass(frozen=True)
class TurnRecord:
    """One turn of a trajectory as the summary prompt shows it."""

    index: int
    url: str
    thought: str
    action: str
    status: str
    detail: str


def summary_messages(
    test_instruction: str,
    turns: Sequence[TurnRecord],
    answer: str | None,
    ended_because: str,
) -> list[Message]:
    """The request to grade the site from a finished trajectory.

    Args:
        test_instruction: What the tester was asked to verify.
        turns: The turns, in order.
        answer: The tester's final verdict, if any.
        ended_because: Why the test ended.

    Returns:
        The messages.
    """
    lines = [f"Requirements given to the tester:\n{test_instruction.strip()}", "", "Record:"]
    for turn in turns:
        lines.append(f"Turn {turn.index + 1} at {turn.url}")
        if turn.thought:
            lines.append(f"  Thought: {turn.thought.strip()[:1500]}")
        lines.append(f"  Action: {turn.action or '(none)'}")
        lines.append(f"  Outcome: {turn.status} - {turn.detail}")
    if not turns:
        lines.append("(no turns)")
    lines += ["", f"Final verdict of the tester: {answer or '(none given)'}"]
    lines.append(f"The test ended because: {ended_because}")
    lines += ["", "Grade the tested functions and answer with the JSON object."]
    return [Message("system", SUMMARY_SYSTEM), Message("user", "\n".join(lines))]


def summary_retry_messages(messages: Sequence[Message], reply: str) -> list[Message]:
    """The summary request again, after a reply that could not be read."""
    return [
        *messages,
        Message("assistant", reply[:MAX_REPLY_IN_HISTORY]),
        Message("user", SUMMARY_RETRY),
    ]


FINISH_OR_EDIT = (
    'If nothing more is needed, reply with only <boltAction type="finish"/> inside an '
    "artifact. Otherwise keep editing: fix what is listed above, restating every file you "
    "change in full."
)


def coder_feedback(
    *,
    instruction: str,
    grade: int | None,
    passed: bool | None,
    suggestions: Sequence[str],
    answer: str | None,
    turns: int,
    problem: str = "",
) -> str:
    """The feedback message for the coder after a GUI-test step.

    Args:
        instruction: The user's instruction (restated at the end).
        grade: The functional grade 1-5, None when there is none.
        passed: Whether the test passed, None when unknown.
        suggestions: The improvement suggestions.
        answer: The tester's final verdict.
        turns: How many turns the tester took.
        problem: Why the test could not be run or summarised ('' when it was).

    Returns:
        The message.
    """
    parts = ["A browser agent tested the features of your site."]
    if problem:
        parts = [f"The browser test of your site could not be completed: {problem}"]
    else:
        verdict = "passed" if passed else "did not pass"
        parts.append(f"It took {turns} turn(s); the test {verdict}, functional grade {grade}/5.")
        if answer:
            parts.append(f"The tester's verdict: {answer}")
        if suggestions:
            parts.append("Suggested improvements:")
            parts += [f"- {item}" for item in suggestions]
        else:
            parts.append("Testing succeeded: the features that were tried work.")
    parts += ["", FINISH_OR_EDIT, "", reminder(instruction)]
    return "\n".join(parts)


GUI_REPLY_SCHEMA = {
    "type": "object",
    "properties": {
        "thought": {"type": "string"},
        "action": {
            "type": "string",
            "pattern": r"^(Click \[[0-9]+\]|Type \[[0-9]+\]; .+|Scroll \[(WINDOW|[0-9]+)\]; "
                       r"(up|down)|Wait|GoBack|ANSWER; .+)$",
        },
    },
    "required": ["thought", "action"],
}
"""The GUI agent's reply as JSON, its action held to the grammar by a pattern."""

TEST_INSTRUCTION_SCHEMA = {
    "type": "object",
    "properties": {"test_instruction": {"type": "string"}},
    "required": ["test_instruction"],
}
"""The test writer's reply as JSON (its one field is the instruction's text)."""

SUMMARY_SCHEMA = {
    "type": "object",
    "properties": {
        "test_passed": {"type": "boolean"},
        "improvement_suggestions": string_list(),
        "grade": {"type": "integer", "enum": [1, 2, 3, 4, 5]},
    },
    "required": ["test_passed", "improvement_suggestions", "grade"],
}
"""The shape of the GUI test summary (functional grade 1-5)."""
