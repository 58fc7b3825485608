"""Every role's request carries the schema of its answer; JSON answers read as before.

A static page (no npm), the real loop, Chromium and the GUI agent; the models are scripted
and answer in the JSON shapes a constrained server would produce.
"""

from __future__ import annotations

import json

import pytest

from agent_core.config import RunConfig
from agent_core.critic.prompts import CHECK_SCHEMA, GRADE_SCHEMA
from agent_core.gui.prompts import GUI_REPLY_SCHEMA, SUMMARY_SCHEMA, TEST_INSTRUCTION_SCHEMA
from agent_core.protocol.actions import FileAction, SignalAction
from agent_core.protocol.structured import render_structured
from agent_core.store.records import StepKind
from tests.fakes.model_server import ScriptedModelServer, queue
from tests.support.agent import (
    CODER,
    CRITIC,
    FAST_TIMEOUTS,
    FEEDBACK,
    GUI_SYSTEM_START,
    WRITER_SYSTEM_START,
    CriticScript,
    GuiScript,
    VisionRouter,
    make_agent,
    role,
    settings_for,
)

pytestmark = pytest.mark.slow
PAGE = "<!doctype html><title>Bakery</title><h1>Fresh bread</h1><button>Order</button>"


def schema_of(request) -> dict | None:
    body = request.body
    if "format" in body:
        return body["format"]
    fmt = body.get("response_format")
    return fmt["json_schema"]["schema"] if fmt else None


class Feedback:
    """The feedback model answering in JSON: the test instruction, then the grade."""

    def __init__(self) -> None:
        self.requests = []

    def __call__(self, request):
        self.requests.append(request)
        if request.texts[0].startswith(WRITER_SYSTEM_START):
            return json.dumps({"test_instruction": "Check the heading and press Order."})
        return json.dumps({"test_passed": True, "improvement_suggestions": [], "grade": 5})


@pytest.mark.parametrize("provider", ["openai", "ollama"])
async def test_each_role_asks_for_its_shape_and_reads_json(tmp_path, provider):
    coder = queue(render_structured([FileAction("index.html", PAGE)]),
                  render_structured([SignalAction("screenshot_validated")]),
                  render_structured([SignalAction("finish")]))
    critic = CriticScript([(CriticScript.check("A bakery page."), CriticScript.grade(4))])
    gui = GuiScript([json.dumps({"thought": "The order button is there.",
                                 "action": "ANSWER; YES, heading and button work"})])
    feedback = Feedback()
    scripts = {CODER: coder, CRITIC: VisionRouter(critic, gui), FEEDBACK: feedback}
    with ScriptedModelServer(scripts) as server:
        settings = settings_for(server, provider, reply_format="structured")
        agent, _ = make_agent(tmp_path / "run", "A bakery page with an order button", settings)
        try:
            outcome = await agent.run()
        finally:
            await agent.models.close()
        requests = list(server.chat_requests)
    assert outcome.reason == "finish"
    steps = agent.store.steps()
    assert [s.kind for s in steps] == [StepKind.EDIT, StepKind.GUI_TEST, StepKind.FINISH]
    assert steps[1].gui_grade == 5 and steps[1].gui.answer.startswith("YES")
    assert agent.store.manifest.test_instruction.startswith("Check the heading and press Order.")
    critic_schemas = [schema_of(r) for r in requests if r.model == CRITIC
                      and not r.texts[0].startswith(GUI_SYSTEM_START)]
    assert sorted(map(json.dumps, critic_schemas)) == sorted(
        map(json.dumps, [CHECK_SCHEMA, GRADE_SCHEMA]))
    (gui_request,) = [r for r in requests if r.texts[0].startswith(GUI_SYSTEM_START)]
    assert schema_of(gui_request) == GUI_REPLY_SCHEMA
    writer, summary = feedback.requests
    assert (schema_of(writer), schema_of(summary)) == (TEST_INSTRUCTION_SCHEMA, SUMMARY_SCHEMA)


async def test_a_role_set_to_text_sends_no_schema(tmp_path):
    coder = queue(render_structured([FileAction("index.html", PAGE)]),
                  render_structured([SignalAction("finish")]))
    critic = CriticScript([(CriticScript.check("A bakery page."), CriticScript.grade(4))])
    with ScriptedModelServer({CODER: coder, CRITIC: critic}) as server:
        settings = settings_for(server, "openai", reply_format="structured")
        text_critic = role(server, "openai", CRITIC, reply_format="text")
        settings = type(settings)(settings.coder, text_critic, settings.feedback)
        agent, _ = make_agent(tmp_path / "run", "A bakery page", settings,
                              RunConfig(gui_testing=False, timeouts=FAST_TIMEOUTS))
        try:
            await agent.run()
        finally:
            await agent.models.close()
        critic_requests = [r for r in server.chat_requests if r.model == CRITIC]
    assert critic_requests and all("response_format" not in r.body for r in critic_requests)
    assert agent.store.steps()[0].appearance_grade == 4
