"""``--ray`` and ``--ray-address``: where ``bench``, ``batch`` and ``rejudge`` send their runs.

Without either flag the commands run in this process, as always. ``open_cluster`` connects
(starting a local instance for ``--ray``), opens the dispatcher and the progress display,
and closes all three in reverse order.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import AsyncIterator

from agent_core.distributed import ClusterChoice, Dispatcher, FilesMode, connect
from app.cluster_view import ClusterView
from app.flags import positive_int


def add_ray_flags(parser: argparse.ArgumentParser) -> None:
    """Add the cluster flags (see docs/scale.md)."""
    group = parser.add_argument_group("cluster (Ray; see docs/scale.md)")
    where = group.add_mutually_exclusive_group()
    where.add_argument("--ray", action="store_true",
                       help="run every run as a task on a Ray instance started for this job")
    where.add_argument("--ray-address", default=None, metavar="ADDR",
                       help="join an existing Ray cluster: auto, HOST:PORT or "
                       "ray://HOST:PORT (Ray Client)")  # fmt: skip
    group.add_argument("--ray-files", choices=[str(m) for m in FilesMode],
                       default=str(FilesMode.AUTO),
                       help="how run folders come home: auto (shared filesystem when the "
                       "workers see this folder, else copied), shared or copy")  # fmt: skip
    group.add_argument("--ray-cpus", type=float, default=1.0, metavar="N",
                       help="CPUs each run takes (default: 1)")
    group.add_argument("--ray-retries", type=positive_int, default=3, metavar="N",
                       help="restarts of a run whose worker died (default: 3)")


def cluster_choice(args: argparse.Namespace) -> ClusterChoice | None:
    """The cluster the flags name (None: run in this process)."""
    if not getattr(args, "ray", False) and getattr(args, "ray_address", None) is None:
        return None
    return ClusterChoice(address=args.ray_address, files=FilesMode(args.ray_files),
                         cpus=args.ray_cpus, retries=args.ray_retries)  # fmt: skip


@contextlib.asynccontextmanager
async def open_cluster(choice: ClusterChoice, *, quiet: bool,
                       notes: bool = True) -> AsyncIterator[Dispatcher]:  # fmt: skip
    """Connect, show progress on stderr (unless ``quiet``) and yield the dispatcher.

    Raises:
        ConfigError: Ray is not installed.
        ClusterUnreachable: The cluster cannot be reached (the message names it).
    """
    cluster = await connect(choice)
    try:
        view = None if quiet else ClusterView(sys.stderr, cluster.where, notes=notes)
        with view if view is not None else contextlib.nullcontext():
            async with Dispatcher(cluster, on_update=view) as dispatcher:
                yield dispatcher
    finally:
        await cluster.close()


__all__ = ["add_ray_flags", "cluster_choice", "open_cluster"]
