"""The run flags and small commands of ``webgen``, each as a real process a user starts."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.fakes.model_server import Reply, ScriptedModelServer, queue
from tests.support.agent import CODER, CRITIC, CriticScript, coder_reply
from tests.support.cli import INSTRUCTION, PAGE, critic, webgen
from tests.support.env import cli_env
from tests.support.procs import processes_matching, wait_until_gone

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def page(text: str) -> str:
    return coder_reply({"index.html": f"<!doctype html><title>Stocks</title><h1>{text}</h1>"})


def test_max_steps_stops_the_run_at_the_limit(tmp_path):
    coder = queue(*(page(f"version {n}") for n in range(5)))
    with ScriptedModelServer({CODER: coder, CRITIC: critic(5)}) as server:
        env = cli_env(server, tmp_path)
        done = webgen("run", INSTRUCTION, "--out", str(tmp_path / "run"), "--max-steps", "2",
                      "--no-gui-testing", "--json", env=env)
        asked = len([r for r in server.chat_requests if r.model == CODER])
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert (summary["status"], summary["end_reason"]) == ("finished", "max_steps")
    assert [s["index"] for s in summary["steps"]] == [1, 2] and asked == 2


def test_error_limit_backtracks_after_that_many_error_steps(tmp_path):
    grades = [4, 1, 1, 4]  # steps 2 and 3 are error steps (appearance 1/5)
    judge = CriticScript([(CriticScript.check("stock"), CriticScript.grade(g)) for g in grades])
    coder = queue(*(page(f"version {n}") for n in range(4)))
    with ScriptedModelServer({CODER: coder, CRITIC: judge}) as server:
        env = cli_env(server, tmp_path)
        done = webgen("run", INSTRUCTION, "--out", str(tmp_path / "run"), "--max-steps", "4",
                      "--error-limit", "2", "--no-gui-testing", "--json", env=env)
    assert done.returncode == 0, done.stderr
    steps = json.loads(done.stdout)["steps"]
    assert [s["has_error"] for s in steps] == [False, True, True, False]
    assert steps[3]["parent"] == 1 and steps[3]["backtracked_from"] == 3  # back to step 1


def test_allow_any_command_lets_a_command_outside_the_list_run(tmp_path):
    reply = coder_reply({"index.html": "<h1>Stock reports</h1>"}, shell=["touch made-by-touch"])
    for allow in (False, True):
        out = tmp_path / ("allowed" if allow else "refused")
        with ScriptedModelServer({CODER: queue(reply), CRITIC: critic(1)}) as server:
            flags = ["--allow-any-command"] if allow else []
            done = webgen("run", INSTRUCTION, "--out", str(out), "--max-steps", "1",
                          "--no-gui-testing", *flags, env=cli_env(server, tmp_path))
        assert done.returncode == 0, done.stderr
        made = (out / "workspace" / "made-by-touch").exists()
        feedback = json.loads((out / "steps" / "000001.json").read_text())["feedback"]
        if allow:
            assert made and "refused to run 'touch" not in feedback
        else:
            assert not made
            assert "refused to run 'touch made-by-touch'" in feedback
            assert "--allow-command 'touch'" in feedback


def test_stream_prints_the_coders_reply_as_it_comes(tmp_path):
    with ScriptedModelServer({CODER: queue(page("streamed heading")), CRITIC: critic(1)}) as server:
        done = webgen("run", INSTRUCTION, "--out", str(tmp_path / "run"), "--max-steps", "1",
                      "--no-gui-testing", "--stream", env=cli_env(server, tmp_path))
        quiet = webgen("run", INSTRUCTION, "--out", str(tmp_path / "run2"), "--max-steps", "1",
                       "--no-gui-testing", env=cli_env(server, tmp_path))
    assert done.returncode == 0, done.stderr
    assert "<h1>streamed heading</h1>" in done.stderr
    assert "<h1>streamed heading</h1>" not in quiet.stderr  # without --stream: progress only


def test_models_lists_what_the_roles_server_offers(tmp_path):
    with ScriptedModelServer({CODER: queue(page("x")), CRITIC: critic(1)}) as server:
        env = cli_env(server, tmp_path)
        done = webgen("models", env=env)
        critic_models = webgen("models", "--role", "critic", env=env)
        down = webgen("models", "--coder-base-url", "http://127.0.0.1:9/v1", env=env)
    assert done.returncode == 0, done.stderr
    assert {CODER, CRITIC} <= set(done.stdout.split())  # one server serves every role here
    assert {CODER, CRITIC} <= set(critic_models.stdout.split())
    assert down.returncode != 0 and "127.0.0.1:9" in down.stderr
    assert "Traceback" not in down.stderr


def test_resuming_a_finished_run_says_so_and_changes_nothing(tmp_path):
    run = tmp_path / "run"
    with ScriptedModelServer({CODER: queue(page("done"), coder_reply(signal="finish")),
                              CRITIC: critic(2)}) as server:
        env = cli_env(server, tmp_path)
        assert webgen("run", INSTRUCTION, "--out", str(run), "--no-gui-testing",
                      env=env).returncode == 0
        before = (run / "manifest.json").read_text()
        asked = len(server.chat_requests)
        again = webgen("resume", str(run), "--json", env=env)
        assert len(server.chat_requests) == asked  # no model was asked anything
    assert again.returncode == 0
    assert "already finished (finish); nothing to resume" in again.stderr
    assert json.loads(again.stdout)["status"] == "finished"
    assert (run / "manifest.json").read_text() == before


def test_ctrl_c_mid_step_exits_130_and_leaves_a_resumable_run(tmp_path):
    slow = Reply(text=page("second version"), chunk_size=4, chunk_delay_s=0.2)
    run = tmp_path / "run"
    with ScriptedModelServer({CODER: queue(coder_reply(PAGE), slow), CRITIC: critic(3)}) as server:
        env = cli_env(server, tmp_path, provider="ollama")
        proc = subprocess.Popen(
            [sys.executable, "-m", "app", "run", INSTRUCTION, "--out", str(run), "--json"],
            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while not (run / "steps" / "000001.json").exists():
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.1)
        time.sleep(0.5)  # step 2 is streaming now
        served = processes_matching(str(run / "workspace"))
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    summary = json.loads(out)
    assert summary["status"] == "cancelled" and [s["index"] for s in summary["steps"]] == [1]
    assert "Traceback" not in err
    assert wait_until_gone(served, timeout_s=10) == []
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["status"] == "cancelled"
