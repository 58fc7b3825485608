"""What a new user met in the real window: stale status, notices left over, the wrong tab,
a run started against a server that is down. Each checked as the user sees it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from agent_core.config import RunConfig
from app.desktop.session import SessionStatus
from tests.fakes.model_server import ScriptedModelServer, queue
from tests.support.agent import (
    CODER,
    CRITIC,
    FAST_TIMEOUTS,
    coder_reply,
    graded,
    settings_for,
)
from tests.support.desktop import drive, make_desk, write_settings
from tests.support.net import closed_port_url
from tests.support.runs import StepSpec, build_run
from ui.main_window import TAB_CODE, TAB_RUNS

NO_GUI = RunConfig(gui_testing=False, timeouts=FAST_TIMEOUTS)
PAGE = {"index.html": "<!doctype html><title>Bakery</title><h1>Fresh bread</h1>"}


def static_steps(n: int) -> list[StepSpec]:
    """Steps of a static site (served without npm): step i changes page i."""
    return [StepSpec(appearance=3 + i % 2,
                     files={"index.html": "<h1>Bakery</h1>", f"page{i}.html": f"<p>{i}</p>"})
            for i in range(1, n + 1)]


def test_a_server_that_is_down_is_said_once_before_anything_starts(qapp, qtbot, tmp_path,
                                                                   monkeypatch):
    monkeypatch.setenv("WEBGEN_CONFIG_DIR", str(tmp_path / "config"))
    with ScriptedModelServer({}) as server:
        settings = settings_for(server, "openai")
        down = replace(settings, coder=replace(settings.coder, base_url=closed_port_url("/v1")))
        write_settings(tmp_path / "config", down)
        desk = make_desk(qtbot, tmp_path, NO_GUI)

        async def scenario() -> None:
            await desk.send(qtbot, "A bakery page.")
            await desk.controller.ops.wait_idle()
            text = desk.window.notices.text()
            assert text.startswith("The run was not started: the coder model server does not "
                                   "answer (cannot reach the OpenAI-compatible server at "
                                   "http://127.0.0.1:")
            assert "Start the server or change it in Models…" in text
            assert text.count("coder") == 1 and "critic" not in text  # the critic's answers
            # Nothing else speaks of it: no chat entry, no card, no run folder; text kept.
            assert desk.window.chat.transcript() == []
            assert desk.window.timeline.indices() == []
            assert not desk.runs_dir.exists() or not any(desk.runs_dir.iterdir())
            assert desk.window.chat.input.instruction_edit().toPlainText() == "A bakery page."
            assert desk.controller.session is None

        drive(qapp, desk, scenario)
        assert not [r for r in server.chat_requests]  # no model was asked to do anything


@pytest.mark.slow
def test_the_runs_tab_lists_a_new_run_and_new_run_clears_the_status_bar(qapp, qtbot, tmp_path,
                                                                        monkeypatch):
    monkeypatch.setenv("WEBGEN_CONFIG_DIR", str(tmp_path / "config"))
    scripts = {CODER: queue(coder_reply(PAGE), coder_reply(signal="finish")),
               CRITIC: graded(4, 4)}
    with ScriptedModelServer(scripts) as server:
        write_settings(tmp_path / "config", settings_for(server, "ollama"))
        desk = make_desk(qtbot, tmp_path, NO_GUI)
        status = desk.window.run_status

        async def scenario() -> None:
            desk.window.tabs.setCurrentIndex(TAB_RUNS)  # the Runs tab has been looked at
            await desk.controller.ops.wait_idle()
            assert desk.window.runs.visible_rows() == []
            await desk.send(qtbot, "A bakery page.")
            await desk.wait_status(SessionStatus.FINISHED)
            await desk.controller.ops.wait_idle()
            run_dir = desk.controller.session.store.run_dir
            assert [Path(p).name for p in desk.window.runs.visible_rows()] == [run_dir.name]
            assert status.tokens_label.text() != "Tokens in 0 · out 0"
            assert status.phase_label.text() == "Finished"
            assert status.elapsed_label.text().startswith("Elapsed")
            desk.window.new_action.trigger()
            await desk.controller.ops.wait_idle()
            assert status.tokens_label.text() == "Tokens in 0 · out 0"
            assert (status.phase_label.text(), status.step_label.text(),
                    status.elapsed_label.text()) == ("Idle", "", "")
            assert desk.window.chat.transcript() == [] and desk.window.timeline.indices() == []

        drive(qapp, desk, scenario)


def test_reopening_shows_the_opened_runs_status_not_the_last_ones(qapp, qtbot, tmp_path,
                                                                   monkeypatch):
    from agent_core.store.records import RunStatus

    monkeypatch.setenv("WEBGEN_CONFIG_DIR", str(tmp_path / "config"))
    failed = build_run(tmp_path / "failed", static_steps(1), status=RunStatus.FAILED)
    failed.update_manifest(end_reason="the coder's server went away")
    done = build_run(tmp_path / "done", static_steps(2), best=2)
    desk = make_desk(qtbot, tmp_path, NO_GUI)
    status = desk.window.run_status

    async def scenario() -> None:
        desk.controller.open_flow.open_run(str(failed.run_dir))
        await desk.controller.ops.wait_idle()
        assert status.phase_label.text() == "Failed"
        assert desk.window.chat.transcript()[-1] == (
            "notice", "The run stopped on an error: the coder's server went away")
        desk.controller.open_flow.open_run(str(done.run_dir))
        await desk.controller.ops.wait_idle()
        assert (status.phase_label.text(), status.step_label.text()) == ("Finished", "")
        assert desk.window.timeline.indices() == [1, 2]
        assert not any("went away" in text for _r, text in desk.window.chat.transcript())

    drive(qapp, desk, scenario)


def test_restore_takes_down_the_pick_best_note_and_welcome_clears_notices(qapp, qtbot, tmp_path,
                                                                          monkeypatch):
    monkeypatch.setenv("WEBGEN_CONFIG_DIR", str(tmp_path / "config"))
    store = build_run(tmp_path / "run", static_steps(3))
    desk = make_desk(qtbot, tmp_path, NO_GUI)
    notices = desk.window.notices

    async def scenario() -> None:
        desk.controller.open_flow.open_run(str(store.run_dir))
        await desk.controller.ops.wait_idle()
        desk.window.best_action.trigger()
        await desk.controller.ops.wait_idle()
        best = desk.controller.session.store.manifest.best_step
        assert best is not None and f"Step {best}" in notices.text()
        card = desk.window.timeline.card(best)
        assert card.best_marker.isVisibleTo(card)
        desk.controller.steps.restore(1)
        await desk.controller.ops.wait_idle()
        assert f"Step {best}" not in notices.text()  # the note about the best step is gone
        assert desk.window.chat.transcript()[-1] == (
            "notice", "Step 1 is the current step again; the next run continues from it.")
        desk.controller.notifier.notify("Something about the open run.", "warning")
        desk.window.welcome_action.trigger()
        assert desk.window.welcome_shown() and not notices.isVisible()

    drive(qapp, desk, scenario)


def test_a_card_clicked_from_the_code_tab_shows_that_steps_changed_file(qapp, qtbot, tmp_path,
                                                                         monkeypatch):
    monkeypatch.setenv("WEBGEN_CONFIG_DIR", str(tmp_path / "config"))
    store = build_run(tmp_path / "run", static_steps(3))
    desk = make_desk(qtbot, tmp_path, NO_GUI)
    code = desk.window.code

    async def scenario() -> None:
        desk.controller.open_flow.open_run(str(store.run_dir))
        await desk.controller.ops.wait_idle()
        assert code.selected_path() == "page3.html"  # the head's change, not nothing
        desk.window.tabs.setCurrentIndex(TAB_CODE)
        desk.window.timeline.stepSelected.emit(2)
        await desk.controller.ops.wait_idle()
        assert desk.window.tabs.currentIndex() == TAB_CODE  # the user stays where they were
        assert code.selected_path() == "page2.html"
        assert "<p>2</p>" in code.viewer_text()

    drive(qapp, desk, scenario)


def test_a_run_with_a_damaged_step_record_opens_with_the_rest_and_says_so(qapp, qtbot, tmp_path,
                                                                         monkeypatch):
    monkeypatch.setenv("WEBGEN_CONFIG_DIR", str(tmp_path / "config"))
    store = build_run(tmp_path / "run", static_steps(3))
    (store.run_dir / "steps" / "000002.json").write_text("{")
    desk = make_desk(qtbot, tmp_path, NO_GUI)

    async def scenario() -> None:
        desk.controller.open_flow.open_run(str(store.run_dir))
        await desk.controller.ops.wait_idle()
        assert desk.window.timeline.indices() == [1, 3]
        text = desk.window.notices.text()
        assert text.startswith("1 step record(s) of run could not be read and are left out "
                               "(steps/000002.json cannot be read")
        assert f"`webgen doctor {store.run_dir}` checks the whole run folder." in text

    drive(qapp, desk, scenario)
