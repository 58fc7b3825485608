"""Scripted vision and feedback models for GUI tests (real clients, loopback server), and
checks of annotated screenshots."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from playwright.async_api import Page

from agent_core.config import Provider, RoleConfig
from agent_core.gui.agent import GuiAgent, GuiTrajectory
from agent_core.llm.base import ChatModel
from agent_core.llm.factory import make_chat_model
from tests.fakes.model_server import RecordedRequest, Script, ScriptedModelServer
from tests.support.agent import FAST_AGENT, FAST_RETRY
from tests.support.png import png_pixel, png_size

GUI, FEEDBACK = "gui-model", "feedback-model"
_LINE = re.compile(r"^\[(\d+)\] (.+)$", re.MULTILINE)


def client(server: ScriptedModelServer, model: str, role: str = "critic") -> ChatModel:
    """A real OpenAI-protocol client for ``model`` on the scripted server, no retries."""
    config = RoleConfig(
        provider=Provider.OPENAI,
        model=model,
        base_url=server.base_url_openai,
        timeout_s=10.0,
        max_retries=0,
    )
    return make_chat_model(config, role, retry=FAST_RETRY)


def element_number(request: RecordedRequest, needle: str) -> int | None:
    """The number of the first listed element whose line contains ``needle``."""
    for match in _LINE.finditer(request.last_user_text):
        if needle in match.group(2):
            return int(match.group(1))
    return None


def turn_of(request: RecordedRequest) -> int:
    """How many replies the agent has already given (0 on the first turn)."""
    return sum(1 for message in request.messages if message.get("role") == "assistant")


def stock_tester(request: RecordedRequest) -> str:
    """A vision model that looks up AAPL using the element list it was sent.

    It types into the field listed with placeholder "Stock code", clicks "Look up", and
    answers YES only when the page then lists the "Add AAPL to watchlist" button - so it
    succeeds only if the numbers it was given belong to the right elements.
    """
    turn = turn_of(request)
    if turn == 0:
        code = element_number(request, 'placeholder="Stock code"')
        return f"Thought: I see the stock field.\nAction: Type [{code}]; AAPL"
    if turn == 1:
        button = element_number(request, '"Look up"')
        return f"Thought: Now look it up.\n**Action:** Click [{button}]"
    if element_number(request, '"Add AAPL to watchlist"') is not None:
        return "Thought: The price is shown.\nAction: ANSWER; YES - the lookup shows a price"
    return "Thought: Nothing happened.\nAction: ANSWER; NO - no result appeared"


WRITTEN = "Verify the teal header and cream background. Enter AAPL and look up its price."
WRITTEN_REPLY = f"```\n{WRITTEN}\n```"
"""The feedback model's reply when asked for the test instruction (in a code fence)."""
FIRST_MARK_COLOUR = (0xE6, 0x19, 0x4B)
"""The colour of element 0's box on an annotated screenshot."""
_NEEDLE = re.compile(r"<([^<>]+)>")


def clicker(clicks: int, needle: str = '"Increment"') -> Script:
    """A vision model that clicks the element listed with ``needle`` ``clicks`` times, then
    answers (the benchmark's model, too)."""

    def script(request: RecordedRequest) -> str:
        if turn_of(request) >= clicks:
            return "Thought: done.\nAction: ANSWER; YES - it counts"
        return f"Thought: once more.\nAction: Click [{element_number(request, needle)}]"

    return script


@dataclass(frozen=True)
class ScrollUntil:
    """A playbook step: scroll the window down until an element with ``needle`` is listed."""

    needle: str


class Playbook:
    """A vision model that plays its steps in order, reading numbers from the element list.

    A step is an action in the grammar in which ``<needle>`` stands for the number of the
    first listed element whose line contains ``needle`` (e.g. ``Click [<"Sign up">]``), or a
    ``ScrollUntil``. A needle that is not listed fails the request (HTTP 500 naming it), so
    the agent ends with a model error saying what was missing.

    Attributes:
        listings: The element list of every request, in order.
    """

    def __init__(self, *steps: str | ScrollUntil) -> None:
        self.steps = list(steps)
        self.position = 0
        self.listings: list[str] = []

    def __call__(self, request: RecordedRequest) -> str:
        self.listings.append(request.last_user_text.split("Interactive elements")[-1])
        while True:
            if self.position >= len(self.steps):
                raise AssertionError(f"the playbook has no step {self.position + 1}")
            step = self.steps[self.position]
            if isinstance(step, ScrollUntil):
                if element_number(request, step.needle) is None:
                    return "Thought: not in view yet.\nAction: Scroll [WINDOW]; down"
                self.position += 1
                continue
            self.position += 1
            action = _NEEDLE.sub(lambda m: str(_listed(request, m.group(1))), step)
            return f"Thought: step {self.position}.\nAction: {action}"


def _listed(request: RecordedRequest, needle: str) -> int:
    number = element_number(request, needle)
    if number is None:
        raise AssertionError(f"no element with {needle} in: {request.last_user_text[-600:]}")
    return number


async def run_agent(
    server: ScriptedModelServer, script: Script, page: Page, url: str, task: str, **options: Any
) -> GuiTrajectory:
    """Run the GUI agent with the fast test options and a real client on ``server``."""
    server.set_script(GUI, script)
    model = client(server, GUI)
    try:
        return await GuiAgent(model, **{**FAST_AGENT, **options}).run(page, task, url)
    finally:
        await model.close()


def assert_annotated(png: bytes, plain: bytes, first_box: tuple[float, ...]) -> None:
    """``png`` is an annotated screenshot of the page ``plain`` shows: the viewport's size,
    not the plain one, with element 0's box drawn on the left edge of ``first_box``."""
    assert png_size(png) == png_size(plain) == (1024, 768)
    assert png != plain
    left, top, _width, height = first_box
    x, y = int(left) + 1, int(top + height / 2)
    assert png_pixel(png, x, y) == FIRST_MARK_COLOUR
    assert png_pixel(plain, x, y) != FIRST_MARK_COLOUR
