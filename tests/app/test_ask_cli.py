"""``webgen ask`` as a user runs it: a real process, a scripted coder, a run left unchanged."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from agent_core.store.run_store import RunStore
from tests.fakes.model_server import Reply, ScriptedModelServer, queue
from tests.support.agent import CODER, settings_for
from tests.support.ask import ANSWER, QUESTION, files_but_log, run_to_ask_about
from tests.support.env import SECRET, cli_env

REPO = Path(__file__).resolve().parents[2]


def webgen(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "app", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)


def test_ask_prints_the_answer_applies_nothing_and_show_lists_it(tmp_path):
    replies = queue(Reply(text=ANSWER, chunk_size=16),
                    Reply(text="In index.html.", prompt_tokens=321, completion_tokens=5))
    with ScriptedModelServer({CODER: replies}) as server:
        run_dir = tmp_path / "run"
        run_to_ask_about(run_dir, settings_for(server, "openai"))
        before = files_but_log(run_dir)
        env = cli_env(server, tmp_path)
        done = webgen("ask", str(run_dir), QUESTION, env=env)
        request = server.chat_requests[-1]
        as_json = webgen("ask", str(run_dir), "Where is the root element?", "--json", env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ANSWER + "\n"
    assert as_json.returncode == 0, as_json.stderr
    assert json.loads(as_json.stdout) == {
        "question": "Where is the root element?", "answer": "In index.html.", "step": 2,
        "prompt_tokens": 321, "completion_tokens": 5}
    assert request.headers.get("authorization") == f"Bearer {SECRET}"
    assert QUESTION in request.last_user_text and "<h1>Step 2</h1>" in request.last_user_text
    assert files_but_log(run_dir) == before  # the answer's file actions were not applied
    shown = json.loads(webgen("show", str(run_dir), "--json", env=env).stdout)
    assert [s["index"] for s in shown["steps"]] == [1, 2]
    chat = shown["state"]["chat"]
    assert chat[-4:] == [
        {"kind": "question", "text": QUESTION, "step": 2, "level": "info"},
        {"kind": "answer", "text": ANSWER, "step": None, "level": "info"},
        {"kind": "question", "text": "Where is the root element?", "step": 2, "level": "info"},
        {"kind": "answer", "text": "In index.html.", "step": None, "level": "info"}]


def test_ask_is_refused_while_the_run_is_being_run_and_on_an_empty_question(tmp_path):
    with ScriptedModelServer({CODER: queue("never sent")}) as server:
        run_dir = tmp_path / "run"
        run_to_ask_about(run_dir, settings_for(server, "openai"))
        env = cli_env(server, tmp_path)
        empty = webgen("ask", str(run_dir), "   ", env=env)
        holder = RunStore.open(run_dir)
        holder.lock()  # this process runs it, as `webgen run` or the window would
        try:
            busy = webgen("ask", str(run_dir), QUESTION, env=env)
        finally:
            holder.unlock()
        assert server.chat_requests == []
    assert empty.returncode == 2 and "the question is empty" in empty.stderr
    assert busy.returncode == 2
    assert "cannot ask now" in busy.stderr and "is being run by process" in busy.stderr
    assert not (run_dir / "events.jsonl").exists()
