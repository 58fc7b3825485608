"""The paper's ablation conditions change what the loop does, seen on the model servers.

Static sites, real Chromium and real clients; the scripted servers' request logs show which
roles were asked.
"""

from __future__ import annotations

import pytest

from agent_core.config import FeedbackLevel, RunConfig
from agent_core.events import Backtracked, BestSelected
from agent_core.store.records import StepKind
from tests.fakes.model_server import ScriptedModelServer, queue
from tests.support.agent import (
    CODER,
    CRITIC,
    FAST_TIMEOUTS,
    FEEDBACK,
    GUI_SYSTEM_START,
    FeedbackScript,
    GuiScript,
    VisionRouter,
    bakery_page,
    coder_reply,
    graded,
    make_agent,
    run,
    settings_for,
)

pytestmark = pytest.mark.slow
INSTRUCTION = "A one-page site for a bakery with a cream background."
THROWING_PAGE = {"index.html": "<!doctype html><title>Bakery</title><h1>Bakery</h1>"
                 "<script>throw new Error('the menu failed to load')</script>"}  # fmt: skip


def asked(server: ScriptedModelServer, model: str) -> list:
    return [r for r in server.chat_requests if r.model == model]


async def test_execution_feedback_asks_no_critic_and_no_gui_agent(tmp_path):
    coder = queue(coder_reply(THROWING_PAGE), coder_reply(signal="finish"))
    with ScriptedModelServer({CODER: coder, CRITIC: graded(4), FEEDBACK: queue()}) as server:
        config = RunConfig(feedback=FeedbackLevel.EXECUTION, timeouts=FAST_TIMEOUTS)
        agent, _ = make_agent(tmp_path / "run", INSTRUCTION, settings_for(server, "openai"),
                              config)  # fmt: skip
        outcome = await run(agent)
        assert asked(server, CRITIC) == [] and asked(server, FEEDBACK) == []
    step = agent.store.step(1)
    assert step.appearance_grade is None and step.critic is None and not step.has_error
    # The coder hears about installing, serving and the console, then is asked to finish.
    assert "Dev server: running at" in step.feedback
    assert "the menu failed to load" in step.feedback
    assert "What the screenshot shows" not in step.feedback
    assert 'reply with only <boltAction type="finish"/>' in step.feedback
    assert outcome.reason == "finish"
    assert agent.store.manifest.config["feedback"] == "execution"


async def test_screenshot_feedback_asks_the_critic_but_never_the_gui_agent(tmp_path):
    coder = queue(coder_reply(bakery_page("cream")), coder_reply(signal="screenshot_validated"),
                  coder_reply(signal="finish"))  # fmt: skip
    vision = VisionRouter(graded(4), GuiScript(["Thought: ok.\nAction: ANSWER; YES"]))
    feedback = FeedbackScript("Check the heading.", [{"test_passed": True, "grade": 5,
                                                      "improvement_suggestions": []}])
    with ScriptedModelServer({CODER: coder, CRITIC: vision, FEEDBACK: feedback}) as server:
        config = RunConfig(feedback=FeedbackLevel.SCREENSHOT, timeouts=FAST_TIMEOUTS)
        agent, _ = make_agent(tmp_path / "run", INSTRUCTION, settings_for(server, "openai"),
                              config)  # fmt: skip
        await run(agent)
        critic_requests = asked(server, CRITIC)
    assert len(critic_requests) == 2  # the error check and the grade of step 1
    assert not [r for r in critic_requests if r.texts[0].startswith(GUI_SYSTEM_START)]
    assert feedback.requests == []  # no test instruction written, no trajectory graded
    steps = agent.store.steps()
    assert steps[0].appearance_grade == 4 and "Appearance grade: 4/5." in steps[0].feedback
    assert 'reply with only <boltAction type="finish"/>' in steps[0].feedback
    assert steps[1].kind is StepKind.GUI_TEST and steps[1].gui_grade is None
    assert "turned off" in steps[1].feedback


async def test_without_backtracking_the_run_never_returns_to_an_earlier_step(tmp_path):
    # The same run as the backtracking rule's test: grades 4, 1, 2, 3 with error_limit 2
    # would send step 4 back to step 1.
    coder = queue(*(coder_reply(bakery_page(f"version {i}")) for i in range(1, 5)),
                  coder_reply(signal="finish"))  # fmt: skip
    with ScriptedModelServer({CODER: coder, CRITIC: graded(4, 1, 2, 3)}) as server:
        config = RunConfig(error_limit=2, backtracking=False, timeouts=FAST_TIMEOUTS)
        agent, events = make_agent(tmp_path / "run", INSTRUCTION, settings_for(server, "openai"),
                                   config)  # fmt: skip
        await run(agent)
        step4_prompt = asked(server, CODER)[3]
    steps = agent.store.steps()
    assert [s.parent for s in steps] == [None, 1, 2, 3, 4]
    assert [s.has_error for s in steps] == [False, True, True, False, False]
    assert not [e for e in events if isinstance(e, Backtracked)]
    assert all(s.backtracked_from is None for s in steps)
    assert "version 3" in "\n".join(step4_prompt.texts)  # it continued from step 3


async def test_without_select_best_the_last_step_is_the_result(tmp_path):
    # Grades 3, 5, 4 over three steps: select-best would keep step 2.
    coder = queue(*(coder_reply(bakery_page(f"v{i}")) for i in range(1, 4)))
    with ScriptedModelServer({CODER: coder, CRITIC: graded(3, 5, 4)}) as server:
        config = RunConfig(max_steps=3, select_best=False, timeouts=FAST_TIMEOUTS)
        agent, events = make_agent(tmp_path / "run", INSTRUCTION, settings_for(server, "openai"),
                                   config)  # fmt: skip
        outcome = await run(agent)
    assert outcome.best_step == 3 and agent.store.manifest.best_step == 3
    assert [e.index for e in events if isinstance(e, BestSelected)] == [3]
    assert "v3" in (agent.store.workspace / "index.html").read_text()
