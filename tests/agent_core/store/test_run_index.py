"""Summaries of the runs in a folder: grades of the best step, durations, broken runs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from agent_core.store.records import RunStatus, StepKind
from agent_core.store.run_index import scan_runs, summarise_run
from tests.support.runs import StepSpec, build_run

MODELS = {
    "coder": {"provider": "ollama", "model": "qwen2.5-coder:7b"},
    "critic": {"provider": "openai", "model": "qwen2.5-vl-32b"},
    "feedback": {"provider": "openai", "model": ""},
}


def _grades_run(run_dir: Path, *, best: int | None = None):
    return build_run(
        run_dir,
        [
            StepSpec(appearance=4),
            StepSpec(appearance=2, errors=["appearance grade 2"]),
            StepSpec(appearance=3),
            StepSpec(kind=StepKind.GUI_TEST, appearance=3, gui=4),
        ],
        instruction="A bakery site with a menu",
        models=MODELS,
        best=best,
    )


def test_summary_gives_best_step_grades_models_and_duration(tmp_path):
    store = _grades_run(tmp_path / "run")

    summary = summarise_run(tmp_path / "run")

    assert summary.problem == ""
    assert summary.run_id == store.manifest.run_id
    assert summary.instruction == "A bakery site with a menu"
    assert summary.models == {"coder": "qwen2.5-coder:7b", "critic": "qwen2.5-vl-32b"}
    assert summary.steps == 4
    # GUI grade ranks first: the GUI-test step wins over the higher-looking step 1.
    assert (summary.best_step, summary.best_appearance, summary.best_gui) == (4, 3, 4)
    assert summary.duration_s == 4 * 12.5
    assert summary.status == "finished"
    assert summary.imported is False
    assert summary.created_at == store.manifest.created_at


def test_the_manifest_best_step_wins_once_the_run_chose_one(tmp_path):
    _grades_run(tmp_path / "run", best=1)

    summary = summarise_run(tmp_path / "run")

    assert (summary.best_step, summary.best_appearance, summary.best_gui) == (1, 4, None)


def test_run_without_steps_has_no_grades(tmp_path):
    build_run(tmp_path / "run", [], status=RunStatus.CANCELLED)

    summary = summarise_run(tmp_path / "run")

    assert summary.steps == 0
    assert (summary.best_step, summary.best_appearance, summary.best_gui) == (None, None, None)
    assert summary.duration_s == 0
    assert summary.status == "cancelled"


def test_imported_runs_are_marked(tmp_path):
    store = _grades_run(tmp_path / "run")
    store.update_manifest(config={"imported_from": "webgen-agent"})

    assert summarise_run(tmp_path / "run").imported is True


def test_scan_lists_runs_inside_newest_first_and_skips_other_folders(tmp_path):
    older = build_run(tmp_path / "older", [StepSpec()])
    newer = build_run(tmp_path / "newer", [StepSpec()])
    older.update_manifest(created_at=1_700_000_000.0)
    newer.update_manifest(created_at=1_700_100_000.0)
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.txt").write_text("not a run")
    (tmp_path / "manifest-copy.json").write_text("{}")

    summaries = scan_runs(tmp_path)

    assert [s.run_dir.name for s in summaries] == ["newer", "older"]


def test_scan_includes_the_folder_itself_when_it_is_a_run(tmp_path):
    build_run(tmp_path / "run", [StepSpec()])

    summaries = scan_runs(tmp_path / "run")

    assert [s.run_dir for s in summaries] == [(tmp_path / "run").resolve()]


def test_broken_runs_become_summaries_with_a_problem(tmp_path):
    build_run(tmp_path / "good", [StepSpec()])
    bad_json = tmp_path / "bad-json"
    bad_json.mkdir()
    (bad_json / "manifest.json").write_text("{not json")
    future = build_run(tmp_path / "future", [StepSpec()])
    data = json.loads((future.run_dir / "manifest.json").read_text())
    (future.run_dir / "manifest.json").write_text(json.dumps({**data, "schema_version": 2}))
    torn = build_run(tmp_path / "torn", [StepSpec()])
    (torn.run_dir / "steps" / "000001.json").write_text('{"index": 1, "kin')

    summaries = {s.run_dir.name: s for s in scan_runs(tmp_path)}

    assert summaries["good"].problem == ""
    assert "cannot read" in summaries["bad-json"].problem
    assert "manifest.json" in summaries["bad-json"].problem
    assert "schema 2" in summaries["future"].problem
    # A damaged step record costs that step, not the run: it opens, and says what is left out.
    torn_summary = summaries["torn"]
    assert torn_summary.readable and torn_summary.steps == 0
    assert torn_summary.damaged[0].startswith("steps/000001.json cannot be read")
    assert set(list(summaries)[:2]) == {"good", "torn"}  # readable runs come first


def test_a_missing_folder_has_no_runs(tmp_path):
    assert scan_runs(tmp_path / "nowhere") == []


def test_two_hundred_runs_are_each_summarised_from_their_records_alone(tmp_path):
    template = _grades_run(tmp_path / "template")
    folder = tmp_path / "runs"
    folder.mkdir()
    for n in range(200):
        shutil.copytree(
            template.run_dir,
            folder / f"run-{n:03d}",
            ignore=shutil.ignore_patterns("objects", "screenshots", "workspace"),
        )

    summaries = scan_runs(folder)  # its time: benchmarks/store_scans.py

    assert sorted(s.run_dir.name for s in summaries) == [f"run-{n:03d}" for n in range(200)]
    assert all((s.problem, s.steps, s.best_gui) == ("", 4, 4) for s in summaries)
