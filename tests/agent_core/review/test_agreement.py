"""Agreement of the automatic judges with people, over real runs with hand-checked numbers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent_core.errors import RunStoreError
from agent_core.review import LABELS_FILE, LabelStore, StepLabel, agreement
from agent_core.store.evidence import GuiTest, GuiTestSummary
from agent_core.store.records import StepKind
from tests.support.runs import StepSpec, build_run

QWEN, GPT = "qwen-vl-32b", "gpt-4o"


def _models(name: str) -> dict:
    return {
        "coder": {"provider": "ollama", "model": "coder-7b"},
        "critic": {"provider": "openai", "model": name},
        "feedback": {"provider": "openai", "model": name},
    }


def _gui_test(appearance: int, gui: int, passed: bool) -> StepSpec:
    summary = GuiTestSummary(test_passed=passed, grade=gui)
    return StepSpec(kind=StepKind.GUI_TEST, appearance=appearance, gui=gui,
                    extra={"gui": GuiTest(summary=summary)})


def build_labelled_runs(folder: Path) -> list[Path]:
    """Three labelled runs; the expected numbers are worked out in the comments.

    run-a (critic and feedback model qwen-vl-32b)
      step  kind      auto look/gui/verdict   human label             counts as
      1     edit      4 / - / -               look 4                  look |4-4| = 0
      2     edit      2 / - / -               look 4                  look |2-4| = 2
      3     gui_test  2 / 3 / failed          look 3, gui 4, wrong    look inherited (skip),
                                                                      gui |3-4| = 1, verdict wrong
      4     edit      - / - / - (error)       look 1                  look no automatic grade (skip)
      5     finish    2 / 3 / -               gui 3                   gui inherited (skip)
    run-b (gpt-4o)
      1     edit      3 / - / -               look 2                  look |3-2| = 1
      2     edit      5 / - / -               look 5, note            look |5-5| = 0
      3     gui_test  5 / 5 / passed          gui 5, right            gui 0, verdict right
      4     gui_test  5 / 2 / passed          gui 4, verdict unset    gui |2-4| = 2,
                                                                      verdict no human (skip)
    run-c (qwen-vl-32b)
      1     edit      3 / - / -               note only               look no human grade (skip)
      2     edit      3 / - / -               (no label)              -
    """
    a = build_run(folder / "run-a", [
        StepSpec(appearance=4), StepSpec(appearance=2), _gui_test(2, 3, passed=False),
        StepSpec(appearance=None, errors=["npm install failed"], screenshot=False),
        StepSpec(kind=StepKind.FINISH, appearance=2, gui=3, parent=3),
    ], models=_models(QWEN))  # fmt: skip
    b = build_run(folder / "run-b", [
        StepSpec(appearance=3), StepSpec(appearance=5), _gui_test(5, 5, passed=True),
        _gui_test(5, 2, passed=True),
    ], models=_models(GPT))  # fmt: skip
    c = build_run(folder / "run-c", [StepSpec(appearance=3), StepSpec(appearance=3)],
                  models=_models(QWEN))  # fmt: skip
    labels = LabelStore(a.run_dir)
    labels.set(1, StepLabel(appearance=4))
    labels.set(2, StepLabel(appearance=4))
    labels.set(3, StepLabel(appearance=3, gui=4, gui_verdict_correct=False))
    labels.set(4, StepLabel(appearance=1))
    labels.set(5, StepLabel(gui=3))
    labels = LabelStore(b.run_dir)
    labels.set(1, StepLabel(appearance=2))
    labels.set(2, StepLabel(appearance=5, note="lovely"))
    labels.set(3, StepLabel(gui=5, gui_verdict_correct=True))
    labels.set(4, StepLabel(gui=4))
    LabelStore(c.run_dir).set(1, StepLabel(note="cannot tell, the hero image is cut off"))
    return [a.run_dir, b.run_dir, c.run_dir]


@pytest.fixture
def runs(tmp_path: Path) -> list[Path]:
    return build_labelled_runs(tmp_path)


def _numbers(row) -> tuple:
    def r(x):
        return None if x is None else round(x, 4)

    return row.labelled, r(row.exact), r(row.within_one), r(row.mae)


def test_appearance_agreement_per_critic_model_and_overall(runs):
    report = agreement(runs)
    assert report.labelled_steps == 10  # 5 + 4 + 1 labels
    assert report.models("appearance") == [GPT, QWEN]
    # qwen: diffs 0, 2 -> exact 1/2, within-1 1/2, MAE (0+2)/2 = 1.0
    assert _numbers(report.row("appearance", QWEN)) == (2, 0.5, 0.5, 1.0)
    # gpt-4o: diffs 1, 0 -> exact 1/2, within-1 2/2, MAE (1+0)/2 = 0.5
    assert _numbers(report.row("appearance", GPT)) == (2, 0.5, 1.0, 0.5)
    # all: diffs 0, 2, 1, 0 -> exact 2/4, within-1 3/4, MAE 3/4
    assert _numbers(report.row("appearance")) == (4, 0.5, 0.75, 0.75)
    # a-3 inherited from a-2; a-4 has no critic grade; c-1 carries only a note
    assert report.skipped["appearance"] == {"no_auto": 1, "no_human": 1, "inherited": 1}


def test_gui_grade_and_verdict_agreement_per_feedback_model(runs):
    report = agreement(runs)
    # qwen: a-3 |3-4| = 1 -> exact 0/1, within-1 1/1, MAE 1.0
    assert _numbers(report.row("gui", QWEN)) == (1, 0.0, 1.0, 1.0)
    # gpt-4o: b-3 0, b-4 |2-4| = 2 -> exact 1/2, within-1 1/2, MAE 1.0
    assert _numbers(report.row("gui", GPT)) == (2, 0.5, 0.5, 1.0)
    # all: 1, 0, 2 -> exact 1/3, within-1 2/3, MAE 3/3 = 1.0
    assert _numbers(report.row("gui")) == (3, 0.3333, 0.6667, 1.0)
    assert report.skipped["gui"] == {"inherited": 1}  # a-5 (finish) keeps a-3's grade
    # verdicts: a-3 marked wrong, b-3 marked right; b-4 not judged
    assert _numbers(report.row("gui_verdict", QWEN)) == (1, 0.0, None, None)
    assert _numbers(report.row("gui_verdict", GPT)) == (1, 1.0, None, None)
    assert _numbers(report.row("gui_verdict")) == (2, 0.5, None, None)
    assert report.skipped["gui_verdict"] == {"no_human": 1}


def test_report_as_json_and_as_a_table(runs):
    report = agreement(runs)
    data = json.loads(json.dumps(report.to_dict()))
    assert data["labelled_steps"] == 10 and len(data["runs"]) == 3
    assert data["judges"]["appearance"]["overall"] == {
        "labelled": 4, "exact": 0.5, "within_one": 0.75, "mae": 0.75}  # fmt: skip
    assert data["judges"]["gui"]["by_model"][GPT]["mae"] == 1.0
    assert data["judges"]["gui_verdict"]["overall"]["exact"] == 0.5

    table = report.format_table().splitlines()
    assert table[0] == "10 labelled step(s) in 3 run(s)"
    assert table[2].split() == ["judge", "model", "labelled", "exact", "within-1", "MAE"]
    assert "appearance   gpt-4o              2   50.0%    100.0%   0.50" in table
    assert "gui          all models          3   33.3%     66.7%   1.00" in table
    assert "gui verdict  qwen-vl-32b         1    0.0%         -      -" in table
    assert ("skipped for appearance: 3 (1 no automatic grade, 1 no human grade, "
            "1 grade carried over from an earlier step)") in table  # fmt: skip


def test_runs_without_labels_give_an_empty_report(tmp_path):
    run = build_run(tmp_path / "run", [StepSpec(appearance=4)]).run_dir
    report = agreement([run])
    assert report.labelled_steps == 0
    assert _numbers(report.row("appearance")) == (0, None, None, None)
    assert report.models("appearance") == []
    assert report.to_dict()["judges"]["gui"]["skipped"] == {}


def test_a_hand_written_label_for_a_missing_step_is_skipped(tmp_path):
    run = build_run(tmp_path / "run", [StepSpec(appearance=4)]).run_dir
    (run / LABELS_FILE).parent.mkdir()
    (run / LABELS_FILE).write_text(
        '{"schema": 1, "labels": {"1": {"appearance": 3}, "7": {"appearance": 2}}}'
    )
    report = agreement([run])
    assert _numbers(report.row("appearance")) == (1, 0.0, 1.0, 1.0)
    assert report.skipped["appearance"] == {"no_step": 1}


def test_one_corrupt_labels_file_stops_the_report_and_names_it(runs):
    broken = runs[1] / LABELS_FILE
    broken.write_text("{")
    with pytest.raises(RunStoreError, match=str(broken)):
        agreement(runs)
    assert broken.read_text() == "{"
