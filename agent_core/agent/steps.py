"""Taking one step: ask the coder, act on the reply's kind, commit the record."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any

from agent_core.agent import feedback as fb
from agent_core.agent.coder_turn import CoderTurn, run_coder_turn
from agent_core.agent.context import FittedPrompt
from agent_core.agent.edit_step import EditOutcome, run_edit_phases
from agent_core.agent.head import undo_to
from agent_core.agent.reference import StepReferences, compare_with_reference
from agent_core.agent.services import StepServices
from agent_core.config import RoleConfig
from agent_core.errors import ModelBadRequest, ModelReplyCut
from agent_core.events import (
    Event,
    FileWritten,
    PhaseChanged,
    ReplyRestarted,
    ServerReady,
    StepStarted,
    Token,
)
from agent_core.gui.interface import FunctionalTester
from agent_core.llm.base import ChatModel, Usage
from agent_core.state.from_store import reference_event, step_finished_event
from agent_core.store.evidence import CriticReview, GuiTest, RuntimeResult
from agent_core.store.evidence_reference import ReferenceReview
from agent_core.store.records import StepKind, StepRecord
from agent_core.store.run_store import RunStore
from agent_core.store.start import read_start

log = logging.getLogger(__name__)

CUT_REPLY_RETRIES = 2
"""How many times a step asks again for a reply the server cut short."""
CUT_REPLY_REASON = "the coder's server cut the reply short (another request reached it)"


@dataclass(frozen=True)
class StepContext:
    """What one step needs from its run, and nothing more.

    Attributes:
        store: The run directory the step is committed to.
        services: Workspace, dev server, browser and critic of the run.
        coder: The coder's client.
        coder_settings: The coder's configuration (context length and reply limit as served).
        reply_format: How the coder replies in this step: ``text`` or ``structured``.
        instruction: The task as it stands for this step (follow-up requests included).
        tester: Runs GUI-test steps; None means functional testing is unavailable.
        emit: Sends an event to the run's subscribers.
        references: The pictures the user attached, as this step uses them (None: none).
    """

    store: RunStore
    services: StepServices
    coder: ChatModel
    coder_settings: RoleConfig
    reply_format: str
    instruction: str
    tester: FunctionalTester | None
    emit: Callable[[Event], Awaitable[None]]
    references: StepReferences | None = None

    @property
    def run_id(self) -> str:
        """Id of the run in the store."""
        return self.store.manifest.run_id


def _usage_dict(usage: Usage | None) -> dict[str, Any]:
    usage = usage or Usage()
    rate = usage.completion_tokens / usage.seconds if usage.seconds > 0 else 0.0
    return {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "seconds": round(usage.seconds, 3),
        "estimated": usage.estimated,
        "tokens_per_second": round(rate, 2),
    }


def decide_kind(turn: CoderTurn) -> StepKind:
    """Finish and GUI-test signals count only when the reply changes no files."""
    signal = turn.parsed.signal
    touches_files = bool(turn.written or turn.refused)
    if signal == "finish" and not touches_files:
        return StepKind.FINISH
    if signal == "screenshot_validated" and not touches_files:
        return StepKind.GUI_TEST
    return StepKind.EDIT


@dataclass
class StepResult:
    """What carrying out one coder reply gave, before it is committed."""

    kind: StepKind
    feedback: str = ""
    appearance: int | None = None
    gui: int | None = None
    errors: list[str] = field(default_factory=list)
    screenshot: bytes | None = None
    critic: CriticReview | None = None
    runtime: RuntimeResult = field(default_factory=RuntimeResult)
    gui_test: GuiTest | None = None
    reference: ReferenceReview | None = None


class StepRunner:
    """Runs step ``index`` continuing from ``parent``, with what ``context`` gives it."""

    def __init__(self, context: StepContext, index: int, parent: int | None,
                 backtracked_from: int | None, started_at: float, *, gated: bool = False
                 ) -> None:
        self.context = context
        self.gated = gated
        """A candidate: its page passes the render gate before the critic sees it."""
        self.index = index
        self.parent = parent
        self.backtracked_from = backtracked_from
        self.started_at = started_at
        self.phases: dict[str, float] = {}
        self.usage: dict[str, dict[str, float]] = {}
        self.parent_record = context.store.step(parent) if parent else None

    async def run(self, prompt: FittedPrompt) -> StepRecord:
        """Ask the coder, carry the reply out, commit and announce the step."""
        turn, result = await self.draft(prompt)
        return await self.commit(turn, result, prompt.trimmed)

    async def draft(self, prompt: FittedPrompt) -> tuple[CoderTurn, StepResult]:
        """Announce the step, ask the coder and carry the reply out; nothing is committed.

        A reply the server cut short (another request reached a server such as
        llama-cpp-python) is undone, files and all, and asked for again, up to
        ``CUT_REPLY_RETRIES`` times; a cut after that ends the step with the error.
        """
        try:
            turn = await self.ask(prompt)
        except ModelReplyCut as cut:
            turn = await self._ask_after_cut(prompt, cut)
        return turn, await self.carry_out(turn)

    async def _ask_after_cut(self, prompt: FittedPrompt, cut: ModelReplyCut) -> CoderTurn:
        for attempt in range(1, CUT_REPLY_RETRIES + 1):
            log.info("step %s: the reply was cut short; asking again: %s", self.index, cut)
            context = self.context
            await asyncio.to_thread(undo_to, context.store, context.services.workspace,
                                    self.parent)
            try:
                return await self.ask_again(prompt, CUT_REPLY_REASON)
            except ModelReplyCut as again:
                if attempt == CUT_REPLY_RETRIES:
                    raise
                cut = again
        raise AssertionError("unreachable")

    async def ask(self, prompt: FittedPrompt) -> CoderTurn:
        """Announce the step and ask the coder; its files land in the step's workspace."""
        await self.context.emit(StepStarted(run_id=self.context.run_id, index=self.index,
                                            parent=self.parent))
        return await self._ask_coder(prompt)

    async def ask_again(self, prompt: FittedPrompt, reason: str) -> CoderTurn:
        """Ask the coder once more for this step, already announced; what streamed of the
        reply so far is dropped (``reason``: why, e.g. the server cut it short)."""
        await self.context.emit(ReplyRestarted(run_id=self.context.run_id, index=self.index,
                                               reason=reason))
        return await self._ask_coder(prompt)

    async def carry_out(self, turn: CoderTurn) -> StepResult:
        """Install, serve, look at and grade what the reply did; nothing is committed."""
        return await self._act(turn)

    async def commit(self, turn: CoderTurn, result: StepResult, trimmed: bool, *,
                     settles_request: bool = True) -> StepRecord:
        """Commit a drafted step and announce it; it becomes the run's head.

        Args:
            turn: The coder's reply.
            result: What carrying it out gave.
            trimmed: Whether the prompt was trimmed to fit.
            settles_request: Whether the user's pending request counts as answered now
                (False for a candidate committed beside the one the run continues from).
        """
        return await self._commit(turn, result, trimmed, settles_request)

    async def _phase(self, phase: str, detail: str = "") -> None:
        await self.context.emit(PhaseChanged(
            run_id=self.context.run_id, index=self.index, phase=phase, detail=detail,
        ))

    async def _server_ready(self, url: str, restarted: bool) -> None:
        await self.context.emit(ServerReady(
            run_id=self.context.run_id, index=self.index, url=url, restarted=restarted,
        ))

    async def _ask_coder(self, prompt: FittedPrompt) -> CoderTurn:
        context = self.context
        await self._phase("coding", context.coder.description)
        started = time.perf_counter()

        async def on_text(text: str) -> None:
            await context.emit(Token(run_id=context.run_id, index=self.index, text=text))

        async def on_file(path: str, size: int, refused: str | None) -> None:
            await context.emit(FileWritten(
                run_id=context.run_id, index=self.index, path=path, size=size, refused=refused,
            ))

        try:
            turn = await run_coder_turn(
                context.coder, prompt.messages, context.services.workspace,
                on_text=on_text, on_file=on_file, reply_format=context.reply_format,
            )
        except ModelBadRequest as exc:
            overflow = fb.context_overflow(exc, prompt.tokens_estimate, context.coder_settings)
            raise overflow from exc
        self.phases["coding"] = round(time.perf_counter() - started, 4)
        self.usage["coder"] = _usage_dict(turn.usage)
        return turn

    async def _act(self, turn: CoderTurn) -> StepResult:
        result = await self._act_on_kind(turn)
        if turn.cut:
            limit = self.context.coder_settings.reply_limit
            result.feedback = f"{fb.cut_note(turn.cut, limit)}\n\n{result.feedback}"
        result.runtime = replace(result.runtime, reply_format=turn.reply_format,
                                 reply_cut=turn.cut)
        result.reference = await self._reference(result)
        return result

    async def _reference(self, result: StepResult) -> ReferenceReview | None:
        """The attached images' evidence; after an edit, the critic's match with them."""
        refs = self.context.references
        if refs is None:
            return None
        if refs.usage.reported:
            self.usage["describe"] = _usage_dict(refs.usage)
        if result.kind is not StepKind.EDIT or result.screenshot is None:
            return refs.review()
        await self._phase("reference", "")
        started = time.perf_counter()
        review, usage = await compare_with_reference(
            refs, self.context.services.critic.model, result.screenshot,
            self.context.instruction)
        self.phases["reference"] = round(time.perf_counter() - started, 4)
        self.usage["reference"] = _usage_dict(usage)
        return review

    async def _act_on_kind(self, turn: CoderTurn) -> StepResult:
        instruction = self.context.instruction
        kind = decide_kind(turn)
        inherited = self.parent_record
        appearance = inherited.appearance_grade if inherited else None
        if kind is StepKind.FINISH:
            return StepResult(kind, appearance=appearance,
                           gui=inherited.gui_grade if inherited else None)
        if kind is StepKind.GUI_TEST:
            return await self._gui_test(appearance, instruction)
        if not turn.parsed.has_actions:
            issues = [i.message for i in turn.parsed.issues]
            return StepResult(kind, fb.no_action_feedback(issues, instruction), appearance,
                           errors=["the reply contained no actions"])
        return await self._edit(turn, instruction)

    async def _edit(self, turn: CoderTurn, instruction: str) -> StepResult:
        outcome: EditOutcome = await run_edit_phases(
            self.context.services, turn, instruction, self._phase, self._server_ready,
            gated=self.gated,
        )
        if turn.parsed.signal:
            outcome.report.notes.append(fb.signal_with_files_note())
        self.phases.update(outcome.phases)
        if outcome.critic_usage is not None:
            self.usage["critic"] = _usage_dict(outcome.critic_usage)
        return StepResult(
            StepKind.EDIT, fb.edit_feedback(outcome.report, instruction),
            outcome.appearance_grade, None, outcome.errors, outcome.screenshot,
            critic=outcome.critic, runtime=outcome.runtime,
        )

    async def _gui_test(self, appearance: int | None, instruction: str) -> StepResult:
        tester = self.context.tester
        if tester is None:
            return StepResult(StepKind.GUI_TEST, fb.gui_unavailable_feedback(instruction),
                           appearance, gui_test=GuiTest(available=False))
        await self._phase("gui_test", "")
        started = time.perf_counter()
        url = await self.context.services.serve_current()  # e.g. a candidate's idle folder
        outcome = await tester.test(url, instruction, self.index)
        self.phases["gui_test"] = round(time.perf_counter() - started, 4)
        for role, usage in outcome.usage.items():
            self.usage[role] = _usage_dict(usage)
        test = outcome.details
        if test is not None:  # each turn's PNG goes next to the step, its path into the turn
            test = await asyncio.to_thread(test.with_stored_screenshots,
                                           self.context.store.write_artifact,
                                           f"gui/{self.index:06d}")
        return StepResult(StepKind.GUI_TEST, outcome.feedback, appearance, outcome.gui_grade,
                       outcome.errors, gui_test=test)

    async def _commit(self, turn: CoderTurn, result: StepResult, trimmed: bool,
                      settles_request: bool = True) -> StepRecord:
        context = self.context
        await self._phase("commit", "")
        started = time.perf_counter()
        files = await asyncio.to_thread(context.services.workspace.snapshot)
        digests = await asyncio.to_thread(context.store.put_files, files)
        if self.parent_record:
            before = self.parent_record.files
        else:  # the first step's changes are against the template or folder it started from
            before = (await asyncio.to_thread(read_start, context.store)).files
        changed = sorted(p for p in set(before) | set(digests) if before.get(p) != digests.get(p))
        self.phases["commit"] = round(time.perf_counter() - started, 4)
        record = StepRecord(
            index=self.index, kind=result.kind, parent=self.parent,
            appearance_grade=result.appearance, gui_grade=result.gui,
            has_error=bool(result.errors), reply=turn.reply, feedback=result.feedback,
            actions=turn.action_log, files=digests, files_changed=changed,
            critic=result.critic, runtime=result.runtime, gui=result.gui_test,
            errors=result.errors, phases=self.phases,
            usage=self.usage, context_trimmed=trimmed, backtracked_from=self.backtracked_from,
            request=context.store.manifest.pending_request,
            images=list(context.store.manifest.pending_images), reference=result.reference,
            started_at=self.started_at, finished_at=time.time(),
        )
        record = await asyncio.to_thread(context.store.commit_step, record, result.screenshot)
        if record.request and settles_request:
            await context.store.update_manifest_async(pending_request="", pending_images=[])
        await context.emit(step_finished_event(context.run_id, record))
        compared = reference_event(context.run_id, record)
        if compared is not None:
            await context.emit(compared)
        return record
