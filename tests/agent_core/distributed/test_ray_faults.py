"""Faults on a real Ray cluster: a worker killed mid-run, and a cluster that is not there."""

from __future__ import annotations

import asyncio
import os
import signal
import threading

import pytest

from agent_core.config import ModelSettings, RunConfig
from agent_core.distributed import (
    ClusterChoice,
    ClusterUnreachable,
    FilesMode,
    connect,
    run_batch_on_ray,
)
from agent_core.experiments import BatchItem
from agent_core.store.run_store import RunStore
from tests.agent_core.experiments.batch_support import SharedModels, page, vision
from tests.fakes.model_server import RecordedRequest, ScriptedModelServer
from tests.support.agent import CRITIC, FAST_TIMEOUTS, coder_reply, role
from tests.support.ray_cluster import cluster_tasks, free_ports, settled_tasks

pytestmark = [pytest.mark.ray]

BAKERY = BatchItem("bakery", "A one-page site for a bakery, with a welcome heading.")


class StallingCoder:
    """Writes the page at step 1; at step 2 it holds the first request until ``release``."""

    def __init__(self) -> None:
        self.first_turns = 0
        self.second_asked = threading.Event()
        self.release = threading.Event()

    def __call__(self, request: RecordedRequest) -> str:
        turn = sum(1 for m in request.messages if m.get("role") == "assistant")
        if turn == 0:
            self.first_turns += 1
            return coder_reply(page(4))
        if not self.second_asked.is_set():
            self.second_asked.set()
            self.release.wait(60)  # the worker asking is killed meanwhile
        return coder_reply(signal="finish")


async def running_worker(cluster, name: str) -> int:
    """The pid of the worker running the task called ``name``."""
    for _ in range(100):
        found = await asyncio.to_thread(cluster_tasks, cluster, name)
        running = [t for t in found if t["state"] == "RUNNING" and t["worker_pid"]]
        if running:
            return int(running[0]["worker_pid"])
        await asyncio.sleep(0.2)
    raise AssertionError(f"no running task {name!r} in the state API")


@pytest.mark.slow
async def test_a_killed_worker_is_replaced_and_its_run_resumes_from_the_last_step(
        tmp_path, dispatcher_for, ray_cluster):  # fmt: skip
    coder = StallingCoder()
    with ScriptedModelServer({"coder-a": coder, CRITIC: vision}) as server:
        shared = SharedModels(server)
        coders = [role(server, "openai", "coder-a")]
        settings = ModelSettings(coders[0], shared.critic_config, shared.feedback_config)
        # Copy mode: step 1 lives only on the killed worker's disk and in what it sent home.
        dispatcher = await dispatcher_for(FilesMode.COPY)
        batch = asyncio.create_task(run_batch_on_ray(
            [BAKERY], coders, 1, out_dir=tmp_path / "out", shared=settings,
            config=RunConfig(timeouts=FAST_TIMEOUTS), dispatcher=dispatcher,
        ))  # fmt: skip
        try:
            await asyncio.to_thread(coder.second_asked.wait, 120)
            assert coder.second_asked.is_set(), "the run never reached step 2"
            name = "webgen batch bakery/coder-a/sample-1"
            os.kill(await running_worker(ray_cluster, name), signal.SIGKILL)
            coder.release.set()
            report = await asyncio.wait_for(batch, 240)
        finally:
            coder.release.set()
            await shared.close()

    (run,) = report.runs
    assert run.status == "finished" and run.steps == 2
    assert coder.first_turns == 1, "step 1 was made again instead of resumed"
    store = RunStore.open(run.run_dir)
    assert [s.index for s in store.steps()] == [1, 2]
    tasks = await asyncio.to_thread(settled_tasks, ray_cluster, name,
                                    dispatcher.cluster.job_id, 2)  # fmt: skip
    attempts = sorted((t["attempt_number"], t["state"]) for t in tasks)
    assert attempts == [(0, "FAILED"), (1, "FINISHED")]


async def test_an_unreachable_cluster_fails_naming_its_address():
    port = free_ports(1)[0]
    with pytest.raises(ClusterUnreachable) as raised:
        await connect(ClusterChoice(address=f"127.0.0.1:{port}"))
    assert str(raised.value).startswith(f"cannot reach the Ray cluster at 127.0.0.1:{port}: ")
    with pytest.raises(ClusterUnreachable) as raised:
        await connect(ClusterChoice(address=f"ray://127.0.0.1:{port}"))
    assert f"ray://127.0.0.1:{port}" in str(raised.value)
    with pytest.raises(ClusterUnreachable) as raised:
        await connect(ClusterChoice(address="head-node"))
    assert "give the address as auto, HOST:PORT" in str(raised.value)
