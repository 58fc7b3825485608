"""One step taken from its context alone: the run's store, services, coder and event sink."""

from __future__ import annotations

import time

from agent_core.agent.context import FittedPrompt
from agent_core.agent.services import StepServices
from agent_core.agent.steps import StepContext, StepRunner
from agent_core.config import RunConfig
from agent_core.events import Event, PhaseChanged, StepFinished, StepStarted, Token
from agent_core.llm.base import Message
from agent_core.store.records import StepKind
from agent_core.store.run_store import RunStore
from tests.fakes.model_server import ScriptedModelServer, queue
from tests.support.agent import CODER, FAST_TIMEOUTS, coder_reply, make_models, settings_for

INSTRUCTION = "A one-page site for a bike repair shop."
TASK = "A one-page site for a bike repair shop. Add the opening hours."
REQUEST = "Add the opening hours."


async def test_a_gui_test_step_without_a_tester_tells_the_coder_and_is_committed(tmp_path):
    config = RunConfig(gui_testing=False, timeouts=FAST_TIMEOUTS)
    with ScriptedModelServer({CODER: queue(coder_reply(signal="screenshot_validated"))}) as server:
        settings = settings_for(server, "openai")
        models = make_models(settings)
        store = RunStore.create(tmp_path / "run", INSTRUCTION, models=settings.to_public_dict(),
                                config=config.to_dict())
        store.update_manifest(pending_request=REQUEST)
        services = StepServices.build(store.workspace, store.run_dir / ".webgen",
                                      store.logs_dir, config, models.critic)
        events: list[Event] = []

        async def emit(event: Event) -> None:
            events.append(event)

        context = StepContext(
            store=store, services=services, coder=models.coder, coder_settings=settings.coder,
            reply_format="text", instruction=TASK, tester=None, emit=emit,
        )
        prompt = FittedPrompt([Message("user", "Build the site.")], 0, 10)
        try:
            record = await StepRunner(context, 1, None, None, time.time()).run(prompt)
        finally:
            await services.close()
            await models.close()

    assert record.kind is StepKind.GUI_TEST and not record.has_error
    assert "turned off" in record.feedback and TASK in record.feedback
    assert record.request == REQUEST and store.manifest.pending_request == ""
    assert store.step(1) == record
    shown = [e for e in events if not isinstance(e, Token)]
    assert [type(e) for e in shown] == [StepStarted, PhaseChanged, PhaseChanged, StepFinished]
    assert [e.phase for e in shown if isinstance(e, PhaseChanged)] == ["coding", "commit"]
    assert "".join(e.text for e in events if isinstance(e, Token)) == record.reply
