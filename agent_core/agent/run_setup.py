"""What a run settles before its first step: the sandbox, the coder's context, the GUI test's
instruction. Each is said with an event, so the window and the log show it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace

from agent_core.agent.services import AgentModels, StepServices
from agent_core.errors import WebGenError
from agent_core.events import CoderContext, Event, SandboxPrepared, TestInstructionWritten
from agent_core.gui.interface import FunctionalTester, WritesTestInstruction
from agent_core.llm.server_context import served_context_length
from agent_core.llm.stream_end import one_server
from agent_core.store.run_store import RunStore

log = logging.getLogger(__name__)


class RunSetup:
    """The run's preparations, in the order ``WebGenAgent.run`` makes them.

    Args:
        store: The run.
        models: The roles' clients (the coder's settings may be narrowed to what its server
            really gives).
        services: The run's services (their sandbox is prepared here).
        emit: Sends an event to the run's subscribers.
        run_id: The run's id, for the events.
    """

    def __init__(self, store: RunStore, models: AgentModels, services: StepServices,
                 emit: Callable[[Event], Awaitable[None]], run_id: str) -> None:
        self.store = store
        self.models = models
        self.services = services
        self.emit = emit
        self.run_id = run_id

    async def prepare_sandbox(self) -> None:
        """Settle how the model's code runs, and say so (loudly when it is unconfined)."""
        confinement = await self.services.sandbox.prepare()
        await self.emit(SandboxPrepared(
            run_id=self.run_id, confined=confinement.confined, backend=confinement.backend,
            detail=confinement.detail, warning=confinement.warning,
        ))

    async def read_coder_context(self) -> None:
        """Size the prompt budget and the reply limit by the context the server really
        gives."""
        settings = self.models.settings
        served = await served_context_length(settings.coder)
        setting = settings.coder.context_length
        if served is None:
            await self.emit(CoderContext(run_id=self.run_id, context_length=setting,
                                         source="the setting; the server does not tell"))
            return
        length, source = served
        used = min(length, setting)
        if used != setting:
            coder = replace(settings.coder, context_length=used)
            self.models.settings = replace(settings, coder=coder)
            if hasattr(self.models.coder, "config"):
                self.models.coder.config = coder  # the client's reply limit follows
        await self.emit(CoderContext(run_id=self.run_id, context_length=used,
                                     source=f"{source}: {length}; the setting: {setting}"))

    async def start_test_instruction(self, tester: FunctionalTester | None,
                                     instruction: str) -> asyncio.Task[None] | None:
        """Write the GUI agent's test instruction while the coder works on step one.

        A feedback model on the coder's own OpenAI-compatible server writes it first
        instead: a request arriving there while the coder streams would cut the coder's
        reply short (llama-cpp-python does), and the instruction is a short reply.

        Returns:
            The task writing it (the caller cancels it if the run ends first), or None.
        """
        if not isinstance(tester, WritesTestInstruction):
            return None
        if one_server(self.models.settings.feedback, self.models.settings.coder):
            await self._write_test_instruction(tester, instruction)
            return None
        return asyncio.create_task(self._write_test_instruction(tester, instruction))

    async def _write_test_instruction(self, tester: WritesTestInstruction,
                                      instruction: str) -> None:
        stored = self.store.manifest.test_instruction
        if stored:
            tester.remember_test_instruction(instruction, stored)
            return
        try:
            text = await tester.write_test_instruction(instruction)
        except WebGenError as exc:  # the GUI-test step tries again and reports it
            log.warning("could not write the test instruction yet: %s", exc)
            return
        await self.store.update_manifest_async(test_instruction=text)
        await self.emit(TestInstructionWritten(run_id=self.run_id, text=text))
