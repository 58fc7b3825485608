"""What a batch of runs produced, per run and per coder model (and condition), and how it is shown.

A run counts as *finished* when its manifest says ``finished``; every other outcome (the
run failed, or could not be started) is a *failure*. The grade, step and time averages of
a coder are taken over its finished runs: they describe the sites a user would get.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from agent_core.store.records import RunStatus
from agent_core.store.run_store import RunStore

BATCH_SCHEMA = 1


@dataclass(frozen=True)
class BatchItem:
    """One instruction of a batch.

    Attributes:
        id: Names the item's folder (letters, digits, ``.``, ``_``, ``-``), e.g. a
            WebGen-Bench id ``000001`` or one made by ``item_id_for``.
        instruction: What the website should be.
    """

    id: str
    instruction: str


@dataclass(frozen=True)
class BatchRun:
    """The outcome of one (item, coder, sample) run.

    Attributes:
        item_id: The item.
        coder: The coder model's name.
        sample: 1-based sample number.
        run_dir: The run directory.
        status: The manifest's status (``finished``, ``failed``, ``cancelled``...), or
            ``failed`` when no run could be created.
        ran: Whether this invocation ran it (False: it had finished before).
        reason: Why the run ended, or why it failed.
        best_step: The selected best step (None until the run ended well).
        best_appearance: The best step's appearance grade.
        best_gui: The best step's GUI grade.
        steps: Committed steps.
        seconds: Time of all steps together (without time between invocations).
        condition: The ablation condition it ran under ('' when the batch names none).
        error_steps: Committed steps that ended with an error (candidates included).
    """

    item_id: str
    coder: str
    sample: int
    run_dir: Path
    status: str
    ran: bool
    reason: str = ""
    best_step: int | None = None
    best_appearance: int | None = None
    best_gui: int | None = None
    steps: int = 0
    seconds: float = 0.0
    condition: str = ""
    error_steps: int = 0

    @property
    def finished(self) -> bool:
        """Whether the run ended as finished."""
        return self.status == str(RunStatus.FINISHED)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form (one entry of ``batch.json``'s ``runs``)."""
        data = asdict(self)
        data["run_dir"] = str(self.run_dir)
        data["seconds"] = round(self.seconds, 3)
        return data


def read_run(item_id: str, coder: str, sample: int, run_dir: Path, *, ran: bool,
             error: str = "", condition: str = "") -> BatchRun:  # fmt: skip
    """The outcome of a run from its directory (``error`` when none was made).

    Synchronous: reads the manifest and the step records.
    """
    if not (run_dir / "manifest.json").exists():
        return BatchRun(item_id, coder, sample, run_dir, str(RunStatus.FAILED), ran, error,
                        condition=condition)  # fmt: skip
    store = RunStore.open(run_dir)
    manifest = store.manifest
    steps = store.steps()
    best = next((s for s in steps if s.index == manifest.best_step), None)
    status = str(manifest.status)
    if error and manifest.status is RunStatus.RUNNING:
        status = str(RunStatus.FAILED)  # the run stopped on an error the loop did not catch
    return BatchRun(
        item_id, coder, sample, run_dir, status, ran, error or manifest.end_reason,
        manifest.best_step, best.appearance_grade if best else None,
        best.gui_grade if best else None, len(steps), sum(s.seconds for s in steps),
        condition, sum(1 for s in steps if s.has_error),
    )  # fmt: skip


@dataclass(frozen=True)
class CoderRow:
    """One coder model's line of the batch table.

    Attributes:
        coder: The coder model's name.
        runs: Runs of this coder (items x samples).
        finished: Runs that finished.
        failures: Runs that did not (failed, or could not be started).
        mean_appearance: Mean appearance grade of the best steps of finished runs.
        median_appearance: Their median.
        mean_gui: Mean GUI grade of those best steps that have one.
        mean_steps: Mean number of steps of finished runs.
        mean_seconds: Mean time of finished runs (sum of their steps' times).
        condition: The ablation condition of these runs ('' when the batch names none).
        mean_error_steps: Mean number of error steps of finished runs.
    """

    coder: str
    runs: int
    finished: int
    failures: int
    mean_appearance: float | None
    median_appearance: float | None
    mean_gui: float | None
    mean_steps: float | None
    mean_seconds: float | None
    condition: str = ""
    mean_error_steps: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form, averages rounded to 4 places."""
        data = asdict(self)
        for key, value in data.items():
            if isinstance(value, float):
                data[key] = round(value, 4)
        return data


def _mean(values: Sequence[float | int | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.fmean(present) if present else None


def _median(values: Sequence[float | int | None]) -> float | None:
    present = [v for v in values if v is not None]
    return float(statistics.median(present)) if present else None


@dataclass(frozen=True)
class BatchReport:
    """All runs of a batch.

    Attributes:
        out_dir: The batch folder.
        samples: Samples per (item, coder).
        items: The items, in the order given.
        coders: The coder models' names, in the order given.
        runs: One outcome per run that got one (all of them unless interrupted).
        path: ``batch.json`` once written.
        conditions: The ablation conditions' names, in the order given (empty: none named).
    """

    out_dir: Path
    samples: int
    items: tuple[BatchItem, ...]
    coders: tuple[str, ...]
    runs: tuple[BatchRun, ...]
    path: Path | None = None
    conditions: tuple[str, ...] = ()

    def table(self) -> list[CoderRow]:
        """One row per coder model (and condition), in the order they were given."""
        rows = []
        for coder in self.coders:
            for condition in self.conditions or ("",):
                mine = [r for r in self.runs if r.coder == coder and r.condition == condition]
                rows.append(_row(coder, condition, mine, len(self.items) * self.samples))
        return rows

    def failed_runs(self) -> list[BatchRun]:
        """The runs that did not finish."""
        return [r for r in self.runs if not r.finished]

    def format_table(self) -> str:
        """The table as text (with a condition column when conditions were named), then one
        line per failed run."""
        head = ("runs", "finished", "look mean", "look median", "GUI mean", "steps",
                "error steps", "time (s)", "failures")  # fmt: skip
        rows = self.table()
        names = [(r.coder, r.condition) for r in rows] if self.conditions else [
            (r.coder,) for r in rows]  # fmt: skip
        titles = ("coder", "condition")[: len(names[0])] if names else ("coder",)
        widths = [max([len(t), *(len(n[i]) for n in names)]) for i, t in enumerate(titles)]
        lines = ["  ".join([*(t.ljust(w) for t, w in zip(titles, widths, strict=True)),
                            *(h.rjust(len(h)) for h in head)])]  # fmt: skip
        for r, name in zip(rows, names, strict=True):
            cells = (
                str(r.runs), str(r.finished), _number(r.mean_appearance, 2),
                _number(r.median_appearance, 1), _number(r.mean_gui, 2),
                _number(r.mean_steps, 1), _number(r.mean_error_steps, 1),
                _number(r.mean_seconds, 1), str(r.failures),
            )  # fmt: skip
            aligned = [c.rjust(len(h)) for c, h in zip(cells, head, strict=True)]
            lines.append("  ".join([*(n.ljust(w) for n, w in zip(name, widths, strict=True)),
                                    *aligned]))  # fmt: skip
        for run in self.failed_runs():
            lines.append(f"failed: {run.run_dir}: {run.reason or run.status}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """The content of ``batch.json``."""
        return {
            "schema": BATCH_SCHEMA,
            "out_dir": str(self.out_dir),
            "samples": self.samples,
            "items": [asdict(item) for item in self.items],
            "coders": list(self.coders),
            "conditions": list(self.conditions),
            "table": [row.to_dict() for row in self.table()],
            "runs": [run.to_dict() for run in self.runs],
        }


def _row(coder: str, condition: str, runs: Sequence[BatchRun], planned: int) -> CoderRow:
    """The table row of ``runs`` (one coder, one condition); averages over finished runs."""
    done = [r for r in runs if r.finished]
    return CoderRow(
        coder=coder, runs=planned, finished=len(done), failures=len(runs) - len(done),
        mean_appearance=_mean([r.best_appearance for r in done]),
        median_appearance=_median([r.best_appearance for r in done]),
        mean_gui=_mean([r.best_gui for r in done]),
        mean_steps=_mean([r.steps for r in done]),
        mean_seconds=_mean([r.seconds for r in done]), condition=condition,
        mean_error_steps=_mean([r.error_steps for r in done]),
    )  # fmt: skip


def _number(value: float | None, places: int) -> str:
    return "-" if value is None else f"{value:.{places}f}"


__all__ = ["BATCH_SCHEMA", "BatchItem", "BatchReport", "BatchRun", "CoderRow", "read_run"]
