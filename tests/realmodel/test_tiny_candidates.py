"""`webgen run --candidates 2` with the real small model as the coder (llama-cpp-python).

Only a real server shows what a candidate run meets there: it answers a request for two
replies with one (so the second candidate asks with its own seed), and it cuts a streamed
reply short when the other candidate's request arrives (so the run asks again, one at a
time). Every candidate keeps a whole reply: none ends without the server saying why.
"""

from __future__ import annotations

import json

import pytest

from tests.fakes.model_server import ScriptedModelServer
from tests.realmodel.test_tiny_coder import tiny_coder_env, webgen_run
from tests.support.agent import CRITIC, graded

pytestmark = [pytest.mark.slow, pytest.mark.tiny_model]


def test_candidates_against_llama_cpp_ask_with_seeds_then_one_at_a_time(tiny_model, tmp_path):
    run_dir = tmp_path / "run"
    with ScriptedModelServer({CRITIC: graded(*[3] * 8)}) as scripted:
        done = webgen_run(tiny_coder_env(scripted, tiny_model, tmp_path), run_dir,
                          "--coder-reply-format", "structured", "--coder-temperature", "0.8",
                          "--coder-max-tokens", "160", "--candidates", "2",
                          "--max-steps", "4", "--no-gui-testing")
    assert done.returncode in (0, 3), done.stderr
    logged = [json.loads(line) for line in (run_dir / "events.jsonl").read_text().splitlines()]
    said = [e["text"] for e in logged if e["kind"] == "coder_requests"]
    assert said[0] == "the coder's server ignores n: asking 2 times with different seeds"
    steps = [json.loads(p.read_text()) for p in sorted((run_dir / "steps").glob("*.json"))]
    assert len(steps) == 4
    assert sorted(s["runtime"]["candidate"]["number"] for s in steps) == [1, 1, 2, 2]
    for step in steps:  # each reply whole: the schema held, so the reply parsed to actions
        assert step["actions"], step["reply"][:300]
    # The second step's two seeded requests met at the server: the first was cut, asked
    # again alone, and the run said once that it now asks one at a time.
    cuts = [e["index"] for e in logged if e["kind"] == "reply_restarted"]
    assert len(cuts) == 1 and cuts[0] in (3, 4)
    assert said[1:] == ["the coder's server cuts a reply short when another request "
                        "arrives: asking one at a time"]
