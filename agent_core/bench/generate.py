"""Generating a task's website with the WebGen-Agent loop in its own run directory.

A missing run is created, an unfinished one (interrupted, or stopped by an error) is resumed
from its last committed step, and a finished one is left as it is. The loop runs with the
GUI tester wired in, as the method describes, unless the run's ablation condition leaves it
out; a run made under another condition than the one asked for is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent_core.agent.loop import WebGenAgent
from agent_core.agent.services import AgentModels
from agent_core.bench.dataset import BenchTask
from agent_core.config import Condition, RunConfig
from agent_core.errors import RunStoreError
from agent_core.events import Event, EventBus, StepFinished
from agent_core.store.records import RunStatus
from agent_core.store.run_store import MANIFEST, RunStore

NoteCallback = Callable[[str], None]


@dataclass(frozen=True)
class GenerationOutcome:
    """What generation did for one task.

    Attributes:
        ran: Whether the loop ran (False: a finished run was already there).
        status: The run's status afterwards (``finished``, ``failed``...).
        reason: Why the run ended.
        best_step: The selected best step.
    """

    ran: bool
    status: str
    reason: str
    best_step: int | None


def check_run_dir(run_dir: Path, config: RunConfig | None = None) -> None:
    """Refuse a folder that is neither absent, empty, nor a run (of ``config``'s condition).

    Blocking: reads the run's manifest.

    Args:
        run_dir: The folder a run is to be made or continued in.
        config: When given, a run already there must have been made under its ablation
            condition (feedback, backtracking, select-best).

    Raises:
        RunStoreError: ``run_dir`` holds other files, or a run of another condition.
    """
    if (run_dir / MANIFEST).exists():
        if config is not None:
            _check_condition(run_dir, config)
        return
    if not run_dir.exists():
        return
    if not run_dir.is_dir() or any(p.name != "workspace" for p in run_dir.iterdir()):
        raise RunStoreError(
            f"{run_dir} exists but holds no WebGen run; move it away or choose another --runs-dir"
        )


async def generate_site(
    run_dir: Path,
    task: BenchTask,
    models: AgentModels,
    config: RunConfig,
    *,
    on_note: NoteCallback | None = None,
) -> GenerationOutcome:
    """Build ``task``'s website in ``run_dir`` unless a finished run is there.

    Args:
        run_dir: The task's run directory (``RUNS_DIR/<task id>``).
        task: The benchmark task; its instruction is the user's request.
        models: The coder, critic and feedback clients (not closed here).
        config: Limits of a new run (a resumed run keeps its stored ones).
        on_note: Called with one line per committed step.

    Returns:
        The outcome; model failures end the run as ``failed`` without raising.

    Raises:
        RunStoreError: The folder is not a run, or another process is running it.
    """
    check_run_dir(run_dir, config)
    if (run_dir / MANIFEST).exists():
        store = RunStore.open(run_dir)
        if store.manifest.status is RunStatus.FINISHED:
            done = store.manifest
            return GenerationOutcome(False, str(done.status), done.end_reason, done.best_step)
        config = _stored_config(store.manifest.config, config)
    else:
        public = models.settings.to_public_dict()
        store = RunStore.create(run_dir, task.instruction, models=public, config=config.to_dict())
    store.lock()
    try:
        bus = EventBus()
        if on_note is not None:
            bus.subscribe(_step_notes(task.id, on_note))
        outcome = await WebGenAgent(store, models, config, bus).run()
    finally:
        store.unlock()
    return GenerationOutcome(True, str(outcome.status), outcome.reason, outcome.best_step)


def run_condition(run_dir: Path) -> Condition | None:
    """The ablation condition the run in ``run_dir`` was made under (None: no run there).

    Blocking: reads the manifest. A config that cannot be rebuilt counts as the defaults.
    """
    if not (run_dir / MANIFEST).exists():
        return None
    return Condition.of(_stored_config(RunStore.open(run_dir).manifest.config, RunConfig()))


def _check_condition(run_dir: Path, config: RunConfig) -> None:
    have, want = run_condition(run_dir), Condition.of(config)
    if have is not None and have != want:
        raise RunStoreError(
            f"{run_dir} holds a run made under the condition {have.name}, not {want.name}; "
            "move it away, or choose another --runs-dir (or --out) for this condition"
        )


def _step_notes(task_id: str, on_note: NoteCallback) -> Callable[[Event], None]:
    def note(event: Event) -> None:
        if isinstance(event, StepFinished):
            grade = "-" if event.appearance_grade is None else f"{event.appearance_grade}/5"
            flag = ", error" if event.has_error else ""
            on_note(f"{task_id}: step {event.index} {event.step_kind}, appearance {grade}{flag}")

    return note


def _stored_config(stored: Mapping[str, Any], fallback: RunConfig) -> RunConfig:
    """The RunConfig a run was created with (``fallback`` when it cannot be rebuilt)."""
    try:
        return RunConfig.from_dict(dict(stored), fallback)
    except (TypeError, ValueError):
        return fallback


__all__ = ["GenerationOutcome", "check_run_dir", "generate_site", "run_condition"]
