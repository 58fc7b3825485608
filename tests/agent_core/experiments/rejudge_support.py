"""A stored run to re-judge, and scripted critic / feedback models that grade it anew.

``build_run`` gives every edit step's screenshot a band whose blue value is
``90 + 10 * index``, so the scripted critic knows which step a picture belongs to.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

from agent_core.store.evidence import (
    GuiTest,
    GuiTestSummary,
    GuiTurn,
    PageCapture,
    RuntimeResult,
)
from agent_core.store.records import StepKind
from tests.fakes.model_server import RecordedRequest, Reply
from tests.support.png import png_pixel
from tests.support.runs import StepSpec, build_run

INSTRUCTION = "A bakery site with a cream background and a menu page."
TEST_INSTRUCTION = "Verify the cream background. Open the menu and order a loaf of rye bread."
CONSOLE_ERROR = "Uncaught TypeError: menu is undefined"
FOLLOW_UP = "Add a contact page with the opening hours."
STORED_SUMMARY = {"test_passed": True, "improvement_suggestions": [], "grade": 4}
TURNS = (
    GuiTurn(
        index=0, screenshot="gui/000003/turn-01.png", url="http://127.0.0.1:5173/",
        thought="I see a cream page with a Menu link.", action="Click [2]", parsed=True,
        status="done", detail="clicked the link 'Menu'", seconds=1.2,
    ),
    GuiTurn(
        index=1, screenshot="gui/000003/turn-02.png", url="http://127.0.0.1:5173/menu",
        thought="The menu lists rye bread but there is no order button.",
        action="ANSWER; PARTIAL - the menu shows but nothing can be ordered", parsed=True,
        status="done", detail="answered", seconds=0.8,
    ),
)  # fmt: skip
GUI_DETAILS = GuiTest(
    step=3,
    url="http://127.0.0.1:5173/",
    test_instruction=TEST_INSTRUCTION,
    turns=TURNS,
    answer="PARTIAL - the menu shows but nothing can be ordered",
    ended_because="the tester gave its verdict",
    end_kind="answer",
    summary=GuiTestSummary(test_passed=True, grade=4),
    raw_summary=json.dumps(STORED_SUMMARY),
)


def stored_run(run_dir: Path):
    """Seven steps: edits graded 4, 2, 3, 5 with screenshots, a GUI test graded 4, an edit
    without a screenshot, and a finish. Step 2 recorded a browser error; step 5 answered
    a follow-up request."""
    specs = [
        StepSpec(appearance=4, files={"index.html": "<h1>Bakery</h1>"}),
        StepSpec(
            appearance=2,
            errors=["appearance grade 2/5"],
            files={"index.html": "<h1>B"},
            extra={"runtime": RuntimeResult(browser=PageCapture((CONSOLE_ERROR,), "B"))},
        ),
        StepSpec(kind=StepKind.GUI_TEST, appearance=2, gui=4, extra={"gui": GUI_DETAILS}),
        StepSpec(appearance=3, files={"index.html": "<h1>Bakery v4</h1>"}),
        StepSpec(
            appearance=5, files={"index.html": "<h1>Bakery v5</h1>"}, extra={"request": FOLLOW_UP}
        ),
        StepSpec(appearance=None, screenshot=False, files={"index.html": "<h1>v6</h1>"}),
        StepSpec(kind=StepKind.FINISH, appearance=None),
    ]
    return build_run(run_dir, specs, instruction=INSTRUCTION, best=5)


def step_of(png: bytes) -> int:
    """The step whose screenshot this is (from the band colour build_run paints)."""
    return (png_pixel(png, 0, 0)[2] - 90) // 10


class BandCritic:
    """The new vision critic: per step a grade, or None for a failing server (HTTP 500).

    Attributes:
        prompts: Step -> the texts of every request about that step's screenshot.
    """

    def __init__(self, grades: dict[int, int | None]) -> None:
        self.grades = grades
        self.prompts: dict[int, list[str]] = {}
        self._lock = threading.Lock()

    def __call__(self, request: RecordedRequest) -> Reply | str:
        index = step_of(request.images[0])
        with self._lock:
            self.prompts.setdefault(index, []).append("\n".join(request.texts))
        grade = self.grades[index]
        if grade is None:
            return Reply(status=500)
        if "Grade it." in request.last_user_text:
            return json.dumps({"analysis": f"analysis of step {index}", "grade": grade})
        return json.dumps(
            {
                "is_error": False,
                "error_message": "",
                "description": f"bakery page of step {index}",
                "suggestions": [f"suggestion for step {index}"],
            }
        )


class SummaryScript:
    """The new feedback model: answers every summary request with the next reply."""

    def __init__(self, *replies: str) -> None:
        self.replies = list(replies)
        self.requests: list[RecordedRequest] = []

    def __call__(self, request: RecordedRequest) -> str:
        self.requests.append(request)
        return self.replies.pop(0)


NEW_SUMMARY = {"test_passed": False, "improvement_suggestions": ["add an order button"], "grade": 2}
