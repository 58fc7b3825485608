"""The GUI-test step: write a test instruction, let the GUI agent browse, grade the record.

``GuiTester`` implements the loop's ``FunctionalTester`` protocol (``agent_core.gui.interface``).
Once per run (per user instruction) the feedback model turns the user's instruction into a
test instruction. Each test opens a new tab in the browser session's context - the session's
own screenshot tab is left alone - runs the GUI agent there, closes every tab it opened, and
asks the feedback model to grade the trajectory 1-5 (asked once more when the reply cannot be
read).
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

from playwright.async_api import Error as PlaywrightError

from agent_core.browser.session import BrowserSession
from agent_core.critic.jsonparse import coerce_bool, coerce_number, coerce_str_list, extract_json
from agent_core.errors import ModelError, WebGenError
from agent_core.gui import prompts
from agent_core.gui.agent import GuiAgent, GuiTrajectory
from agent_core.gui.agent import GuiTurn as AgentTurn
from agent_core.gui.executor import close_page_quietly
from agent_core.gui.interface import GuiOutcome
from agent_core.llm.base import ChatModel, Message, Usage
from agent_core.llm.schemas import schema_for
from agent_core.store.evidence import GuiTest, GuiTestSummary, GuiTurn

BrowserProvider = Callable[[], Awaitable[BrowserSession]]
MIN_GRADE, MAX_GRADE = 1, 5
NEW_TAB_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class GuiSummary:
    """The feedback model's reading of a trajectory.

    Attributes:
        test_passed: Whether the requirements were met (when the reply leaves it out: a grade
            of 4 or 5).
        improvement_suggestions: What the developer should fix.
        grade: Functional grade 1-5.
    """

    test_passed: bool
    improvement_suggestions: list[str]
    grade: int

    def as_evidence(self) -> GuiTestSummary:
        """The summary as a step record keeps it."""
        return GuiTestSummary(self.test_passed, tuple(self.improvement_suggestions), self.grade)


async def ask_summary(model: ChatModel, messages: list[Message], usage: dict[str, Usage],
                      raw: list[str]) -> GuiSummary | None:
    """Ask ``model`` for a trajectory's summary, once more if unreadable.

    Args:
        model: The feedback model.
        messages: The summary prompt (``prompts.summary_messages``).
        usage: Per-role usage, the ``feedback`` entry is added to.
        raw: Every reply is appended here, readable or not.

    Returns:
        The summary, or None when neither reply was readable.
    """
    for _attempt in (1, 2):
        completion = await model.complete(
            messages, schema=schema_for(model, prompts.SUMMARY_SCHEMA))
        usage["feedback"] = usage.get("feedback", Usage()) + completion.usage
        raw.append(completion.text)
        summary = read_summary(completion.text)
        if summary is not None:
            return summary
        messages = prompts.summary_retry_messages(messages, completion.text)
    return None


def read_summary(reply: str) -> GuiSummary | None:
    """Read the summary JSON out of a reply, however loosely it was written.

    Args:
        reply: The feedback model's reply.

    Returns:
        The summary, or None when there is no whole-number grade from 1 to 5.
    """
    data = extract_json(reply)
    if data is None:
        return None
    data = {str(key).strip().lower(): value for key, value in data.items()}
    grade = coerce_number(data.get("grade", data.get("score")))
    if not isinstance(grade, int) or not MIN_GRADE <= grade <= MAX_GRADE:
        return None
    passed = coerce_bool(data.get("test_passed", data.get("passed")))
    suggestions = coerce_str_list(
        data.get("improvement_suggestions", data.get("suggestions", data.get("improvements")))
    )
    return GuiSummary(grade >= 4 if passed is None else passed, suggestions, grade)


class GuiTester:
    """Runs GUI-test steps: the ``FunctionalTester`` of the agent loop.

    Args:
        gui_model: The vision model that browses (sees screenshots).
        feedback_model: The model that writes the test instruction and grades the record.
        browser_provider: Returns the run's started browser session (awaited per test).
        max_turns: Turn limit of the GUI agent.
        agent_options: Extra keyword arguments for ``GuiAgent`` (e.g. ``wait_s``).
    """

    def __init__(
        self,
        gui_model: ChatModel,
        feedback_model: ChatModel,
        browser_provider: BrowserProvider,
        *,
        max_turns: int = 15,
        agent_options: dict[str, Any] | None = None,
    ) -> None:
        self._gui_model = gui_model
        self._feedback_model = feedback_model
        self._browser_provider = browser_provider
        self._blocked: list[str] = []  # requests the site policy refused in the last test
        self._agent = GuiAgent(gui_model, max_turns=max_turns, **(agent_options or {}))
        self._instructions: dict[str, str] = {}
        self._lock = asyncio.Lock()
        self._unreported = Usage()  # writer usage not yet returned by test()

    def on_browser(self, browser_provider: BrowserProvider) -> GuiTester:
        """A tester with this one's models and test instructions (written once for both)
        that browses in ``browser_provider``'s browser, e.g. a candidate's own tab, so two
        tests never drive one page."""
        twin = copy.copy(self)
        twin._browser_provider = browser_provider
        twin._blocked = []
        twin._unreported = Usage()
        return twin

    async def write_test_instruction(self, instruction: str) -> str:
        """The test instruction for ``instruction``, written once and then reused.

        Raises:
            ModelError: The feedback model failed (nothing is cached then).
        """
        async with self._lock:
            cached = self._instructions.get(instruction)
            if cached is not None:
                return cached
            model = self._feedback_model
            completion = await model.complete(
                prompts.test_writer_messages(instruction),
                schema=schema_for(model, prompts.TEST_INSTRUCTION_SCHEMA),
            )
            self._unreported += completion.usage
            written = prompts.finish_test_instruction(
                prompts.unwrap_test_instruction(completion.text), instruction)
            self._instructions[instruction] = written
            return written

    def remember_test_instruction(self, instruction: str, test_instruction: str) -> None:
        """Reuse a test instruction written earlier (a resumed run keeps its tests)."""
        self._instructions[instruction] = test_instruction

    async def test(self, url: str | None, instruction: str, index: int) -> GuiOutcome:
        """Test the site at ``url`` against ``instruction`` and grade its functions.

        Args:
            url: The running site; None when no server is running.
            instruction: The user's instruction for the website.
            index: The step number (kept in the details).

        Returns:
            The outcome: feedback for the coder, the grade, errors when the agent could not
            run or no summary was obtained, details and usage per role (``gui``,
            ``feedback``). Model and browser failures are reported here, not raised.
        """
        if not url:
            problem = "the site is not running (no dev server address), so nothing was tested"
            return _failed(instruction, problem, GuiTest(step=index, url=url))
        try:
            test_instruction = await self.write_test_instruction(instruction)
        except ModelError as error:
            problem = f"the feedback model could not write the test instruction: {error}"
            return _failed(instruction, problem, GuiTest(step=index, url=url))
        usage, self._unreported = {"feedback": self._unreported}, Usage()
        try:
            trajectory = await self._browse(url, test_instruction)
        except (WebGenError, PlaywrightError, RuntimeError, TimeoutError) as error:
            problem = f"the browser could not be used for the test: {_first_line(error)}"
            details = GuiTest(step=index, url=url, test_instruction=test_instruction)
            return _failed(instruction, problem, details, usage)
        usage["gui"] = trajectory.usage
        details = _details(index, url, test_instruction, trajectory, self._blocked)
        problem = _could_not_run(trajectory)
        if problem:
            return _failed(instruction, problem, details, usage)
        return await self._summarise(instruction, test_instruction, trajectory, details, usage)

    async def _browse(self, url: str, test_instruction: str) -> GuiTrajectory:
        session = await self._browser_provider()
        session.policy.site_url = url
        session.policy.drain()
        context = session.page.context
        before = list(context.pages)
        try:
            page = await asyncio.wait_for(context.new_page(), NEW_TAB_TIMEOUT_S)
            return await self._agent.run(page, test_instruction, url)
        finally:
            self._blocked = session.policy.drain()
            for page in list(context.pages):
                if page not in before:
                    await close_page_quietly(page)

    async def _summarise(
        self,
        instruction: str,
        test_instruction: str,
        trajectory: GuiTrajectory,
        details: GuiTest,
        usage: dict[str, Usage],
    ) -> GuiOutcome:
        messages = prompts.summary_messages(
            test_instruction, _turn_records(trajectory), trajectory.answer,
            trajectory.ended_because,
        )  # fmt: skip
        raw: list[str] = []
        try:
            summary = await self._ask_summary(messages, usage, raw)
        except ModelError as error:
            details = replace(details, raw_summary=raw[-1] if raw else None)
            problem = f"the feedback model could not grade the test: {error}"
            return _failed(instruction, problem, details, usage)
        details = replace(details, raw_summary=raw[-1],
                          raw_summary_first=raw[0] if len(raw) > 1 else None)
        if summary is None:
            problem = (
                f"{self._feedback_model.description} answered the grading request twice "
                "without a readable JSON object with a grade from 1 to 5; no summary"
            )
            return _failed(instruction, problem, details, usage)
        details = replace(details, summary=summary.as_evidence())
        feedback = prompts.coder_feedback(
            instruction=instruction,
            grade=summary.grade,
            passed=summary.test_passed,
            suggestions=summary.improvement_suggestions,
            answer=trajectory.answer,
            turns=len(trajectory.turns),
        )
        return _outcome(feedback, summary.grade, [], details, usage)

    async def _ask_summary(
        self, messages: list[Message], usage: dict[str, Usage], raw: list[str]
    ) -> GuiSummary | None:
        """Ask for the summary, once more if unreadable; replies go to ``raw``."""
        return await ask_summary(self._feedback_model, messages, usage, raw)


def _outcome(
    feedback: str,
    grade: int | None,
    errors: list[str],
    details: GuiTest,
    usage: dict[str, Usage],
) -> GuiOutcome:
    return GuiOutcome(feedback, grade, errors, details, usage)


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _failed(
    instruction: str,
    problem: str,
    details: GuiTest,
    usage: dict[str, Usage] | None = None,
) -> GuiOutcome:
    feedback = prompts.coder_feedback(
        instruction=instruction, grade=None, passed=None, suggestions=(), answer=None,
        turns=len(details.turns), problem=problem,
    )  # fmt: skip
    return _outcome(feedback, None, [problem], details, usage or {})


def _could_not_run(trajectory: GuiTrajectory) -> str:
    """Why the trajectory is no test of the site ('' when it is one)."""
    if trajectory.end_kind == "model_error":
        return f"the GUI agent stopped: {trajectory.ended_because}"
    acted = any(turn.action is not None for turn in trajectory.turns)
    if not acted:
        return f"the GUI agent could not run: {trajectory.ended_because}"
    return ""


def _turn_records(trajectory: GuiTrajectory) -> list[prompts.TurnRecord]:
    return [
        prompts.TurnRecord(
            t.index, t.url, t.thought, t.action_text, t.outcome_status, t.outcome_detail
        )
        for t in trajectory.turns
    ]


def _details(index: int, url: str, test_instruction: str, trajectory: GuiTrajectory,
             blocked: list[str]) -> GuiTest:
    """The test for the record; each turn carries its own annotated PNG until it is stored."""
    return GuiTest(
        step=index, url=url, test_instruction=test_instruction,
        turns=tuple(_kept_turn(turn) for turn in trajectory.turns),
        answer=trajectory.answer, ended_because=trajectory.ended_because,
        end_kind=trajectory.end_kind, blocked=tuple(blocked),
    )  # fmt: skip


def _kept_turn(turn: AgentTurn) -> GuiTurn:
    return GuiTurn(
        index=turn.index, png=turn.png or None, url=turn.url, thought=turn.thought,
        action=turn.action_text, parsed=turn.action is not None, status=turn.outcome_status,
        detail=turn.outcome_detail, seconds=turn.seconds, timings=dict(turn.timings),
    )


__all__ = ["GuiSummary", "GuiTester", "ask_summary", "read_summary"]
