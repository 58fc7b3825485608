"""How often the automatic judges agree with people, over the labelled steps of some runs.

Three judges are compared with the human labels (``labels.py``):

- ``appearance``: the vision critic's appearance grade (0-5) against the person's, on the
  edit steps the critic graded; judged model: ``manifest.models["critic"]["model"]``.
- ``gui``: the feedback model's GUI grade (1-5) against the person's, on GUI-test steps;
  judged model: ``manifest.models["feedback"]["model"]``.
- ``gui_verdict``: the share of GUI-test verdicts (``test_passed``) people marked right;
  same model as ``gui``.

A GUI-test or finish step only carries its parent's appearance grade forward (and a finish
step its GUI grade), so a human grade there is not compared again: it is skipped as
``inherited`` rather than counting one judgement twice. Labels with no automatic grade or no
human grade to compare are skipped too, and the report says how many and why.

Reading is synchronous and quick (a few small JSON files per run); from the event loop call
``agreement`` through ``asyncio.to_thread``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent_core.review.labels import LabelStore, StepLabel
from agent_core.store.records import StepKind, StepRecord
from agent_core.store.run_store import RunStore

APPEARANCE, GUI, GUI_VERDICT = "appearance", "gui", "gui_verdict"
JUDGES = (APPEARANCE, GUI, GUI_VERDICT)
JUDGE_ROLE = {APPEARANCE: "critic", GUI: "feedback", GUI_VERDICT: "feedback"}
UNKNOWN_MODEL = "(unknown)"
SKIP_REASONS = {
    "no_auto": "no automatic grade",
    "no_human": "no human grade",
    "inherited": "grade carried over from an earlier step",
    "no_step": "step not in the run",
}
_JUDGE_TITLES = {APPEARANCE: "appearance", GUI: "gui", GUI_VERDICT: "gui verdict"}


@dataclass(frozen=True)
class AgreementRow:
    """Agreement of one judge (one model, or all models) with people.

    Attributes:
        judge: ``appearance``, ``gui`` or ``gui_verdict``.
        model: The judged model's name; None for all models together.
        labelled: Number of compared (automatic, human) pairs.
        exact: Share of pairs with the same grade; for ``gui_verdict`` the share of
            verdicts people marked right. None when nothing was compared.
        within_one: Share of pairs whose grades differ by at most one (None for
            ``gui_verdict`` or when nothing was compared).
        mae: Mean absolute difference of the grades (None as for ``within_one``).
    """

    judge: str
    model: str | None
    labelled: int
    exact: float | None = None
    within_one: float | None = None
    mae: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form (shares as fractions of 1, rounded to 4 places)."""

        def rounded(value: float | None) -> float | None:
            return None if value is None else round(value, 4)

        return {
            "labelled": self.labelled,
            "exact": rounded(self.exact),
            "within_one": rounded(self.within_one),
            "mae": rounded(self.mae),
        }


@dataclass(frozen=True)
class AgreementReport:
    """The agreement of every judge with people, per judged model and overall.

    Attributes:
        runs: The run directories read.
        labelled_steps: Steps that have a human label (of any kind).
        rows: Per judge, one row per model (sorted by name) then the overall row.
        skipped: Per judge, labels not compared, counted by reason (keys of
            ``SKIP_REASONS``).
    """

    runs: tuple[str, ...]
    labelled_steps: int
    rows: tuple[AgreementRow, ...]
    skipped: dict[str, dict[str, int]] = field(default_factory=dict)

    def row(self, judge: str, model: str | None = None) -> AgreementRow | None:
        """The row of ``judge`` for ``model`` (None: all models), if there is one."""
        for row in self.rows:
            if row.judge == judge and row.model == model:
                return row
        return None

    def models(self, judge: str) -> list[str]:
        """The models ``judge`` has per-model rows for."""
        return [r.model for r in self.rows if r.judge == judge and r.model is not None]

    def to_dict(self) -> dict[str, Any]:
        """The documented ``--json`` object of ``webgen review-summary``."""
        judges = {}
        for judge in JUDGES:
            overall = self.row(judge)
            judges[judge] = {
                "overall": overall.to_dict() if overall else AgreementRow(judge, None, 0).to_dict(),
                "by_model": {
                    m: row.to_dict() for m in self.models(judge) if (row := self.row(judge, m))
                },
                "skipped": dict(self.skipped.get(judge, {})),
            }
        return {"runs": list(self.runs), "labelled_steps": self.labelled_steps, "judges": judges}

    def format_table(self) -> str:
        """The report as a small text table for a terminal."""
        shown = [r for r in self.rows if r.model is not None or len(self.models(r.judge)) != 1]
        width = max([len("model"), *(len(_model_title(r.model)) for r in shown)])
        width = min(width, 32)
        lines = [
            f"{self.labelled_steps} labelled step(s) in {len(self.runs)} run(s)",
            "",
            f"{'judge':<12} {'model':<{width}}  {'labelled':>8}  {'exact':>6}  "
            f"{'within-1':>8}  {'MAE':>5}",
        ]
        lines += [_table_row(r, width) for r in shown]
        lines.append("")
        lines.append("gui verdict: 'exact' is the share of verdicts people marked right")
        lines += self._skipped_lines()
        return "\n".join(lines)

    def _skipped_lines(self) -> list[str]:
        lines = []
        for judge in JUDGES:
            counts = {k: v for k, v in self.skipped.get(judge, {}).items() if v}
            if counts:
                parts = ", ".join(f"{n} {SKIP_REASONS[k]}" for k, n in counts.items())
                lines.append(
                    f"skipped for {_JUDGE_TITLES[judge]}: {sum(counts.values())} ({parts})"
                )
        return lines


def agreement(runs: Sequence[Path]) -> AgreementReport:
    """Compare the automatic judges with the human labels of ``runs``.

    Args:
        runs: Run directories (each holding ``manifest.json``).

    Returns:
        The report; with no labels at all its ``labelled_steps`` is 0.

    Raises:
        RunStoreError: A run cannot be opened, or its labels file cannot be read.
    """
    diffs: dict[str, dict[str, list[int]]] = {judge: {} for judge in JUDGES}
    skipped: dict[str, Counter[str]] = {judge: Counter() for judge in JUDGES}
    labelled = 0
    opened: list[str] = []
    for run_dir in runs:
        store = RunStore.open(Path(run_dir))
        opened.append(str(store.run_dir))
        labels = LabelStore(store.run_dir).all()
        labelled += len(labels)
        steps = {step.index: step for step in store.steps()}
        for index, label in labels.items():
            for judge in JUDGES:
                outcome = _compare(judge, steps.get(index), label)
                if isinstance(outcome, str):
                    skipped[judge][outcome] += 1
                elif outcome is not None:
                    model = _judged_model(store.manifest.models, judge)
                    diffs[judge].setdefault(model, []).append(outcome)
    rows: list[AgreementRow] = []
    for judge in JUDGES:
        rows += [agreement_row(judge, model, diffs[judge][model]) for model in sorted(diffs[judge])]
        rows.append(agreement_row(judge, None, [d for ds in diffs[judge].values() for d in ds]))
    return AgreementReport(
        runs=tuple(opened),
        labelled_steps=labelled,
        rows=tuple(rows),
        skipped={judge: {r: skipped[judge][r] for r in SKIP_REASONS if skipped[judge][r]}
                 for judge in JUDGES},
    )  # fmt: skip


def _compare(judge: str, step: StepRecord | None, label: StepLabel) -> int | str | None:
    """The absolute difference for ``judge`` on one step, a skip reason, or None (no claim).

    For ``gui_verdict`` the "difference" is 0 when people marked the verdict right, else 1.
    """
    auto, human, graded_here = _values(judge, step, label)
    if human is None:
        return "no_human" if step is not None and graded_here and auto is not None else None
    if step is None:
        return "no_step"
    if auto is None:
        return "no_auto"
    if not graded_here:
        return "inherited"
    if judge == GUI_VERDICT:
        return 0 if human else 1
    return abs(int(auto) - int(human))


def _values(
    judge: str, step: StepRecord | None, label: StepLabel
) -> tuple[int | bool | None, int | bool | None, bool]:
    """(automatic value, human value, whether the judge produced the value on this step)."""
    kind = step.kind if step is not None else None
    if judge == APPEARANCE:
        auto = step.appearance_grade if step is not None else None
        return auto, label.appearance, kind is StepKind.EDIT
    if judge == GUI:
        auto = step.gui_grade if step is not None else None
        return auto, label.gui, kind is StepKind.GUI_TEST
    return _verdict(step), label.gui_verdict_correct, kind is StepKind.GUI_TEST


def _verdict(step: StepRecord | None) -> bool | None:
    """The GUI agent's ``test_passed`` verdict stored with a step, if any."""
    summary = step.gui.summary if step is not None and step.gui is not None else None
    return summary.test_passed if summary is not None else None


def _judged_model(models: dict[str, Any], judge: str) -> str:
    role = models.get(JUDGE_ROLE[judge]) if isinstance(models, dict) else None
    name = role.get("model") if isinstance(role, dict) else None
    return str(name) if name else UNKNOWN_MODEL


def agreement_row(judge: str, model: str | None, diffs: list[int]) -> AgreementRow:
    n = len(diffs)
    if n == 0:
        return AgreementRow(judge, model, 0)
    exact = sum(d == 0 for d in diffs) / n
    if judge == GUI_VERDICT:
        return AgreementRow(judge, model, n, exact)
    return AgreementRow(judge, model, n, exact, sum(d <= 1 for d in diffs) / n, sum(diffs) / n)


def _model_title(model: str | None) -> str:
    return "all models" if model is None else model


def _table_row(row: AgreementRow, width: int) -> str:
    def share(value: float | None) -> str:
        return "-" if value is None else f"{100 * value:.1f}%"

    name = _model_title(row.model)
    name = name if len(name) <= width else name[: width - 3] + "..."
    mae = "-" if row.mae is None else f"{row.mae:.2f}"
    return (
        f"{_JUDGE_TITLES[row.judge]:<12} {name:<{width}}  {row.labelled:>8}  "
        f"{share(row.exact):>6}  {share(row.within_one):>8}  {mae:>5}"
    )
