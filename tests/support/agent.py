"""Building agents on scripted model servers, and scripting the critic and the coder."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from agent_core.agent.loop import WebGenAgent
from agent_core.agent.services import AgentModels
from agent_core.config import ModelSettings, Provider, RoleConfig, RunConfig, Timeouts
from agent_core.events import Event, EventBus
from agent_core.llm.factory import make_chat_model
from agent_core.llm.retry import RetryPolicy
from agent_core.protocol.actions import FileAction, ShellAction, SignalAction, StartAction
from agent_core.protocol.render import render_reply
from agent_core.store.run_store import RunStore
from tests.fakes.model_server import RecordedRequest, Reply, ScriptedModelServer

CODER, CRITIC, FEEDBACK = "coder-model", "critic-model", "feedback-model"
FAST_RETRY = RetryPolicy(base_delay_s=0.01, max_delay_s=0.05)
FAST_AGENT = {"wait_s": 0.1, "element_timeout_s": 2.0, "action_timeout_s": 5.0}
"""GUI agent options for tests: short waits, so a missing element fails in seconds."""


def role(server: ScriptedModelServer, provider: str, model: str, **kw) -> RoleConfig:
    """A role pointed at ``server`` in ``provider``'s protocol."""
    url = server.base_url_openai if provider == "openai" else server.base_url_ollama
    return RoleConfig(provider=Provider(provider), model=model, base_url=url,
                      timeout_s=kw.pop("timeout_s", 30.0), max_retries=kw.pop("max_retries", 1),
                      **kw)


def settings_for(server: ScriptedModelServer, provider: str, **coder_kw) -> ModelSettings:
    """Coder, critic and feedback roles on one scripted server."""
    return ModelSettings(
        coder=role(server, provider, CODER, **coder_kw),
        critic=role(server, provider, CRITIC),
        feedback=role(server, provider, FEEDBACK),
    )


def make_models(settings: ModelSettings) -> AgentModels:
    """Real clients for the three roles, with fast retries."""
    return AgentModels(
        coder=make_chat_model(settings.coder, "coder", retry=FAST_RETRY),
        critic=make_chat_model(settings.critic, "critic", retry=FAST_RETRY),
        feedback=make_chat_model(settings.feedback, "feedback", retry=FAST_RETRY),
        settings=settings,
    )


FAST_TIMEOUTS = Timeouts(install_s=120, server_start_s=30, page_load_s=15, command_s=30)


def make_agent(run_dir: Path, instruction: str, settings: ModelSettings,
               config: RunConfig | None = None) -> tuple[WebGenAgent, list[Event]]:
    """A fresh run in ``run_dir``; returns the agent and the list its events land in."""
    config = config or RunConfig(timeouts=FAST_TIMEOUTS)
    store = RunStore.create(run_dir, instruction, models=settings.to_public_dict(),
                            config=config.to_dict())
    events: list[Event] = []
    bus = EventBus()
    bus.subscribe(events.append)
    return WebGenAgent(store, make_models(settings), config, bus), events


def coder_reply(files: dict[str, str] | None = None, *, shell: Sequence[str] = (),
                start: str | None = None, signal: str | None = None, prose: str = "") -> str:
    """A Bolt-style reply, as a coder model would stream it."""
    actions = [FileAction(p, c) for p, c in (files or {}).items()]
    actions += [ShellAction(c) for c in shell]
    if start:
        actions.append(StartAction(start))
    if signal:
        actions.append(SignalAction(signal))
    return render_reply(actions, title="Website", artifact_id="website", preamble=prose)


class CriticScript:
    """Answers the critic's two calls (error check, grade) from per-step queues.

    ``steps`` holds one ``(check, grade)`` pair per screenshot; a pair's items are dicts
    (sent as JSON) or raw strings (sent as they are). Every screenshot received is kept.
    """

    def __init__(self, steps: Sequence[tuple[object, object]]) -> None:
        self._checks = [c for c, _ in steps]
        self._grades = [g for _, g in steps]
        self.images: list[bytes] = []
        self._lock = threading.Lock()

    @staticmethod
    def check(description: str, suggestions: Sequence[str] = (), error: str = "") -> dict:
        """An error-check answer."""
        return {"is_error": bool(error), "error_message": error, "description": description,
                "suggestions": list(suggestions)}

    @staticmethod
    def grade(value: int, analysis: str = "looks as described") -> dict:
        """A grade answer."""
        return {"analysis": analysis, "grade": value}

    def __call__(self, request: RecordedRequest) -> Reply | str:
        text = request.last_user_text
        with self._lock:
            self.images.extend(request.images)
            if "could not read your answer" in text.lower():
                queue = self._grades if "You grade" in request.texts[0] else self._checks
            else:
                queue = self._grades if "Grade it." in text else self._checks
            if not queue:
                return Reply(status=500, error_body={"error": "critic script exhausted"})
            answer = queue.pop(0)
        return answer if isinstance(answer, str) else json.dumps(answer)


GUI_SYSTEM_START = "You are a careful tester"
WRITER_SYSTEM_START = "You prepare acceptance tests"


def graded(*grades: int) -> CriticScript:
    """A critic that sees no error and gives ``grades`` to successive screenshots."""
    return CriticScript([(CriticScript.check(f"a page graded {g}"), CriticScript.grade(g))
                         for g in grades])


def bakery_page(text: str) -> dict[str, str]:
    """A one-file static site whose heading is ``text``."""
    return {"index.html": f"<!doctype html><title>Bakery</title><h1>{text}</h1>"}


def find_mark(elements_text: str, pattern: str) -> int:
    """The number of the first marked element whose list line matches ``pattern``."""
    for line in elements_text.splitlines():
        found = re.match(r"\s*\[(\d+)\]", line)
        if found and re.search(pattern, line):
            return int(found.group(1))
    raise AssertionError(f"no marked element matches {pattern!r} in:\n{elements_text}")


class GuiScript:
    """The browsing model: each turn, a function of the element list returns the reply."""

    def __init__(self, turns: Sequence[Callable[[str], str] | str]) -> None:
        self._turns = list(turns)
        self.requests: list[RecordedRequest] = []

    def __call__(self, request: RecordedRequest) -> Reply | str:
        self.requests.append(request)
        if not self._turns:
            return Reply(status=500, error_body={"error": "GUI script exhausted"})
        turn = self._turns.pop(0)
        return turn(request.last_user_text) if callable(turn) else turn


class VisionRouter:
    """One vision model serving both the screenshot critic and the GUI agent."""

    def __init__(self, critic: CriticScript, gui: GuiScript | None = None) -> None:
        self.critic = critic
        self.gui = gui or GuiScript([])

    def __call__(self, request: RecordedRequest) -> Reply | str:
        if request.texts and request.texts[0].startswith(GUI_SYSTEM_START):
            return self.gui(request)
        return self.critic(request)


class FeedbackScript:
    """The feedback model: writes the test instruction, then grades each GUI test.

    Args:
        test_instruction: Its reply when asked to write the test instruction.
        summaries: Its replies to the grading requests, in order (then HTTP 500): a dict
            goes out as JSON, text or a ``Reply`` as it is.

    Attributes:
        summaries: The grading replies not sent yet (a test may queue more).
        requests: Every request it was sent, in order.
        summary_requests: The grading requests among them.
        writer_calls: How many times it was asked to write the test instruction.
    """

    def __init__(
        self, test_instruction: str, summaries: Sequence[dict | str | Reply] = ()
    ) -> None:
        self.test_instruction = test_instruction
        self.summaries = list(summaries)
        self.requests: list[RecordedRequest] = []
        self.summary_requests: list[RecordedRequest] = []
        self.writer_calls = 0

    def __call__(self, request: RecordedRequest) -> Reply | str:
        self.requests.append(request)
        if request.texts and request.texts[0].startswith(WRITER_SYSTEM_START):
            self.writer_calls += 1
            return self.test_instruction
        self.summary_requests.append(request)
        if not self.summaries:
            return Reply(status=500, error_body={"error": "summary script exhausted"})
        answer = self.summaries.pop(0)
        return json.dumps(answer) if isinstance(answer, dict) else answer


DESCRIPTION = "A mockup: a red header band reading 'Crumb & Co' above a cream page."
"""What the scripted critic says of every attached picture."""


class ReferenceCritic:
    """The critic's model: describes attached pictures, grades the match, reviews the page.

    Args:
        grades: Screenshots to review (each graded 4).
        match: The match answer: a dict sent as JSON, or a raw string.
    """

    def __init__(self, grades: int, match: dict | str) -> None:
        self.review = graded(*([4] * grades))
        self.match = match
        self.described: list[RecordedRequest] = []
        self.compared: list[RecordedRequest] = []

    def __call__(self, request: RecordedRequest) -> Reply | str:
        system = request.texts[0] if request.texts else ""
        if system.startswith("You turn pictures into words"):
            self.described.append(request)
            return DESCRIPTION
        if system.startswith("You compare a website"):
            self.compared.append(request)
            return self.match if isinstance(self.match, str) else json.dumps(self.match)
        return self.review(request)


async def run(agent: WebGenAgent):
    """Run ``agent`` to its end and close its model clients."""
    try:
        return await agent.run()
    finally:
        await agent.models.close()


def with_timeouts(config: RunConfig, **changes) -> RunConfig:
    """``config`` with some timeouts changed."""
    return replace(config, timeouts=replace(config.timeouts, **changes))
