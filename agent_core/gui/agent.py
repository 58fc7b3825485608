"""The GUI agent: a vision model browses the site turn by turn, WebVoyager style.

Each turn the page is marked (numbered boxes plus an element list), the model answers with a
thought and one action, and the action is carried out. Only the latest screenshots stay in
the prompt as images; older turns are kept as short text. ``GuiTester`` (in
``agent_core.gui.tester``) wraps the agent as the loop's functional tester.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Literal

from playwright.async_api import Page

from agent_core.errors import ModelError
from agent_core.gui import prompts
from agent_core.gui.executor import ActionExecutor
from agent_core.gui.grammar import GuiAction, ParseFailure, parse_gui_reply
from agent_core.gui.marks import MarkedPage, MarkingFailed, format_elements, mark_page
from agent_core.llm.base import ChatModel, Message, Usage
from agent_core.llm.schemas import schema_for

EndKind = Literal["answered", "turn_limit", "unreadable", "model_error", "page_error"]
ENDED_ANSWERED = "answered"
ENDED_TURN_LIMIT = "turn limit"
MAX_UNREADABLE = 3
"""Consecutive unreadable replies after which the agent gives up."""

__all__ = ["GuiAgent", "GuiTrajectory", "GuiTurn"]


@dataclass
class GuiTurn:
    """One turn of the agent.

    Attributes:
        index: Position in the trajectory, from 0.
        png: The annotated screenshot the model saw.
        thought: The model's reasoning ('' when missing).
        action_text: The action as written in the grammar (the canonical form of a parsed
            action, the raw text after ``Action:`` for an unreadable one).
        action: The parsed action; None when the reply could not be read.
        outcome_status: ``done``, ``element_missing``, ``timed_out``, ``refused`` or
            ``error`` (an unreadable reply is an ``error`` too).
        outcome_detail: What happened, in words.
        url: The page's URL when the screenshot was taken.
        seconds: Time of the turn (marking, model call and action).
        reply: The model's whole reply.
        timings: Seconds per phase of the turn: ``mark`` (marking and the annotated
            screenshot), ``model`` (the model call) and ``action`` (carrying the action out
            and letting the page settle; absent for an unreadable reply).
    """

    index: int
    png: bytes
    thought: str
    action_text: str
    action: GuiAction | None
    outcome_status: str
    outcome_detail: str
    url: str
    seconds: float
    reply: str = ""
    timings: dict[str, float] = field(default_factory=dict)


@dataclass
class GuiTrajectory:
    """A finished GUI test.

    Attributes:
        turns: Every turn, in order.
        answer: The text of the final ANSWER, None when the agent never answered.
        ended_because: ``answered``, ``turn limit``, or a sentence saying what stopped it.
        end_kind: The same as a keyword: ``answered``, ``turn_limit``, ``unreadable``
            (too many unreadable replies), ``model_error`` or ``page_error`` (the site
            could not be opened or stopped responding).
        usage: Tokens and time of all model calls.
    """

    turns: list[GuiTurn]
    answer: str | None
    ended_because: str
    end_kind: EndKind = "answered"
    usage: Usage = field(default_factory=Usage)


@dataclass
class _Exchange:
    full: str
    short: str
    png: bytes
    reply: str | None = None


class GuiAgent:
    """Tests a site by browsing it with a vision model.

    Args:
        model: A model that accepts images.
        max_turns: Turns before the test ends without an answer.
        keep_screenshots: How many of the latest screenshots are sent as images.
        wait_s: Length of the Wait action.
        action_timeout_s: Upper bound for one action.
        element_timeout_s: How long a click or key press waits for its element.
        load_timeout_s: Longest wait for the start page (and for going back).
        settle_max_s: Longest wait after an action for the page to load and its network to
            go quiet; a page still loading then is screenshot as it is (the outcome says so).
    """

    def __init__(
        self,
        model: ChatModel,
        *,
        max_turns: int = 15,
        keep_screenshots: int = 3,
        wait_s: float = 2.0,
        action_timeout_s: float = 20.0,
        element_timeout_s: float = 5.0,
        load_timeout_s: float = 20.0,
        settle_max_s: float = 3.0,
    ) -> None:
        self.model = model
        """The vision model that chooses the actions."""
        self.max_turns = max(1, max_turns)
        self.keep_screenshots = max(1, keep_screenshots)
        self._executor_options: dict[str, Any] = {
            "wait_s": wait_s,
            "action_timeout_s": action_timeout_s,
            "element_timeout_s": element_timeout_s,
            "load_timeout_s": load_timeout_s,
            "settle_max_s": settle_max_s,
        }

    async def run(self, page: Page, task: str, start_url: str) -> GuiTrajectory:
        """Open ``start_url`` in ``page`` and work on ``task`` until an answer or a limit.

        Tabs the agent opens on the way are closed at the end; ``page`` stays open.

        Args:
            page: A tab to use (the caller owns and closes it).
            task: The test instruction.
            start_url: The site's address; its origin is the site under test.

        Returns:
            The trajectory. Model and page failures end it with a reason; they do not raise.
        """
        executor = ActionExecutor(page, start_url, **self._executor_options)
        run = _Run(self, executor, task)
        try:
            opened = await executor.open(start_url)
            if opened.status != "done":
                return run.end(f"could not open the site: {opened.detail}", "page_error")
            return await run.loop()
        finally:
            await executor.close()


class _Run:
    """The state of one ``GuiAgent.run``."""

    def __init__(self, agent: GuiAgent, executor: ActionExecutor, task: str) -> None:
        self.agent = agent
        self.executor = executor
        self.task = task
        self.turns: list[GuiTurn] = []
        self.history: list[_Exchange] = []
        self.usage = Usage()
        self.previous: str | None = None
        self.unreadable = 0

    def end(self, why: str, kind: EndKind, answer: str | None = None) -> GuiTrajectory:
        return GuiTrajectory(self.turns, answer, why, kind, self.usage)

    async def loop(self) -> GuiTrajectory:
        for index in range(self.agent.max_turns):
            ended = await self._turn(index)
            if ended is not None:
                return ended
        return self.end(ENDED_TURN_LIMIT, "turn_limit")

    async def _turn(self, index: int) -> GuiTrajectory | None:
        """Mark, ask, act; the finished trajectory when this turn ends the test."""
        clock = _Clock()
        try:
            marked = await mark_page(self.executor.page)
        except MarkingFailed as error:
            return self.end(f"could not read the page: {error}", "page_error")
        clock.lap("mark")
        self._add_exchange(marked, index)
        try:
            model = self.agent.model
            completion = await model.complete(
                _prompt(self.history, self.agent.keep_screenshots),
                schema=schema_for(model, prompts.GUI_REPLY_SCHEMA),
            )
        except ModelError as error:
            return self.end(f"the GUI model failed: {error}", "model_error")
        clock.lap("model")
        self.usage += completion.usage
        self.history[-1].reply = completion.text[: prompts.MAX_REPLY_IN_HISTORY]
        parsed = parse_gui_reply(completion.text)
        if isinstance(parsed, ParseFailure):
            return self._unreadable_turn(index, marked, parsed, completion.text, clock)
        self.unreadable = 0
        outcome = await self.executor.execute(parsed, marked.elements)
        clock.lap("action")
        self.turns.append(
            GuiTurn(index, marked.png, parsed.thought, parsed.describe(), parsed,
                    outcome.status, outcome.detail, marked.url, clock.total(),
                    completion.text, clock.laps)
        )  # fmt: skip
        if parsed.kind == "answer":
            return self.end(ENDED_ANSWERED, "answered", parsed.text)
        self.previous = f"{outcome.status}: {outcome.detail}"
        return None

    def _add_exchange(self, marked: MarkedPage, index: int) -> None:
        full = prompts.gui_turn_text(
            task=self.task,
            url=marked.url,
            elements_text=format_elements(marked.elements),
            previous=self.previous,
            turn=index + 1,
            max_turns=self.agent.max_turns,
        )
        short = prompts.gui_turn_summary(url=marked.url, previous=self.previous, turn=index + 1)
        self.history.append(_Exchange(full, short, marked.png))

    def _unreadable_turn(
        self, index: int, marked: MarkedPage, failure: ParseFailure, reply: str, clock: _Clock
    ) -> GuiTrajectory | None:
        """Record a reply that could not be read; end the test after too many in a row."""
        self.unreadable += 1
        self.previous = prompts.parse_error_text(failure.reason)
        self.turns.append(
            GuiTurn(index, marked.png, failure.thought, failure.action_text, None, "error",
                    f"could not read the reply: {failure.reason}", marked.url, clock.total(),
                    reply, clock.laps)
        )  # fmt: skip
        if self.unreadable < MAX_UNREADABLE:
            return None
        return self.end(
            f"the GUI model's replies could not be read {MAX_UNREADABLE} times in a row "
            f"(last: {failure.reason})",
            "unreadable",
        )


def _prompt(history: list[_Exchange], keep_screenshots: int) -> list[Message]:
    """The messages of one request: system text, then every turn so far; only the latest
    ``keep_screenshots`` turns carry their screenshot and full text, older ones a summary."""
    messages = [Message("system", prompts.GUI_AGENT_SYSTEM)]
    first_recent = len(history) - keep_screenshots
    for position, exchange in enumerate(history):
        if position >= first_recent:
            messages.append(Message("user", exchange.full, images=(exchange.png,)))
        else:
            messages.append(Message("user", exchange.short))
        if exchange.reply is not None:
            messages.append(Message("assistant", exchange.reply))
    return messages


class _Clock:
    """Seconds per phase of one turn, rounded to milliseconds."""

    def __init__(self) -> None:
        self._start = self._mark = time.perf_counter()
        self.laps: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round(now - self._mark, 4)
        self._mark = now

    def total(self) -> float:
        return round(time.perf_counter() - self._start, 3)

