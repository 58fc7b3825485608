"""``webgen import-webgen-agent`` as a user runs it, and ``webgen show`` on what it made."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from app.cli import main

REPO = Path(__file__).resolve().parents[2]
LOGS = REPO / "tests" / "fixtures" / "webgen_agent_logs"


def test_import_prints_the_summary_and_exits_0(tmp_path, capsys):
    run_dir = tmp_path / "run"
    assert main(["import-webgen-agent", str(LOGS / "plain"), "--out", str(run_dir)]) == 0
    out = capsys.readouterr().out
    assert out == f"Imported 4 steps into {run_dir.resolve()} (0 problems)\n"


def test_import_lists_every_problem_and_skipped_step_file(tmp_path, capsys):
    run_dir = tmp_path / "run"
    assert main(["import-webgen-agent", str(LOGS / "odd"), "--out", str(run_dir)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (
        f"Imported 5 steps into {run_dir.resolve()} (15 problems, 1 step file skipped)"
    )
    assert lines[1].startswith("  step2.json: not valid JSON (")
    assert "  step0.json: screenshot_grade 'N/A' is not a number; stored as missing" in lines
    assert "  step5.json: screenshot_grade 7 is outside 0-5; stored as missing" in lines
    assert len(lines) == 1 + 1 + 15


def test_import_json_report(tmp_path, capsys):
    run_dir = tmp_path / "run"
    args = ["import-webgen-agent", str(LOGS / "resumed"), "--out", str(run_dir), "--json"]
    assert main(args) == 0
    report = json.loads(capsys.readouterr().out)
    assert report == {
        "run_dir": str(run_dir.resolve()), "steps_imported": 7, "problems": [], "skipped": [],
    }  # fmt: skip


def test_a_folder_without_step_files_exits_2_with_the_reason(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    code = main(["import-webgen-agent", str(empty), "--out", str(tmp_path / "run")])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    assert captured.err == (
        f"webgen: {empty} holds no step files; expected the step0.json, step1.json, ... "
        "that the official WebGen-Agent writes into its log directory\n"
    )


def test_importing_over_an_existing_run_exits_2(tmp_path, capsys):
    run_dir = tmp_path / "run"
    main(["import-webgen-agent", str(LOGS / "plain"), "--out", str(run_dir)])
    capsys.readouterr()
    assert main(["import-webgen-agent", str(LOGS / "plain"), "--out", str(run_dir)]) == 2
    assert "already holds a run" in capsys.readouterr().err


def test_show_json_reads_the_imported_run(tmp_path, capsys):
    run_dir = tmp_path / "run"
    main(["import-webgen-agent", str(LOGS / "backtrack"), "--out", str(run_dir)])
    capsys.readouterr()
    assert main(["show", str(run_dir), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["status"] == "finished" and summary["end_reason"] == "finish"
    assert summary["best_step"] == 10 and summary["head"] == 10
    assert [s["kind"] for s in summary["steps"]] == ["edit"] * 6 + [
        "gui_test", "edit", "gui_test", "finish",
    ]  # fmt: skip
    assert [s["parent"] for s in summary["steps"]] == [None, 1, None, 3, 4, 3, 6, 7, 7, 9]


def test_the_installed_command_imports_and_shows(tmp_path):
    run_dir = tmp_path / "run"
    done = subprocess.run(
        [sys.executable, "-m", "app", "import-webgen-agent", str(LOGS / "plain"),
         "--out", str(run_dir)],
        cwd=REPO, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Imported 4 steps into ")
    shown = subprocess.run(
        [sys.executable, "-m", "app", "show", str(run_dir)],
        cwd=REPO, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert shown.returncode == 0 and "status:    finished (finish)" in shown.stdout
    assert "best step: 4" in shown.stdout
