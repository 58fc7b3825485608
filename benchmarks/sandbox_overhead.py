"""What confining the model's code with bubblewrap costs, process by process.

Times, with the sandbox (bubblewrap) and without (filtered environment only):
- starting a trivial Node.js process (`node -e 0`): the fixed cost of one sandbox;
- `npm install` of the Vite + React fixture site with node_modules already present (what an
  install costs when package.json changed but the dependencies did not);
- starting the Vite dev server until it answers HTTP (a restart after a dependency change).

    .venv/bin/python -m benchmarks.sandbox_overhead [--repeat 10]

Fill the npm cache first (`./studio test` does it once). The edit step as a whole (where the
dev server keeps running and nothing is spawned) is measured by
`benchmarks.step_overhead --sandbox auto|off`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from agent_core.config import SandboxConfig, SandboxMode, Timeouts
from agent_core.runtime.devserver import DevServer
from agent_core.runtime.installer import PLAIN_INSTALL
from agent_core.runtime.plans import choose_start_command
from agent_core.runtime.sandbox import Sandbox
from tests.support.npm import NPM_CACHE, copy_site, offline_npm_env


def sandbox(root: Path, mode: SandboxMode) -> Sandbox:
    """A sandbox for ``root`` whose private folders sit beside it."""
    return Sandbox(root, root.parent / f".{root.name}-{mode}", NPM_CACHE, SandboxConfig(mode))


async def seconds(work) -> float:
    """Wall time of awaiting ``work()``."""
    started = time.perf_counter()
    await work()
    return time.perf_counter() - started


async def node_start(box: Sandbox) -> float:
    async def work() -> None:
        result = await box.run(["node", "-e", "0"], box.workspace, 30)
        assert result.ok, result.output_tail
    return await seconds(work)


async def npm_install(box: Sandbox) -> float:
    async def work() -> None:
        result = await box.run([*PLAIN_INSTALL, "--ignore-scripts"], box.workspace, 120)
        assert result.ok, result.output_tail
    return await seconds(work)


async def vite_start(box: Sandbox) -> float:
    server = DevServer(box.workspace, box, Timeouts(server_start_s=60))
    try:
        return await seconds(lambda: server.ensure_running(choose_start_command(box.workspace,
                                                                                None)))
    finally:
        await server.stop()


async def measure(repeat: int, workdir: Path) -> dict[str, dict[str, float]]:
    """Median seconds per operation and mode."""
    site = copy_site("vite-react", workdir / "site")
    first = await sandbox(site, SandboxMode.OFF).run(list(PLAIN_INSTALL), site, 300)
    assert first.ok, first.output_tail
    results: dict[str, dict[str, float]] = {}
    fewer = max(3, repeat // 3)
    operations = (("node -e 0", node_start, repeat),
                  ("npm install (deps unchanged)", npm_install, fewer),
                  ("vite dev server start", vite_start, fewer))
    for name, operation, times in operations:
        for mode in (SandboxMode.OFF, SandboxMode.BWRAP):
            box = sandbox(site, mode)
            await box.prepare()
            samples = [await operation(box) for _ in range(times)]
            results.setdefault(name, {})[str(mode)] = statistics.median(samples)
    return results


def main() -> None:
    """Command-line entry."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    os.environ.update(offline_npm_env())
    with tempfile.TemporaryDirectory(prefix="webgen-sandbox-bench-") as tmp:
        results = asyncio.run(measure(args.repeat, Path(tmp)))
    print(f"{'operation':<32} {'unconfined s':>13} {'bubblewrap s':>13} {'added':>8}")
    for name, by_mode in results.items():
        off, on = by_mode["off"], by_mode["bwrap"]
        print(f"{name:<32} {off:>13.3f} {on:>13.3f} {(on - off) * 1000:>6.0f}ms")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
