"""A batch on a real two-node Ray cluster: same report as in-process, both ways home."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from agent_core.config import ModelSettings, RunConfig
from agent_core.distributed import FilesMode, run_batch_on_ray
from agent_core.experiments import BATCH_FILE, BatchItem, run_batch
from tests.agent_core.experiments.batch_support import SharedModels, page, vision
from tests.fakes.model_server import RecordedRequest, ScriptedModelServer
from tests.support.agent import CRITIC, FAST_TIMEOUTS, coder_reply, role

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
        tmp_path, dispatcher_for, files):  # fmt: skip
    scripts = {"coder-a": item_coder, "coder-b": item_coder, CRITIC: vision}
    with ScriptedModelServer(scripts) as server:
        shared = SharedModels(server)
        coders = [role(server, "openai", "coder-a"), role(server, "ollama", "coder-b")]
        settings = ModelSettings(coders[0], shared.critic_config, shared.feedback_config)
        try:
            await run_batch(ITEMS, coders, 1, out_dir=tmp_path / "local",
                            make_models=shared, config=CONFIG, concurrency=2)
            dispatcher = await dispatcher_for(files)
            remote = await run_batch_on_ray(ITEMS, coders, 1, out_dir=tmp_path / "ray",
                                            shared=settings, config=CONFIG,
                                            dispatcher=dispatcher)  # fmt: skip
        finally:
            await shared.close()

    assert [r.status for r in remote.runs] == ["finished"] * 4
    assert comparable(tmp_path / "ray") == comparable(tmp_path / "local")
    for run in remote.runs:
        steps = sorted(p.name for p in (run.run_dir / "steps").iterdir())
        assert steps == ["000001.json", "000002.json"]
        assert (run.run_dir / "screenshots" / "000001.png").is_file()
