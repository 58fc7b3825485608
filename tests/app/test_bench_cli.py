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
from tests.support.agent import CODER, CRITIC, FEEDBACK, coder_reply
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
        judge_model = f"openai {CRITIC} @ {server.base_url_openai}"
        first = bench(*args, "--json", "--concurrency", "2", env=env)
        asked = len(server.chat_requests)
        second = bench(*args, env=env)
        assert len(server.chat_requests) == asked, "the second bench asked the model again"

    assert first.returncode == 0, first.stderr
    summary = json.loads(first.stdout)
    # Strict: the answers start with YES and "**Partial**". Published: the design case's last
    # message holds neither "YES" nor "PARTIAL" in capitals, so it is a NO.
    assert summary["strict"] == {"yes": 1, "partial": 1, "no": 0, "start_failed": 1}
    assert summary["published"] == {"yes": 1, "partial": 0, "no": 1, "start_failed": 1}
    assert (summary["cases"], summary["accuracy"], summary["accuracy_strict"]) == (3, 1 / 3, 0.5)
    assert summary["appearance"] == 2.0  # (4 for the counter + 0 for the one not started) / 2
    assert summary["by_category"]["Design Validation Testing"]["accuracy"] == 0.0
    assert summary["by_category"]["Design Validation Testing"]["accuracy_strict"] == 0.5
    assert summary["judge"] == {"screenshots": 3, "temperature": 1.0, "seed": 42,
                                "model": judge_model}  # fmt: skip
    assert vision.gui_tasks == [functional, design] and len(vision.appearance_requests) == 1
    # Every judge request went out with the published settings.
    judge_requests = vision.gui_requests + vision.appearance_requests
    assert {(r.temperature, r.body.get("seed")) for r in judge_requests} == {(1.0, 42)}
    assert max(len(r.images) for r in vision.gui_requests) <= 3
    assert "000001: the site did not start" in first.stderr
    assert "[##############################] 3/3 cases  YES 1  PARTIAL 1  NO 1" in first.stderr

    results = json.loads((runs / "bench-results.json").read_text())
    assert {k: results[k] for k in summary} == summary
    assert results["tasks"]["000001"]["published"]["start_failed"] == 1
    assert results["tasks"]["000002"]["appearance"] == 4
    assert results["tasks_file"] == str((tmp_path / "tasks.jsonl").resolve())
    assert results["condition"] == "full"  # what the prepared runs were made under
    lines = [json.loads(x) for x in (runs / "bench-cases.jsonl").read_text().splitlines()]
    failed = next(r for r in lines if r["task_id"] == "000001")
    assert failed["verdict"] == "NO" and failed["start_failed"] is True
    assert failed["reason"].startswith("the site did not start: The dev server `npm run dev")
    assert "exited with code 1" in failed["reason"] and "server.js is missing" in failed["reason"]
    yes = next(r for r in lines if r["task_id"] == "000002" and r["verdict"] == "YES")
    assert yes["actions"] == ["Click [0]", "ANSWER; YES - the counter works"]
    assert yes["published_verdict"] == "YES" and yes["judge"]["seed"] == 42
    looks = [json.loads(x) for x in (runs / "bench-appearance.jsonl").read_text().splitlines()]
    graded = next(r for r in looks if r["task_id"] == "000002")
    assert graded["judge_text"].endswith("Grade: 4") and graded["grade"] == 4
    assert graded["read"] == "the first digit after 'Grade' in 'Grade: 4': 4"
    assert [(runs / shot).is_file() for shot in graded["screenshots"]] == [True]

    table = (runs / "table.md").read_text()
    # Published, then strict: counts, total, rates, accuracy, then Content Presentation, User
    # Interaction, Data Management, Functional, Data Display and Design Validation Testing.
    assert ("| runs | 1 | 0 | 1 | 1 | 3 | 33.3 | 0.0 | 33.3 | 33.3 | 33.3 | 50.0 | - | 0.0 | "
            "50.0 | - | 0.0 |") in table  # fmt: skip
    assert ("| runs | 1 | 1 | 0 | 1 | 3 | 33.3 | 33.3 | 0.0 | 33.3 | 50.0 | 75.0 | - | 0.0 | "
            "50.0 | - | 50.0 |") in table  # fmt: skip
    assert "| runs | 2.00 | 2 | 0 |" in table

    assert second.returncode == 0, second.stderr
    rows = [line.split() for line in second.stdout.splitlines()]
    assert ["overall", "3", "33.3%", "1/0/1", "50.0%", "1/1/0"] in rows
    assert ["Data", "Management", "1", "0.0%", "0/0/0", "0.0%", "0/0/0"] in rows
    assert "appearance: 2.00 / 5 (sum of the grades of 2 task(s) divided by 2)" in second.stdout
    assert f"results: {runs.resolve() / 'bench-results.json'}" in second.stdout
    assert f"table:   {runs.resolve() / 'table.md'}" in second.stdout


@pytest.mark.slow
def test_two_conditions_are_generated_apart_and_compared_in_one_table(tmp_path):
    tasks = write_fixture(tmp_path / "tasks.jsonl", {"000002": [1]})
    functional = tasks[0]["ui_instruct"][0]["task"]
    vision = VisionScript({functional[:40]: "YES - it counts"})

    def coder(request):  # the counter site, then finish
        done = any(m.get("role") == "assistant" for m in request.messages)
        return coder_reply(signal="finish") if done else coder_reply(COUNTER_SITE)

    scripts = {CODER: coder, CRITIC: vision, FEEDBACK: lambda request: "Click the counter."}
    runs = tmp_path / "runs"
    execution = "execution+no-backtracking+no-select-best"
    with ScriptedModelServer(scripts) as server:
        env = critic_only_env(server, tmp_path)
        for role, model in (("CODER", CODER), ("FEEDBACK", FEEDBACK)):
            env.update({f"WEBGEN_{role}_PROVIDER": "openai", f"WEBGEN_{role}_MODEL": model,
                        f"WEBGEN_{role}_BASE_URL": server.base_url_openai})  # fmt: skip
        done = bench("--tasks", str(tmp_path / "tasks.jsonl"), "--runs-dir", str(runs),
                     "--condition", execution, "--condition", "full", "--json", env=env)
        feedback_asked = [r for r in server.chat_requests if r.model == FEEDBACK]

    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert [c["condition"] for c in report["conditions"]] == [execution, "full"]
    assert [(c["accuracy"], c["accuracy_strict"], c["appearance"]) for c in report["conditions"]
            ] == [(1.0, 1.0, 4.0), (1.0, 1.0, 4.0)]  # fmt: skip
    # The in-loop critic looked at the full condition's edit step only; the judge graded both
    # sites, with the published settings (the loop's critic keeps its own).
    assert (vision.checks, vision.grades, len(vision.appearance_requests)) == (1, 1, 2)
    assert {r.body.get("seed") for r in vision.appearance_requests + vision.gui_requests} == {42}
    loop_critic = [r for r in server.chat_requests
                   if r.model == CRITIC and "Grade it." in r.last_user_text]  # fmt: skip
    assert [r.body.get("seed") for r in loop_critic] == [None]
    assert len(feedback_asked) == 1  # the GUI test instruction, written under full only
    for name, expected in ((execution, ["execution", False, False]),
                           ("full", ["full", True, True])):
        config = json.loads((runs / name / "000002" / "manifest.json").read_text())["config"]
        assert [config["feedback"], config["backtracking"], config["select_best"]] == expected
        results = json.loads((runs / name / "bench-results.json").read_text())
        assert results["condition"] == name
    table = (runs / "table.md").read_text()
    for name in (execution, "full"):
        # One Functional case of a Content Presentation task, YES in both readings.
        assert (f"| {name} | 1 | 0 | 0 | 0 | 1 | 100.0 | 0.0 | 0.0 | 0.0 | 100.0 | 100.0 | - | - | "
                "100.0 | - | - |") in table  # fmt: skip
        assert f"| {name} | 4.00 | 1 | 0 |" in table
    assert report["table"] == str(runs.resolve() / "table.md")


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


def test_conditions_and_judge_settings_are_checked_before_anything_runs(tmp_path, monkeypatch,
                                                                       capsys):
    monkeypatch.setenv("WEBGEN_CONFIG_DIR", str(tmp_path))
    tasks = tmp_path / "tasks.jsonl"
    write_fixture(tasks, {"000003": [0]})
    common = ["--tasks", str(tasks), "--critic-model", "vlm", "--evaluate-only"]
    assert main_for_tests([*common, "--condition", "screenshots"]) == 2
    assert "the condition 'screenshots' must start with a feedback level" in capsys.readouterr().err
    assert main_for_tests([*common, "--condition", "full", "--feedback", "execution"]) == 2
    assert "not both" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main_for_tests([*common, "--judge-seed", "forty-two"])
    assert "'forty-two' is not a whole number or 'none'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main_for_tests([*common, "--judge-screenshots", "0"])
    assert "--judge-screenshots: must be at least 1" in capsys.readouterr().err


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
        assert (partial["cases"], partial["strict"]["yes"], partial["missing_cases"]) == (1, 1, 1)

        server.set_script(CRITIC, vision)
        done = bench(*args, "--json", env=env)
    assert done.returncode == 0, done.stderr
    assert vision.gui_tasks == [functional, design]  # the functional case ran only once
    assert len(vision.appearance_requests) == 1
    summary = json.loads(done.stdout)
    assert summary["cases"] == 2 and summary["accuracy_strict"] == 0.5
    assert summary["strict"] == {"yes": 1, "partial": 0, "no": 1, "start_failed": 0}
