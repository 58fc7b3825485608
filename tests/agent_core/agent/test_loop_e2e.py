"""The whole loop on a real Vite + React site: real npm, dev server, Chromium, model clients.

Only the models are scripted, by a loopback server speaking the OpenAI or Ollama protocol.
"""

from __future__ import annotations

import pytest

from agent_core.events import BestSelected, FileWritten, RunFinished, StepFinished, Token
from agent_core.store.records import RunStatus, StepKind
from tests.fakes.model_server import ScriptedModelServer, queue
from tests.support.agent import CODER, CRITIC, CriticScript, coder_reply, make_agent, settings_for
from tests.support.npm import site_files
from tests.support.png import png_pixel, png_size

INSTRUCTION = (
    "Please implement a website for generating stock reports. Users enter a stock code and "
    "get a report. Set the background color to white and the component color to navy."
)
NAVY = (0, 0, 128)
SEARCH_BG = (224, 232, 255)

APP_V2 = """\
export default function App() {
  return (
    <main style={{ margin: 0, fontFamily: 'sans-serif' }}>
      <header style={{ background: 'rgb(0,0,128)', color: 'white', height: 120 }}>
        <h1 style={{ margin: 0, padding: 24 }}>Stock Reports</h1>
      </header>
      <section style={{ background: 'rgb(224,232,255)', height: 300, padding: 24 }}>
        <label>Stock code <input placeholder="e.g. AAPL" /></label>
        <button style={{ background: 'navy', color: 'white' }}>Search stocks</button>
      </section>
    </main>
  );
}
"""
APP_V1 = APP_V2.split("      <section")[0] + "    </main>\n  );\n}\n"
CSS = "html, body { margin: 0; background: white; }\n"


def _site(app: str) -> dict[str, str]:
    files = site_files("vite-react")
    files["src/App.jsx"] = app
    files["src/index.css"] = CSS
    files["src/main.jsx"] = files["src/main.jsx"].replace(
        "import App from './App.jsx';", "import App from './App.jsx';\nimport './index.css';"
    )
    return files


@pytest.mark.slow
@pytest.mark.parametrize("provider", ["openai", "ollama"])
async def test_multi_step_run_builds_a_real_site(tmp_path, provider):
    coder = queue(
        coder_reply(_site(APP_V1), shell=["npm install"], start="npm run dev",
                    prose="I will scaffold a Vite + React app."),
        coder_reply({"src/App.jsx": APP_V2}, prose="Adding the search form."),
        coder_reply(signal="screenshot_validated"),
        coder_reply(signal="finish"),
    )
    critic = CriticScript([
        (CriticScript.check("A navy header 'Stock Reports' on white.", ["Add a search form"]),
         CriticScript.grade(3)),
        (CriticScript.check("Header plus a search form with a navy button."),
         CriticScript.grade(4)),
    ])
    with ScriptedModelServer({CODER: coder, CRITIC: critic}) as server:
        settings = settings_for(server, provider, context_length=16384)
        agent, events = make_agent(tmp_path / "run", INSTRUCTION, settings)
        try:
            outcome = await agent.run()
        finally:
            await agent.models.close()
        coder_requests = [r for r in server.chat_requests if r.model == CODER]

    assert outcome.status is RunStatus.FINISHED and outcome.reason == "finish"
    steps = agent.store.steps()
    assert [s.kind for s in steps] == [StepKind.EDIT, StepKind.EDIT, StepKind.GUI_TEST,
                                       StepKind.FINISH]
    assert [s.parent for s in steps] == [None, 1, 2, 3]
    assert [s.appearance_grade for s in steps] == [3, 4, 4, 4]
    assert not any(s.has_error for s in steps)
    first, second, gui, _finish = steps

    # Step 1 installed and started the server; step 2 reused both (hot reload).
    assert first.runtime["install"]["ok"] and first.runtime["install"]["ran"]
    assert first.runtime["serve"]["restarted"] is True
    assert second.runtime["install"]["ran"] is False
    assert second.runtime["serve"] == {**first.runtime["serve"], "restarted": False}
    assert second.files_changed == ["src/App.jsx"]

    # The screenshots are the real rendered pages: navy header, then the search section.
    shots = [agent.store.screenshot_path(i).read_bytes() for i in (1, 2)]
    assert [png_size(p) for p in shots] == [(1024, 768), (1024, 768)]
    assert png_pixel(shots[0], 500, 60) == NAVY and png_pixel(shots[1], 500, 60) == NAVY
    assert png_pixel(shots[0], 500, 250) == (255, 255, 255)
    assert png_pixel(shots[1], 500, 250) == SEARCH_BG
    assert critic.images[:2] == [shots[0], shots[0]] and critic.images[2:] == [shots[1]] * 2

    # The coder saw the critic's words and its grade, then the instruction again.
    step2_prompt = coder_requests[1].last_user_text
    assert "A navy header 'Stock Reports' on white." in step2_prompt
    assert "Add a search form" in step2_prompt and "3/5" in step2_prompt
    assert INSTRUCTION in step2_prompt
    assert "not available" in gui.feedback and gui.gui_grade is None
    if provider == "ollama":
        assert coder_requests[0].num_ctx == 16384

    # The best step (valid, highest grades, latest) is back in the workspace.
    assert agent.store.manifest.best_step == 4
    assert "Search stocks" in (agent.store.workspace / "src/App.jsx").read_text()
    assert agent.store.manifest.status is RunStatus.FINISHED

    kinds = [type(e) for e in events]
    assert kinds.count(StepFinished) == 4 and kinds[-2:] == [BestSelected, RunFinished]
    assert Token in kinds
    written = [e.path for e in events if isinstance(e, FileWritten)]
    assert "src/App.jsx" in written and "package.json" in written
