"""The user's own edit as a step: written through the workspace guard, checked, committed.

``commit_user_edit`` is what a save in the code view runs. The step sends the events a
coder's step sends (``UserEditStarted`` in place of ``StepStarted``, then its phases and
``StepFinished``), so the run state, the window and ``events.jsonl`` follow it alike. With a
critic the edit is installed, served, photographed and graded by the edit step's own phases;
without one the running dev server only picks the files up. A save that cannot be kept (a
full disk) puts the head step's files back and says so; a stop while grading keeps the edit,
ungraded.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from agent_core.agent.coder_turn import CoderTurn
from agent_core.agent.edit_step import EditOutcome, run_edit_phases
from agent_core.agent.feedback import EditReport
from agent_core.agent.head import roll_back_unfinished
from agent_core.agent.preview import serve_workspace
from agent_core.agent.services import StepServices
from agent_core.agent.user_edit_feedback import FileChange, user_edit_feedback
from agent_core.errors import WebGenError, WorkspaceViolation
from agent_core.events import (
    Event,
    FileWritten,
    PhaseChanged,
    ServerReady,
    StepRolledBack,
    UserEditStarted,
)
from agent_core.llm.base import ChatModel, Usage
from agent_core.protocol.actions import ParsedReply
from agent_core.protocol.coder_prompt import effective_instruction
from agent_core.state.from_store import step_finished_event
from agent_core.store.records import StepKind, StepRecord
from agent_core.store.run_store import RunStore
from agent_core.store.selection import parent_chain
from agent_core.store.step_kinds import follow_up_of, user_edit_request
from agent_core.workspace.guard import Workspace

Emit = Callable[[Event], Awaitable[None]]
NOT_GRADED = "The edit was not graded: {why}."


@dataclass(frozen=True)
class PreparedEdit:
    """A save that passed its checks: what becomes step ``index`` after ``parent``.

    Attributes:
        index: The new step's number.
        parent: The head step the user edited.
        changes: The files that differ from the head step's, sorted by path.
        instruction: The task as it stands at the head (for the critic).
    """

    index: int
    parent: int
    changes: tuple[FileChange, ...]
    instruction: str

    @property
    def paths(self) -> tuple[str, ...]:
        """The edited files."""
        return tuple(change.path for change in self.changes)


def prepare_user_edit(store: RunStore, workspace: Workspace, base: int | None,
                      changes: Mapping[str, str]) -> PreparedEdit:
    """Check a save before anything is written (reads blobs: call it in a worker thread).

    Args:
        store: The run.
        workspace: Its project folder (its guard judges the paths).
        base: The step whose files the user edited; it must be the head.
        changes: Path -> the file's whole new text.

    Raises:
        WebGenError: There is no head, ``base`` is not the head, or nothing changed.
        WorkspaceViolation: A path is refused or a file is over the size limit.
    """
    head = store.head
    if head is None:
        raise WebGenError("there is no step to edit yet: your edit needs a step's files")
    if base != head:
        raise WebGenError(f"you edited the files of step {base}, but the current step is "
                          f"{head}; restore step {base} first, then save")
    before = store.files_of(head)
    found = []
    for path, text in sorted(changes.items()):
        _check_path(workspace, path, text)
        old = before.get(path)
        if old != text.encode("utf-8"):
            found.append(FileChange(path, None if old is None else old.decode("utf-8", "replace"),
                                    text))
    if not found:
        raise WebGenError(f"nothing to save: the files are as they are in step {head}")
    steps = {s.index: s for s in store.steps()}
    requests = [follow_up_of(s) for s in parent_chain(steps, head)]
    instruction = effective_instruction(store.manifest.instruction, requests)
    return PreparedEdit(store.next_index(), head, tuple(found), instruction)


def _check_path(workspace: Workspace, path: str, text: str) -> None:
    workspace.resolve(path)
    size = len(text.encode("utf-8"))
    if size > workspace.max_file_bytes:
        raise WorkspaceViolation(f"refused to write '{path}': {size:,} bytes is over the limit "
                                 f"of {workspace.max_file_bytes:,} bytes per file")


async def commit_user_edit(store: RunStore, services: StepServices, base: int | None,
                           changes: Mapping[str, str], emit: Emit,
                           critic: ChatModel | None = None) -> StepRecord:
    """Make the user's edit of the head step's files a committed ``user_edit`` step.

    Args:
        store: The run (its writer's lock held by the caller).
        services: The session's workspace, dev server, browser and critic.
        base: The step whose files the user edited; it must be the head.
        changes: Path -> the file's whole new text.
        emit: Where the step's events go (log them and tell the views).
        critic: Grades the step when given (the run's critic); None: not graded.

    Returns:
        The committed step, now the head.

    Raises:
        WebGenError: The save was refused (nothing was written) or could not be kept (the
            head step's files are back in the project).
    """
    prepared = await asyncio.to_thread(prepare_user_edit, store, services.workspace, base,
                                       changes)
    if critic is not None:
        services.use_critic(critic)
    return await _UserEditStep(store, services, emit, prepared, critic is not None).run()


@dataclass
class _Checked:
    """The edit's grades and evidence; ``report`` is what the coder hears of the site."""

    outcome: EditOutcome
    note: str = ""
    report: EditReport | None = None


@dataclass
class _UserEditStep:
    store: RunStore
    services: StepServices
    emit: Emit
    edit: PreparedEdit
    grade: bool
    started_at: float = field(default_factory=time.time)
    phases: dict[str, float] = field(default_factory=dict)

    @property
    def run_id(self) -> str:
        return self.store.manifest.run_id

    async def run(self) -> StepRecord:
        edit = self.edit
        await self.emit(UserEditStarted(run_id=self.run_id, index=edit.index,
                                        parent=edit.parent, paths=edit.paths,
                                        request=user_edit_request(edit.paths)))
        try:
            await self._write()
            try:
                checked = await self._check()
            except asyncio.CancelledError:  # a stop while grading keeps the edit, ungraded
                stopped = _Checked(EditOutcome(EditReport()), NOT_GRADED.format(why="stopped"))
                await asyncio.shield(self._commit(stopped))
                raise
            return await self._commit(checked)
        except (WebGenError, OSError):
            await self._undo()
            raise

    async def _phase(self, phase: str, detail: str = "") -> None:
        await self.emit(PhaseChanged(run_id=self.run_id, index=self.edit.index, phase=phase,
                                     detail=detail))

    async def _server_ready(self, url: str, restarted: bool) -> None:
        await self.emit(ServerReady(run_id=self.run_id, index=self.edit.index, url=url,
                                    restarted=restarted))

    async def _write(self) -> None:
        await self._phase("write", ", ".join(self.edit.paths))
        workspace = self.services.workspace
        for change in self.edit.changes:
            size = await asyncio.to_thread(workspace.write_file, change.path, change.new)
            await self.emit(FileWritten(run_id=self.run_id, index=self.edit.index,
                                        path=change.path, size=size))

    async def _check(self) -> _Checked:
        """Grade the edit like an edit step, or let a running dev server pick it up."""
        if not self.grade:
            return await self._serve_only()
        turn = CoderTurn(reply="", parsed=ParsedReply(), usage=Usage(),
                         written=list(self.edit.paths))
        try:
            outcome = await run_edit_phases(self.services, turn, self.edit.instruction,
                                            self._phase, self._server_ready)
        except WebGenError as exc:  # the critic or the browser failed: the edit still counts
            return _Checked(EditOutcome(EditReport()), NOT_GRADED.format(why=exc))
        self.phases.update(outcome.phases)
        return _Checked(outcome, report=outcome.report)

    async def _serve_only(self) -> _Checked:
        outcome = EditOutcome(EditReport())
        note = NOT_GRADED.format(why="no critic is configured")
        if self.services.server.url is None:
            return _Checked(outcome, note)
        await self._phase("serve")
        served = await serve_workspace(self.services)
        if served.url is None:
            outcome.errors.append(served.error)
            tail = f"\n```\n{served.log_tail}\n```" if served.log_tail else ""
            note = f"After the edit, {served.error}.{tail}\n\n{note}"
        else:
            await self._server_ready(served.url, False)
        return _Checked(outcome, note)

    async def _commit(self, checked: _Checked) -> StepRecord:
        await self._phase("commit")
        started = time.perf_counter()
        store, edit, outcome = self.store, self.edit, checked.outcome
        files = await asyncio.to_thread(self.services.workspace.snapshot)
        digests = await asyncio.to_thread(store.put_files, files)
        before = store.step(edit.parent).files
        changed = sorted(p for p in set(before) | set(digests) if before.get(p) != digests.get(p))
        feedback = await asyncio.to_thread(user_edit_feedback, edit.changes, checked.report,
                                           checked.note)
        self.phases["commit"] = round(time.perf_counter() - started, 4)
        record = StepRecord(
            index=edit.index, kind=StepKind.USER_EDIT, parent=edit.parent,
            appearance_grade=outcome.appearance_grade, has_error=outcome.has_error,
            feedback=feedback, actions=[{"type": "user_edit", "path": p} for p in edit.paths],
            files=digests, files_changed=changed, critic=outcome.critic,
            runtime=outcome.runtime, errors=outcome.errors, phases=self.phases,
            usage=_usage(outcome.critic_usage), request=user_edit_request(edit.paths),
            started_at=self.started_at, finished_at=time.time(),
        )
        record = await asyncio.to_thread(store.commit_step, record, outcome.screenshot)
        await self.emit(step_finished_event(self.run_id, record))
        return record

    async def _undo(self) -> None:
        """The edit was not kept: the head step's files go back, and the card says so."""
        try:
            undone = await roll_back_unfinished(self.store, self.services.workspace)
        except (OSError, WebGenError):
            undone = len(self.edit.paths)  # the next restore or run puts them back
        await self.emit(StepRolledBack(run_id=self.run_id, index=self.edit.index,
                                       to_index=self.edit.parent, files=undone))


def _usage(usage: Usage | None) -> dict[str, dict[str, Any]]:
    if usage is None:
        return {}
    return {"critic": {"prompt_tokens": usage.prompt_tokens,
                       "completion_tokens": usage.completion_tokens,
                       "seconds": round(usage.seconds, 3), "estimated": usage.estimated}}


__all__ = ["PreparedEdit", "commit_user_edit", "prepare_user_edit"]
