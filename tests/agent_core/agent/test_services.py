"""The run's GUI tester, composed from the run's models and services."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from agent_core.agent.services import AgentModels, StepServices, build_gui_tester
from agent_core.config import RunConfig
from agent_core.gui.interface import WritesTestInstruction
from tests.fakes.model_server import ScriptedModelServer, queue
from tests.support.agent import CODER, CRITIC, FAST_TIMEOUTS, FEEDBACK, make_models, settings_for

INSTRUCTION = "A menu page for a tea house with a price for every tea."
WRITTEN = "Open the menu and check that green tea shows a price."


@dataclass
class Parts:
    server: ScriptedModelServer
    models: AgentModels
    services: StepServices


@pytest.fixture
async def parts(tmp_path) -> AsyncIterator[Parts]:
    """Real clients on a scripted server (the feedback model writes one test) and services."""
    scripts = {CODER: queue(), CRITIC: queue(), FEEDBACK: queue(WRITTEN)}
    with ScriptedModelServer(scripts) as server:
        models = make_models(settings_for(server, "openai"))
        config = RunConfig(timeouts=FAST_TIMEOUTS)
        services = StepServices.build(tmp_path / "ws", tmp_path / "state", tmp_path / "logs",
                                      config, models.critic)
        try:
            yield Parts(server, models, services)
        finally:
            await services.close()
            await models.close()


async def test_the_gui_tester_has_the_feedback_model_write_its_test(parts):
    tester = build_gui_tester(parts.models, parts.services, RunConfig(timeouts=FAST_TIMEOUTS))

    assert isinstance(tester, WritesTestInstruction)
    written = await tester.write_test_instruction(INSTRUCTION)
    again = await tester.write_test_instruction(INSTRUCTION)

    assert WRITTEN in written and again == written
    assert [r.model for r in parts.server.chat_requests] == [FEEDBACK]


async def test_no_gui_tester_when_gui_testing_is_off(parts):
    config = RunConfig(gui_testing=False, timeouts=FAST_TIMEOUTS)

    assert build_gui_tester(parts.models, parts.services, config) is None
    assert parts.server.chat_requests == []
