"""Failures reach the user where they look, with what to do, and lose nothing."""

from __future__ import annotations

import json

import pytest

from agent_core.config import RunConfig
from agent_core.runtime._procinfo import process_alive
from agent_core.store.records import RunStatus
from agent_core.store.run_store import RunStore
from app.desktop.session import SessionStatus
from tests.fakes.model_server import Reply, ScriptedModelServer, queue
from tests.support.agent import (
    CODER,
    CRITIC,
    FAST_TIMEOUTS,
    coder_reply,
    graded,
    settings_for,
)
from tests.support.desktop import drive, make_desk, write_settings
from tests.support.net import free_port
from tests.support.procs import started_processes
from tests.support.qtasync import wait_until
from ui.main_window import TAB_STEP

pytestmark = pytest.mark.slow
INSTRUCTION = "A one-page site for a bakery with a cream background."
PAGE = {"index.html": "<!doctype html><title>Bakery</title><h1>Fresh bread</h1>"}
NO_GUI = RunConfig(gui_testing=False, timeouts=FAST_TIMEOUTS)



def test_a_model_server_that_is_down_is_named_before_the_run_and_start_goes_on(
        qapp, qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("WEBGEN_CONFIG_DIR", str(tmp_path / "config"))
    port = free_port()
    server = ScriptedModelServer({CODER: queue(coder_reply(PAGE), coder_reply(signal="finish")),
                                  CRITIC: graded(4)}, port=port)
    with server:  # only to learn its URLs; it is down while the run starts
        write_settings(tmp_path / "config", settings_for(server, "openai"))
    desk = make_desk(qtbot, tmp_path, NO_GUI)

    async def scenario() -> None:
        await desk.send(qtbot, INSTRUCTION)
        await desk.controller.ops.wait_idle()
        notices = desk.window.notices
        assert notices.level() == "error"
        assert notices.text() == (
            "The run was not started: the coder, critic and feedback model server does not "
            f"answer (cannot reach the OpenAI-compatible server at http://127.0.0.1:{port}/v1: "
            "connection refused; is the server running and listening on that port). Start the "
            "server or change it in Models…, then press Start again.")
        assert notices.action_labels() == ["Models…"]
        assert desk.controller.session is None  # nothing was created, nothing to clean up
        # The user starts the server and presses Start: the instruction is still in the box.
        with server:
            assert desk.window.chat.input.instruction_edit().toPlainText() == INSTRUCTION
            desk.window.start_action.trigger()
            await desk.wait_status(SessionStatus.FINISHED, timeout_s=60)
            store = desk.controller.session.store
        assert [s.index for s in store.steps()] == [1, 2]
        assert store.manifest.instruction == INSTRUCTION
        assert desk.window.timeline.indices() == [1, 2]

    drive(qapp, desk, scenario)


def test_closing_the_window_mid_step_stops_everything_and_the_run_resumes(qapp, qtbot,
                                                                         tmp_path, monkeypatch):
    monkeypatch.setenv("WEBGEN_CONFIG_DIR", str(tmp_path / "config"))
    slow = Reply(text=coder_reply({"index.html": "<h1>second</h1>"}), chunk_size=3,
                 chunk_delay_s=0.05)
    scripts = {CODER: queue(coder_reply(PAGE), slow), CRITIC: graded(4, 4)}
    with ScriptedModelServer(scripts) as server:
        write_settings(tmp_path / "config", settings_for(server, "ollama"))
        desk = make_desk(qtbot, tmp_path, NO_GUI)
        holder = {}

        async def scenario() -> None:
            await desk.send(qtbot, INSTRUCTION)
            await wait_until(lambda: desk.controller.session is not None
                             and desk.window.chat.reply_widget(2) is not None, 60, "step 2")
            holder["run_dir"] = desk.controller.session.store.run_dir
            assert desk.controller.session.services.server.alive  # the site is served
            running = started_processes()  # the site's server, Chromium, the reaper helper
            await desk.close()
            # By pid too: a process reparented to init would no longer be a descendant.
            await wait_until(lambda: not started_processes()
                             and not any(process_alive(pid) for pid in running),
                             15, "processes to exit")

        drive(qapp, desk, scenario)
        store = RunStore.open(holder["run_dir"])
        assert store.manifest.status is RunStatus.CANCELLED
        assert [s.index for s in store.steps()] == [1]

        # Reopened in a new window, the run continues from step 1.
        server.set_script(CODER, queue(coder_reply(PAGE), coder_reply(signal="finish")))
        again = make_desk(qtbot, tmp_path, NO_GUI)

        async def resume() -> None:
            again.controller.open_flow.open_run(str(holder["run_dir"]))
            await again.controller.ops.wait_idle()
            # As it was live: step 1 committed, step 2 greyed as stopped, the stop said.
            assert again.window.timeline.indices() == [1, 2]
            assert again.window.timeline.card(2).is_abandoned()
            assert ("notice", "Stopped. Continue picks up from the current step."
                    ) in again.window.chat.transcript()
            assert again.window.start_action.text() == "▶ Continue"
            again.window.start_action.trigger()
            await again.wait_status(SessionStatus.FINISHED)

        drive(qapp, again, resume)
    steps = RunStore.open(holder["run_dir"]).steps()
    assert [s.parent for s in steps] == [None, 1, 2]


def test_missing_node_and_chromium_are_explained_before_anything_starts(qapp, qtbot, tmp_path,
                                                                        monkeypatch):
    monkeypatch.setenv("WEBGEN_CONFIG_DIR", str(tmp_path / "config"))
    with ScriptedModelServer({}) as server:
        write_settings(tmp_path / "config", settings_for(server, "openai"))
    desk = make_desk(qtbot, tmp_path, NO_GUI)
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()

    async def scenario() -> None:
        monkeypatch.setenv("PATH", str(empty_bin))
        await desk.send(qtbot, INSTRUCTION)
        text = desk.window.notices.text()
        assert "Node.js and npm were not found" in text and "nodejs.org" in text
        # The instruction is not lost: it is back in the box for the next try.
        assert desk.window.chat.input.instruction_edit().toPlainText() == INSTRUCTION
        monkeypatch.undo()
        monkeypatch.setenv("WEBGEN_CONFIG_DIR", str(tmp_path / "config"))
        monkeypatch.setenv("WEBGEN_CHROMIUM", str(tmp_path / "no-such-chromium"))
        desk.window.start_action.trigger()
        assert "no-such-chromium" in desk.window.notices.text()
        assert desk.window.notices.level() == "error"
        assert not (tmp_path / "runs").exists()  # nothing was started
        assert desk.window.chat.input.instruction_edit().toPlainText() == INSTRUCTION

    drive(qapp, desk, scenario)


def test_a_failed_install_is_shown_with_its_output(qapp, qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("WEBGEN_CONFIG_DIR", str(tmp_path / "config"))
    package = {"name": "bakery", "scripts": {"dev": "vite"},
               "dependencies": {"left-pad-not-in-the-cache": "9.9.9"}}
    files = {**PAGE, "package.json": json.dumps(package)}
    scripts = {CODER: queue(coder_reply(files, shell=["npm install"])), CRITIC: graded(4)}
    with ScriptedModelServer(scripts) as server:
        write_settings(tmp_path / "config", settings_for(server, "openai"))
        desk = make_desk(qtbot, tmp_path, RunConfig(max_steps=1, gui_testing=False,
                                                    timeouts=FAST_TIMEOUTS))

        async def scenario() -> None:
            await desk.send(qtbot, INSTRUCTION)
            await wait_until(lambda: "dependency installation failed"
                             in desk.window.notices.text(), 90, "the install notice")
            notices = desk.window.notices
            assert notices.level() == "warning" and "Step 1" in notices.text()
            assert "Show step" in notices.action_labels()
            notices.trigger("Show step")
            await desk.controller.ops.wait_idle()
            assert desk.window.tabs.currentIndex() == TAB_STEP
            assert "left-pad-not-in-the-cache" in desk.window.detail.log_text()
            assert desk.window.timeline.card(1).error_badge.isVisible()
            await desk.wait_status(SessionStatus.FINISHED)

        drive(qapp, desk, scenario)


def test_a_run_without_a_sandbox_says_so_in_the_window(qapp, qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("WEBGEN_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("WEBGEN_BWRAP", "")  # as on a machine without bubblewrap
    scripts = {CODER: queue(coder_reply(PAGE), coder_reply(signal="finish")), CRITIC: graded(4)}
    with ScriptedModelServer(scripts) as server:
        write_settings(tmp_path / "config", settings_for(server, "openai"))
        desk = make_desk(qtbot, tmp_path, NO_GUI)

        async def scenario() -> None:
            await desk.send(qtbot, INSTRUCTION)
            await wait_until(lambda: "UNCONFINED" in desk.window.notices.text(), 60,
                             "the sandbox warning")
            notices = desk.window.notices
            assert notices.level() == "warning"
            assert "Model-written code runs UNCONFINED: bubblewrap (bwrap) is not installed" \
                in notices.text()
            await desk.wait_status(SessionStatus.FINISHED, timeout_s=60)
            assert any(kind == "notice" and "UNCONFINED" in text
                       for kind, text in desk.window.chat.transcript())
            step = desk.controller.session.store.steps()[0]
            assert step.runtime.sandbox is not None and step.runtime.sandbox.confined is False

        drive(qapp, desk, scenario)


def test_a_coder_that_only_chats_ends_with_what_to_try(qapp, qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("WEBGEN_CONFIG_DIR", str(tmp_path / "config"))
    prose = "A bakery site should feel warm. I suggest React with a hero image."
    scripts = {CODER: queue(prose, prose, prose), CRITIC: graded()}
    with ScriptedModelServer(scripts) as server:
        write_settings(tmp_path / "config", settings_for(server, "openai", reply_format="text"))
        desk = make_desk(qtbot, tmp_path, NO_GUI)

        async def scenario() -> None:
            await desk.send(qtbot, INSTRUCTION)
            await desk.wait_status(SessionStatus.FINISHED, timeout_s=60)
            notices = desk.window.notices
            assert notices.level() == "warning"
            assert "sent 3 replies in a row without a single action" in notices.text()
            assert "--coder-reply-format structured" in notices.text()
            assert any(kind == "notice" and "without a single action" in text
                       for kind, text in desk.window.chat.transcript())
            assert desk.controller.session.store.manifest.end_reason == (
                "model_not_following_format")
            timeline = desk.window.timeline
            assert timeline.end_note() == "Ended: the coder did not follow the reply format"

        drive(qapp, desk, scenario)
