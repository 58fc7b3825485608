"""Scripted coders and a colour-reading vision model for batch tests on static sites.

Each coder writes a one-file static page whose background colour encodes the grade the
vision model will give it (the critic reads the colour back off the real screenshot), so
the batch table can be worked out by hand whatever order the concurrent runs take.
"""

from __future__ import annotations

import json
import threading

from agent_core.agent.services import AgentModels
from agent_core.config import ModelSettings, RoleConfig
from agent_core.llm.factory import make_chat_model
from tests.fakes.model_server import RecordedRequest, Reply, ScriptedModelServer
from tests.support.agent import (
    CRITIC,
    FAST_RETRY,
    FEEDBACK,
    GUI_SYSTEM_START,
    coder_reply,
    role,
)
from tests.support.png import png_pixel

COLOURS = {2: (230, 200, 60), 3: (200, 60, 60), 4: (60, 170, 60), 5: (60, 60, 200)}
GUI_ANSWER = "Thought: The page shows what was asked.\nAction: ANSWER; YES - it is all there"


def page(grade: int) -> dict[str, str]:
    """A static site whose background colour stands for ``grade``."""
    r, g, b = COLOURS[grade]
    return {
        "index.html": f"<!doctype html><html style='background: rgb({r}, {g}, {b})'>"
        f"<title>Shop</title><body><h1>Welcome (grade {grade})</h1></body></html>"
    }


class CoderScript:
    """One coder model: its first step writes the next page from ``grades``; then it asks
    for a GUI test (when ``gui_test``) and finishes.

    Attributes:
        requests: Every request it answered.
    """

    def __init__(self, grades: list[int], *, gui_test: bool) -> None:
        self.grades = list(grades)
        self.gui_test = gui_test
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()

    def __call__(self, request: RecordedRequest) -> Reply | str:
        turn = sum(1 for m in request.messages if m.get("role") == "assistant")
        with self._lock:
            self.requests.append(request)
            if turn == 0:
                if not self.grades:
                    return Reply(status=500, error_body={"error": "coder script exhausted"})
                return coder_reply(page(self.grades.pop(0)))
        if turn == 1 and self.gui_test:
            return coder_reply(signal="screenshot_validated")
        return coder_reply(signal="finish")


def grade_of(png: bytes) -> int:
    """The grade whose colour is nearest the screenshot's top-left corner."""
    pixel = png_pixel(png, 5, 5)
    return min(
        COLOURS, key=lambda g: sum((a - b) ** 2 for a, b in zip(COLOURS[g], pixel, strict=True))
    )


def vision(request: RecordedRequest) -> str:
    """The shared vision model: GUI agent turns and the screenshot critic."""
    if request.texts and request.texts[0].startswith(GUI_SYSTEM_START):
        return GUI_ANSWER
    grade = grade_of(request.images[0])
    if "Grade it." in request.last_user_text:
        return json.dumps({"analysis": f"a plain page worth {grade}", "grade": grade})
    return json.dumps(
        {
            "is_error": False,
            "error_message": "",
            "description": "a heading on a coloured page",
            "suggestions": [],
        }
    )


class SharedModels:
    """The shared critic and feedback clients, and the factory giving each coder its models."""

    def __init__(self, server: ScriptedModelServer) -> None:
        self.critic_config = role(server, "openai", CRITIC)
        self.feedback_config = role(server, "ollama", FEEDBACK)
        self.critic = make_chat_model(self.critic_config, "critic", retry=FAST_RETRY)
        self.feedback = make_chat_model(self.feedback_config, "feedback", retry=FAST_RETRY)
        self.built: list[str] = []

    def __call__(self, coder: RoleConfig) -> AgentModels:
        self.built.append(coder.model)
        settings = ModelSettings(coder, self.critic_config, self.feedback_config)
        return AgentModels(
            make_chat_model(coder, "coder", retry=FAST_RETRY), self.critic, self.feedback, settings
        )

    async def close(self) -> None:
        """Close the shared clients (the batch closes the coders)."""
        await self.critic.close()
        await self.feedback.close()
