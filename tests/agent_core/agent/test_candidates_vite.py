"""Candidates on a real Vite + React site: real npm, one dev server each, Chromium."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from agent_core.config import RunConfig
from agent_core.export.records import step_grpo_records
from tests.fakes.model_server import RecordedRequest, ScriptedModelServer, queue
from tests.support.agent import (
    CODER,
    CRITIC,
    FAST_TIMEOUTS,
    coder_reply,
    graded,
    make_agent,
    run,
    settings_for,
)
from tests.support.stock_site import APP_V1, FOUR_CANDIDATES, INSTRUCTION, one_heading_app
from tests.support.stock_site import stock_site as site

pytestmark = pytest.mark.slow


def by_seed(request: RecordedRequest) -> str:
    """Candidate N's request carries seed N."""
    return coder_reply({"src/App.jsx": FOUR_CANDIDATES[request.body["seed"]]})


async def test_vite_candidates_each_serve_their_own_site_and_the_best_continues(tmp_path):
    scaffold = coder_reply(site(APP_V1), shell=["npm install"], start="npm run dev")
    with ScriptedModelServer({CODER: queue(scaffold), CRITIC: graded(3)}) as server:
        config = RunConfig(max_steps=1, gui_testing=False, timeouts=FAST_TIMEOUTS)
        agent, _ = make_agent(tmp_path / "run", INSTRUCTION, settings_for(server, "openai"),
                              config)
        await agent.run()
        server.set_script(CODER, by_seed)
        server.set_script(CRITIC, graded(3, 5))
        agent.config = replace(config, max_steps=5, candidates=4, candidates_served=1)
        await run(agent)
    steps = {s.index: s for s in agent.store.steps()}
    assert sorted(steps) == [1, 2, 3, 4, 5] and {steps[i].parent for i in range(2, 6)} == {1}
    assert "the build failed" in steps[2].runtime.gate  # Vite's overlay, not a blank page
    assert "App.jsx" in steps[2].runtime.gate
    assert "blank" in steps[3].runtime.gate
    assert [steps[i].appearance_grade for i in (2, 3, 4, 5)] == [None, None, 3, 5]
    urls = {steps[i].runtime.serve.url for i in range(2, 6)}
    assert len(urls) == 4  # a dev server of its own each
    assert agent.store.head == 5 and agent.store.manifest.best_step == 5
    assert "with a search form" in (agent.store.workspace / "src/App.jsx").read_text()
    for index, source in zip(range(2, 6), FOUR_CANDIDATES.values(), strict=True):
        assert agent.store.files_of(index)["src/App.jsx"].decode() == source
    records = list(step_grpo_records([agent.store.run_dir], reward="appearance",
                                     group_by="siblings"))
    groups = {r["step"]: r["group_id"] for r in records}
    assert len({groups[i] for i in range(2, 6)}) == 1 and groups[1] != groups[2]
    four = [r for r in records if r["step"] > 1]
    assert [r["reward"] for r in four] == [0.0, 0.0, 3.0, 5.0]  # gated pages count nothing
    assert sum(r["advantage"] for r in four) == pytest.approx(0.0, abs=1e-9)
    assert four[3]["advantage"] > four[2]["advantage"] > 0 > four[0]["advantage"]


def with_local_package(files: dict[str, str]) -> dict[str, str]:
    """The site plus a dependency of its own (``file:./lib``, so npm needs no registry)."""
    package = json.loads(files["package.json"])
    package["dependencies"]["stock-format"] = "file:./lib"
    return {
        "package.json": json.dumps(package, indent=2),
        "lib/package.json": json.dumps({"name": "stock-format", "version": "1.0.0",
                                        "main": "index.js", "type": "module"}),
        "lib/index.js": "export const label = (code) => `Report for ${code}`;\n",
        "src/App.jsx": ("import { label } from 'stock-format';\n"
                        "export default function App() { return <h1>{label('AAPL')}</h1>; }\n"),
    }


async def test_the_chosen_candidates_new_dependency_is_installed_in_the_runs_folder(tmp_path):
    scaffold = site(APP_V1)
    replies = {1: coder_reply({"src/App.jsx": one_heading_app("Stock reports, plain")}),
               2: coder_reply(with_local_package(scaffold), shell=["npm install"])}
    with ScriptedModelServer({CODER: queue(coder_reply(scaffold, shell=["npm install"],
                                                       start="npm run dev")),
                              CRITIC: graded(3)}) as server:
        config = RunConfig(max_steps=1, gui_testing=False, timeouts=FAST_TIMEOUTS)
        agent, _ = make_agent(tmp_path / "run", INSTRUCTION, settings_for(server, "openai"),
                              config)
        await agent.run()
        server.set_script(CODER, lambda request: replies[request.body["seed"]])
        server.set_script(CRITIC, graded(3, 5, 5))
        agent.config = replace(config, max_steps=3, candidates=2)
        await agent.run()
        modules = agent.store.workspace / "node_modules"
        assert (modules / "stock-format" / "index.js").is_file()  # installed when adopted
        server.set_script(CODER, queue(coder_reply({"src/App.jsx": (
            "import { label } from 'stock-format';\n"
            "export default function App() { return <h2>{label('MSFT')}</h2>; }\n")})))
        agent.config = replace(config, max_steps=4, candidates=1)
        await run(agent)
    chosen, follow_up = agent.store.step(3), agent.store.step(4)
    assert chosen.runtime.candidate == {"group": 2, "number": 2, "of": 2, "chosen": True}
    assert chosen.runtime.install.ran and chosen.runtime.install.ok
    # the next step, in the run's own folder, found the dependency there and built with it
    assert follow_up.parent == 3 and not follow_up.has_error
    assert follow_up.runtime.install.ran is False
    assert follow_up.appearance_grade == 5
