"""Re-judging a stored run with other models: the same screenshots and trajectories, new grades.

For each edit step with a screenshot the vision critic reviews the stored picture again,
with the instruction the run worked from and the browser errors the step recorded; for each
GUI-test step with a stored trajectory the feedback model grades that trajectory again (the
same prompt and ask-again rule as the GUI tester). Nothing in the run changes: the new
grades go to ``RUN_DIR/judgements/<label>.json`` (see ``judgements.py``), and the report
compares them with the run's own.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from agent_core.critic.screenshot_critic import ScreenshotCritic
from agent_core.errors import WebGenError
from agent_core.experiments.judgements import (
    JudgementSet,
    RejudgeError,
    StepJudgement,
    check_label,
    judgements_path,
    read_judgement_file,
    write_judgements,
)
from agent_core.gui import prompts as gui_prompts
from agent_core.gui.tester import ask_summary
from agent_core.llm.base import ChatModel
from agent_core.protocol.coder_prompt import effective_instruction
from agent_core.review.agreement import APPEARANCE, AgreementRow, agreement_row
from agent_core.review.agreement import GUI as GUI_JUDGE
from agent_core.store.evidence import GuiTest, GuiTurn
from agent_core.store.records import StepKind, StepRecord
from agent_core.store.run_store import RunStore
from agent_core.store.selection import parent_chain
from agent_core.store.step_kinds import edits_files, follow_up_of

log = logging.getLogger(__name__)
CRITIC, GUI = "critic", "gui"


@dataclass(frozen=True)
class RejudgeProgress:
    """One step re-judged.

    Attributes:
        done: Steps re-judged so far.
        total: Steps to re-judge.
        index: The step just re-judged.
        error: Why it got no new judgement (None when it got one).
    """

    done: int
    total: int
    index: int
    error: str | None = None


ProgressCallback = Callable[[RejudgeProgress], None]


@dataclass(frozen=True)
class StepComparison:
    """The run's grade of one step beside the new one.

    Attributes:
        index: The step.
        kind: ``edit`` (appearance re-judged) or ``gui_test`` (GUI grade re-judged).
        original_appearance: The run's appearance grade (edit steps; None otherwise).
        new_appearance: The new appearance grade (None: missing or not judged).
        original_gui: The run's GUI grade (GUI-test steps; None otherwise).
        new_gui: The new GUI grade (None: missing or not judged).
        error: Why the step got no new judgement.
    """

    index: int
    kind: str
    original_appearance: int | None
    new_appearance: int | None
    original_gui: int | None
    new_gui: int | None
    error: str | None = None


@dataclass(frozen=True)
class RejudgeReport:
    """What one re-judgement found.

    Attributes:
        run_dir: The run.
        label: The judgements' label.
        path: The judgements file.
        models: Per role, the judging model's name (None: role not asked this time).
        steps: One comparison per re-judged step, in step order.
        appearance: Agreement of the new appearance grades with the run's (pairs where both
            exist): ``labelled`` is the number compared, then exact, within-one, MAE.
        gui: The same for the GUI grades.
        not_judged: Steps that could have been re-judged but hold nothing to judge
            (index -> reason: no screenshot, no stored trajectory).
    """

    run_dir: Path
    label: str
    path: Path
    models: dict[str, str | None]
    steps: tuple[StepComparison, ...]
    appearance: AgreementRow
    gui: AgreementRow
    not_judged: dict[int, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form (printed by ``webgen rejudge --json``)."""
        return {
            "run_dir": str(self.run_dir),
            "label": self.label,
            "judgements_file": str(self.path),
            "models": dict(self.models),
            "steps": [asdict(step) for step in self.steps],
            "agreement": {"appearance": self.appearance.to_dict(), "gui": self.gui.to_dict()},
            "not_judged": {str(i): why for i, why in sorted(self.not_judged.items())},
        }

    def format_table(self) -> str:
        """The comparison as a text table, then the agreement numbers."""
        head = ("step", "original look", "new look", "original GUI", "new GUI")
        lines = [" | ".join(head)]
        for step in self.steps:
            look = edits_files(StepKind(step.kind))
            cells = (
                str(step.index),
                _grade(step.original_appearance) if look else "-",
                _grade(step.new_appearance) if look else "-",
                _grade(step.original_gui) if not look else "-",
                _grade(step.new_gui) if not look else "-",
            )
            row = " | ".join(c.rjust(len(h)) for c, h in zip(cells, head, strict=True))
            lines.append(row + (f"  error: {step.error}" if step.error else ""))
        if not self.steps:
            lines.append("(no step had a screenshot or a GUI trajectory to re-judge)")
        lines += ["", _agreement_line("appearance", self.appearance),
                  _agreement_line("GUI", self.gui)]  # fmt: skip
        for index, why in sorted(self.not_judged.items()):
            lines.append(f"step {index} not re-judged: {why}")
        lines.append(f"judgements: {self.path}")
        return "\n".join(lines)


async def rejudge_run(
    run_dir: Path,
    *,
    critic: ChatModel | None,
    feedback: ChatModel | None,
    label: str,
    concurrency: int = 2,
    on_progress: ProgressCallback | None = None,
) -> RejudgeReport:
    """Grade a stored run's screenshots and GUI trajectories again with other models.

    The judgements file of ``label`` is written atomically once every step is done. When
    it exists already, steps re-judged now replace their entries and the others are kept,
    so ``--only critic`` and ``--only gui`` can fill one label in two passes. A model
    failure on one step is recorded as that step's ``error``; the other steps go on.

    Args:
        run_dir: The run directory (it is only read).
        critic: The vision model re-grading screenshots (None: keep the critic out).
        feedback: The model re-grading GUI trajectories (None: keep GUI tests out).
        label: Names the judgements file (letters, digits, ``.``, ``_``, ``-``).
        concurrency: Steps judged at the same time.
        on_progress: Called after each step.

    Returns:
        The report.

    Raises:
        RejudgeError: Bad label, or neither model given.
        RunStoreError: The folder is not a readable run, or the label's file is unreadable.
    """
    check_label(label)
    if critic is None and feedback is None:
        raise RejudgeError("nothing to re-judge with: give a critic model, a feedback model "
                           "or both")  # fmt: skip
    store = await asyncio.to_thread(RunStore.open, Path(run_dir))
    jobs, not_judged = _plan(store.steps(), critic is not None, feedback is not None)
    results: dict[int, StepJudgement] = {}
    slots = asyncio.Semaphore(max(1, concurrency))

    async def judge(step: StepRecord, what: str) -> None:
        async with slots:
            if what == CRITIC:
                assert critic is not None
                result = await _critic_judgement(critic, store, step)
            else:
                assert feedback is not None
                result = await _gui_judgement(feedback, store, step)
        results[step.index] = result
        if on_progress is not None:
            try:
                on_progress(RejudgeProgress(len(results), len(jobs), step.index, result.error))
            except Exception:  # a listener's bug must not stop the re-judging
                log.exception("re-judging progress listener failed")

    async with asyncio.TaskGroup() as group:
        for step, what in jobs:
            group.create_task(judge(step, what))
    models = {CRITIC: _model_name(critic), "feedback": _model_name(feedback)}
    path, saved = await asyncio.to_thread(_save, store.run_dir, label, models, results)
    comparisons = tuple(_compare(step, results[step.index]) for step, _ in jobs)
    return RejudgeReport(
        run_dir=store.run_dir, label=label, path=path, models=saved.models,
        steps=comparisons, appearance=_agreement(APPEARANCE, comparisons),
        gui=_agreement(GUI_JUDGE, comparisons), not_judged=not_judged,
    )  # fmt: skip


def _plan(
    steps: list[StepRecord], with_critic: bool, with_gui: bool
) -> tuple[list[tuple[StepRecord, str]], dict[int, str]]:
    """The (step, judge) pairs to run, and the steps that hold nothing to judge."""
    jobs: list[tuple[StepRecord, str]] = []
    not_judged: dict[int, str] = {}
    for step in steps:
        if edits_files(step.kind) and with_critic:
            if step.screenshot:
                jobs.append((step, CRITIC))
            else:
                not_judged[step.index] = "edit step without a screenshot"
        elif step.kind is StepKind.GUI_TEST and with_gui:
            if _turns(step):
                jobs.append((step, GUI))
            else:
                not_judged[step.index] = "GUI-test step without a stored trajectory"
    return jobs, not_judged


def _turns(step: StepRecord) -> tuple[GuiTurn, ...]:
    return step.gui.turns if step.gui is not None else ()


def instruction_of(store: RunStore, step: StepRecord) -> str:
    """The instruction the run worked from at ``step``: the first one plus follow-ups.

    The follow-up requests along the step's parent chain are added, as the agent does.
    """
    steps = {s.index: s for s in store.steps()}
    requests = [follow_up_of(s) for s in parent_chain(steps, step.index)]
    return effective_instruction(store.manifest.instruction, requests)


async def _critic_judgement(model: ChatModel, store: RunStore, step: StepRecord) -> StepJudgement:
    assert step.screenshot is not None
    path = store.run_dir / step.screenshot
    try:
        png = await asyncio.to_thread(path.read_bytes)
    except OSError as exc:
        return StepJudgement(error=f"the screenshot {path} cannot be read: {exc.strerror or exc}")
    browser = step.runtime.browser
    errors = list(browser.console) if browser is not None else []
    try:
        review = await ScreenshotCritic(model).review(
            png, instruction_of(store, step), console_errors=errors
        )
    except WebGenError as exc:
        return StepJudgement(error=f"the critic failed on step {step.index}: {exc}")
    return StepJudgement(appearance_grade=review.appearance_grade, critic=review.as_evidence())


async def _gui_judgement(model: ChatModel, store: RunStore, step: StepRecord) -> StepJudgement:
    gui = step.gui or GuiTest()
    test_instruction = gui.test_instruction or store.manifest.test_instruction
    if not test_instruction:
        return StepJudgement(error=f"step {step.index} keeps no test instruction to grade against")
    messages = gui_prompts.summary_messages(
        test_instruction, [_turn_record(t) for t in gui.turns], gui.answer,
        gui.ended_because or "",
    )  # fmt: skip
    raw: list[str] = []
    try:
        summary = await ask_summary(model, messages, {}, raw)
    except WebGenError as exc:
        return StepJudgement(error=f"the feedback model failed on step {step.index}: {exc}")
    last = raw[-1] if raw else None
    if summary is None:
        empty: dict[str, Any] = {"test_passed": None, "improvement_suggestions": [], "grade": None}
        return StepJudgement(
            gui_summary={**empty, "raw_summary": last},
            error=f"{model.description} answered twice without a readable JSON object with a "
            "grade from 1 to 5; no summary",
        )
    return StepJudgement(gui_grade=summary.grade,
                         gui_summary={**asdict(summary), "raw_summary": last})  # fmt: skip


def _turn_record(turn: GuiTurn) -> gui_prompts.TurnRecord:
    """A stored turn as the summary prompt shows it."""
    return gui_prompts.TurnRecord(
        turn.index, turn.url, turn.thought, turn.action, turn.status, turn.detail
    )


def _save(run_dir: Path, label: str, models: dict[str, str | None],
          results: dict[int, StepJudgement]) -> tuple[Path, JudgementSet]:  # fmt: skip
    """Merge with the label's earlier file (if any) and write atomically."""
    path = judgements_path(run_dir, label)
    earlier = read_judgement_file(path) if path.exists() else None
    kept_models = dict(earlier.models) if earlier else {}
    kept_models.update({role: name for role, name in models.items() if name is not None})
    for role in (CRITIC, "feedback"):
        kept_models.setdefault(role, None)
    steps = {**(earlier.steps if earlier else {}), **results}
    merged = JudgementSet(label, kept_models, time.time(), steps)
    return write_judgements(run_dir, merged), merged


def _model_name(model: ChatModel | None) -> str | None:
    """The model's name as its server knows it (the description for other clients)."""
    if model is None:
        return None
    name = getattr(getattr(model, "config", None), "model", None)
    return name if isinstance(name, str) and name else model.description


def _compare(step: StepRecord, judged: StepJudgement) -> StepComparison:
    if edits_files(step.kind):
        return StepComparison(step.index, str(step.kind), step.appearance_grade,
                              judged.appearance_grade, None, None, judged.error)  # fmt: skip
    return StepComparison(step.index, str(step.kind), None, None, step.gui_grade,
                          judged.gui_grade, judged.error)  # fmt: skip


def _agreement(judge: str, steps: tuple[StepComparison, ...]) -> AgreementRow:
    """Exact / within-one / MAE over the steps where both grades exist."""
    if judge == APPEARANCE:
        pairs = [(s.original_appearance, s.new_appearance) for s in steps]
    else:
        pairs = [(s.original_gui, s.new_gui) for s in steps]
    diffs = [abs(old - new) for old, new in pairs if old is not None and new is not None]
    return agreement_row(judge, None, diffs)


def _grade(value: int | None) -> str:
    return "-" if value is None else str(value)


def _agreement_line(title: str, row: AgreementRow) -> str:
    if not row.labelled:
        return f"{title}: nothing compared"
    assert row.exact is not None and row.within_one is not None and row.mae is not None
    return (f"{title}: {row.labelled} compared, exact {100 * row.exact:.1f}%, within one "
            f"{100 * row.within_one:.1f}%, mean absolute difference {row.mae:.2f}")  # fmt: skip


__all__ = [
    "ProgressCallback",
    "RejudgeProgress",
    "RejudgeReport",
    "StepComparison",
    "instruction_of",
    "rejudge_run",
]
