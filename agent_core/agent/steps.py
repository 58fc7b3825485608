"""Taking one step: ask the coder, act on the reply's kind, commit the record."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from agent_core.agent import feedback as fb
from agent_core.agent.coder_turn import CoderTurn, run_coder_turn
from agent_core.agent.context import FittedPrompt
from agent_core.agent.edit_step import EditOutcome, run_edit_phases
from agent_core.errors import ModelBadRequest
from agent_core.events import (
    FileWritten,
    PhaseChanged,
    ServerReady,
    StepFinished,
    StepStarted,
    Token,
)
from agent_core.llm.base import Usage
from agent_core.store.records import StepKind, StepRecord

if TYPE_CHECKING:
    from agent_core.agent.loop import WebGenAgent


@dataclass
class GuiOutcome:
    """Result of a GUI-test step."""

    feedback: str
    gui_grade: int | None = None
    errors: list[str] = field(default_factory=list)
    details: dict[str, Any] | None = None
    usage: dict[str, Usage] = field(default_factory=dict)


class FunctionalTester(Protocol):
    """Tests the running site's features with a GUI agent (the GUI agent's issue)."""

    async def test(self, url: str | None, instruction: str, index: int) -> GuiOutcome:
        """Drive the site at ``url`` and grade its functions 1-5."""
        ...


@runtime_checkable
class InstructionWriter(Protocol):
    """A functional tester that writes its test instruction ahead of the first GUI test."""

    async def write_test_instruction(self, instruction: str) -> str:
        """The test instruction for the user's ``instruction``."""
        ...

    def remember_test_instruction(self, instruction: str, test_instruction: str) -> None:
        """Reuse a test instruction written earlier (a resumed run keeps its tests)."""
        ...


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
class _Result:
    kind: StepKind
    feedback: str = ""
    appearance: int | None = None
    gui: int | None = None
    errors: list[str] = field(default_factory=list)
    screenshot: bytes | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class StepRunner:
    """Runs step ``index`` continuing from ``parent``."""

    def __init__(self, agent: WebGenAgent, index: int, parent: int | None,
                 backtracked_from: int | None, started_at: float) -> None:
        self.agent = agent
        self.index = index
        self.parent = parent
        self.backtracked_from = backtracked_from
        self.started_at = started_at
        self.phases: dict[str, float] = {}
        self.usage: dict[str, dict[str, float]] = {}
        self.parent_record = agent.store.step(parent) if parent else None

    async def run(self, prompt: FittedPrompt) -> StepRecord:
        """Ask the coder, carry the reply out, commit and announce the step."""
        agent = self.agent
        await agent.emit(StepStarted(run_id=agent.run_id, index=self.index, parent=self.parent))
        turn = await self._ask_coder(prompt)
        result = await self._act(turn)
        return await self._commit(turn, result, prompt.trimmed)

    async def _phase(self, phase: str, detail: str = "") -> None:
        await self.agent.emit(PhaseChanged(
            run_id=self.agent.run_id, index=self.index, phase=phase, detail=detail,
        ))

    async def _server_ready(self, url: str, restarted: bool) -> None:
        await self.agent.emit(ServerReady(
            run_id=self.agent.run_id, index=self.index, url=url, restarted=restarted,
        ))

    async def _ask_coder(self, prompt: FittedPrompt) -> CoderTurn:
        agent = self.agent
        await self._phase("coding", agent.models.coder.description)
        started = time.perf_counter()

        async def on_text(text: str) -> None:
            await agent.emit(Token(run_id=agent.run_id, index=self.index, text=text))

        async def on_file(path: str, size: int, refused: str | None) -> None:
            await agent.emit(FileWritten(
                run_id=agent.run_id, index=self.index, path=path, size=size, refused=refused,
            ))

        coder = agent.models.settings.coder
        try:
            turn = await run_coder_turn(
                agent.models.coder, prompt.messages, agent.services.workspace,
                on_text=on_text, on_file=on_file, reply_format=agent.formats.current,
            )
        except ModelBadRequest as exc:
            raise fb.context_overflow(exc, prompt.tokens_estimate, coder) from exc
        self.phases["coding"] = round(time.perf_counter() - started, 4)
        self.usage["coder"] = _usage_dict(turn.usage)
        return turn

    async def _act(self, turn: CoderTurn) -> _Result:
        result = await self._act_on_kind(turn)
        if turn.cut:
            limit = self.agent.models.settings.coder.reply_limit
            result.feedback = f"{fb.cut_note(turn.cut, limit)}\n\n{result.feedback}"
        result.extra["runtime"] = {**(result.extra.get("runtime") or {}),
                                   "reply_format": turn.reply_format, "reply_cut": turn.cut}
        return result

    async def _act_on_kind(self, turn: CoderTurn) -> _Result:
        instruction = self.agent.instruction_for(self.parent)
        kind = decide_kind(turn)
        inherited = self.parent_record
        appearance = inherited.appearance_grade if inherited else None
        if kind is StepKind.FINISH:
            return _Result(kind, appearance=appearance,
                           gui=inherited.gui_grade if inherited else None)
        if kind is StepKind.GUI_TEST:
            return await self._gui_test(appearance, instruction)
        if not turn.parsed.has_actions:
            issues = [i.message for i in turn.parsed.issues]
            return _Result(kind, fb.no_action_feedback(issues, instruction), appearance,
                           errors=["the reply contained no actions"])
        return await self._edit(turn, instruction)

    async def _edit(self, turn: CoderTurn, instruction: str) -> _Result:
        outcome: EditOutcome = await run_edit_phases(
            self.agent.services, turn, instruction, self._phase, self._server_ready
        )
        if turn.parsed.signal:
            outcome.report.notes.append(fb.signal_with_files_note())
        self.phases.update(outcome.phases)
        if outcome.critic_usage is not None:
            self.usage["critic"] = _usage_dict(outcome.critic_usage)
        extra = {"critic": outcome.critic, "runtime": outcome.runtime}
        return _Result(
            StepKind.EDIT, fb.edit_feedback(outcome.report, instruction),
            outcome.appearance_grade, None, outcome.errors, outcome.screenshot, extra,
        )

    async def _gui_test(self, appearance: int | None, instruction: str) -> _Result:
        tester = self.agent.gui_tester
        if tester is None:
            return _Result(StepKind.GUI_TEST, fb.gui_unavailable_feedback(instruction),
                           appearance, extra={"gui": {"available": False}})
        await self._phase("gui_test", "")
        started = time.perf_counter()
        outcome = await tester.test(self.agent.services.server.url, instruction, self.index)
        self.phases["gui_test"] = round(time.perf_counter() - started, 4)
        for role, usage in outcome.usage.items():
            self.usage[role] = _usage_dict(usage)
        details = await asyncio.to_thread(self._store_gui_screenshots, outcome.details)
        return _Result(StepKind.GUI_TEST, outcome.feedback, appearance, outcome.gui_grade,
                       outcome.errors, extra={"gui": details})

    def _store_gui_screenshots(self, details: dict[str, Any] | None) -> dict[str, Any] | None:
        """Write each turn's annotated screenshot next to the step; keep paths in the record."""
        if not details:
            return details
        details = dict(details)
        shots = details.pop("screenshots", None) or []
        paths = [
            self.agent.store.write_artifact(f"gui/{self.index:06d}/turn-{n:02d}.png", png)
            for n, png in enumerate(shots, start=1)
        ]
        turns = []
        for turn in details.get("turns", []):
            position = turn.get("screenshot")
            path = paths[position] if isinstance(position, int) and position < len(paths) else None
            turns.append({**turn, "screenshot": path})
        details["turns"] = turns
        return details

    async def _commit(self, turn: CoderTurn, result: _Result, trimmed: bool) -> StepRecord:
        agent = self.agent
        await self._phase("commit", "")
        started = time.perf_counter()
        files = await asyncio.to_thread(agent.services.workspace.snapshot)
        digests = await asyncio.to_thread(agent.store.put_files, files)
        before = self.parent_record.files if self.parent_record else {}
        changed = sorted(p for p in set(before) | set(digests) if before.get(p) != digests.get(p))
        self.phases["commit"] = round(time.perf_counter() - started, 4)
        record = StepRecord(
            index=self.index, kind=result.kind, parent=self.parent,
            appearance_grade=result.appearance, gui_grade=result.gui,
            has_error=bool(result.errors), reply=turn.reply, feedback=result.feedback,
            actions=turn.action_log, files=digests, files_changed=changed,
            critic=result.extra.get("critic"), runtime=result.extra.get("runtime") or {},
            gui=result.extra.get("gui"), errors=result.errors, phases=self.phases,
            usage=self.usage, context_trimmed=trimmed, backtracked_from=self.backtracked_from,
            request=agent.store.manifest.pending_request,
            started_at=self.started_at, finished_at=time.time(),
        )
        record = await asyncio.to_thread(agent.store.commit_step, record, result.screenshot)
        if record.request:
            agent.store.update_manifest(pending_request="")
        await agent.emit(StepFinished(
            run_id=agent.run_id, index=record.index, step_kind=str(record.kind),
            parent=record.parent, appearance_grade=record.appearance_grade,
            gui_grade=record.gui_grade, has_error=record.has_error,
            files_changed=len(changed), seconds=round(record.seconds, 3),
            feedback=record.feedback,
        ))
        return record
