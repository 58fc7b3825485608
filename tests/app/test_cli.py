"""The ``webgen`` command as a user runs it: a real process, real site, scripted models."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.fakes.model_server import Reply, ScriptedModelServer, queue
from tests.support.agent import (
    CODER,
    CRITIC,
    FEEDBACK,
    FeedbackScript,
    GuiScript,
    VisionRouter,
    coder_reply,
)
from tests.support.cli import INSTRUCTION, PAGE, critic, webgen
from tests.support.env import SECRET, cli_env
from tests.support.procs import processes_matching, wait_until_gone

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_run_prints_the_documented_json_and_keeps_keys_out(tmp_path):
    coder = queue(coder_reply(PAGE), coder_reply(signal="screenshot_validated"),
                  coder_reply(signal="finish"))
    gui = GuiScript(["Thought: the heading is there.\nAction: ANSWER; YES, the page shows it"])
    feedback = FeedbackScript("Check that the page shows stock reports.",
                              [{"test_passed": True, "improvement_suggestions": [], "grade": 4}])
    scripts = {CODER: coder, CRITIC: VisionRouter(critic(2), gui), FEEDBACK: feedback}
    with ScriptedModelServer(scripts) as server:
        env = cli_env(server, tmp_path)
        done = webgen("run", INSTRUCTION, "--out", str(tmp_path / "run"), "--json", env=env)
        auth = [r.headers.get("authorization") for r in server.chat_requests if r.model == CODER]
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["status"] == "finished" and summary["best_step"] == 3
    assert summary["run_dir"] == str((tmp_path / "run").resolve())
    assert summary["workspace"] == str((tmp_path / "run" / "workspace").resolve())
    assert [s["kind"] for s in summary["steps"]] == ["edit", "gui_test", "finish"]
    first = summary["steps"][0]
    assert set(first) >= {"index", "kind", "parent", "appearance_grade", "gui_grade",
                          "has_error", "files_changed", "seconds"}
    assert first["appearance_grade"] == 4 and first["gui_grade"] is None
    assert [s["gui_grade"] for s in summary["steps"]] == [None, 4, 4]
    assert not any(s["has_error"] for s in summary["steps"])
    assert first["files_changed"] == ["index.html"] and first["parent"] is None
    assert "step 1 edit: appearance 4/5" in done.stderr  # the progress output
    # The key was used, and it is nowhere on disk.
    assert auth == [f"Bearer {SECRET}"] * 3
    for path in (tmp_path / "run").rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path
    shown = json.loads(webgen("show", str(tmp_path / "run"), "--json", env=env).stdout)
    assert shown["steps"] == summary["steps"]
    # The same state the window shows: the chat in order, and how the run ended.
    chat = shown["state"]["chat"]
    assert chat[0] == {"kind": "user", "text": INSTRUCTION, "step": None, "level": "info"}
    assert [c["kind"] for c in chat if c["kind"] != "notice"] == [
        "user", "reply", "feedback", "reply", "feedback", "reply"]
    assert shown["state"]["notices"] == [
        {"text": "Run finished (the coder sent finish); best step 3.", "level": "success"}]
    text = webgen("show", str(tmp_path / "run"), env=env).stdout
    assert "best step: 3" in text and "gui_test" in text
    assert "[success] Run finished (the coder sent finish); best step 3." in text


def test_missing_model_settings_exit_2_with_a_hint(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("WEBGEN_")}
    env["WEBGEN_CONFIG_DIR"] = str(tmp_path)
    done = webgen("run", "a site", "--out", str(tmp_path / "run"), env=env)
    assert done.returncode == 2
    assert "no model set for the coder role" in done.stderr
    assert not (tmp_path / "run").exists()


def test_show_on_a_folder_that_is_not_a_run(tmp_path):
    done = webgen("show", str(tmp_path), env=dict(os.environ))
    assert done.returncode == 2 and "is not a WebGen run" in done.stderr


def test_the_window_takes_a_count_it_offers_and_says_where_more_go(tmp_path):
    env = {**os.environ, "WEBGEN_CONFIG_DIR": str(tmp_path)}
    done = webgen("gui", "--candidates", "9", env=env)
    assert done.returncode == 2
    assert ("argument --candidates: the window tries at most 8 candidates per step; `webgen "
            "run --candidates N` takes more") in done.stderr
    assert not (tmp_path / "window.ini").exists()  # no window was opened


@pytest.mark.slow
def test_kill_9_mid_step_then_resume_finishes_and_leaves_no_process(tmp_path):
    slow = Reply(text=coder_reply({"index.html": "<h1>second version</h1>"}),
                 chunk_size=4, chunk_delay_s=0.2)
    coder = queue(coder_reply(PAGE), slow)
    run_dir = tmp_path / "run"
    with ScriptedModelServer({CODER: coder, CRITIC: critic(3)}) as server:
        env = cli_env(server, tmp_path, provider="ollama")
        proc = subprocess.Popen(
            [sys.executable, "-m", "app", "run", INSTRUCTION, "--out", str(run_dir)],
            cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while not (run_dir / "steps" / "000001.json").exists():
            assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read()
            time.sleep(0.1)
        time.sleep(0.5)  # step 2 is streaming now
        server_pids = processes_matching(str(run_dir / "workspace"))
        assert server_pids, "the static server of step 1 should be running"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stderr.close()
        assert wait_until_gone(server_pids, timeout_s=10) == []  # the reaper stopped it

        server.set_script(CODER, queue(coder_reply({"index.html": "<h1>after resume</h1>"}),
                                       coder_reply(signal="finish")))
        done = webgen("resume", str(run_dir), "--json", env=env)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert [s["index"] for s in summary["steps"]] == [1, 2, 3]
    assert [s["parent"] for s in summary["steps"]] == [None, 1, 2]
    assert summary["status"] == "finished"
    assert "after resume" in (run_dir / "workspace" / "index.html").read_text()
    assert processes_matching(str(run_dir / "workspace")) == []
