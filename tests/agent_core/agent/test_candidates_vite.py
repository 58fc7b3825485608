"""Candidates on a real Vite + React site: real npm, one dev server each, Chromium."""

from __future__ import annotations

from dataclasses import replace

import pytest

from agent_core.config import RunConfig
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
from tests.support.stock_site import APP_V1, INSTRUCTION
from tests.support.stock_site import stock_site as site

pytestmark = pytest.mark.slow


def app(heading: str) -> str:
    """A one-heading App component."""
    return f"export default function App() {{ return <h1>{heading}</h1>; }}\n"


CANDIDATES = {
    1: "export default function App() { return <h1>Broken</h1>\n",  # the build breaks
    2: "export default function App() { return null; }\n",  # renders nothing
    3: app("Stock reports, plain"),
    4: app("Stock reports, with a search form"),
}


def by_seed(request: RecordedRequest) -> str:
    """Candidate N's request carries seed N."""
    return coder_reply({"src/App.jsx": CANDIDATES[request.body["seed"]]})


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
    assert all(steps[i].runtime.gate for i in (2, 3))  # the broken build, the empty page
    assert [steps[i].appearance_grade for i in (2, 3, 4, 5)] == [None, None, 3, 5]
    urls = {steps[i].runtime.serve.url for i in range(2, 6)}
    assert len(urls) == 4  # a dev server of its own each
    assert agent.store.head == 5 and agent.store.manifest.best_step == 5
    assert "with a search form" in (agent.store.workspace / "src/App.jsx").read_text()
    for index, source in zip(range(2, 6), CANDIDATES.values(), strict=True):
        assert agent.store.files_of(index)["src/App.jsx"].decode() == source
