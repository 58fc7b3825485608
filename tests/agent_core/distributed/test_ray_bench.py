"""``webgen bench --ray-address``: three tasks generated and judged on the two-node cluster.

The same tasks, models and scripts run in this process too; the cluster's bench must score
them the same and write the same table, and print nothing but JSON on stdout.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from agent_core.bench import BenchOptions, BenchRunner, JudgeSettings, load_tasks
from agent_core.config import RunConfig
from agent_core.llm.factory import make_chat_model
from tests.agent_core.bench.helpers import COUNTER_SITE, VisionScript, write_fixture
from tests.fakes.model_server import ScriptedModelServer
from tests.support.agent import CODER, CRITIC, FEEDBACK, coder_reply, make_models, settings_for

pytestmark = [pytest.mark.ray, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[3]
PICKS = {"000002": [1], "000005": [2], "000001": [0]}


def coder(request) -> str:
    """The counter site, then finish."""
    done = any(m.get("role") == "assistant" for m in request.messages)
    return coder_reply(signal="finish") if done else coder_reply(COUNTER_SITE)


def model_env(server: ScriptedModelServer, tmp_path: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WEBGEN_")}
    env.update({"WEBGEN_CONFIG_DIR": str(tmp_path / "config"),
                "WEBGEN_STATE_DIR": str(tmp_path / "state"), "PYTHONPATH": str(REPO)})
    for role, model in (("CODER", CODER), ("CRITIC", CRITIC), ("FEEDBACK", FEEDBACK)):
        env.update({f"WEBGEN_{role}_PROVIDER": "openai", f"WEBGEN_{role}_MODEL": model,
                    f"WEBGEN_{role}_BASE_URL": server.base_url_openai})  # fmt: skip
    return env


async def in_process(tasks_file: Path, runs: Path, server: ScriptedModelServer) -> dict:
    models = make_models(settings_for(server, "openai"))
    judge = make_chat_model(JudgeSettings().role(models.settings.critic), "critic")
    options = BenchOptions(runs_dir=runs, tasks_file=tasks_file, name="bench",
                           run_config=RunConfig(max_steps=4))  # fmt: skip
    try:
        report = await BenchRunner(load_tasks(tasks_file), options, critic=judge,
                                   agent_models=models).run()  # fmt: skip
    finally:
        await judge.close()
        await models.close()
    return report.summary.to_json()


async def test_three_tasks_on_the_cluster_score_as_in_process(tmp_path, ray_cluster):
    tasks = write_fixture(tmp_path / "tasks.jsonl", PICKS)
    answers = {t["ui_instruct"][0]["task"][:40]: a for t, a in
               zip(tasks, ["YES - it counts", "PARTIAL - it counts, oddly", "NO - nothing"],
                   strict=True)}  # fmt: skip
    vision = VisionScript(answers)
    scripts = {CODER: coder, CRITIC: vision, FEEDBACK: lambda request: "Click the counter."}
    with ScriptedModelServer(scripts) as server:
        local = await in_process(tmp_path / "tasks.jsonl", tmp_path / "local" / "bench", server)
        command = [sys.executable, "-m", "app.bench", "--tasks", str(tmp_path / "tasks.jsonl"),
                   "--runs-dir", str(tmp_path / "ray" / "bench"), "--max-steps", "4", "--json",
                   "--ray-address", ray_cluster.address, "--ray-files", "copy"]
        done = await asyncio.to_thread(
            subprocess.run, command,
            cwd=REPO, env=model_env(server, tmp_path), capture_output=True, text=True,
            timeout=400,
        )  # fmt: skip

    assert done.returncode == 0, done.stderr
    remote = json.loads(done.stdout)  # stdout holds the JSON and nothing else
    assert remote == local
    assert remote["strict"] == {"yes": 1, "partial": 1, "no": 1, "start_failed": 0}
    tables = [(tmp_path / where / "bench" / "table.md").read_text() for where in ("local", "ray")]
    assert tables[0] == tables[1]
    for task_id in PICKS:
        run_dir = tmp_path / "ray" / "bench" / task_id
        manifest = json.loads((run_dir / "manifest.json").read_text())
        assert manifest["status"] == "finished"
        shots = list((tmp_path / "ray" / "bench" / "bench-shots" / task_id).glob("*.png"))
        assert shots, f"the appearance strips of {task_id} did not come home"
    # Progress on stderr: runs per node, ending with all three done.
    assert "3/3 runs done, 0 running, 0 failed" in done.stderr
