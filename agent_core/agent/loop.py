"""The WebGen-Agent loop: code, run, look, test; keep every step; backtrack; pick the best."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

from agent_core.agent import steps as step_kinds
from agent_core.agent.candidate_coders import CandidateCoders
from agent_core.agent.candidates import CandidateSlots, CandidateStep
from agent_core.agent.context import FittedPrompt, Turn, fit_conversation, prompt_budget
from agent_core.agent.conversation import turn_of_step
from agent_core.agent.head import (
    apply_best_step,
    keep_last_step,
    restore_step_files,
    roll_back_unfinished,
)
from agent_core.agent.reference import (
    DEFAULT_REQUEST,
    StepReferences,
    gather_references,
    images_event,
)
from agent_core.agent.reply_format import (
    NO_WORKING_STEP,
    NOT_FOLLOWING,
    FormatTracker,
    FormatVerdict,
    ending_message,
    has_working_step,
)
from agent_core.agent.run_setup import RunSetup
from agent_core.agent.services import AgentModels, StepServices, build_gui_tester
from agent_core.config import RunConfig
from agent_core.errors import RunStoreError, WebGenError
from agent_core.events import (
    Backtracked,
    BestSelected,
    ContextTrimmed,
    Event,
    EventBus,
    ReplyFormatChanged,
    RunCancelled,
    RunFailed,
    RunFinished,
    RunStarted,
    StepFinished,
    StepRolledBack,
    StepStarted,
)
from agent_core.gui.interface import FunctionalTester
from agent_core.llm.vision import reads_images
from agent_core.protocol.coder_prompt import (
    effective_instruction,
    first_user_message,
    follow_up_message,
    reminder,
    system_prompt,
)
from agent_core.protocol.element_ref import ElementRef, scoped_request
from agent_core.store.records import RunStatus, StepKind, StepRecord
from agent_core.store.run_store import RunStore
from agent_core.store.selection import (
    backtrack_target,
    consecutive_errors,
    parent_chain,
)
from agent_core.store.step_kinds import follow_up_of

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunOutcome:
    """How a run ended."""

    status: RunStatus
    reason: str
    best_step: int | None


class WebGenAgent:
    """Runs the loop on one run directory; one ``run()`` at a time.

    Args:
        store: The run directory (created or opened by the caller).
        models: Clients of the three roles (closed by the caller).
        config: Step limits, command policy, timeouts.
        bus: Where events go; the store's event log subscribes itself.
        services: Side-effect owners; built from ``config`` when omitted. Services built here
            are closed when ``run()`` ends; services passed in belong to the caller, who
            may keep the dev server and browser alive between runs (the app's preview).
        gui_tester: Runs GUI-test steps; when omitted, the GUI agent on the services' browser
            if ``config`` turns GUI testing on (``build_gui_tester``).
    """

    def __init__(
        self,
        store: RunStore,
        models: AgentModels,
        config: RunConfig,
        bus: EventBus | None = None,
        *,
        services: StepServices | None = None,
        gui_tester: FunctionalTester | None = None,
    ) -> None:
        self.store = store
        self.models = models
        self.config = config
        self.bus = bus or EventBus()
        self._owns_services = services is None
        self._in_flight: int | None = None
        """The step that started and was not committed yet."""
        self.services = services or StepServices.build(
            store.workspace, store.run_dir / ".webgen", store.logs_dir, config, models.critic
        )
        if gui_tester is None:
            gui_tester = build_gui_tester(models, self.services, config)
        self.gui_tester = gui_tester
        self._slots = CandidateSlots(store.run_dir / ".webgen", store.logs_dir)
        self._coders = CandidateCoders(self.run_id, self.emit)
        """The candidates' coder clients; what the server does with ``n`` is learnt here."""
        self.formats = FormatTracker(models.settings.coder.reply_format)
        """The coder's reply format during this run (``auto`` may switch it)."""

    @property
    def run_id(self) -> str:
        """Id of the run in the store."""
        return self.store.manifest.run_id

    async def emit(self, event: Event) -> None:
        """Send ``event`` to the subscribers (and note which step is in flight)."""
        if isinstance(event, StepStarted):
            self._in_flight = event.index
        elif isinstance(event, StepFinished):
            self._in_flight = None
        await self.bus.emit(event)

    def _record_ending(self, **changes: object) -> None:
        """Write how the run ended; a disk that refuses it (full) must not hide the reason."""
        try:
            self.store.update_manifest(**changes)
        except RunStoreError as exc:
            log.warning("%s", exc)

    async def _roll_back(self) -> None:
        """A step was cut short: its files go back to the last committed step's, said once."""
        index, self._in_flight = self._in_flight, None
        if index is None:
            return
        try:
            undone = await roll_back_unfinished(self.store, self.services.workspace)
        except (OSError, WebGenError) as exc:  # a full disk, say: the resume restores it
            log.warning("could not undo the unfinished step %s: %s", index, exc)
            return
        if undone:
            await self.emit(StepRolledBack(run_id=self.run_id, index=index,
                                           to_index=self.store.head, files=undone))

    def instruction_for(self, parent: int | None) -> str:
        """The task as it stands for a step continuing from ``parent``.

        The first instruction plus the follow-up requests along the parent chain and the
        one waiting for an answer.
        """
        steps = {s.index: s for s in self.store.steps()}
        requests = [follow_up_of(s) for s in parent_chain(steps, parent)]
        requests.append(self.store.manifest.pending_request)
        return effective_instruction(self.store.manifest.instruction, requests)

    async def run(self, request: str | None = None, images: Sequence[str] = (),
                  element: ElementRef | None = None) -> RunOutcome:
        """Take steps until finish or ``max_steps``, then restore the best step.

        Cancelling the task stops the run at once: the current step is abandoned (the
        last committed step stays the head), and services this agent built are closed.

        Args:
            request: A follow-up request from the user; the next step continues from the
                head with this request added to the conversation.
            images: Pictures attached to ``request``, already saved in the run folder
                (``agent_core.store.inputs``); with no words, a default request is sent.
            element: The element of the site the request is about (with its source); the
                coder gets it with the request. Ignored without a request.
        """
        if images and not (request or "").strip():
            request = DEFAULT_REQUEST
        unsubscribe = self.bus.subscribe(self.store.append_event)
        resumed = bool(self.store.steps())
        try:
            await self.emit(RunStarted(
                run_id=self.run_id, instruction=self.store.manifest.instruction,
                run_dir=str(self.store.run_dir), workspace=str(self.store.workspace),
                resumed=resumed, request=(request or "").strip(),
            ))
            if request and request.strip():
                if element is not None:
                    await self.emit(element.scoped_event(self.run_id))
                # A new request changes what the GUI test must check: write it afresh.
                await self.store.update_manifest_async(
                    pending_request=scoped_request(request, element),
                    pending_images=list(images), test_instruction=None)
            attached = images_event(self.store.manifest, request, images, resumed=resumed)
            if attached is not None:
                await self.emit(attached)
            if resumed:
                await self.restore_step(self.store.head, emit=False)
            await self.store.update_manifest_async(status=RunStatus.RUNNING, end_reason="")
            setup = RunSetup(self.store, self.models, self.services, self.emit, self.run_id)
            await setup.prepare_sandbox()
            await setup.read_coder_context()
            self.services.prewarm_browser()
            writer = await setup.start_test_instruction(
                self.gui_tester, self.instruction_for(self.store.head))
            try:
                return await self._run_to_end()
            finally:
                if writer is not None and not writer.done():
                    writer.cancel()
                    with contextlib.suppress(BaseException):
                        await writer
        except asyncio.CancelledError:
            self._record_ending(status=RunStatus.CANCELLED, end_reason="cancelled")
            await self.emit(RunCancelled(run_id=self.run_id))
            await self._roll_back()
            raise
        except WebGenError as exc:
            self._record_ending(status=RunStatus.FAILED, end_reason=str(exc))
            await self.emit(RunFailed(run_id=self.run_id, error=str(exc)))
            await self._roll_back()
            return RunOutcome(RunStatus.FAILED, str(exc), self.store.manifest.best_step)
        finally:
            await asyncio.shield(self._slots.close())
            await asyncio.shield(self._coders.close())
            if self._owns_services:
                await asyncio.shield(self.services.close())
            unsubscribe()

    async def _run_to_end(self) -> RunOutcome:
        reason = "max_steps"
        self.formats.resume(self.store.steps())
        while self.store.next_index() <= self.config.max_steps:
            parent, left = await self._choose_parent()
            step = await self._take_step(parent, left)
            if step.kind is StepKind.FINISH:
                reason = "finish"
                break
            if await self._check_format(step) is FormatVerdict.GIVE_UP:
                reason = NOT_FOLLOWING
                break
        if reason != NOT_FOLLOWING and not has_working_step(self.store.steps()):
            reason = NO_WORKING_STEP
        best = await self.select_best()
        message = ending_message(reason, self.models.coder.description, self.formats)
        await self.store.update_manifest_async(status=RunStatus.FINISHED, end_reason=reason)
        await self.emit(RunFinished(run_id=self.run_id, reason=reason, best_step=best,
                                    message=message))
        return RunOutcome(RunStatus.FINISHED, reason, best)

    async def _check_format(self, step: StepRecord) -> FormatVerdict:
        """Count a reply without actions; switch ``auto`` to structured replies in time."""
        support = getattr(self.models.coder, "schema_support", None)
        verdict = self.formats.after(step, support)
        if verdict is FormatVerdict.SWITCH:
            await self.emit(ReplyFormatChanged(
                run_id=self.run_id, index=step.index + 1, reply_format="structured",
                reason=(f"the coder sent {self.formats.patience - 1} replies in a row without "
                        "an action in the tag format; it is asked for JSON replies constrained "
                        "by a schema from now on"),
            ))
        return verdict

    async def select_best(self) -> int | None:
        """Restore the best step's files into the workspace and record the choice.

        Without select-best (an ablation condition) the last step is the result.
        """
        if self.config.select_best:
            index = await apply_best_step(self.store, self.services.workspace)
        else:
            index = await keep_last_step(self.store, self.services.workspace)
        await self.emit(BestSelected(run_id=self.run_id, index=index))
        return index

    async def restore_step(self, index: int | None, *, emit: bool = True) -> None:
        """Put step ``index``'s files back and continue from it (None: the empty start)."""
        previous = self.store.head
        await restore_step_files(self.store, self.services.workspace, index)
        if emit:
            await self.emit(Backtracked(
                run_id=self.run_id, from_index=previous or 0, to_index=index,
                consecutive_errors=0,
            ))

    async def _choose_parent(self) -> tuple[int | None, int | None]:
        steps = {s.index: s for s in self.store.steps()}
        head = self.store.head
        errors = consecutive_errors(steps, head)
        if head is None or not self.config.backtracking or errors < self.config.error_limit:
            return head, None
        target = backtrack_target(steps.values())
        to_index = target.index if target else None
        await self.emit(Backtracked(
            run_id=self.run_id, from_index=head, to_index=to_index, consecutive_errors=errors,
        ))
        await self.restore_step(to_index, emit=False)
        return to_index, head

    def _prompt(self, index: int, parent: int | None,
                refs: StepReferences | None = None) -> FittedPrompt:
        refs = refs or StepReferences.none()
        steps = {s.index: s for s in self.store.steps()}
        turns = [_with_pictures(turn_of_step(s, _summary(s)), s.images, refs)
                 for s in parent_chain(steps, parent)]
        manifest = self.store.manifest
        instruction = manifest.instruction
        pending = manifest.pending_request
        files = self.services.workspace.snapshot()
        text_files = {p: _as_text(b) for p, b in files.items()}
        coder = self.models.settings.coder
        budget = prompt_budget(coder.context_length, coder.max_tokens)
        return fit_conversation(
            system_prompt(self.formats.current),
            first_user_message(instruction) + refs.note(manifest.images), turns,
            {p: t for p, t in text_files.items() if t is not None}, budget,
            closing=reminder(self.instruction_for(parent)),
            pending=follow_up_message(pending) + refs.note(manifest.pending_images)
            if pending else "",
            binary={p: len(files[p]) for p, t in text_files.items() if t is None},
            first_images=refs.images(manifest.images),
            pending_images=refs.images(manifest.pending_images) if pending else (),
        )

    async def _take_step(self, parent: int | None, left: int | None) -> StepRecord:
        index = self.store.next_index()
        refs = await gather_references(
            self.store, parent, as_images=reads_images(self.models.settings.coder),
            critic=self.models.critic, instruction=self.instruction_for(parent))
        prompt = await asyncio.to_thread(self._prompt, index, parent, refs)
        if prompt.trimmed:
            await self.emit(ContextTrimmed(
                run_id=self.run_id, index=index, dropped_turns=prompt.dropped_turns,
                prompt_tokens_estimate=prompt.tokens_estimate,
            ))
        if self.config.candidates > 1:
            step = CandidateStep(self._step_context(parent, refs), self.config,
                                 self._slots, self._coders.for_step(
                                     self.models.settings.coder, self.config.candidates))
            return await step.run(prompt, index, parent, left, time.time())
        runner = step_kinds.StepRunner(self._step_context(parent, refs), index, parent, left,
                                       time.time())
        return await runner.run(prompt)

    def _step_context(self, parent: int | None,
                      refs: StepReferences | None = None) -> step_kinds.StepContext:
        """What a step continuing from ``parent`` needs from this run."""
        return step_kinds.StepContext(
            store=self.store, services=self.services, coder=self.models.coder,
            coder_settings=self.models.settings.coder, reply_format=self.formats.current,
            instruction=self.instruction_for(parent), tester=self.gui_tester, emit=self.emit,
            references=refs,
        )


def _with_pictures(turn: Turn, images: Sequence[str], refs: StepReferences) -> Turn:
    """``turn`` with the pictures its request came with (or their descriptions)."""
    if not turn.request:
        return turn
    return replace(turn, request=turn.request + refs.note(images), images=refs.images(images))


def _summary(step: StepRecord) -> str:
    grade = "no grade" if step.appearance_grade is None else f"appearance {step.appearance_grade}/5"
    gui = "" if step.gui_grade is None else f", GUI {step.gui_grade}/5"
    errors = f"; errors: {'; '.join(step.errors)}" if step.errors else ""
    return f"{step.kind} step, {grade}{gui}{errors}"


def _as_text(data: bytes) -> str | None:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


__all__ = ["RunOutcome", "WebGenAgent", "apply_best_step", "keep_last_step",
           "restore_step_files"]  # the last three live in agent.head; kept here for callers
