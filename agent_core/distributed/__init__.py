"""Bench, batch and re-judge on a Ray cluster: one run is one Ray task.

``connect`` starts a local Ray instance or joins a cluster (``ClusterChoice``); a
``Dispatcher`` sends runs as tasks (CPUs and a ``browser`` resource each, retried when
their worker dies, keys only in the task's environment) and brings their files and
results home through a small exchange actor. ``RayBenchRunner``, ``run_conditions_on_ray``,
``run_batch_on_ray`` and ``rejudge_on_ray`` are the cluster twins of the in-process
commands and write the same reports. Ray is optional: nothing here imports it until
``connect`` is called.
"""

from __future__ import annotations

from agent_core.distributed.batch import RayJobs, run_batch_on_ray
from agent_core.distributed.bench import RayBenchRunner, run_conditions_on_ray
from agent_core.distributed.cluster import (
    BROWSER,
    INSTALL_HINT,
    Cluster,
    ClusterChoice,
    ClusterUnreachable,
    FilesMode,
    connect,
    import_ray,
)
from agent_core.distributed.dispatch import Dispatcher, RunLost, Unit
from agent_core.distributed.progress import ClusterProgress, NodeCounts, RunUpdate
from agent_core.distributed.rejudge import rejudge_on_ray

__all__ = [
    "BROWSER",
    "INSTALL_HINT",
    "Cluster",
    "ClusterChoice",
    "ClusterProgress",
    "ClusterUnreachable",
    "Dispatcher",
    "FilesMode",
    "NodeCounts",
    "RayBenchRunner",
    "RayJobs",
    "RunLost",
    "RunUpdate",
    "Unit",
    "connect",
    "import_ray",
    "rejudge_on_ray",
    "run_batch_on_ray",
    "run_conditions_on_ray",
]
