"""``webgen bench --candidates 1 2``: the bench once per N, compared row by row."""

from __future__ import annotations

import json

import pytest

from tests.agent_core.bench.helpers import COUNTER_SITE, VisionScript, write_fixture
from tests.app.test_bench_cli import bench, critic_only_env
from tests.fakes.model_server import ScriptedModelServer
from tests.support.agent import CODER, CRITIC, FEEDBACK, coder_reply


@pytest.mark.slow
def test_each_candidate_count_gets_its_folder_and_a_row_with_its_cost(tmp_path):
    tasks = write_fixture(tmp_path / "tasks.jsonl", {"000002": [1]})
    vision = VisionScript({tasks[0]["ui_instruct"][0]["task"][:40]: "YES - it counts"})

    def coder(request):  # the counter site, then finish (every candidate alike)
        done = any(m.get("role") == "assistant" for m in request.messages)
        return coder_reply(signal="finish") if done else coder_reply(COUNTER_SITE)

    runs = tmp_path / "runs"
    args = ["--tasks", str(tmp_path / "tasks.jsonl"), "--runs-dir", str(runs),
            "--candidates", "1", "2", "--no-gui-testing", "--max-steps", "4"]
    with ScriptedModelServer({CODER: coder, CRITIC: vision, FEEDBACK: lambda r: "Click."}
                             ) as server:
        env = critic_only_env(server, tmp_path)
        for role, model in (("CODER", CODER), ("FEEDBACK", FEEDBACK)):
            env.update({f"WEBGEN_{role}_PROVIDER": "openai", f"WEBGEN_{role}_MODEL": model,
                        f"WEBGEN_{role}_BASE_URL": server.base_url_openai})
        done = bench(*args, "--json", env=env)
        asked = len([r for r in server.chat_requests if r.model == CODER])
        again = bench(*args, env=env)  # everything is there: the comparison is printed again

    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    rows = report["conditions"]
    assert [(c["condition"], c["candidates"]) for c in rows] == [("full", 1),
                                                                 ("full+candidates-2", 2)]
    assert [(c["accuracy"], c["appearance"], c["runs"]) for c in rows] == [(1.0, 4.0, 1)] * 2
    # One reply, then finish; two candidates, then two finishes: about twice the tokens.
    one, two = (c["coder_tokens_per_task"] for c in rows)
    assert one > 0 and 1.5 * one < two < 2.5 * one
    assert all(c["seconds_per_task"] > 0 for c in rows)
    assert asked == 2 + 4
    for name, count in (("full", None), ("full+candidates-2", 2)):
        config = json.loads((runs / name / "000002" / "manifest.json").read_text())["config"]
        assert config.get("candidates") == count  # each run keeps the setting it was made under
        assert json.loads((runs / name / "bench-results.json").read_text())["condition"] == name
    table = (runs / "table.md").read_text()
    assert "| full | 1 | 0 | 0 | 0 | 1 | 100.0 |" in table
    assert "| full+candidates-2 | 1 | 0 | 0 | 0 | 1 | 100.0 |" in table
    assert f"| full | 1 | {rows[0]['seconds_per_task']:.1f} | {one:.0f} | 1 |" in table
    assert f"| full+candidates-2 | 2 | {rows[1]['seconds_per_task']:.1f} | {two:.0f} | 1 |" in table

    assert again.returncode == 0, again.stderr
    printed = [line.split() for line in again.stdout.splitlines()]
    assert printed[0] == ["condition", "cases", "accuracy", "strict", "appearance", "candidates",
                          "s/task", "coder", "tokens/task"]
    assert printed[1][:6] == ["full", "1", "100.0%", "100.0%", "4.00", "1"]
    assert printed[2][:6] == ["full+candidates-2", "1", "100.0%", "100.0%", "4.00", "2"]
    assert printed[2][7] == f"{two:.0f}"
