"""Wall time and peak memory of one edit step with N candidates, on a real Vite + React site.

A scaffold step (one reply) builds the site; then one edit step asks an instant scripted
coder for N replies, and each candidate is installed (linked ``node_modules``), served by
its own Vite dev server, screenshotted in the shared Chromium and graded by an instant
scripted critic. Prints, per N, the edit step's wall time (first start to last commit), the
CPU seconds this process and all its descendants spent in the warm step (on 2 cores the wall
time cannot be under half of it), their peak resident memory (the sum of resident sizes,
sampled every 0.1 s; pages shared between processes count in each) and their proportional
memory at the end of the warm step (shared pages counted once).

    .venv/bin/python -m benchmarks.candidates [--n 1 4] [--served 2] [--repeat 2]

Fill the npm cache first (`./studio test` does it once).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import statistics
import tempfile
import threading
from dataclasses import replace
from pathlib import Path

from agent_core.agent.loop import WebGenAgent
from agent_core.agent.services import StepServices
from agent_core.config import ModelSettings, RunConfig
from agent_core.events import StepFinished, StepStarted
from agent_core.store.records import StepRecord
from agent_core.store.run_store import RunStore
from tests.fakes.model_server import RecordedRequest, Reply, ScriptedModelServer, queue
from tests.support.agent import (
    CODER,
    CRITIC,
    FAST_TIMEOUTS,
    coder_reply,
    graded,
    make_models,
    settings_for,
)
from tests.support.npm import offline_npm_env, site_files

INSTRUCTION = "A stock report generator with a navy header."
PAGE_KB = 4096
TICKS = os.sysconf("SC_CLK_TCK")


def app_source(version: int) -> str:
    """A React component that differs per candidate."""
    return (f"export default function App() {{\n  return <main><h1 style={{{{ color: 'navy' }}}}>"
            f"Stock reports, candidate {version}</h1></main>;\n}}\n")


_CALLS = itertools.count(1)


def candidate_reply(request: RecordedRequest) -> Reply:
    """A different reply per request, whole and at once."""
    return Reply(text=coder_reply({"src/App.jsx": app_source(next(_CALLS))}),
                 chunk_size=1 << 20)


class TreeMemory:
    """Samples the resident memory of this process and its descendants in a thread."""

    def __init__(self) -> None:
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.wait(0.1):
            self.peak_kb = max(self.peak_kb, _tree_rss_kb(os.getpid()))


def _tree_stats(root: int) -> dict[int, tuple[int, int, float]]:
    """(parent, resident kB, CPU seconds) of ``root`` and every process below it (/proc)."""
    stats: dict[int, tuple[int, int, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        cpu = (int(fields[11]) + int(fields[12])) / TICKS
        stats[int(entry.name)] = (int(fields[1]), int(fields[21]) * PAGE_KB // 1024, cpu)
    tree, todo = {}, [root]
    while todo:
        pid = todo.pop()
        if pid in stats:
            tree[pid] = stats[pid]
        todo.extend(child for child, (parent, _, _) in stats.items() if parent == pid)
    return tree


def _tree_rss_kb(root: int) -> int:
    """Resident kB of ``root`` and every process below it."""
    return sum(rss for _, rss, _ in _tree_stats(root).values())


def _tree_cpu(root: int) -> dict[int, float]:
    """CPU seconds so far of ``root`` and every process below it, by process."""
    return {pid: cpu for pid, (_, _, cpu) in _tree_stats(root).items()}


def _tree_pss_kb(root: int) -> int:
    """Proportional set size of ``root``'s tree: shared pages (Chromium's and Node's code,
    mapped by every process of theirs) counted once, unlike the sum of resident sizes."""
    total = 0
    for pid in _tree_stats(root):
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        total += sum(int(line.split()[1]) for line in rollup.splitlines()
                     if line.startswith("Pss:"))
    return total


class StepCpu:
    """CPU seconds the process tree spent between the warm step's start and its end, and
    the tree's proportional memory at its end (everything the step needs is up then)."""

    def __init__(self, first: int, last: int) -> None:
        self.first, self.last = first, last
        self._start: dict[int, float] = {}
        self.seconds = 0.0
        self.pss_kb = 0

    def __call__(self, event: object) -> None:
        if isinstance(event, StepStarted) and event.index == self.first:
            self._start = _tree_cpu(os.getpid())
        elif isinstance(event, StepFinished) and event.index == self.last:
            now = _tree_cpu(os.getpid())
            self.seconds = sum(cpu - self._start.get(pid, 0.0) for pid, cpu in now.items())
            self.pss_kb = _tree_pss_kb(os.getpid())


async def measure(n: int, served: int, workdir: Path) -> dict:
    """Scaffold, then three edit steps with ``n`` candidates; their wall times and memory.

    The first edit step starts the candidates' dev servers (cold); the later ones find them
    running, as every later step of a run does. The third is the one measured as warm (the
    second still meets Vite's first-load work in the new servers).
    """
    files = site_files("vite-react")
    files["src/App.jsx"] = app_source(0)
    scaffold = coder_reply(files, shell=["npm install"], start="npm run dev")
    scripts = {CODER: queue(scaffold), CRITIC: graded(*[3] * (3 * n + 1))}
    with ScriptedModelServer(scripts) as server:
        config = RunConfig(max_steps=1, gui_testing=False, timeouts=FAST_TIMEOUTS)
        agent = _agent(workdir / "run", settings_for(server, "openai"), config)
        try:  # the services outlive the first run, as in the app: the site keeps running
            await agent.run()
            server.set_script(CODER, candidate_reply)
            agent.config = replace(config, max_steps=1 + 3 * n, candidates=n,
                                   candidates_served=served)
            # the last (warm) step: 2+2n .. 1+3n; its chosen candidate (the first) ends it
            cpu = StepCpu(2 + 2 * n, 2 + 2 * n)
            agent.bus.subscribe(cpu)
            with TreeMemory() as memory:
                await agent.run()
        finally:
            await agent.services.close()
            await agent.models.close()
    edits = [s for s in agent.store.steps() if s.index > 1]
    assert len(edits) == 3 * n and not any(s.has_error for s in edits), [s.errors for s in edits]
    cold, warm = edits[:n], edits[2 * n:]
    return {"n": n, "cold_s": round(_wall(cold), 3), "warm_s": round(_wall(warm), 3),
            "warm_cpu_s": round(cpu.seconds, 3), "peak_rss_mb": round(memory.peak_kb / 1024),
            "pss_mb": round(cpu.pss_kb / 1024)}


def _wall(steps: list[StepRecord]) -> float:
    """From the step's start to its last candidate's commit."""
    return max(s.finished_at for s in steps) - min(s.started_at for s in steps)


def _agent(run_dir: Path, settings: ModelSettings, config: RunConfig) -> WebGenAgent:
    """An agent whose services the caller closes (they stay up between its runs)."""
    store = RunStore.create(run_dir, INSTRUCTION, models=settings.to_public_dict(),
                            config=config.to_dict())
    models = make_models(settings)
    services = StepServices.build(store.workspace, run_dir / ".webgen", store.logs_dir, config,
                                  models.critic)
    return WebGenAgent(store, models, config, services=services)


def main() -> None:
    """Command-line entry."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--served", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    os.environ.update(offline_npm_env())
    results = []
    for n in args.n:
        runs = []
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory(prefix="webgen-bench-") as tmp:
                runs.append(asyncio.run(measure(n, args.served, Path(tmp))))
        result = {"n": n, "served": args.served,
                  "cold_s": round(statistics.median(r["cold_s"] for r in runs), 3),
                  "warm_s": round(statistics.median(r["warm_s"] for r in runs), 3),
                  "warm_cpu_s": round(statistics.median(r["warm_cpu_s"] for r in runs), 3),
                  "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
                  "pss_mb": max(r["pss_mb"] for r in runs)}
        print(json.dumps(result))
        results.append(result)
    base = results[0]
    for result in results[1:]:
        print(f"N={result['n']}: warm {result['warm_s'] / base['warm_s']:.2f}x, cold "
              f"{result['cold_s'] / base['cold_s']:.2f}x the wall time of N={base['n']}")


if __name__ == "__main__":
    main()
