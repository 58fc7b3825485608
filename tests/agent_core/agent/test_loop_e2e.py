"""The whole loop on a real Vite + React site: real npm, dev server, Chromium, model clients.

Only the models are scripted, by a loopback server speaking the OpenAI or Ollama protocol.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from agent_core.events import (
    BestSelected,
    FileWritten,
    RunFinished,
    StepFinished,
    TestInstructionWritten,
    Token,
)
from agent_core.store.records import RunStatus, StepKind
from tests.fakes.model_server import ScriptedModelServer, queue
from tests.support.agent import (
    CODER,
    CRITIC,
    FEEDBACK,
    CriticScript,
    FeedbackScript,
    GuiScript,
    VisionRouter,
    coder_reply,
    find_mark,
    make_agent,
    settings_for,
)
from tests.support.png import png_pixel, png_size
from tests.support.stock_site import APP_V1, APP_V2, INSTRUCTION, NAVY, SEARCH_BG
from tests.support.stock_site import stock_site as _site


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
    gui_model = GuiScript([
        lambda marks: f"Thought: enter a code.\nAction: Type [{find_mark(marks, 'AAPL')}]; aapl",
        lambda marks: f"Thought: search.\nAction: Click [{find_mark(marks, 'Search stocks')}]",
        lambda marks: "Thought: the report is offered.\nAction: ANSWER; "
        + ("YES, the report appeared" if "Download report for AAPL" in marks else "NO"),
    ])
    feedback = FeedbackScript(
        "Verify the white background and navy components; search for AAPL and get a report.",
        [{"test_passed": True, "improvement_suggestions": [], "grade": 5}],
    )
    scripts = {CODER: coder, CRITIC: VisionRouter(critic, gui_model), FEEDBACK: feedback}
    with ScriptedModelServer(scripts) as server:
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
    assert [s.gui_grade for s in steps] == [None, None, 5, 5]
    assert not any(s.has_error for s in steps)
    first, second, gui, _finish = steps

    # Step 1 installed and started the server; step 2 reused both (hot reload).
    assert first.runtime.install.ok and first.runtime.install.ran
    assert first.runtime.serve.restarted is True
    assert second.runtime.install.ran is False
    assert second.runtime.serve == replace(first.runtime.serve, restarted=False)
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
    # The GUI agent really drove the site: typing and clicking made the report appear.
    assert gui.gui.answer.startswith("YES")
    assert [t.status for t in gui.gui.turns] == ["done", "done", "done"]
    for turn in gui.gui.turns:
        assert png_size((agent.store.run_dir / turn.screenshot).read_bytes()) == (1024, 768)
    assert "testing succeeded" in gui.feedback.lower() or "finish" in gui.feedback
    test_instruction = agent.store.manifest.test_instruction
    assert test_instruction.startswith("Verify the white background and navy components")
    assert any(isinstance(e, TestInstructionWritten) for e in events)
    assert test_instruction in gui_script_prompts(gui_model)
    if provider == "ollama":
        assert coder_requests[0].num_ctx == 16384

    # The best step (valid, highest grades, latest) is back in the workspace.
    assert agent.store.manifest.best_step == 4
    assert "Search stocks" in (agent.store.workspace / "src/App.jsx").read_text()
    assert agent.store.manifest.status is RunStatus.FINISHED

    assert max(len(r.images) for r in gui_model.requests) <= 3
    kinds = [type(e) for e in events]
    assert kinds.count(StepFinished) == 4 and kinds[-2:] == [BestSelected, RunFinished]
    assert Token in kinds
    written = [e.path for e in events if isinstance(e, FileWritten)]
    assert "src/App.jsx" in written and "package.json" in written


def gui_script_prompts(gui: GuiScript) -> str:
    """Everything the GUI model was told, as one text."""
    return "\n".join(t for r in gui.requests for t in r.texts)
