"""``webgen bench`` as a user runs it: real process, real sites and Chromium, scripted VLM."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from agent_core.bench import BenchProgress
from app.bench import ProgressBar, main_for_tests
from tests.agent_core.bench.helpers import (
    BROKEN_SITE,
    COUNTER_SITE,
    VisionScript,
    make_run,
    write_fixture,
)
from tests.fakes.model_server import Reply, ScriptedModelServer
from tests.support.agent import CRITIC
from tests.support.procs import processes_matching

REPO = Path(__file__).resolve().parents[2]


def bench(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "app.bench", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip


def critic_only_env(server: ScriptedModelServer, tmp_path: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WEBGEN_")}
    env.update({
        "WEBGEN_CONFIG_DIR": str(tmp_path / "config"), "WEBGEN_STATE_DIR": str(tmp_path / "state"),
        "WEBGEN_CRITIC_PROVIDER": "openai", "WEBGEN_CRITIC_BASE_URL": server.base_url_openai,
        "WEBGEN_CRITIC_MODEL": CRITIC,
    })  # fmt: skip
    return env


@pytest.mark.slow
def test_evaluate_only_scores_prepared_runs_and_a_second_run_repeats_nothing(tmp_path):
    # 000002 (Content Presentation): a Functional and a Design case, on a working counter
    # site; 000001 (Data Management): one Functional case, on a site whose server exits.
    tasks = write_fixture(tmp_path / "tasks.jsonl", {"000002": [1, 3], "000001": [0]})
    runs = tmp_path / "runs"
    make_run(runs / "000002", tasks[0]["instruction"], COUNTER_SITE)
    make_run(runs / "000001", tasks[1]["instruction"], BROKEN_SITE)
    functional, design = (case["task"] for case in tasks[0]["ui_instruct"])
    vision = VisionScript(
        {
            functional[:40]: "YES - the counter works",
            design[:40]: "**Partial**. Navy button, but no layout to speak of",
        }
    )
    args = ["--tasks", str(tmp_path / "tasks.jsonl"), "--runs-dir", str(runs), "--evaluate-only"]
    with ScriptedModelServer({CRITIC: vision}) as server:
        env = critic_only_env(server, tmp_path)  # no coder model: evaluation does not need one
        first = bench(*args, "--json", "--concurrency", "2", env=env)
        asked = len(server.chat_requests)
        second = bench(*args, env=env)
        assert len(server.chat_requests) == asked, "the second bench asked the model again"

    assert first.returncode == 0, first.stderr
    expected = {
        "cases": 3, "yes": 1, "partial": 1, "no": 1, "start_failed": 1, "accuracy": 0.5,
        "appearance": 2.0,  # 4 for the counter, 0 for the site that did not start
        "by_category": {
            "Content Presentation": {"cases": 2, "accuracy": 0.75},
            "Data Management": {"cases": 1, "accuracy": 0.0},
            "Functional Testing": {"cases": 2, "accuracy": 0.5},
            "Design Validation Testing": {"cases": 1, "accuracy": 0.5},
        },
    }  # fmt: skip
    assert json.loads(first.stdout) == expected
    assert vision.gui_tasks == [functional, design] and vision.grades == 1
    assert "000001: the site did not start" in first.stderr
    assert "[##############################] 3/3 cases  YES 1  PARTIAL 1  NO 1" in first.stderr

    results = json.loads((runs / "bench-results.json").read_text())
    assert {k: results[k] for k in expected} == expected
    assert results["tasks"]["000001"]["start_failed"] == 1
    assert results["tasks"]["000002"]["appearance"] == 4
    assert results["tasks_file"] == str((tmp_path / "tasks.jsonl").resolve())
    lines = [json.loads(x) for x in (runs / "bench-cases.jsonl").read_text().splitlines()]
    failed = next(r for r in lines if r["task_id"] == "000001")
    assert failed["verdict"] == "NO" and failed["start_failed"] is True
    assert failed["reason"].startswith("the site did not start: The dev server `npm run dev")
    assert "exited with code 1" in failed["reason"] and "server.js is missing" in failed["reason"]
    yes = next(r for r in lines if r["task_id"] == "000002" and r["verdict"] == "YES")
    assert yes["actions"] == ["Click [0]", "ANSWER; YES - the counter works"]

    assert second.returncode == 0, second.stderr
    table = second.stdout
    rows = [line.split() for line in table.splitlines()]
    assert ["overall", "3", "1", "1", "1", "50.0%"] in rows
    assert ["Data", "Management", "1", "0", "0", "1", "0.0%"] in rows
    assert ["Design", "Validation", "Testing", "1", "0", "1", "0", "50.0%"] in rows
    assert "appearance: 2.00 / 5 (mean of 2 task(s))" in table
    assert f"results: {runs.resolve() / 'bench-results.json'}" in table


def test_a_missing_or_broken_task_file_is_a_usage_error(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("WEBGEN_CONFIG_DIR", str(tmp_path))
    missing = tmp_path / "test.jsonl"
    assert main_for_tests(["--tasks", str(missing), "--critic-model", "vlm"]) == 2
    assert capsys.readouterr().err == (
        f"webgen bench: benchmark file {missing} does not exist; pass the path of test.jsonl\n"
    )
    missing.write_text('{"id": "1"}\n{oops\n')
    assert main_for_tests(["bench", "--tasks", str(missing), "--critic-model", "vlm"]) == 2
    assert "line 1 (task 1): missing field 'instruction'" in capsys.readouterr().err


def test_model_settings_are_checked_per_mode(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("WEBGEN_CONFIG_DIR", str(tmp_path))
    tasks = tmp_path / "tasks.jsonl"
    write_fixture(tasks, {"000003": [0]})
    assert main_for_tests(["--tasks", str(tasks), "--evaluate-only"]) == 2
    assert "no model set for the critic role: pass --critic-model" in capsys.readouterr().err
    assert main_for_tests(["--tasks", str(tasks), "--critic-model", "vlm"]) == 2
    assert "no model set for the coder role" in capsys.readouterr().err
    assert main_for_tests(["--tasks", str(tasks), "--ids", "42", "--critic-model", "vlm"]) == 2
    assert "no task with id 42 in the benchmark file" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main_for_tests(["--tasks", str(tasks), "--concurrency", "0"])
    assert "--concurrency: must be at least 1" in capsys.readouterr().err


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_progress_bar_redraws_in_place_on_a_terminal_and_keeps_notes():
    out = _Terminal()
    bar = ProgressBar(out, width=10)
    bar(BenchProgress(0, 4, 0, 0, 0))
    bar(BenchProgress(1, 4, 1, 0, 0))
    bar(BenchProgress(1, 4, 1, 0, 0, note="000002: appearance 4/5"))
    bar(BenchProgress(4, 4, 2, 1, 1))
    bar.finish()
    text = out.getvalue()
    assert text.startswith("\r[----------] 0/4 cases  YES 0  PARTIAL 0  NO 0")
    assert "\r[##--------] 1/4 cases  YES 1  PARTIAL 0  NO 0\r" in text
    assert "000002: appearance 4/5\n" in text
    assert text.endswith("\r[##########] 4/4 cases  YES 2  PARTIAL 1  NO 1\n")


def test_the_progress_bar_prints_a_line_per_advance_into_a_log():
    out = io.StringIO()
    bar = ProgressBar(out, width=4)
    for progress in (BenchProgress(0, 2, 0, 0, 0), BenchProgress(0, 2, 0, 0, 0, note="n"),
                     BenchProgress(2, 2, 0, 0, 2)):  # fmt: skip
        bar(progress)
    bar.finish()
    assert out.getvalue().splitlines() == [
        "[----] 0/2 cases  YES 0  PARTIAL 0  NO 0", "n", "[####] 2/2 cases  YES 0  PARTIAL 0  NO 2",
    ]  # fmt: skip


@pytest.mark.slow
def test_ctrl_c_keeps_finished_cases_and_the_same_command_continues(tmp_path):
    tasks = write_fixture(tmp_path / "tasks.jsonl", {"000002": [1, 3]})
    runs = tmp_path / "runs"
    make_run(runs / "000002", tasks[0]["instruction"], COUNTER_SITE)
    functional, design = (case["task"] for case in tasks[0]["ui_instruct"])
    vision = VisionScript({functional[:40]: "YES - it counts", design[:40]: "NO - plain"})

    def stuck_on_design(request):
        if design[:40] in request.last_user_text:
            return Reply(text="Thought: hmm\nAction: Wait", delay_s=60)
        return vision(request)

    args = ["--tasks", str(tmp_path / "tasks.jsonl"), "--runs-dir", str(runs), "--evaluate-only"]
    with ScriptedModelServer({CRITIC: stuck_on_design}) as server:
        env = critic_only_env(server, tmp_path)
        command = [sys.executable, "-m", "app.bench", *args]
        proc = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True)  # fmt: skip
        cases_file = runs / "bench-cases.jsonl"
        deadline = time.monotonic() + 60
        while not (cases_file.exists() and cases_file.read_text().count("\n") == 1):
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
            time.sleep(0.1)
        time.sleep(0.5)  # the design case is waiting for the model now
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
        assert proc.returncode == 130, err
        assert f"interrupted; finished cases are kept in {runs.resolve()}" in err
        assert processes_matching(str(runs / "000002" / "workspace")) == []
        partial = json.loads((runs / "bench-results.json").read_text())
        assert (partial["cases"], partial["yes"], partial["missing_cases"]) == (1, 1, 1)

        server.set_script(CRITIC, vision)
        done = bench(*args, "--json", env=env)
    assert done.returncode == 0, done.stderr
    assert vision.gui_tasks == [functional, design]  # the functional case ran only once
    assert vision.grades == 1
    summary = json.loads(done.stdout)
    assert (summary["cases"], summary["yes"], summary["no"], summary["accuracy"]) == (2, 1, 1, 0.5)
