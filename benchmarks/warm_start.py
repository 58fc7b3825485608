"""How long the scaffold step of a Vite + React site takes: cold, from the store, from a template.

Each trial is a real one-step run (npm offline from the test cache, the Vite dev server,
Chromium, the real model clients) against a scripted model server that answers at once:

- ``npm``: today's path, the dependency store turned off (``npm install`` runs);
- ``cold``: an empty store (``npm install`` runs, then the set is kept in the store);
- ``warm``: the coder writes the same project again; node_modules is linked from the store;
- ``template``: the run starts from the React (Vite) template, the coder writes only
  ``src/App.jsx``; the template's dependency set is in the store (a first template run,
  not counted, put it there) and is linked when the run is created, before the step.

    .venv/bin/python -m benchmarks.warm_start [--repeat 3]

Prints the scaffold step's seconds and its phases per trial, then the medians as JSON.
Fill the npm cache first (`./studio test` does it once).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
from pathlib import Path

from agent_core.agent.start import seed_run
from agent_core.config import RunConfig
from agent_core.store.records import StepRecord
from agent_core.store.start import RunStart
from agent_core.workspace.seed import read_seed
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
from tests.support.npm import REPO, site_files

TEMPLATE = REPO / "resources" / "templates" / "vite-react"
APP = ("export default function App() {\n"
       "  return <main><h1 style={{ color: 'navy' }}>Stock reports</h1></main>;\n}\n")
PHASES = ("coding", "install", "serve", "screenshot", "critic", "commit")
MODES = ("npm", "cold", "warm", "template")


def replies(mode: str) -> list[Reply]:
    """The coder's instant replies: the scaffold, then finish."""
    if mode == "template":
        files = {"src/App.jsx": APP}
    else:
        files = {**site_files("vite-react"), "src/App.jsx": APP}
    scaffold = coder_reply(files, shell=["npm install"], start="npm run dev")
    return [Reply(text=r, chunk_size=1 << 20) for r in (scaffold, coder_reply(signal="finish"))]


async def scaffold_step(mode: str, run_dir: Path) -> StepRecord:
    """Run one trial and return its first (scaffold) step."""
    critic = CriticScript([(CriticScript.check("a navy page"), CriticScript.grade(4))])
    config = RunConfig(timeouts=FAST_TIMEOUTS, gui_testing=False, max_steps=2)
    with ScriptedModelServer({CODER: queue(*replies(mode)), CRITIC: critic}) as server:
        agent, _ = make_agent(run_dir, "A stock report page.", settings_for(server, "openai"),
                              config)
        if mode == "npm":
            agent.services.installer.store = None
        if mode == "template":
            seed = await asyncio.to_thread(read_seed, TEMPLATE)
            await seed_run(agent.store, seed, RunStart("template", "vite-react"))
        try:
            await agent.run()
        finally:
            await agent.models.close()
    step = agent.store.steps()[0]
    assert not step.has_error, step.errors
    return step


def describe(mode: str, step: StepRecord) -> str:
    """One line per trial."""
    phases = ", ".join(f"{p} {step.phases.get(p, 0.0):.2f}" for p in PHASES)
    how = step.runtime.install.command if step.runtime.install else ""
    return f"{mode:<9} {step.seconds:5.2f} s  ({phases})  install: {how}"


async def trials(repeat: int, root: Path) -> dict[str, list[float]]:
    """Alternate the modes ``repeat`` times; the store lives in ``root/state``."""
    os.environ["WEBGEN_STATE_DIR"] = str(root / "state")
    await scaffold_step("template", root / "prime-template")  # its set goes into the store
    seconds: dict[str, list[float]] = {mode: [] for mode in MODES}
    for n in range(repeat):
        for mode in MODES:
            if mode == "cold":  # an empty store, but keep the template's set
                store = root / "state" / "deps"
                for entry in store.iterdir() if store.is_dir() else ():
                    if entry.name != _template_key(root):
                        os.rename(entry, root / f"dropped-{n}-{entry.name}")
            step = await scaffold_step(mode, root / f"{mode}-{n}")
            seconds[mode].append(step.seconds)
            print(describe(mode, step), flush=True)
    return seconds


def _template_key(root: Path) -> str:
    from agent_core.runtime.dep_store import dependency_key

    key = dependency_key(root / "prime-template" / "workspace")
    assert key is not None
    return key


def main() -> None:
    """Command-line entry."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from tests.support.npm import offline_npm_env

    os.environ.update(offline_npm_env())
    with tempfile.TemporaryDirectory(prefix="webgen-warm-") as tmp:
        seconds = asyncio.run(trials(args.repeat, Path(tmp)))
    print(json.dumps({mode: round(statistics.median(v), 3) for mode, v in seconds.items()}))


if __name__ == "__main__":
    main()
