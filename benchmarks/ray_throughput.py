"""Runs per minute of a scripted batch on a local Ray cluster: 1 worker node against 2.

Starts a head node that runs nothing (0 CPUs, 0 browsers) and N worker nodes of one CPU and
one ``browser`` each, all on loopback, then runs the same batch there with
``run_batch_on_ray``: static one-page sites, a coder that writes the page and finishes, the
screenshot critic on a scripted vision model (real Chromium, real clients, real run
folders copied home). Prints the wall time and runs per minute for each N.

    .venv/bin/python -m benchmarks.ray_throughput [--runs 8] [--nodes 1 2] [--files copy]

Run it inside a loopback-only network namespace to keep every port on 127.0.0.1:
``unshare --net .venv/bin/python -m tests.support.loopback .venv/bin/python -m
benchmarks.ray_throughput``.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
import time
from pathlib import Path

from agent_core.config import ModelSettings, RunConfig
from agent_core.distributed import ClusterChoice, Dispatcher, FilesMode, connect, run_batch_on_ray
from agent_core.experiments import BatchItem
from tests.agent_core.experiments.batch_support import SharedModels, page, vision
from tests.fakes.model_server import RecordedRequest, ScriptedModelServer
from tests.support.agent import CRITIC, FAST_TIMEOUTS, coder_reply, role
from tests.support.ray_cluster import LoopbackCluster, start_cluster

REPO = Path(__file__).resolve().parents[1]


def coder(request: RecordedRequest) -> str:
    """The page at the first turn, then finish."""
    if any(m.get("role") == "assistant" for m in request.messages):
        return coder_reply(signal="finish")
    return coder_reply(page(4))


async def one_batch(cluster: LoopbackCluster, runs: int, files: FilesMode, out: Path) -> float:
    """Seconds the batch of ``runs`` runs took on ``cluster``, connection excluded."""
    items = [BatchItem(f"shop-{n}", f"A one-page site for shop {n}, with a welcome heading.")
             for n in range(runs)]  # fmt: skip
    with ScriptedModelServer({"coder-a": coder, CRITIC: vision}) as server:
        shared = SharedModels(server)
        coders = [role(server, "openai", "coder-a")]
        settings = ModelSettings(coders[0], shared.critic_config, shared.feedback_config)
        connection = await connect(ClusterChoice(address=cluster.address, files=files))
        try:
            async with Dispatcher(connection) as dispatcher:
                start = time.perf_counter()
                report = await run_batch_on_ray(
                    items, coders, 1, out_dir=out, shared=settings,
                    config=RunConfig(timeouts=FAST_TIMEOUTS), dispatcher=dispatcher,
                )  # fmt: skip
                seconds = time.perf_counter() - start
        finally:
            await connection.close()
            await shared.close()
    failed = report.failed_runs()
    if failed:
        raise SystemExit(f"{len(failed)} runs failed: {failed[0].reason}")
    return seconds


def cluster_of(nodes: int, temp: Path) -> LoopbackCluster:
    """A head that runs nothing and ``nodes`` worker nodes of one CPU and one browser."""
    cluster = start_cluster(temp / "ray", REPO, head_cpus=0, head_browsers=0)
    for _ in range(nodes - 1):
        cluster.add_node()
    return cluster


def main() -> None:
    """Measure each node count in turn and print a table row per count."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=8)
    parser.add_argument("--nodes", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--files", choices=[str(m) for m in FilesMode], default="copy")
    args = parser.parse_args()
    print("| worker nodes | runs | wall s | runs per minute |")
    print("| --- | --- | --- | --- |")
    for nodes in args.nodes:
        temp = Path(tempfile.mkdtemp(prefix="wr-"))
        cluster = cluster_of(nodes, temp)
        try:
            seconds = asyncio.run(one_batch(cluster, args.runs, FilesMode(args.files),
                                            temp / "out"))  # fmt: skip
        finally:
            left = cluster.stop()
            shutil.rmtree(temp, ignore_errors=True)
        print(f"| {nodes} | {args.runs} | {seconds:.1f} | {60 * args.runs / seconds:.1f} |",
              flush=True)  # fmt: skip
        if left:
            print(f"left running after ray stop: {left}")


if __name__ == "__main__":
    main()
