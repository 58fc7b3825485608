"""``webgen rejudge --ray-address``: one run graded again on a worker, its judgements home."""

from __future__ import annotations

import asyncio
import json

import pytest

from agent_core.experiments import load_judgements
from app.cli import main
from tests.agent_core.experiments.rejudge_support import (
    NEW_SUMMARY,
    BandCritic,
    SummaryScript,
    stored_run,
)
from tests.app.test_experiments_cli import NEW_CRITIC, judge_flags
from tests.fakes.model_server import ScriptedModelServer

pytestmark = [pytest.mark.ray]


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("WEBGEN_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("WEBGEN_STATE_DIR", str(tmp_path / "state"))


def rejudge(run_dir, server, address: str) -> int:
    return main(["rejudge", str(run_dir), "--label", "on-ray", "--json", "--ray-address",
                 address, "--ray-files", "copy", *judge_flags(server)])  # fmt: skip


async def test_rejudging_on_the_cluster_brings_the_judgements_home(tmp_path, ray_cluster,
                                                                    capsys):  # fmt: skip
    run_dir = tmp_path / "run"
    stored_run(run_dir)
    scripts = {
        NEW_CRITIC: BandCritic({1: 3, 2: 2, 4: 3, 5: 5}),
        "judge-7b": SummaryScript(json.dumps(NEW_SUMMARY), json.dumps(NEW_SUMMARY)),
    }
    with ScriptedModelServer(scripts) as server:
        code = await asyncio.to_thread(rejudge, run_dir, server, ray_cluster.address)
    out, err = capsys.readouterr()

    assert code == 0, err
    report = json.loads(out)
    assert report["judgements_file"] == str(run_dir.resolve() / "judgements" / "on-ray.json")
    grades = [(s["index"], s["new_appearance"], s["new_gui"]) for s in report["steps"]]
    assert grades == [(1, 3, None), (2, 2, None), (3, None, 2), (4, 3, None), (5, 5, None)]
    saved = load_judgements(run_dir)["on-ray"]
    assert saved.steps[3].gui_grade == 2 and saved.models["critic"] == NEW_CRITIC
    assert not (run_dir.parent / ".webgen-ray-probe").exists()
