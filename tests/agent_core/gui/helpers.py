"""Scripted vision and feedback models for GUI tests: real clients, loopback server."""

from __future__ import annotations

import re

from agent_core.config import Provider, RoleConfig
from agent_core.llm.base import ChatModel
from agent_core.llm.factory import make_chat_model
from agent_core.llm.retry import RetryPolicy
from tests.fakes.model_server import RecordedRequest, ScriptedModelServer

GUI, FEEDBACK = "gui-model", "feedback-model"
FAST_RETRY = RetryPolicy(base_delay_s=0.01, max_delay_s=0.05)
FAST_AGENT = {"wait_s": 0.1, "element_timeout_s": 2.0, "action_timeout_s": 5.0}
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
