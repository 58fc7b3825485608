"""Where runs go: a Ray instance started for the job, or an existing cluster joined.

``ClusterChoice`` says which (``--ray`` or ``--ray-address ADDR``) and how each run asks for
resources; ``connect`` makes the connection in a worker thread and turns every way of
failing into one ``ClusterUnreachable`` that names the address. Ray is imported only here
and in the modules that run on the cluster, so the package works without it.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import socket
from dataclasses import dataclass
from enum import StrEnum
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

from agent_core.errors import ConfigError, WebGenError

BROWSER = "browser"
"""The custom resource a run takes: one Chromium. A node offers as many as it can hold."""
INSTALL_HINT = "pip install 'webgen-studio[ray]'"
CONNECT_TIMEOUT_S = 10.0


class ClusterUnreachable(WebGenError):
    """The Ray cluster at the given address cannot be reached or used."""


class FilesMode(StrEnum):
    """How a run's files get to the driver's output folder.

    ``auto``: each run looks whether the driver's folder is on its node (a shared
    filesystem) and works there, or else works on its own disk and sends the files home.
    ``shared``: always work in the driver's folder. ``copy``: always send the files home.
    """

    AUTO = "auto"
    SHARED = "shared"
    COPY = "copy"


@dataclass(frozen=True)
class ClusterChoice:
    """Where the runs of one invocation go, and what each asks the cluster for.

    Attributes:
        address: ``None`` to start a Ray instance on this machine for the job; else
            ``auto``, ``host:port`` or ``ray://host:port`` (Ray Client).
        files: How results come home.
        cpus: CPUs each run takes.
        browsers: Browsers (the ``browser`` resource) a local instance offers; None: as
            many as CPUs.
        retries: How often a run whose worker died is started again.
    """

    address: str | None = None
    files: FilesMode = FilesMode.AUTO
    cpus: float = 1.0
    browsers: int | None = None
    retries: int = 3

    @property
    def where(self) -> str:
        """The address in words, for messages."""
        return self.address if self.address is not None else "a local Ray instance"


def import_ray() -> ModuleType:
    """The ``ray`` module.

    Raises:
        ConfigError: Ray is not installed (the message says how to install it).
    """
    try:
        return importlib.import_module("ray")
    except ImportError:
        raise ConfigError(f"running on Ray needs the ray extra: {INSTALL_HINT}") from None


class Cluster:
    """A connection to Ray, made by ``connect`` and ended by ``close``.

    Attributes:
        choice: What was asked for.
        ray: The ``ray`` module.
    """

    def __init__(self, choice: ClusterChoice, ray: ModuleType) -> None:
        self.choice = choice
        self.ray = ray

    @property
    def where(self) -> str:
        """The cluster's address in words."""
        return self.choice.where

    @property
    def job_id(self) -> str:
        """This driver's Ray job id (hex), as the state API lists it."""
        return str(self.ray.get_runtime_context().get_job_id())

    def resources(self) -> dict[str, float]:
        """What the cluster offers in total (blocking)."""
        return dict(self.ray.cluster_resources())

    async def close(self) -> None:
        """Disconnect (a local instance stops with it)."""
        await asyncio.to_thread(self.ray.shutdown)


async def connect(choice: ClusterChoice) -> Cluster:
    """Start or join the cluster ``choice`` names and check it can run our tasks.

    Raises:
        ConfigError: Ray is not installed.
        ClusterUnreachable: Nothing answers at the address, Ray refused it, or the cluster
            offers no ``browser`` resource.
    """
    ray = import_ray()
    if choice.address not in (None, "auto"):
        await asyncio.to_thread(_check_reachable, choice.address)
    try:
        await asyncio.to_thread(_init, ray, choice)
    except Exception as exc:  # Ray raises ConnectionError, RuntimeError, TimeoutError...
        raise ClusterUnreachable(f"cannot reach the Ray cluster at {choice.where}: "
                                 f"{_first_line(exc)}") from None  # fmt: skip
    cluster = Cluster(choice, ray)
    offered = (await asyncio.to_thread(cluster.resources)).get(BROWSER, 0.0)
    if offered < 1:
        await cluster.close()
        raise ClusterUnreachable(
            f"the Ray cluster at {choice.where} offers no '{BROWSER}' resource, so no run "
            f"could start: start its nodes with --resources '{{\"{BROWSER}\": N}}' (N: "
            "the Chromiums a node can hold); see docs/scale.md"
        )
    return cluster


def _init(ray: ModuleType, choice: ClusterChoice) -> None:
    options: dict[str, Any] = {"log_to_driver": False, "logging_level": "ERROR",
                               "configure_logging": True}  # fmt: skip
    if choice.address is None:
        cpus = os.cpu_count() or 1
        browsers = choice.browsers if choice.browsers is not None else cpus
        # A new instance even when this machine is a node of a cluster ("local"); only this
        # machine takes part, so it listens on loopback.
        ray.init(address="local", num_cpus=cpus, resources={BROWSER: float(browsers)},
                 include_dashboard=False, _node_ip_address="127.0.0.1", **options)  # fmt: skip
        return
    ray.init(address=choice.address, **options)


def _check_reachable(address: str) -> None:
    """Fail fast with the address when nothing listens there (Ray would wait a long time)."""
    host, port = _host_port(address)
    try:
        with socket.create_connection((host, port), timeout=CONNECT_TIMEOUT_S):
            return
    except OSError as exc:
        reason = exc.strerror or str(exc) or type(exc).__name__
        raise ClusterUnreachable(
            f"cannot reach the Ray cluster at {address}: nothing answers at {host}:{port} "
            f"({reason}); is the head node running (ray status --address {host}:{port})?"
        ) from None


def _host_port(address: str) -> tuple[str, int]:
    """Host and port of ``host:port`` or ``ray://host:port``.

    Raises:
        ClusterUnreachable: The address is not of that form.
    """
    text = address if "://" in address else f"ray://{address}"
    try:
        parts = urlsplit(text)
        host, port = parts.hostname, parts.port
    except ValueError:
        host = port = None
    if not host or port is None:
        raise ClusterUnreachable(
            f"cannot reach the Ray cluster at {address}: give the address as auto, "
            "HOST:PORT (e.g. 10.0.0.5:6379) or ray://HOST:PORT (Ray Client, port 10001)"
        )
    return host, port


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


__all__ = [
    "BROWSER",
    "INSTALL_HINT",
    "Cluster",
    "ClusterChoice",
    "ClusterUnreachable",
    "FilesMode",
    "connect",
    "import_ray",
]
