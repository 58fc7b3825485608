"""``webgen run --candidates``, then ``show --json`` and ``export --group siblings``, as a user."""

from __future__ import annotations

import json

import pytest

from tests.fakes.model_server import RecordedRequest, ScriptedModelServer
from tests.support.agent import CODER, CRITIC, coder_reply, graded
from tests.support.cli import INSTRUCTION, webgen
from tests.support.env import cli_env

pytestmark = pytest.mark.slow
PAGES = {1: "<!doctype html><title>Stocks</title><body></body>",
         2: "<!doctype html><title>Stocks</title><h1>Plain stock report</h1>",
         3: "<!doctype html><title>Stocks</title><h1>Fancy stock report</h1>"}


def by_seed(request: RecordedRequest) -> str:
    """Candidate N's request carries seed N: a blank page, then two real ones."""
    return coder_reply({"index.html": PAGES[request.body["seed"]]})


def test_candidates_are_shown_as_siblings_and_exported_as_one_group(tmp_path):
    run_dir = tmp_path / "run"
    with ScriptedModelServer({CODER: by_seed, CRITIC: graded(3, 5)}) as server:
        env = cli_env(server, tmp_path)
        done = webgen("run", INSTRUCTION, "--out", str(run_dir), "--max-steps", "3",
                      "--candidates", "3", "--candidates-served", "1", "--no-gui-testing",
                      "--json", env=env)
        assert done.returncode == 0, done.stderr
        shown = json.loads(webgen("show", str(run_dir), "--json", env=env).stdout)
    # The scripted server answers a request for 3 replies with one, as llama.cpp does.
    said = "the coder's server ignores n: asking 3 times with different seeds"
    assert done.stderr.count(f"coder requests: {said}") == 1
    logged = [json.loads(line) for line in (run_dir / "events.jsonl").read_text().splitlines()]
    assert [e["text"] for e in logged if e["kind"] == "coder_requests"] == [said]
    steps = {s["index"]: s for s in shown["steps"]}
    assert {i: s["siblings"] for i, s in steps.items()} == {1: [2, 3], 2: [1, 3], 3: [1, 2]}
    assert "blank" in steps[1]["gate"] and steps[1]["has_error"]
    assert shown["best_step"] == 3 and shown["head"] == 3
    out = tmp_path / "grpo.jsonl"
    exported = webgen("export", "--format", "step-grpo", "--group", "siblings", str(run_dir),
                      "--out", str(out), env=env)
    assert exported.returncode == 0, exported.stderr
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert len({r["group_id"] for r in records}) == 1
    # rewards 0, 3, 5: mean 8/3, population std 2.0548
    assert [r["reward"] for r in records] == [0.0, 3.0, 5.0]
    assert [r["advantage"] for r in records] == pytest.approx([-1.2978, 0.1622, 1.1355],
                                                              abs=1e-4)


def test_candidates_must_be_at_least_one(tmp_path):
    done = webgen("run", INSTRUCTION, "--out", str(tmp_path / "run"), "--candidates", "0")
    assert done.returncode == 2
    assert "--candidates: must be at least 1" in done.stderr
    assert not (tmp_path / "run").exists()
