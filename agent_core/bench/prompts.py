"""What the GUI agent is asked in a bench case, in this project's own words.

The benchmark's protocol: the agent gets the test case's task and its expected result, tries
it on the running site, and ends with a verdict - YES, PARTIAL or NO.
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


__all__ = ["CASE_VERDICT", "case_instruction"]
