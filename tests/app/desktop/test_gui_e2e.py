"""The main window driven like a user would, over a real run.

A scripted model server speaks the OpenAI protocol on loopback; npm, Vite, Chromium (for the
agent's screenshots and GUI test) and Qt WebEngine (the preview) are real.
"""

from __future__ import annotations

import asyncio

import pytest
from PySide6.QtCore import Qt

from agent_core.store.records import StepKind
from app.desktop.controller import MainController
from app.desktop.session import SessionStatus
from tests.fakes.model_server import ScriptedModelServer
from tests.support.agent import (
    CODER,
    settings_for,
)
from tests.support.desktop import drive, make_desk, wait_for_page, write_settings
from tests.support.procs import started_processes
from tests.support.qtasync import wait_until
from tests.support.stock_scenario import scripts
from tests.support.stock_site import APP_V1, INSTRUCTION
from ui.main_window import MainWindow

pytestmark = pytest.mark.slow


def test_a_user_builds_restores_picks_best_and_follows_up(qapp, qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("WEBGEN_CONFIG_DIR", str(tmp_path / "config"))
    with ScriptedModelServer(scripts()) as server:
        write_settings(tmp_path / "config",
                       settings_for(server, "openai", context_length=16384))
        desk = make_desk(qtbot, tmp_path)
        drive(qapp, desk, lambda: scenario(qtbot, desk.window, desk.controller))
        coder_prompts = [r for r in server.chat_requests if r.model == CODER]
    # The follow-up reached the coder after the finished run's conversation.
    assert "New request from the user:\nAdd a footer" in coder_prompts[4].last_user_text


async def scenario(qtbot, window: MainWindow, controller: MainController) -> None:
    # The user types the instruction and sends it with Ctrl+Enter.
    box = window.chat.input.instruction_edit()
    qtbot.keyClicks(box, INSTRUCTION)
    qtbot.keyClick(box, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    await wait_until(lambda: controller.session is not None and controller.session.running,
                     30, "the run to start")
    assert window.windowTitle().startswith("WebGen Studio — ")
    assert not window.start_action.isEnabled() and window.stop_action.isEnabled()
    session = controller.session
    await wait_until(lambda: session.status is SessionStatus.FINISHED, 180, "the run to end")
    store = session.store

    # Four cards with the grades the models gave; the finish step is the best and current.
    timeline = window.timeline
    assert timeline.indices() == [1, 2, 3, 4]
    looks = [timeline.card(i).appearance_label.text() for i in (1, 2, 3, 4)]
    assert looks == ["Look 3/5", "Look 4/5", "Look 4/5", "Look 4/5"]
    assert timeline.card(3).gui_label.text() == "GUI 5/5"
    assert timeline.card(3).kind_label.text() == "GUI test"
    assert timeline.card(4).best_marker.isVisible() and timeline.card(4).head_marker.isVisible()
    await wait_until(lambda: timeline.card(1).thumbnail.pixmap() is not None
                     and not timeline.card(1).thumbnail.pixmap().isNull(), 10, "thumbnails")
    transcript = " ".join(text for _role, text in window.chat.transcript())
    assert "wrote src/App.jsx" in transcript and "<boltAction" not in transcript
    # The dev server outlives the run: the preview shows the finished site.
    url = store.step(2).runtime.serve.url
    assert window.preview.current_url() == url
    await wait_for_page(window, "Search stocks")
    assert "Tokens in" in window.run_status.tokens_label.text()

    # The user selects step 1 on the timeline and restores it.
    qtbot.mouseClick(timeline.card(1), Qt.MouseButton.LeftButton)
    await controller.ops.wait_idle()
    assert "Step 1 · Edit" in window.detail.title_text()
    window.restore_action.trigger()
    await controller.ops.wait_idle()
    assert store.head == 1
    assert (store.workspace / "src/App.jsx").read_text() == APP_V1
    window.code.select_file("src/App.jsx")
    assert "Search stocks" not in window.code.viewer_text()
    assert window.preview.current_url() == url  # same server, files hot-reloaded
    await wait_for_page(window, "Stock Reports", absent="Search stocks")
    assert timeline.card(1).head_marker.isVisible()

    # Pick best goes back to the finish step and says why.
    window.best_action.trigger()
    await controller.ops.wait_idle()
    assert store.head == 4
    assert window.notices.text().startswith("Step 4: ")
    assert "GUI grade 5" in window.notices.text()
    assert "Search stocks" in (store.workspace / "src/App.jsx").read_text()
    await wait_for_page(window, "Search stocks")

    # A follow-up instruction continues the same project from the current step.
    qtbot.keyClicks(box, "Add a footer saying the data is delayed.")
    qtbot.keyClick(box, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    await wait_until(lambda: session.status is SessionStatus.RUNNING, 10, "the follow-up run")
    await wait_until(lambda: session.status is SessionStatus.FINISHED, 120, "the follow-up")
    follow = store.step(5)
    assert follow.parent == 4 and follow.request.startswith("Add a footer")
    assert follow.kind is StepKind.EDIT and timeline.indices() == [1, 2, 3, 4, 5, 6]
    # Only steps answering the new request compete for best: the footer stays.
    assert store.manifest.best_step == 6 and timeline.card(6).best_marker.isVisible()
    await wait_for_page(window, "Data delayed 15 min")

    # Closing the window stops everything it started.
    vite_pid = session.services.server.pid
    assert vite_pid is not None
    window.close()
    await asyncio.wait_for(controller.closed.wait(), 30)
    await wait_until(lambda: not started_processes(), 15, "child processes to exit")
