"""Bad input and failing parts: each gets a clear message, and nothing committed is lost."""

from __future__ import annotations

import json

import pytest

from agent_core.config import RunConfig
from agent_core.events import FileWritten, RunFailed
from agent_core.store.records import RunStatus
from agent_core.store.run_store import RunStore
from tests.fakes.model_server import Reply, ScriptedModelServer, queue
from tests.support.agent import (
    CODER,
    CRITIC,
    FAST_TIMEOUTS,
    FEEDBACK,
    CriticScript,
    GuiScript,
    VisionRouter,
    coder_reply,
    make_agent,
    make_models,
    run,
    settings_for,
)
from tests.support.net import closed_port_url

pytestmark = pytest.mark.slow
INSTRUCTION = "A landing page for a tea shop."
PAGE = {"index.html": "<!doctype html><title>Tea</title><h1>Tea shop</h1>"}


def ok_critic(n: int = 3) -> CriticScript:
    return CriticScript([(CriticScript.check("a tea page"), CriticScript.grade(4))] * n)


async def test_reply_without_actions_is_an_error_step_and_the_run_goes_on(tmp_path):
    coder = queue("Sure! Here is a plan for your tea shop website: a hero, a menu, a map.",
                  coder_reply(PAGE), coder_reply(signal="finish"))
    with ScriptedModelServer({CODER: coder, CRITIC: ok_critic()}) as server:
        agent, _ = make_agent(tmp_path / "run", INSTRUCTION, settings_for(server, "openai"))
        outcome = await run(agent)
    first = agent.store.step(1)
    assert first.has_error and first.errors == ["the reply contained no actions"]
    assert "no action I could carry out" in first.feedback
    assert outcome.status is RunStatus.FINISHED and agent.store.step(2).appearance_grade == 4


async def test_unclosed_action_is_reported_to_the_coder(tmp_path):
    broken = ('<boltArtifact id="x" title="x"><boltAction type="file" filePath="index.html">'
              "<h1>Tea</h1>")
    coder = queue(broken, coder_reply(PAGE), coder_reply(signal="finish"))
    with ScriptedModelServer({CODER: coder, CRITIC: ok_critic()}) as server:
        agent, _ = make_agent(tmp_path / "run", INSTRUCTION, settings_for(server, "openai"))
        await run(agent)
    first = agent.store.step(1)
    assert first.has_error and "index.html" in first.feedback and "not closed" in first.feedback
    assert not (agent.store.workspace / "index.html").read_text().startswith("<h1>Tea</h1>")


async def test_path_escapes_are_refused_and_told_to_the_coder(tmp_path):
    outside = tmp_path / "outside.txt"
    evil = coder_reply({**PAGE, "../../outside.txt": "pwned", "/etc/webgen-test": "pwned",
                        "node_modules/x/index.js": "pwned"})
    coder = queue(evil, coder_reply(signal="finish"))
    with ScriptedModelServer({CODER: coder, CRITIC: ok_critic()}) as server:
        agent, events = make_agent(tmp_path / "run", INSTRUCTION, settings_for(server, "openai"))
        await run(agent)
    assert not outside.exists()
    refused = {e.path: e.refused for e in events if isinstance(e, FileWritten) and e.refused}
    assert set(refused) == {"../../outside.txt", "/etc/webgen-test", "node_modules/x/index.js"}
    feedback = agent.store.step(1).feedback
    assert "Refused file actions" in feedback and "leaves the project" in feedback
    assert agent.store.step(1).appearance_grade == 4  # the legitimate file still went through


async def test_refused_command_is_explained_and_never_run(tmp_path):
    marker = tmp_path / "ran"
    reply = coder_reply(PAGE, shell=[f"touch {marker}", "npm install && rm -rf /"])
    coder = queue(reply, coder_reply(signal="finish"))
    with ScriptedModelServer({CODER: coder, CRITIC: ok_critic()}) as server:
        agent, _ = make_agent(tmp_path / "run", INSTRUCTION, settings_for(server, "openai"))
        await run(agent)
    feedback = agent.store.step(1).feedback
    assert not marker.exists()
    assert "refused to run 'touch" in feedback and "--allow-command" in feedback
    assert "rm -rf /" in feedback


async def test_failing_npm_install_reaches_the_coder_with_npm_output(tmp_path):
    package = {"name": "tea", "private": True, "scripts": {"dev": "vite"},
               "dependencies": {"left-pad-that-is-not-cached": "^9.9.9"}}
    reply = coder_reply({**PAGE, "package.json": json.dumps(package)}, shell=["npm install"])
    coder = queue(reply, coder_reply(signal="finish"))
    with ScriptedModelServer({CODER: coder, CRITIC: ok_critic()}) as server:
        agent, _ = make_agent(tmp_path / "run", INSTRUCTION, settings_for(server, "openai"))
        await run(agent)
    step = agent.store.step(1)
    assert step.has_error and step.errors[0].startswith("dependency installation failed")
    assert "FAILED" in step.feedback and "left-pad-that-is-not-cached" in step.feedback
    assert step.screenshot is None


@pytest.mark.parametrize(("script", "expected"), [
    ("node -e \"console.log('boom at startup'); process.exit(3)\"", "boom at startup"),
    ("node -e \"setInterval(() => {}, 1000)\"", "URL"),
])
async def test_dev_server_that_crashes_or_prints_no_url(tmp_path, script, expected):
    package = {"name": "tea", "private": True, "scripts": {"dev": script}}
    coder = queue(coder_reply({**PAGE, "package.json": json.dumps(package)}),
                  coder_reply(signal="finish"))
    config = RunConfig(timeouts=FAST_TIMEOUTS.__class__(server_start_s=3, install_s=60))
    with ScriptedModelServer({CODER: coder, CRITIC: ok_critic()}) as server:
        agent, _ = make_agent(tmp_path / "run", INSTRUCTION, settings_for(server, "openai"),
                              config)
        await run(agent)
    step = agent.store.step(1)
    assert step.has_error and "the dev server did not start" in step.errors[0]
    assert expected in step.feedback
    assert step.runtime.serve.ok is False


async def test_critic_reply_that_is_not_json_keeps_the_raw_reply(tmp_path):
    critic = CriticScript([("The page looks fine I guess", "four out of five, nice")] * 2)
    coder = queue(coder_reply(PAGE), coder_reply(signal="finish"))
    with ScriptedModelServer({CODER: coder, CRITIC: critic}) as server:
        agent, _ = make_agent(tmp_path / "run", INSTRUCTION, settings_for(server, "ollama"))
        outcome = await run(agent)
    step = agent.store.step(1)
    assert step.appearance_grade is None
    raw = step.critic.raw_replies
    assert "four out of five, nice" in raw.values()
    assert step.critic.problems
    assert outcome.status is RunStatus.FINISHED


async def test_coder_server_down_fails_the_run_with_its_address_and_keeps_steps(tmp_path):
    coder = queue(coder_reply(PAGE), *([Reply(status=500, error_body={"error": "GPU fell"})] * 4))
    with ScriptedModelServer({CODER: coder, CRITIC: ok_critic(4)}) as server:
        settings = settings_for(server, "openai")
        agent, events = make_agent(tmp_path / "run", INSTRUCTION, settings)
        outcome = await run(agent)
        assert outcome.status is RunStatus.FAILED
        assert "HTTP 500" in outcome.reason or "500" in outcome.reason
        assert isinstance(events[-1], RunFailed)
        store = RunStore.open(tmp_path / "run")
        assert store.manifest.status is RunStatus.FAILED and len(store.steps()) == 1

        # Nothing was lost: the run resumes from step 1 once the server answers again.
        server.set_script(CODER, queue(coder_reply(signal="finish")))
        from agent_core.agent.loop import WebGenAgent

        resumed = WebGenAgent(store, make_models(settings), agent.config)
        outcome = await run(resumed)
    assert outcome.status is RunStatus.FINISHED
    assert [s.parent for s in store.steps()] == [None, 1]


async def test_unreachable_model_server_names_the_url(tmp_path):
    closed = closed_port_url()
    with ScriptedModelServer({}) as server:
        settings = settings_for(server, "ollama")
    dead = settings.coder.__class__(**{**settings.coder.__dict__, "base_url": closed})
    settings = settings.__class__(dead, settings.critic, settings.feedback)
    agent, _ = make_agent(tmp_path / "run", INSTRUCTION, settings)
    outcome = await run(agent)
    assert outcome.status is RunStatus.FAILED
    assert f"cannot reach Ollama at {closed}" in outcome.reason
    assert "refused" in outcome.reason


async def test_missing_browser_is_a_clear_failure(tmp_path):
    coder = queue(coder_reply(PAGE))
    config = RunConfig(chromium_path=str(tmp_path / "no-such-chrome"), timeouts=FAST_TIMEOUTS)
    with ScriptedModelServer({CODER: coder, CRITIC: ok_critic()}) as server:
        agent, _ = make_agent(tmp_path / "run", INSTRUCTION, settings_for(server, "openai"),
                              config)
        outcome = await run(agent)
    assert outcome.status is RunStatus.FAILED
    assert "no-such-chrome" in outcome.reason
    assert agent.store.steps() == []


async def test_gui_test_without_a_readable_summary_is_flagged_and_the_run_goes_on(tmp_path):
    coder = queue(coder_reply(PAGE), coder_reply(signal="screenshot_validated"),
                  coder_reply(signal="finish"))
    gui = GuiScript(["Thought: fine.\nAction: ANSWER; YES"])
    # The feedback model writes the test instruction, then never returns a readable summary.
    feedback_replies = queue("Check the tea page.", "it went well", "still not JSON")
    scripts = {CODER: coder, CRITIC: VisionRouter(ok_critic(), gui), FEEDBACK: feedback_replies}
    with ScriptedModelServer(scripts) as server:
        agent, _ = make_agent(tmp_path / "run", INSTRUCTION, settings_for(server, "openai"))
        outcome = await run(agent)
    step = agent.store.step(2)
    assert step.kind.value == "gui_test" and step.has_error and step.gui_grade is None
    assert any("summary" in e for e in step.errors), step.errors
    assert step.gui.raw_summary == "still not JSON"
    assert outcome.status is RunStatus.FINISHED


async def test_gui_testing_can_be_turned_off(tmp_path):
    coder = queue(coder_reply(PAGE), coder_reply(signal="screenshot_validated"),
                  coder_reply(signal="finish"))
    with ScriptedModelServer({CODER: coder, CRITIC: ok_critic()}) as server:
        config = RunConfig(gui_testing=False, timeouts=FAST_TIMEOUTS)
        agent, _ = make_agent(tmp_path / "run", INSTRUCTION, settings_for(server, "openai"),
                              config)
        await run(agent)
        assert not [r for r in server.chat_requests if r.model == FEEDBACK]
    step = agent.store.step(2)
    assert "turned off" in step.feedback and not step.has_error and step.gui_grade is None
