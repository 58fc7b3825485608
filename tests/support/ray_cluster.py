"""A real Ray cluster on loopback for the Ray tier: a head node and one joined worker node.

Both nodes are started with ``ray start`` as a user would, every port on 127.0.0.1 (the
dashboard's too) and Ray's files in a folder of the test session. Each node offers one CPU
and one ``browser``, so two runs go at once, one per node. ``stop`` runs ``ray stop
--force`` and then checks that no process of the cluster (nor one a worker started) is
left; the suite's own check after the last test looks again.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.procs import cmdline, descendants, wait_until_gone

RAY = Path(sys.executable).parent / "ray"
HOST = "127.0.0.1"
NODE_PORTS = ("node-manager-port", "object-manager-port", "dashboard-agent-listen-port",
              "dashboard-agent-grpc-port", "runtime-env-agent-port", "metrics-export-port")
HEAD_PORTS = ("port", "dashboard-port", "ray-client-server-port")


WORKER_PORTS = 40
_HANDED_OUT: set[int] = set()
"""Ports given to a node of this process's clusters: Ray refuses two components on one."""


def free_ports(count: int) -> list[int]:
    """``count`` distinct ports free on loopback now, none handed out before."""
    sockets, ports = [], []
    while len(ports) < count:
        sock = socket.socket()
        sock.bind((HOST, 0))
        sockets.append(sock)
        port = sock.getsockname()[1]
        if port not in _HANDED_OUT:
            ports.append(port)
    for sock in sockets:
        sock.close()
    _HANDED_OUT.update(ports)
    return ports


def worker_port_range() -> int:
    """The lowest of ``WORKER_PORTS + 1`` ports in a row that no other component was given."""
    while True:
        low = free_ports(1)[0]
        block = set(range(low, low + WORKER_PORTS + 1))
        if not block & (_HANDED_OUT - {low}):
            _HANDED_OUT.update(block)
            return low


def cluster_env(repo: Path) -> dict[str, str]:
    """The nodes' environment: this one, with the repository importable, no usage stats and
    no token authentication."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(repo) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH")
                                     else "")  # fmt: skip
    env["RAY_USAGE_STATS_ENABLED"] = "0"
    # No token authentication: the cluster lives on loopback in the suite's own network
    # namespace. Set explicitly, as a token left in ~/.ray by a local `ray.init()` (the
    # `--ray` test) would otherwise turn it on for the head but not for a joining node.
    env["RAY_AUTH_MODE"] = "disabled"
    return env


@dataclass
class LoopbackCluster:
    """A running cluster.

    Attributes:
        address: The head's GCS address, ``127.0.0.1:PORT``.
        dashboard: The dashboard's URL (the state API is served there).
        client: The Ray Client address, ``ray://127.0.0.1:PORT``.
        temp_dir: Ray's folder (``session_*`` with the logs).
        env: The environment the nodes were started with.
    """

    address: str
    dashboard: str
    client: str
    temp_dir: Path
    env: dict[str, str]
    worker_nodes: list[dict[str, int]] = field(default_factory=list)

    def add_node(self, cpus: int = 1, browsers: int = 1) -> None:
        """Join another worker node."""
        ports = dict(zip(NODE_PORTS, free_ports(len(NODE_PORTS)), strict=True))
        low = worker_port_range()
        args = [f"--address={self.address}", *_node_args(ports, cpus, browsers, low)]
        _ray_start(args, self.env)
        self.worker_nodes.append(ports)

    def stop(self) -> list[str]:
        """``ray stop --force``; returns the processes of the cluster still alive after it."""
        subprocess.run([str(RAY), "stop", "--force"], env=self.env, capture_output=True,
                       timeout=120, check=False)  # fmt: skip
        left = wait_until_gone([p for p in descendants() if _of_cluster(p, self)], 20.0)
        return [f"{pid}: {cmdline(pid)[:160]}" for pid in left]


def _of_cluster(pid: int, cluster: LoopbackCluster) -> bool:
    line = cmdline(pid)
    return "ray" in line or str(cluster.temp_dir) in line or "chrom" in line or "node" in line


def _node_args(ports: dict[str, int], cpus: int, browsers: int, low_port: int) -> list[str]:
    return [
        f"--node-ip-address={HOST}", f"--num-cpus={cpus}",
        f"--resources={json.dumps({'browser': browsers})}", "--disable-usage-stats",
        *(f"--{name}={port}" for name, port in ports.items()),
        f"--min-worker-port={low_port}", f"--max-worker-port={low_port + WORKER_PORTS}",
    ]  # fmt: skip


def _ray_start(args: list[str], env: dict[str, str]) -> None:
    done = subprocess.run([str(RAY), "start", *args], env=env, capture_output=True, text=True,
                          timeout=180, check=False)  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"ray start failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")


def start_cluster(temp_dir: Path, repo: Path, *, head_cpus: int = 1,
                  head_browsers: int = 1) -> LoopbackCluster:  # fmt: skip
    """Start the head node and one worker node; wait until both are alive.

    Args:
        temp_dir: Ray's folder (created afresh).
        repo: Put on the nodes' PYTHONPATH, so workers import this tree's ``agent_core``.
        head_cpus: CPUs the head offers to runs (0: it only hosts the control plane).
        head_browsers: ``browser`` resources the head offers.
    """
    if temp_dir.exists():
        shutil.rmtree(temp_dir)
    env = cluster_env(repo)
    head = dict(zip(HEAD_PORTS, free_ports(len(HEAD_PORTS)), strict=True))
    ports = dict(zip(NODE_PORTS, free_ports(len(NODE_PORTS)), strict=True))
    low = worker_port_range()
    args = ["--head", f"--port={head['port']}", f"--dashboard-host={HOST}",
            f"--dashboard-port={head['dashboard-port']}", "--include-dashboard=true",
            f"--ray-client-server-port={head['ray-client-server-port']}",
            f"--temp-dir={temp_dir}", *_node_args(ports, head_cpus, head_browsers, low)]
    cluster = LoopbackCluster(f"{HOST}:{head['port']}", f"http://{HOST}:{head['dashboard-port']}",
                              f"ray://{HOST}:{head['ray-client-server-port']}", temp_dir, env)
    try:
        _ray_start(args, env)
        cluster.add_node()
        _wait_for_nodes(cluster, 2)
    except BaseException:
        cluster.stop()
        raise
    return cluster


def _wait_for_nodes(cluster: LoopbackCluster, count: int, timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        done = subprocess.run([str(RAY), "list", "nodes", "--address", cluster.dashboard,
                               "--format", "json"], env=cluster.env, capture_output=True,
                              text=True, timeout=60, check=False)  # fmt: skip
        if done.returncode == 0:
            nodes = json.loads(done.stdout or "[]")
            if sum(1 for n in nodes if n.get("state") == "ALIVE") >= count:
                return
        time.sleep(1.0)
    raise RuntimeError(f"the cluster at {cluster.address} did not show {count} live nodes")


__all__ = ["LoopbackCluster", "free_ports", "start_cluster"]


def cluster_tasks(cluster: LoopbackCluster, prefix: str) -> list[dict]:
    """Every attempt of the tasks whose name starts with ``prefix``, from Ray's state API."""
    from ray.util.state import list_tasks

    found = list_tasks(address=cluster.dashboard, detail=True, limit=10_000,
                       raise_on_missing_output=False)  # fmt: skip
    return [dict(t.__dict__) if not isinstance(t, dict) else t
            for t in found if (t["name"] if isinstance(t, dict) else t.name).startswith(prefix)]


def files_holding(folder: Path, text: str) -> list[str]:
    """Files under ``folder`` that contain ``text`` (the ones that can be read)."""
    needle = text.encode()
    hits = []
    for path in sorted(folder.rglob("*")):
        try:
            if path.is_file() and not path.is_socket() and needle in path.read_bytes():
                hits.append(str(path))
        except OSError:
            continue
    return hits


def settled_tasks(cluster: LoopbackCluster, prefix: str, job_id: str, attempts: int,
                  timeout_s: float = 30.0) -> list[dict]:  # fmt: skip
    """The job's task attempts named ``prefix...`` once ``attempts`` of them have ended.

    The state API hears of a task's end a moment after the driver does, so it is asked
    again until it has (or ``timeout_s`` passed; the caller's assertions then say what
    was missing).
    """
    deadline = time.monotonic() + timeout_s
    while True:
        found = [t for t in cluster_tasks(cluster, prefix) if t["job_id"] == job_id]
        ended = [t for t in found if t["state"] in ("FINISHED", "FAILED")]
        if len(ended) >= attempts or time.monotonic() > deadline:
            return found
        time.sleep(0.5)
