"""A batch on a real two-node Ray cluster: same report as in-process, both ways home."""

from __future__ import annotations

import asyncio
import json
import re
import secrets
from pathlib import Path

import pytest

from agent_core.config import ModelSettings, RunConfig
from agent_core.distributed import FilesMode, run_batch_on_ray
from agent_core.experiments import BATCH_FILE, BatchItem, run_batch
from tests.agent_core.experiments.batch_support import SharedModels, page, vision
from tests.fakes.model_server import RecordedRequest, ScriptedModelServer
from tests.support.agent import CRITIC, FAST_TIMEOUTS, coder_reply, role
from tests.support.ray_cluster import files_holding, settled_tasks

pytestmark = [pytest.mark.ray, pytest.mark.slow]

ITEMS = [
    BatchItem("bakery", "A one-page site for a bakery, with a welcome heading."),
    BatchItem("florist", "A one-page site for a florist, with a welcome heading."),
]
GRADE_OF_ITEM = {"bakery": 3, "florist": 5}
CONFIG = RunConfig(timeouts=FAST_TIMEOUTS)


def item_coder(request: RecordedRequest) -> str:
    """A coder whose page (and so its grade) depends only on the instruction it builds."""
    turn = sum(1 for m in request.messages if m.get("role") == "assistant")
    if turn:
        return coder_reply(signal="finish")
    item = "bakery" if re.search("bakery", request.texts[-1]) else "florist"
    return coder_reply(page(GRADE_OF_ITEM[item]))


def comparable(out) -> dict:
    """batch.json without what differs between two folders and two clocks."""
    data = json.loads((out / BATCH_FILE).read_text())
    data.pop("written_at")
    data.pop("out_dir")
    for row in data["table"]:
        row.pop("mean_seconds")
    for run in data["runs"]:
        run.pop("seconds")
        run["run_dir"] = str(Path(run["run_dir"]).relative_to(out))
    return data





@pytest.mark.parametrize("files", [FilesMode.SHARED, FilesMode.COPY])
async def test_a_batch_on_the_cluster_writes_the_report_of_an_in_process_batch(
        tmp_path, dispatcher_for, ray_cluster, monkeypatch, files):  # fmt: skip
    key = f"sk-test-{secrets.token_hex(12)}"  # coder-b's key, known only to this process
    monkeypatch.setenv("WEBGEN_TEST_CODER_B_KEY", key)
    scripts = {"coder-a": item_coder, "coder-b": item_coder, CRITIC: vision}
    with ScriptedModelServer(scripts) as server:
        shared = SharedModels(server)
        coders = [role(server, "openai", "coder-a"),
                  role(server, "openai", "coder-b", api_key_env="WEBGEN_TEST_CODER_B_KEY")]
        settings = ModelSettings(coders[0], shared.critic_config, shared.feedback_config)
        try:
            await run_batch(ITEMS, coders, 1, out_dir=tmp_path / "local", make_models=shared,
                            config=CONFIG, concurrency=2)  # fmt: skip
            dispatcher = await dispatcher_for(files)
            remote = await run_batch_on_ray(ITEMS, coders, 1, out_dir=tmp_path / "ray",
                                            shared=settings, config=CONFIG,
                                            dispatcher=dispatcher)  # fmt: skip
        finally:
            await shared.close()
        b_requests = [r for r in server.chat_requests if r.model == "coder-b"]

    assert [r.status for r in remote.runs] == ["finished"] * 4
    assert comparable(tmp_path / "ray") == comparable(tmp_path / "local")
    for run in remote.runs:
        steps = sorted(p.name for p in (run.run_dir / "steps").iterdir())
        assert steps == ["000001.json", "000002.json"]
        assert (run.run_dir / "screenshots" / "000001.png").is_file()

    # Each run was one Ray task, finished at its first attempt, asking for a CPU and a
    # browser; together they used both nodes.
    tasks = await asyncio.to_thread(settled_tasks, ray_cluster, "webgen batch ",
                                    dispatcher.cluster.job_id, 4)  # fmt: skip
    mine = {t["name"]: t for t in tasks}
    assert sorted(mine) == sorted(f"webgen batch {r.run_dir.relative_to(tmp_path / 'ray')}"
                                  for r in remote.runs)  # fmt: skip
    assert {t["state"] for t in mine.values()} == {"FINISHED"}
    assert {t["attempt_number"] for t in mine.values()} == {0}
    assert all(t["required_resources"] == {"CPU": 1.0, "browser": 1.0} for t in mine.values())
    assert len({t["node_id"] for t in mine.values()}) == 2

    # coder-b's key reached its server, from the workers' environment only.
    assert b_requests and {r.headers.get("authorization") for r in b_requests} == {
        f"Bearer {key}"}
    assert files_holding(tmp_path, key) == []
    # What docs/scale.md warns about: the state API shows a task's environment, key included.
    b_tasks = [t for name, t in mine.items() if "/coder-b/" in name]
    assert b_tasks and all(key in str(t["runtime_env_info"]) for t in b_tasks)
    assert all(key not in str(t["runtime_env_info"]) for name, t in mine.items()
               if "/coder-a/" in name)  # fmt: skip
    # Ray's runtime-env agent logs the environments it creates (docs/scale.md says so);
    # no other file of Ray's session holds the key: no worker log, no spilled object.
    in_ray = {Path(p).name for p in files_holding(ray_cluster.temp_dir, key)}
    assert {name.split(".")[0] for name in in_ray} <= {"runtime_env_agent"}, in_ray
