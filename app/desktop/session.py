"""One open run in the window: its store, the services that serve its site, its run task."""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Callable, Mapping, Sequence
from enum import StrEnum
from pathlib import Path

from agent_core.agent.head import apply_best_step, restore_step_files
from agent_core.agent.loop import RunOutcome, WebGenAgent
from agent_core.agent.preview import PreviewResult, serve_workspace
from agent_core.agent.services import AgentModels, StepServices
from agent_core.agent.user_edit import commit_user_edit
from agent_core.config import ModelSettings, RunConfig
from agent_core.errors import RunStoreError, WebGenError
from agent_core.events import BestSelected, Event, EventBus, EventSink, StepRestored
from agent_core.llm.base import ChatModel, Completion, JsonSchema, Message, TokenCallback
from agent_core.protocol.element_ref import ElementRef
from agent_core.store.inputs import attach_to_instruction, save_input_images
from agent_core.store.records import RunStatus, StepRecord
from agent_core.store.run_store import RunStore
from agent_core.store.selection import answering_latest_request, explain_best
from agent_core.workspace.guard import Workspace


class SessionStatus(StrEnum):
    """What the window's run is doing; decides which actions are enabled."""

    IDLE = "idle"
    RUNNING = "running"
    STOPPING = "stopping"
    FINISHED = "finished"
    FAILED = "failed"


def new_run_dir(runs_dir: Path, instruction: str, now: float | None = None) -> Path:
    """A fresh folder name for a run: date, time and a slug of the instruction."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    slug = re.sub(r"[^a-z0-9]+", "-", instruction.lower()).strip("-")[:40].strip("-") or "run"
    path = runs_dir / f"{stamp}-{slug}"
    n = 2
    while path.exists():
        path = runs_dir / f"{stamp}-{slug}-{n}"
        n += 1
    return path


class RunSession:
    """An open run directory and what the window does with it.

    The session holds the writer's lock while it is open (unless another process holds it:
    then it is read-only). Its services outlive single runs, so the dev server keeps serving
    the preview after a run ends and restores are hot-reloaded; ``stop()`` and ``close()``
    stop every process.

    Args:
        store: The run directory.
        sink: Where engine events go (the bridge).
        config: Limits and timeouts for services and runs.
        read_only: Another process writes this run; nothing may change it.
    """

    def __init__(self, store: RunStore, sink: EventSink, config: RunConfig,
                 *, read_only: bool = False) -> None:
        self.store = store
        self.bus = EventBus()
        self.bus.subscribe(sink)
        self.config = config
        self.read_only = read_only
        self.services: StepServices | None = None
        self.task: asyncio.Task[RunOutcome] | None = None
        self.edit_task: asyncio.Task[StepRecord] | None = None
        """The user's edit being saved (and graded), if one is."""
        self.status = _status_of(store.manifest.status)
        self.last_error = store.manifest.end_reason if self.status is SessionStatus.FAILED else ""
        self.on_status: Callable[[SessionStatus], None] = lambda _status: None

    # -- opening and closing -----------------------------------------------------------

    @classmethod
    def create(cls, run_dir: Path, instruction: str, settings: ModelSettings,
               config: RunConfig, sink: EventSink,
               images: Sequence[tuple[str, bytes]] = ()) -> RunSession:
        """A new run in ``run_dir``; ``images`` (file name, bytes) come with the instruction."""
        store = RunStore.create(run_dir, instruction, models=settings.to_public_dict(),
                                config=config.to_dict())
        store.lock()
        attach_to_instruction(store, images)
        return cls(store, sink, config)

    @classmethod
    def open(cls, run_dir: Path, config: RunConfig, sink: EventSink) -> RunSession:
        """An existing run; read-only when another process is writing it."""
        store = RunStore.open(run_dir)
        try:
            store.lock()
        except RunStoreError:
            return cls(store, sink, config, read_only=True)
        return cls(store, sink, config)

    async def close(self) -> None:
        """Stop the run and every process, then release the run directory."""
        await self.stop()
        self.store.unlock()

    # -- running -----------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """Whether a run task, or the saving of the user's edit, is in flight."""
        editing = self.edit_task is not None and not self.edit_task.done()
        return editing or (self.task is not None and not self.task.done())

    def _set_status(self, status: SessionStatus) -> None:
        self.status = status
        self.on_status(status)

    def _services(self) -> StepServices:
        if self.services is None:
            store = self.store
            self.services = StepServices.build(store.workspace, store.run_dir / ".webgen",
                                               store.logs_dir, self.config, _NoCritic())
            # The preview points at elements: a Vite site is served with source tags.
            self.services.server.source_tags = True
        return self.services

    async def save_images(self, images: Sequence[tuple[str, bytes]]) -> tuple[str, ...]:
        """Keep pictures for the next request in the run folder; returns their paths."""
        self._check_writable()
        return await asyncio.to_thread(save_input_images, self.store, images)

    async def run(self, models: AgentModels, config: RunConfig,
                  request: str | None = None, images: Sequence[str] = (),
                  element: ElementRef | None = None) -> RunOutcome:
        """Take steps until finish or the step limit (see ``WebGenAgent.run``).

        The caller's models are closed when the run ends. ``images`` are the paths
        ``save_images`` returned for the pictures sent with ``request``.
        """
        self._check_writable()
        if self.running:
            raise RunStoreError("a run is already in progress in this window")
        self.config = config
        services = self._services()
        services.use_critic(models.critic)
        agent = WebGenAgent(self.store, models, config, self.bus, services=services)
        self.task = asyncio.create_task(agent.run(request, images, element))
        self._set_status(SessionStatus.RUNNING)
        try:
            outcome = await self.task
        except asyncio.CancelledError:
            self._set_status(SessionStatus.IDLE)
            raise
        except BaseException:
            self._set_status(SessionStatus.FAILED)
            raise
        finally:
            await models.close()
        self.last_error = outcome.reason if outcome.status is RunStatus.FAILED else ""
        failed = outcome.status is RunStatus.FAILED
        self._set_status(SessionStatus.FAILED if failed else SessionStatus.FINISHED)
        return outcome

    async def stop(self) -> None:
        """Cancel the run at once and stop the dev server, npm and the browser.

        An edit being graded is kept, ungraded (``commit_user_edit``).
        """
        if self.edit_task is not None and not self.edit_task.done():
            self.edit_task.cancel()
            with contextlib.suppress(BaseException):
                await self.edit_task
        if self.running:
            assert self.task is not None
            self._set_status(SessionStatus.STOPPING)
            self.task.cancel()
            with contextlib.suppress(BaseException):
                await self.task
            self._set_status(SessionStatus.IDLE)
        services, self.services = self.services, None
        if services is not None:
            await asyncio.shield(services.close())

    # -- steps -------------------------------------------------------------------------

    def _workspace(self) -> Workspace:
        return self._services().workspace

    async def restore(self, index: int | None) -> None:
        """Make step ``index`` the current step: its files in the workspace, the head."""
        self._check_idle()
        await restore_step_files(self.store, self._workspace(), index)
        await self._record(StepRestored(run_id=self.store.manifest.run_id, index=index))

    async def pick_best(self) -> tuple[int | None, str]:
        """Restore the best step by the METHOD rule; returns it and why it is the best."""
        self._check_idle()
        competing = answering_latest_request(self.store.steps())
        reason = explain_best(competing)
        if len(competing) < len(self.store.steps()):
            reason += (f" Only the {len(competing)} step(s) since your latest request "
                       "competed.")
        index = await apply_best_step(self.store, self._workspace())
        await self._record(BestSelected(run_id=self.store.manifest.run_id, index=index,
                                        reason=reason))
        return index, reason

    async def save_user_edit(self, base: int | None, changes: Mapping[str, str],
                             critic: ChatModel | None) -> StepRecord:
        """Make the user's edit of the current step's files a new step (``user_edit``).

        Args:
            base: The step whose files the user edited (it must be the current step).
            changes: Path -> the file's whole new text.
            critic: Grades the edit like an edit step; None: not graded.
        """
        self._check_idle()
        self.edit_task = asyncio.ensure_future(commit_user_edit(
            self.store, self._services(), base, changes, self._record, critic))
        return await self.edit_task

    async def _record(self, event: Event) -> None:
        """Log an event of the user's own (outside a run) and tell the views."""
        await asyncio.to_thread(self.store.append_event, event)
        await self.bus.emit(event)

    async def serve_preview(self) -> PreviewResult:
        """Serve the workspace as it is now (after a restore or on reopening)."""
        return await serve_workspace(self._services())

    def _check_writable(self) -> None:
        if self.read_only:
            raise RunStoreError(
                f"{self.store.run_dir} is being run by another process; it is open read-only")

    def _check_idle(self) -> None:
        self._check_writable()
        if self.running:
            raise RunStoreError("stop the run first")


class _NoCritic:
    """Placeholder critic until a run brings the configured one (``use_critic``)."""

    description = "no critic configured"

    async def complete(
        self, messages: Sequence[Message], *, on_token: TokenCallback | None = None,
        schema: JsonSchema | None = None,
    ) -> Completion:  # pragma: no cover - never reached
        raise WebGenError("no vision critic is configured for this session")

    async def list_models(self) -> list[str]:
        return []

    async def close(self) -> None:
        return None


def _status_of(status: RunStatus) -> SessionStatus:
    return {
        RunStatus.FINISHED: SessionStatus.FINISHED,
        RunStatus.FAILED: SessionStatus.FAILED,
    }.get(status, SessionStatus.IDLE)
