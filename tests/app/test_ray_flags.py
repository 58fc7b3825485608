"""``--ray-address`` and ``--ray`` on the command line, before any run starts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main
from tests.agent_core.experiments.rejudge_support import (
    NEW_SUMMARY,
    BandCritic,
    SummaryScript,
    stored_run,
)
from tests.app.test_experiments_cli import NEW_CRITIC, judge_flags
from tests.fakes.model_server import ScriptedModelServer
from tests.support.ray_cluster import free_ports

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("WEBGEN_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("WEBGEN_STATE_DIR", str(tmp_path / "state"))


def batch_args(out, *where: str) -> list[str]:
    models = ["--coder-model", "coder", "--coder-base-url", "http://127.0.0.1:9/v1",
              "--critic-model", "critic", "--critic-base-url", "http://127.0.0.1:9/v1",
              "--feedback-model", "feedback", "--feedback-base-url", "http://127.0.0.1:9/v1"]
    return ["batch", "--instruction", "A bakery page.", "--out", str(out), *models, *where]


@pytest.mark.ray
def test_an_unreachable_cluster_names_its_address_and_creates_nothing(tmp_path, capsys):
    address = f"127.0.0.1:{free_ports(1)[0]}"
    code = main(batch_args(tmp_path / "out", "--ray-address", address, "--json"))
    out, err = capsys.readouterr()

    assert code == 1 and out == ""
    assert err.startswith(f"webgen batch: cannot reach the Ray cluster at {address}: ")
    assert not (tmp_path / "out").exists()


def test_without_the_ray_extra_the_message_says_how_to_install_it(tmp_path, capsys,
                                                                   monkeypatch):  # fmt: skip
    monkeypatch.setitem(sys.modules, "ray", None)  # as if the extra were not installed
    code = main(batch_args(tmp_path / "out", "--ray"))

    assert code == 1
    assert "running on Ray needs the ray extra: pip install 'webgen-studio[ray]'" in (
        capsys.readouterr().err)  # fmt: skip
    assert not (tmp_path / "out").exists()


def test_the_cluster_flags_exclude_each_other(tmp_path, capsys):
    with pytest.raises(SystemExit) as raised:
        main(batch_args(tmp_path / "out", "--ray", "--ray-address", "auto"))
    assert raised.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


@pytest.mark.ray
@pytest.mark.slow
def test_ray_starts_a_local_instance_for_the_job_and_stops_it(tmp_path):
    run_dir = tmp_path / "run"
    stored_run(run_dir)
    scripts = {NEW_CRITIC: BandCritic({1: 3, 2: 2, 4: 3, 5: 5}),
               "judge-7b": SummaryScript(json.dumps(NEW_SUMMARY), json.dumps(NEW_SUMMARY))}
    env = {k: v for k, v in os.environ.items() if not k.startswith("WEBGEN_")}
    env.update({"WEBGEN_CONFIG_DIR": str(tmp_path / "config"),
                "WEBGEN_STATE_DIR": str(tmp_path / "state"), "PYTHONPATH": str(REPO),
                "HOME": str(tmp_path / "home")})  # Ray keeps the instance's token in ~/.ray
    with ScriptedModelServer(scripts) as server:
        done = subprocess.run(
            [sys.executable, "-m", "app", "rejudge", str(run_dir), "--label", "local-ray",
             "--json", "--ray", *judge_flags(server)],
            cwd=REPO, env=env, capture_output=True, text=True, timeout=240,
        )  # fmt: skip

    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert [s["new_appearance"] for s in report["steps"]] == [3, 2, None, 3, 5]
    assert (run_dir / "judgements" / "local-ray.json").is_file()
    # Ray turned on token authentication for the instance; its token stays in that HOME.
    assert (tmp_path / "home" / ".ray" / "auth_token").is_file()
    # Every process of the local instance ended with the command (the suite's leak check
    # after this test would name any left).
