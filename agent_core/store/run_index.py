"""A one-line summary of every run in a folder, for the runs browser.

Only ``manifest.json`` and ``steps/*.json`` are read (no blobs, screenshots or events), so a
folder of a few hundred runs is summarised in well under a second. A folder that cannot be
read as a run still gets a summary, with ``problem`` saying why, so one broken run never
hides the others. The functions here block on file I/O: call them with
``asyncio.to_thread`` from the event loop.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent_core.errors import WebGenError
from agent_core.store.records import StepRecord
from agent_core.store.run_store import MANIFEST, RunStore
from agent_core.store.selection import answering_latest_request, select_best_step


@dataclass(frozen=True)
class RunSummary:
    """What the runs browser shows about one run directory.

    Attributes:
        run_dir: The run directory.
        run_id: The manifest's run id ("" when unreadable).
        instruction: The user's instruction.
        models: Role (``coder``, ``critic``, ``feedback``) -> model name.
        steps: Number of committed steps.
        best_step: The best step: the manifest's ``best_step`` when the run chose one,
            otherwise ``select_best_step`` over the steps answering the latest request.
        best_appearance: Appearance grade of the best step (None: missing or no steps).
        best_gui: GUI grade of the best step (None: not tested or no steps).
        duration_s: Sum of the steps' wall time, in seconds.
        created_at: Epoch seconds when the run was created (0 when unreadable).
        status: ``running``, ``finished``, ``failed``, ``cancelled`` ("" when unreadable).
        imported: The run was converted from another tool's output.
        example: The run is (a copy of) the example that ships with WebGen Studio, made
            with scripted models (``config["example"]`` is set).
        problem: Why the folder could not be read as a run ("" for a readable run).
        damaged: Step records of a readable run that could not be read (left out of it).
    """

    run_dir: Path
    run_id: str = ""
    instruction: str = ""
    models: dict[str, str] = field(default_factory=dict)
    steps: int = 0
    best_step: int | None = None
    best_appearance: int | None = None
    best_gui: int | None = None
    duration_s: float = 0.0
    created_at: float = 0.0
    status: str = ""
    imported: bool = False
    example: bool = False
    problem: str = ""
    damaged: tuple[str, ...] = ()

    @property
    def readable(self) -> bool:
        """Whether the run could be read (``problem`` is empty)."""
        return not self.problem


def is_run_dir(path: Path) -> bool:
    """Whether ``path`` looks like a run directory (it holds a manifest)."""
    return (path / MANIFEST).is_file()


def scan_runs(folder: Path) -> list[RunSummary]:
    """Summaries of the runs directly inside ``folder``, and of ``folder`` itself if it is one.

    Sub-folders without a manifest are not runs and are skipped; a run that cannot be read
    becomes a summary with ``problem`` set. A missing or unreadable folder gives an empty
    list. Newest runs come first; unreadable ones last, by folder name.

    Args:
        folder: The folder to look in.

    Returns:
        One summary per run found.
    """
    folder = Path(folder)
    candidates: list[Path] = [folder] if is_run_dir(folder) else []
    with contextlib.suppress(OSError):
        candidates.extend(sorted(p for p in folder.iterdir() if p.is_dir() and is_run_dir(p)))
    summaries = [summarise_run(path) for path in candidates]
    summaries.sort(key=lambda s: (not s.readable, -s.created_at, s.run_dir.name))
    return summaries


def summarise_run(run_dir: Path) -> RunSummary:
    """The summary of one run directory; never raises for a broken run.

    Args:
        run_dir: A folder holding ``manifest.json``.

    Returns:
        The summary, or one with ``problem`` set when the run cannot be read.
    """
    run_dir = Path(run_dir).resolve()
    try:
        return _summary_of(RunStore.open(run_dir))
    except WebGenError as exc:
        return RunSummary(run_dir=run_dir, problem=str(exc))
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        # A manifest or step record of the right version but with odd values.
        return RunSummary(run_dir=run_dir, problem=f"cannot read the run in {run_dir}: {exc}")


def _summary_of(store: RunStore) -> RunSummary:
    steps, manifest = store.steps(), store.manifest
    best = _best_of(steps, manifest.best_step)
    config = manifest.config if isinstance(manifest.config, dict) else {}
    return RunSummary(
        run_dir=Path(store.run_dir),
        run_id=str(manifest.run_id),
        instruction=str(manifest.instruction),
        models=model_names(manifest.models),
        steps=len(steps),
        best_step=best.index if best else None,
        best_appearance=best.appearance_grade if best else None,
        best_gui=best.gui_grade if best else None,
        duration_s=float(sum(step.seconds for step in steps)),
        created_at=float(manifest.created_at or 0.0),
        status=str(manifest.status),
        imported=bool(config.get("imported_from")),
        example=isinstance(config.get("example"), dict),
        damaged=tuple(store.damaged),
    )


def model_names(models: Any) -> dict[str, str]:
    """Role -> model name from a manifest's ``models`` (roles without a name are left out).

    Args:
        models: The manifest's ``models``: role -> public settings dict.

    Returns:
        For example ``{"coder": "qwen2.5-coder:7b", "critic": "qwen2.5vl:32b"}``.
    """
    if not isinstance(models, dict):
        return {}
    names = {}
    for role, settings in models.items():
        name = settings.get("model") if isinstance(settings, dict) else settings
        if isinstance(name, str) and name.strip():
            names[str(role)] = name.strip()
    return names


def _best_of(steps: list[StepRecord], chosen: int | None) -> StepRecord | None:
    by_index = {step.index: step for step in steps}
    if chosen in by_index:
        return by_index[chosen]
    return select_best_step(answering_latest_request(steps))
