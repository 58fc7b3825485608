"""`webgen run` with a real small model as the coder (SmolLM2-135M on llama.cpp's server).

The critic stays scripted (the tiny model sees no images). What is checked is what only a
real model shows: it does not follow the tag format, its stream carries no usage, and under
a schema its replies parse.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fakes.model_server import ScriptedModelServer
from tests.support.agent import CRITIC, FEEDBACK, FeedbackScript, graded
from tests.support.cli import webgen
from tests.support.env import cli_env
from tests.support.tiny_model import TinyModelServer

pytestmark = [pytest.mark.slow, pytest.mark.tiny_model]
REPO = Path(__file__).resolve().parents[2]
INSTRUCTION = "A one-page site for a bakery with its opening hours."


def webgen_run(env: dict, run_dir: Path, *flags: str) -> subprocess.CompletedProcess:
    return webgen("run", INSTRUCTION, "--out", str(run_dir), "--json", "--coder-temperature", "0",
                  "--coder-max-tokens", "320", *flags, env=env, timeout=600)


def tiny_coder_env(scripted: ScriptedModelServer, tiny: TinyModelServer, tmp_path: Path) -> dict:
    env = cli_env(scripted, tmp_path)
    env.update({"WEBGEN_CODER_BASE_URL": tiny.base_url, "WEBGEN_CODER_MODEL": tiny.model,
                "WEBGEN_CODER_CONTEXT_LENGTH": "8192"})
    env.pop("WEBGEN_CODER_API_KEY")
    return env


def test_text_replies_end_as_not_following_the_format(tiny_model, tmp_path):
    with ScriptedModelServer({CRITIC: graded(*[3] * 8)}) as scripted:
        done = webgen_run(tiny_coder_env(scripted, tiny_model, tmp_path), tmp_path / "run",
                          "--coder-reply-format", "text", "--max-steps", "6",
                          "--no-gui-testing", "--coder-max-tokens", "20")
    assert done.returncode == 3, done.stderr
    summary = json.loads(done.stdout)
    assert summary["end_reason"] == "model_not_following_format"
    assert len(summary["steps"]) == 3  # gave up after three replies without an action
    assert f"The coder (openai {tiny_model.model} @ {tiny_model.base_url})" in done.stderr
    assert "structured replies" in done.stderr
    assert "coder context: 8192 tokens (the setting; the server does not tell)" in done.stderr
    for step in summary["steps"]:
        coder = step["usage"]["coder"]
        assert coder["estimated"] and coder["completion_tokens"] > 0  # the stream had none
        assert coder["prompt_tokens"] > 500 and coder["tokens_per_second"] > 0
        assert step["reply_format"] == "text"
    # It always has more than 20 tokens to say: every reply was cut at the limit, and the
    # coder was told so.
    assert [s["reply_cut"] for s in summary["steps"]] == ["length"] * 3
    record = json.loads((tmp_path / "run" / "steps" / "000002.json").read_text())
    assert record["feedback"].startswith("Your last reply was cut off at the reply limit of 20")


def test_a_terminal_shows_the_live_status_line(tiny_model, tmp_path):
    import os
    import pty

    with ScriptedModelServer({CRITIC: graded(*[3] * 4)}) as scripted:
        env = tiny_coder_env(scripted, tiny_model, tmp_path)
        primary, secondary = pty.openpty()
        proc = subprocess.Popen(
            [sys.executable, "-m", "app", "run", INSTRUCTION, "--out", str(tmp_path / "run"),
             "--coder-reply-format", "text", "--coder-max-tokens", "160", "--max-steps", "1",
             "--no-gui-testing"],
            cwd=REPO, env={**env, "TERM": "xterm", "COLUMNS": "120"}, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=secondary)
        os.close(secondary)
        chunks = []
        while True:
            try:
                data = os.read(primary, 65536)
            except OSError:  # the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        proc.wait(timeout=120)
        os.close(primary)
    screen = b"".join(chunks).decode(errors="replace")
    assert "step 1 · the coder is replying ·" in screen
    assert " tokens · " in screen and " tok/s" in screen


def test_structured_replies_always_parse_into_actions(tiny_model, tmp_path):
    with ScriptedModelServer({CRITIC: graded(*[3] * 8)}) as scripted:
        done = webgen_run(tiny_coder_env(scripted, tiny_model, tmp_path), tmp_path / "run",
                          "--coder-reply-format", "structured", "--max-steps", "2",
                          "--no-gui-testing")
    assert done.returncode in (0, 3), done.stderr
    run_dir = tmp_path / "run"
    steps = [json.loads(p.read_text()) for p in sorted((run_dir / "steps").glob("*.json"))]
    assert len(steps) == 2
    for step in steps:
        assert step["runtime"]["reply_format"] == "structured"
        assert step["actions"], step["reply"][:500]  # the schema held: at least one action


def test_auto_switches_to_structured_before_giving_up(tiny_model, tmp_path):
    # The feedback role is the tiny model too, in plain text: it writes the GUI test
    # instruction at the start of the run.
    feedback = FeedbackScript("unused", [])
    with ScriptedModelServer({CRITIC: graded(*[3] * 8), FEEDBACK: feedback}) as scripted:
        env = tiny_coder_env(scripted, tiny_model, tmp_path)
        env.update({"WEBGEN_FEEDBACK_BASE_URL": tiny_model.base_url,
                    "WEBGEN_FEEDBACK_MODEL": tiny_model.model,
                    "WEBGEN_FEEDBACK_PROVIDER": "openai",
                    "WEBGEN_FEEDBACK_REPLY_FORMAT": "text"})  # a text-only feedback role
        done = webgen_run(env, tmp_path / "run", "--max-steps", "3",
                          "--feedback-max-tokens", "200", "--feedback-temperature", "0")
    assert done.returncode in (0, 3), done.stderr
    assert "from step 3: structured replies" in done.stderr
    summary = json.loads(done.stdout)
    assert [s["reply_format"] for s in summary["steps"]] == ["text", "text", "structured"]
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert len(manifest["test_instruction"] or "") > 20  # written by the tiny model
