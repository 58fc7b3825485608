"""What the bench's judge is asked, in this project's own words.

Test cases, the benchmark's protocol: the GUI agent gets the case's task and its expected
result, tries it on the running site, and ends with a verdict - YES, PARTIAL or NO.

Appearance, the benchmark's protocol: one request holding the instruction, a 1-5 rubric
(rendering, content relevance, layout harmony, modernness and beauty; one description per
level) and up to three screenshots of the start page, one window height apart; the reply
ends with a line ``Grade: N``.
"""

from __future__ import annotations

from agent_core.bench.dataset import BenchCase
from agent_core.gui.prompts import CREDENTIALS_HINT

CASE_VERDICT = (
    "End with ANSWER and your verdict: YES if the expected result was achieved, PARTIAL if it "
    "was only partly achieved, NO if it was not achieved (or the feature is missing), followed "
    'by a short reason - for example "ANSWER; PARTIAL - the form is sent but the list does '
    'not change".'
)


def case_instruction(case: BenchCase) -> str:
    """The task text the GUI agent works on for one test case.

    Args:
        case: The test case.

    Returns:
        The task, the expected result, the sign-in hint and the verdict rule.
    """
    return (
        "Check one feature of this website.\n\n"
        f"What to do: {case.task.strip()}\n"
        f"What should happen: {case.expected_result.strip()}\n\n"
        "Carry out the task in the browser, then compare what the site shows with the expected "
        f"result. {CREDENTIALS_HINT}\n{CASE_VERDICT}"
    )


APPEARANCE_SYSTEM = "You review how websites look and grade them fairly."

APPEARANCE_RUBRIC = """A website was built from this instruction:

{instruction}

The attached screenshots show its start page from the top down, one browser window \
({width}x{height}) apart, the first at the top of the page.

Grade how the website looks on a scale from 1 to 5, where 5 is best, weighing four things:
- Rendering: does the page display without visual faults, with the colours, fonts and \
components the instruction asks for?
- Relevance of the content: does the design serve the site's purpose and the user's \
requirements, with elements such as search fields, forms or reports where a user would look \
for them?
- Harmony of the layout: are text, images and controls arranged in a balanced, clear and \
uncluttered way?
- Modern look and beauty: does the design follow current practice (clean, responsive), with \
pleasing colours, type and visual hierarchy?

The levels:
1 (poor): serious rendering faults, such as a broken layout or wrong colours; content \
missing or beside the point; a chaotic arrangement; a dated or unattractive design.
2 (below average): renders only in part, with visible faults; content partly relevant but \
badly organised; an inconsistent layout; a plain, uninspired design.
3 (average): renders mostly right with small faults; relevant content without polish; a \
layout that works but is unremarkable; a clean design without a modern touch.
4 (good): renders well without major faults; relevant, logically organised content; a \
harmonious, easy layout; a modern, attractive design.
5 (excellent): flawless rendering; content highly relevant and tailored to the user; a \
polished, responsive, inventive layout; a striking, beautiful, memorable design.

Write your analysis first, in two to four paragraphs that cover every criterion, refer to \
the instruction and name strengths and weaknesses. Then end with one line of this form, \
where N is a whole number from 1 to 5:

Grade: N
"""


def appearance_prompt(instruction: str, viewport: tuple[int, int]) -> str:
    """The text of the appearance request (its screenshots are attached after it).

    Args:
        instruction: The task's website instruction.
        viewport: Width and height of each screenshot.
    """
    return APPEARANCE_RUBRIC.format(
        instruction=instruction.strip(), width=viewport[0], height=viewport[1]
    )


__all__ = [
    "APPEARANCE_RUBRIC",
    "APPEARANCE_SYSTEM",
    "CASE_VERDICT",
    "appearance_prompt",
    "case_instruction",
]
