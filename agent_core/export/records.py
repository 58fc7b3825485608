"""Training records built from run directories: Step-GRPO steps and SFT trajectories.

Both readers take the run directories as they are on disk (``RunStore.open``, nothing is
written to them). A record holds only what training needs: the conversation, the reply,
the grades, the run's id and folder *name*, and the coder model's *name*. Nothing else of
the manifest is exported (no base URL, no ``api_key_env``, no config), no absolute path,
and nothing is read from the environment. The conversation itself (instruction, replies,
feedback) is exported as the run stored it: it is the user's own data.

Reading is synchronous (small JSON files); from the event loop, iterate through
``asyncio.to_thread``. The schemas are documented in docs/export.md.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent_core.agent.conversation import prompt_of_step, trajectory_of_step
from agent_core.errors import RunStoreError
from agent_core.export.advantage import step_advantages
from agent_core.llm.base import Message
from agent_core.review.labels import LabelStore, StepLabel
from agent_core.store.records import Manifest, StepKind, StepRecord
from agent_core.store.run_store import MANIFEST, RunStore
from agent_core.store.selection import select_best_step

STEP_GRPO_SCHEMA = "webgen-step-grpo/1"
SFT_SCHEMA = "webgen-sft/1"
REWARDS = ("both", "appearance", "gui")
GROUP_BY = ("instruction", "run", "siblings")
_REWARD_PARTS = {"both": ("appearance", "gui"), "appearance": ("appearance",), "gui": ("gui",)}
# A step that does not change the files keeps the grade of the step it stands on
# (METHOD.md): GUI-test and finish steps keep the appearance grade, finish keeps the GUI grade.
_KEEPS = {"appearance": (StepKind.GUI_TEST, StepKind.FINISH), "gui": (StepKind.FINISH,)}


def normalise_instruction(instruction: str) -> str:
    """The instruction as grouping sees it: Unicode NFC, whitespace runs as one space, stripped.

    Case is kept: two instructions differing only in case are treated as different tasks.
    """
    return " ".join(unicodedata.normalize("NFC", instruction).split())


def group_id_of(key: str) -> str:
    """First 16 hex digits of the SHA-1 of ``key`` (a normalised instruction or a run id)."""
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


@dataclass
class _ScoredRun:
    """What the first pass keeps of one run: rewards, labels and its group."""

    path: Path
    run_id: str
    group_id: str
    rewards: dict[int, float] = field(default_factory=dict)
    sources: dict[int, str] = field(default_factory=dict)
    labels: dict[int, StepLabel] = field(default_factory=dict)
    step_groups: dict[int, str] = field(default_factory=dict)
    """With ``siblings`` grouping: each step's group (its candidates', or its own)."""


def step_grpo_records(
    run_dirs: Iterable[Path],
    *,
    reward: str = "both",
    use_human_labels: bool = False,
    group_by: str = "instruction",
) -> Iterator[dict[str, Any]]:
    """One ``webgen-step-grpo/1`` record per committed coder step (not the user's edits).

    The runs are read and scored when this is called (so a bad run fails here, before any
    output is written); the records, with their prompts, are built while iterating.

    Args:
        run_dirs: Run directories (each holding ``manifest.json``); duplicates are read once.
        reward: ``both`` (appearance + GUI grade, a missing grade counting 0), ``appearance``
            or ``gui`` (a missing grade is 0 as well).
        use_human_labels: Use a person's grade (``RUN_DIR/review/labels.json``) instead of the
            automatic one wherever the step, or the step whose grade it keeps, has one.
        group_by: ``instruction`` (runs of the same normalised instruction form a group),
            ``run`` (every run is its own group) or ``siblings`` (the candidates of one step
            form a group; a step taken with one reply is a group of its own).

    Returns:
        An iterator of records, run by run in the order given, steps in index order.

    Raises:
        ValueError: ``reward`` or ``group_by`` is not one of the known values.
        RunStoreError: A run or its labels cannot be read, or two folders hold the same run.
    """
    _check_choice("reward", reward, REWARDS)
    _check_choice("group_by", group_by, GROUP_BY)
    runs = [_score_run(store, reward, use_human_labels, group_by) for store in _open_runs(run_dirs)]
    advantages = _advantages(runs)
    return (record for run in runs for record in _step_records(run, advantages))


def sft_records(run_dirs: Iterable[Path]) -> Iterator[dict[str, Any]]:
    """One ``webgen-sft/1`` record per run: the conversation that led to its best step.

    The best step is the manifest's ``best_step``, or ``select_best_step`` when the run did
    not end (or chose none). Runs without committed steps give no record.

    Args:
        run_dirs: Run directories; duplicates are read once.

    Returns:
        An iterator of records in the order of ``run_dirs``.

    Raises:
        RunStoreError: A path is not a run (raised here); a run cannot be read or two folders
            hold the same run (raised while iterating).
    """
    paths = _unique_paths(run_dirs)
    return (record for store in _open_runs(paths) if (record := _sft_record(store)) is not None)


# -- opening runs -----------------------------------------------------------------------


def _check_choice(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")


def _unique_paths(run_dirs: Iterable[Path]) -> list[Path]:
    paths: list[Path] = []
    for raw in run_dirs:
        path = Path(raw).resolve()
        if not (path / MANIFEST).is_file():
            raise RunStoreError(f"{raw} is not a WebGen run (no {MANIFEST} in it)")
        if path not in paths:
            paths.append(path)
    return paths


def _open_runs(run_dirs: Iterable[Path]) -> Iterator[RunStore]:
    seen: dict[str, Path] = {}
    for path in _unique_paths(run_dirs):
        store = RunStore.open(path)
        run_id = store.manifest.run_id
        if run_id in seen:
            raise RunStoreError(
                f"{seen[run_id]} and {path} hold the same run ({run_id}); a copy would count "
                "its steps twice, so pass only one of them"
            )
        seen[run_id] = path
        yield store


def _steps_of(store: RunStore) -> dict[int, StepRecord]:
    return {step.index: step for step in store.steps()}


def _group_key(manifest: Manifest, group_by: str) -> str:
    if group_by in ("run", "siblings"):
        return group_id_of(manifest.run_id)
    return group_id_of(normalise_instruction(manifest.instruction))


# -- rewards ----------------------------------------------------------------------------


def _score_run(store: RunStore, reward: str, use_human: bool, group_by: str) -> _ScoredRun:
    steps = _steps_of(store)
    labels = LabelStore(store.run_dir).all()
    run = _ScoredRun(
        store.run_dir, store.manifest.run_id, _group_key(store.manifest, group_by), labels=labels
    )
    for index in steps:
        value, source = _reward(steps, labels if use_human else {}, index, reward)
        run.rewards[index] = value
        run.sources[index] = source
    if group_by == "siblings":
        run.step_groups = _sibling_keys(run.run_id, steps)
    return run


def _sibling_keys(run_id: str, steps: dict[int, StepRecord]) -> dict[int, str]:
    """Each step's sibling group id: its candidate group's, or one of its own."""
    keys: dict[int, str] = {}
    for index, step in steps.items():
        mark = step.runtime.candidate
        group = mark["group"] if mark is not None else f"single-{index}"
        keys[index] = group_id_of(f"{run_id}/{group}")
    return keys


def _reward(
    steps: dict[int, StepRecord], labels: dict[int, StepLabel], index: int, reward: str
) -> tuple[float, str]:
    total, source = 0.0, "auto"
    for grade in _REWARD_PARTS[reward]:
        human = _human_grade(steps, labels, index, grade)
        if human is not None:
            total += human
            source = "human"
            continue
        auto = getattr(steps[index], f"{grade}_grade")
        total += auto if auto is not None else 0
    return total, source


def _human_grade(
    steps: dict[int, StepRecord], labels: dict[int, StepLabel], index: int, grade: str
) -> int | None:
    """A person's ``grade`` for the files of step ``index``: from its own label, or from the
    label of the step whose grade it keeps (a GUI-test or finish step changes no files)."""
    seen: set[int] = set()
    current: int | None = index
    while current is not None and current in steps and current not in seen:
        seen.add(current)
        label = labels.get(current)
        value: int | None = getattr(label, grade) if label is not None else None
        if value is not None:
            return value
        step = steps[current]
        if step.kind not in _KEEPS[grade]:
            return None
        current = step.parent
    return None


def _sibling_advantages(runs: list[_ScoredRun]) -> dict[tuple[str, int], float]:
    """Each step's reward standardised within its sibling group (one reward: 0)."""
    groups: dict[str, list[tuple[str, int, float]]] = defaultdict(list)
    for run in runs:
        for index, value in run.rewards.items():
            groups[run.step_groups[index]].append((run.run_id, index, value))
    result: dict[tuple[str, int], float] = {}
    for members in groups.values():
        standard = step_advantages([[value for _, _, value in members]])[0]
        for (run_id, index, _), advantage in zip(members, standard, strict=True):
            result[(run_id, index)] = advantage
    return result


def _advantages(runs: list[_ScoredRun]) -> dict[tuple[str, int], float]:
    if any(run.step_groups for run in runs):
        return _sibling_advantages(runs)
    groups: dict[str, list[_ScoredRun]] = defaultdict(list)
    for run in runs:
        groups[run.group_id].append(run)
    result: dict[tuple[str, int], float] = {}
    for members in groups.values():
        trajectories = [[run.rewards[i] for i in sorted(run.rewards)] for run in members]
        for run, values in zip(members, step_advantages(trajectories), strict=True):
            for index, value in zip(sorted(run.rewards), values, strict=True):
                result[(run.run_id, index)] = value
    return result


# -- records ----------------------------------------------------------------------------


def _messages(messages: list[Message]) -> list[dict[str, str]]:
    return [{"role": m.role, "content": m.content} for m in messages]


def _coder_model(manifest: Manifest) -> str | None:
    coder = manifest.models.get("coder")
    model = coder.get("model") if isinstance(coder, dict) else None
    return str(model) if model else None


def _step_records(
    run: _ScoredRun, advantages: dict[tuple[str, int], float]
) -> Iterator[dict[str, Any]]:
    store = RunStore.open(run.path)
    manifest, steps = store.manifest, _steps_of(store)
    for index in sorted(run.rewards):
        step = steps[index]
        if step.kind is StepKind.USER_EDIT:
            continue  # the user's own edit: there is no coder reply to learn from
        label = run.labels.get(index)
        yield {
            "schema": STEP_GRPO_SCHEMA,
            "run_id": manifest.run_id,
            "run_dir": run.path.name,
            "group_id": run.step_groups.get(index, run.group_id),
            "instruction": manifest.instruction,
            "step": index,
            "parent": step.parent,
            "kind": str(step.kind),
            "prompt": _messages(prompt_of_step(manifest, steps, index)),
            "response": step.reply,
            "appearance_grade": step.appearance_grade,
            "gui_grade": step.gui_grade,
            "has_error": step.has_error,
            "reward": run.rewards[index],
            "reward_source": run.sources[index],
            "human": label.to_dict() if label is not None else None,
            "coder_model": _coder_model(manifest),
            "advantage": advantages[(run.run_id, index)],
        }


def _sft_record(store: RunStore) -> dict[str, Any] | None:
    manifest, steps = store.manifest, _steps_of(store)
    best = manifest.best_step
    step = steps[best] if best in steps else select_best_step(steps.values())
    if step is None:  # no steps at all
        return None
    best = step.index
    return {
        "schema": SFT_SCHEMA,
        "run_id": manifest.run_id,
        "run_dir": store.run_dir.name,
        "group_id": group_id_of(normalise_instruction(manifest.instruction)),
        "instruction": manifest.instruction,
        "messages": _messages(trajectory_of_step(manifest, steps, best)),
        "best_step": best,
        "appearance_grade": step.appearance_grade,
        "gui_grade": step.gui_grade,
        "coder_model": _coder_model(manifest),
    }
