"""Ctrl-C on ``webgen batch --ray-address``: the report so far, then a run that resumes."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.agent_core.experiments.batch_support import page, vision
from tests.fakes.model_server import RecordedRequest, ScriptedModelServer
from tests.support.agent import CRITIC, coder_reply
from tests.support.ray_cluster import cluster_tasks

pytestmark = [pytest.mark.ray, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[3]
BAKERY = "A one-page site for a bakery, with a welcome heading."
FLORIST = "A one-page site for a florist, with a welcome heading."


class HoldingCoder:
    """Bakery: page, finish. Florist: page, then its step 2 waits for ``release``."""

    def __init__(self) -> None:
        self.florist_first_turns = 0
        self.florist_waiting = threading.Event()
        self.release = threading.Event()

    def __call__(self, request: RecordedRequest) -> str:
        turn = sum(1 for m in request.messages if m.get("role") == "assistant")
        florist = "florist" in request.texts[-1] or any(
            "florist" in str(m.get("content")) for m in request.messages)  # fmt: skip
        if turn == 0:
            self.florist_first_turns += florist
            return coder_reply(page(5 if florist else 3))
        if florist and not self.release.is_set():
            self.florist_waiting.set()
            self.release.wait(120)
        return coder_reply(signal="finish")


def batch_command(server: ScriptedModelServer, out: Path, address: str) -> list[str]:
    return [sys.executable, "-m", "app", "batch", "--instruction", BAKERY, "--instruction",
            FLORIST, "--coder-model", "coder-a", "--out", str(out), "--json",
            "--ray-address", address, "--ray-files", "copy",
            "--coder-provider", "openai", "--coder-base-url", server.base_url_openai,
            "--critic-provider", "openai", "--critic-base-url", server.base_url_openai,
            "--critic-model", CRITIC, "--feedback-provider", "openai",
            "--feedback-base-url", server.base_url_openai, "--feedback-model", CRITIC]


def env_for(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WEBGEN_")}
    env.update({"WEBGEN_CONFIG_DIR": str(tmp_path / "config"),
                "WEBGEN_STATE_DIR": str(tmp_path / "state"), "PYTHONPATH": str(REPO)})
    return env


def finished_runs(out: Path) -> list[str]:
    found = []
    for manifest in out.glob("*/*/sample-1/manifest.json"):
        if json.loads(manifest.read_text()).get("status") == "finished":
            found.append(manifest.parent.parent.parent.name)
    return found


def by_site(report: dict) -> dict[str, dict]:
    """The report's runs by the kind of site their instruction asks for."""
    names = {item["id"]: "bakery" if "bakery" in item["instruction"] else "florist"
             for item in report["items"]}  # fmt: skip
    return {names[run["item_id"]]: run for run in report["runs"]}


def attempts_of(cluster, name: str) -> list[dict]:
    """The attempts of the tasks called ``name``, once none of them is running."""
    found: list[dict] = []
    for _ in range(60):
        found = cluster_tasks(cluster, name)
        if found and all(t["state"] != "RUNNING" for t in found):
            break
        time.sleep(0.5)
    return found


def wait_for(condition, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def interrupt_then_resume(tmp_path: Path, cluster) -> tuple:
    coder = HoldingCoder()
    out = tmp_path / "out"
    with ScriptedModelServer({"coder-a": coder, CRITIC: vision}) as server:
        command = batch_command(server, out, cluster.address)
        first = subprocess.Popen(command, cwd=REPO, env=env_for(tmp_path), text=True,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
        try:
            ready = coder.florist_waiting.wait(180) and wait_for(
                lambda: len(finished_runs(out)) == 1, 60)  # fmt: skip
            assert ready, "the bakery run did not finish while the florist's waited"
            first.send_signal(signal.SIGINT)
            stopped = first.communicate(timeout=120)
        finally:
            if first.poll() is None:
                first.kill()
            coder.release.set()
        saved = json.loads((out / "batch.json").read_text())
        second = subprocess.run(command, cwd=REPO, env=env_for(tmp_path), text=True,
                                capture_output=True, timeout=300)  # fmt: skip
    return coder, first.returncode, stopped, saved, second


async def test_ctrl_c_writes_the_report_so_far_and_the_next_run_resumes(tmp_path, ray_cluster):
    coder, code, (stdout, stderr), saved, second = await asyncio.to_thread(
        interrupt_then_resume, tmp_path, ray_cluster)  # fmt: skip

    assert code == 130, stderr
    assert "interrupted; finished runs are kept in" in stderr and stdout == ""
    assert [(run["status"]) for run in by_site(saved).values()] == ["finished"]
    assert list(by_site(saved)) == ["bakery"]

    assert second.returncode == 0, second.stderr
    report = json.loads(second.stdout)
    runs = by_site(report)
    # The florist's first task was cancelled on the cluster, not left running; the second
    # invocation's task finished it.
    name = f"webgen batch {runs['florist']['item_id']}/coder-a/sample-1"
    states = sorted(t["state"] for t in await asyncio.to_thread(attempts_of, ray_cluster, name))
    assert states == ["FAILED", "FINISHED"]
    assert (runs["bakery"]["ran"], runs["bakery"]["status"]) == (False, "finished")
    assert (runs["florist"]["ran"], runs["florist"]["status"]) == (True, "finished")
    assert runs["florist"]["steps"] == 2
    assert coder.florist_first_turns == 1, "the florist's step 1 was made again"
