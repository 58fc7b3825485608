"""How much time a step spends outside the models, on a real Vite + React site.

Runs a scripted trajectory (scaffold, N edits of src/App.jsx, finish) through the real loop:
npm (offline, from the test cache), the Vite dev server, Chromium and the real model
clients, against a scripted model server that answers at once. Prints, per phase, the
median seconds, and per edit step the time that is not model time.

    .venv/bin/python -m benchmarks.step_overhead [--edits 8] [--provider openai|ollama]
        [--sandbox auto|off]

Fill the npm cache first (`./studio test` does it once).
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

from agent_core.config import RunConfig, SandboxConfig, SandboxMode
from agent_core.store.records import StepKind, StepRecord
from tests.fakes.model_server import Reply, ScriptedModelServer, queue
from tests.support.agent import (
    CODER,
    CRITIC,
    FAST_TIMEOUTS,
    CriticScript,
    coder_reply,
    make_agent,
    settings_for,
)
from tests.support.npm import offline_npm_env, site_files

INSTRUCTION = "A stock report generator with a navy header and a search form."
PHASES = ("coding", "install", "serve", "screenshot", "critic", "commit")


def app_source(version: int) -> str:
    """A React component that differs per step."""
    return (
        "export default function App() {\n"
        f"  return <main><h1 style={{{{ color: 'navy' }}}}>Stock reports v{version}</h1>"
        f"<p>{'Edit ' * version}</p></main>;\n}}\n"
    )


def script(edits: int) -> tuple[list[Reply], CriticScript]:
    """Coder replies (whole, instant) and critic answers for the trajectory."""
    files = site_files("vite-react")
    files["src/App.jsx"] = app_source(0)
    replies = [coder_reply(files, shell=["npm install"], start="npm run dev")]
    replies += [coder_reply({"src/App.jsx": app_source(i)}) for i in range(1, edits + 1)]
    replies.append(coder_reply(signal="finish"))
    instant = [Reply(text=r, chunk_size=1 << 20) for r in replies]
    answers = [(CriticScript.check("a navy page"), CriticScript.grade(3))] * (edits + 1)
    return instant, CriticScript(answers)


def model_seconds(step: StepRecord) -> float:
    """Seconds the step waited on models (as the clients measured them)."""
    return sum(u.get("seconds", 0.0) for u in step.usage.values())


async def measure(edits: int, provider: str, workdir: Path, sandbox: str = "auto") -> dict:
    """Run the trajectory once and collect per-step figures."""
    replies, critic = script(edits)
    config = RunConfig(timeouts=FAST_TIMEOUTS, sandbox=SandboxConfig(mode=SandboxMode(sandbox)))
    with ScriptedModelServer({CODER: queue(*replies), CRITIC: critic}) as server:
        agent, _ = make_agent(workdir / "run", INSTRUCTION, settings_for(server, provider),
                              config)
        started = time.perf_counter()
        try:
            outcome = await agent.run()
        finally:
            await agent.models.close()
        total = time.perf_counter() - started
    steps = agent.store.steps()
    assert outcome.reason == "finish" and not any(s.has_error for s in steps), outcome
    return {"total": total, "steps": steps}


def report(result: dict, edits: int) -> dict:
    """Print and return the figures."""
    steps: list[StepRecord] = result["steps"]
    edit_steps = [s for s in steps[1:] if s.kind is StepKind.EDIT]
    overhead = [s.seconds - model_seconds(s) for s in edit_steps]
    print(
        f"run: 1 scaffold + {edits} edits + finish = {len(steps)} steps, "
        f"{result['total']:.2f} s wall time (including browser start and shutdown)"
    )
    first = steps[0]
    print(
        f"scaffold step: {first.seconds:.2f} s "
        + ", ".join(f"{p} {first.phases.get(p, 0):.3f}" for p in PHASES)
    )
    print("edit steps (dependencies unchanged), median seconds per phase:")
    for phase in PHASES:
        values = [s.phases.get(phase, 0.0) for s in edit_steps]
        print(f"  {phase:<10} {statistics.median(values):.3f}")
    print(f"  model time {statistics.median(model_seconds(s) for s in edit_steps):.3f}")
    print(
        f"non-model overhead per edit step: median {statistics.median(overhead):.3f} s, "
        f"max {max(overhead):.3f} s"
    )
    four = steps[:3] + steps[-1:]
    four_total = sum(s.seconds for s in four)
    print(f"a 4-step run (scaffold, 2 edits, finish): {four_total:.2f} s of step time")
    return {
        "total_s": round(result["total"], 3),
        "median_edit_overhead_s": round(statistics.median(overhead), 3),
        "max_edit_overhead_s": round(max(overhead), 3),
        "four_step_run_s": round(four_total, 3),
        "scaffold_s": round(first.seconds, 3),
    }


def main() -> None:
    """Command-line entry."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=8)
    parser.add_argument("--provider", choices=["openai", "ollama"], default="openai")
    parser.add_argument("--sandbox", choices=["auto", "off"], default="auto",
                        help="confine the site's processes with bubblewrap (auto) or not")
    args = parser.parse_args()
    os.environ.update(offline_npm_env())
    with tempfile.TemporaryDirectory(prefix="webgen-bench-") as tmp:
        result = asyncio.run(measure(args.edits, args.provider, Path(tmp), args.sandbox))
    print(json.dumps(report(result, args.edits)))


if __name__ == "__main__":
    main()
