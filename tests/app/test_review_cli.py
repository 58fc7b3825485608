"""``webgen review-summary`` as a user runs it, on real labelled runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from agent_core.review import LABELS_FILE
from app.cli import main
from app.review_cmd import NO_LABELS
from tests.agent_core.review.test_agreement import build_labelled_runs
from tests.support.runs import StepSpec, build_run

REPO = Path(__file__).resolve().parents[2]


def test_a_folder_of_runs_prints_the_agreement_table(tmp_path):
    build_labelled_runs(tmp_path / "runs")
    env = {k: v for k, v in os.environ.items() if not k.startswith("WEBGEN_")}
    done = subprocess.run(
        [sys.executable, "-m", "app", "review-summary", str(tmp_path / "runs")],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "10 labelled step(s) in 3 run(s)"
    assert lines[2].split() == ["judge", "model", "labelled", "exact", "within-1", "MAE"]
    assert "appearance   all models          4   50.0%     75.0%   0.75" in lines
    assert "gui          gpt-4o              2   50.0%     50.0%   1.00" in lines
    assert "gui verdict  all models          2   50.0%         -      -" in lines


def test_json_lists_every_judge_and_the_runs_given_once(tmp_path, capsys):
    run_a, run_b, run_c = build_labelled_runs(tmp_path / "runs")
    code = main(["review-summary", str(run_a), str(tmp_path / "runs"), "--json"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["runs"] == [str(run_a), str(run_b), str(run_c)]
    assert data["labelled_steps"] == 10
    assert data["judges"]["appearance"]["by_model"]["gpt-4o"] == {
        "labelled": 2, "exact": 0.5, "within_one": 1.0, "mae": 0.5}  # fmt: skip
    assert data["judges"]["gui"]["overall"]["exact"] == 0.3333
    assert data["judges"]["gui_verdict"]["skipped"] == {"no_human": 1}


def test_runs_without_labels_say_how_to_label(tmp_path, capsys):
    run = build_run(tmp_path / "run", [StepSpec(appearance=4)]).run_dir
    assert main(["review-summary", str(run)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(
        "No human labels yet: label steps in the app (step details → Your review)"
    )
    assert out.strip() == NO_LABELS

    assert main(["review-summary", str(run), "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["labelled_steps"] == 0
    assert "No human labels yet" in captured.err


def test_paths_that_hold_no_run_are_explained(tmp_path, capsys):
    assert main(["review-summary", str(tmp_path / "nowhere")]) == 2
    assert f"{tmp_path / 'nowhere'} does not exist" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert main(["review-summary", str(tmp_path / "empty")]) == 2
    assert "is neither a WebGen run nor a folder of runs" in capsys.readouterr().err


def test_a_corrupt_labels_file_is_reported_by_path(tmp_path, capsys):
    runs = build_labelled_runs(tmp_path / "runs")
    broken = runs[0] / LABELS_FILE
    broken.write_text('{"schema": 1, "labels": {"1": {"appearance": "four"}}}')
    assert main(["review-summary", str(tmp_path / "runs")]) == 2
    err = capsys.readouterr().err
    assert str(broken) in err and "the label of step 1 is invalid" in err
    assert "fix the JSON" in err
