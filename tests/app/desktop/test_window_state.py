"""Stop, layout memory, recent runs and reopening: what a returning user relies on."""

from __future__ import annotations

import pytest

from agent_core.config import RunConfig
from agent_core.store.records import RunStatus, StepKind
from app.desktop.session import SessionStatus
from tests.fakes.model_server import Reply, ScriptedModelServer, queue
from tests.support.agent import (
    CODER,
    CRITIC,
    FAST_TIMEOUTS,
    CriticScript,
    coder_reply,
    settings_for,
)
from tests.support.desktop import drive, make_desk, write_settings
from tests.support.procs import started_processes
from tests.support.qtasync import wait_until
from tests.support.runs import StepSpec, build_run

PAGE = {"index.html": "<!doctype html><title>Bakery</title><h1>Fresh bread</h1>"}
NO_GUI = RunConfig(gui_testing=False, timeouts=FAST_TIMEOUTS)


@pytest.mark.slow
def test_stop_cancels_at_once_kills_the_processes_and_continue_goes_on(qapp, qtbot, tmp_path,
                                                                      monkeypatch):
    monkeypatch.setenv("WEBGEN_CONFIG_DIR", str(tmp_path / "config"))
    slow = Reply(text=coder_reply({"index.html": "<h1>two</h1>"}), chunk_size=2,
                 chunk_delay_s=0.05)
    critic = CriticScript([(CriticScript.check("a page"), CriticScript.grade(4))] * 3)
    scripts = {CODER: queue(coder_reply(PAGE), slow), CRITIC: critic}
    with ScriptedModelServer(scripts) as server:
        write_settings(tmp_path / "config", settings_for(server, "openai"))
        desk = make_desk(qtbot, tmp_path, NO_GUI)

        async def scenario() -> None:
            await desk.send(qtbot, "A bakery page.")
            await wait_until(lambda: desk.window.chat.reply_widget(2) is not None
                             and desk.window.chat.reply_widget(2).text(), 60, "step 2 streaming")
            session = desk.controller.session
            assert desk.window.stop_action.isEnabled()
            desk.window.stop_action.trigger()
            await desk.wait_status(SessionStatus.IDLE, timeout_s=10)
            await desk.controller.ops.wait_idle()
            # "At once": the reply streaming when Stop was pressed was cut, not waited for.
            shown = desk.window.chat.reply_widget(2).text()
            assert len(shown) < len(slow.text)
            assert not started_processes()
            assert session.store.manifest.status is RunStatus.CANCELLED
            assert [s.index for s in session.store.steps()] == [1]
            assert desk.window.timeline.card(2).is_abandoned()
            assert desk.window.preview.showing_placeholder()
            assert desk.window.start_action.isEnabled()
            assert desk.window.start_action.text() == "▶ Continue"
            server.set_script(CODER, queue(coder_reply(signal="finish")))
            desk.window.start_action.trigger()
            await desk.wait_status(SessionStatus.FINISHED)
            assert [s.kind for s in session.store.steps()] == [StepKind.EDIT, StepKind.FINISH]

        drive(qapp, desk, scenario)


def test_splitters_and_recent_runs_are_remembered_and_a_run_reopens_whole(qapp, qtbot, tmp_path,
                                                                          monkeypatch):
    monkeypatch.setenv("WEBGEN_CONFIG_DIR", str(tmp_path / "config"))
    store = build_run(tmp_path / "bakery", [StepSpec(), StepSpec(appearance=2,
                      errors=["appearance grade 2/5"]), StepSpec(kind=StepKind.GUI_TEST, gui=5)],
                      best=3)
    store.unlock()
    first = make_desk(qtbot, tmp_path)
    saved = {}

    async def use_it() -> None:
        saved["default"] = first.window.top_split.sizes()
        first.window.top_split.setSizes([1000, 1])  # as wide as the work area lets the chat be
        saved["sizes"] = first.window.top_split.sizes()  # fitted to the window's real width
        first.controller.open_flow.open_run(str(store.run_dir))
        await first.controller.ops.wait_idle()
        assert first.window.windowTitle() == "WebGen Studio — bakery"
        assert first.window.timeline.indices() == [1, 2, 3]
        assert first.window.timeline.card(2).error_badge.isVisible()
        assert first.window.timeline.card(3).best_marker.isVisible()
        transcript = [role for role, _text in first.window.chat.transcript()]
        assert transcript[0] == "user" and transcript.count("coder") == 3
        assert first.window.code.tree_paths() == ["index.html", "package.json", "src/App.jsx"]

    drive(qapp, first, use_it)
    again = make_desk(qtbot, tmp_path)
    chosen, default = (saved[k][0] / sum(saved[k]) for k in ("sizes", "default"))
    assert chosen > default + 0.05  # wider than the window's own choice
    # Qt scales splitters with the window; what is kept is the proportion the user chose.
    sizes = again.window.top_split.sizes()
    assert sizes[0] / sum(sizes) == pytest.approx(saved["sizes"][0] / sum(saved["sizes"]),
                                                  abs=0.02)
    assert again.controller.recent.paths() == [str(store.run_dir)]
    recent = [a.text() for a in again.window.recent_menu.actions()]
    assert recent == ["bakery"]
    drive(qapp, again, _nothing)


async def _nothing() -> None:
    return None
