"""The Ray tier's cluster: started once for this package's tests, stopped (and checked) after
its last one, so the rest of the suite runs without it."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent_core.distributed import ClusterChoice, Dispatcher, FilesMode, RunUpdate, connect
from tests.support.ray_cluster import LoopbackCluster, start_cluster

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="package")
def ray_cluster() -> Iterator[LoopbackCluster]:
    """A head node and one worker node on loopback, Ray's files in a short private folder
    (its socket paths must stay under the kernel's 107 characters)."""
    temp = Path(tempfile.mkdtemp(prefix="wr-"))
    cluster = start_cluster(temp / "ray", REPO)
    try:
        yield cluster
    finally:
        left = cluster.stop()
        shutil.rmtree(temp, ignore_errors=True)
        assert not left, f"processes of the Ray cluster outlived `ray stop --force`: {left}"


@pytest.fixture
async def dispatcher_for(ray_cluster: LoopbackCluster):
    """Opens a dispatcher on the cluster with a files mode; collects its updates."""
    opened: list = []

    async def open_one(files: FilesMode, updates: list[RunUpdate] | None = None,
                       retries: int = 3) -> Dispatcher:  # fmt: skip
        choice = ClusterChoice(address=ray_cluster.address, files=files, retries=retries)
        cluster = await connect(choice)
        dispatcher = Dispatcher(cluster, on_update=None if updates is None else updates.append)
        await dispatcher.__aenter__()
        opened.append((cluster, dispatcher))
        return dispatcher

    yield open_one
    for cluster, dispatcher in opened:
        await dispatcher.__aexit__(None, None, None)
        await cluster.close()


