"""Editing the current step in the Code tab: Ctrl+S makes a graded ``user_edit`` step."""

from __future__ import annotations

import asyncio

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QLabel, QPlainTextEdit

from agent_core.config import RunConfig
from agent_core.store.records import StepKind
from app.cli import main
from app.desktop.session import SessionStatus
from tests.fakes.model_server import ScriptedModelServer, queue
from tests.support.agent import CODER, CRITIC, FAST_TIMEOUTS, coder_reply, graded, settings_for
from tests.support.desktop import drive, make_desk, wait_for_page, write_settings
from tests.support.qtasync import wait_until
from ui.main_window import TAB_CODE

pytestmark = pytest.mark.slow
PAGE = "<!doctype html><title>Bakery</title><h1>Fresh bread</h1>\n"
NO_GUI = RunConfig(gui_testing=False, timeouts=FAST_TIMEOUTS)


def kind_labels(window) -> dict[int, str]:
    timeline = window.timeline
    return {i: timeline.card(i).kind_label.text() for i in timeline.indices()}


async def edit_and_save(qtbot, window, path: str, typed: str) -> None:
    """Open ``path`` in the Code tab, type at its end and press Ctrl+S, as a user does."""
    window.tabs.setCurrentIndex(TAB_CODE)
    code = window.code
    await wait_until(lambda: path in code.tree_paths(), 10, f"{path} in the Code tab")
    code.select_file(path)
    viewer = code.findChild(QPlainTextEdit, "codeViewer")
    await wait_until(lambda: not viewer.isReadOnly(), 10, "the code view to be editable")
    window.activateWindow()
    viewer.setFocus()
    viewer.moveCursor(QTextCursor.MoveOperation.End)
    qtbot.keyClicks(viewer, typed)
    assert code.findChild(QLabel, "editStatus").text().startswith(f"Unsaved changes in {path}")
    qtbot.keyClick(viewer, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    await asyncio.sleep(0)


def test_a_saved_edit_is_a_graded_step_the_coder_sees_and_a_reopened_run_shows(
        qapp, qtbot, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("WEBGEN_CONFIG_DIR", str(tmp_path / "config"))
    scripts = {CODER: queue(coder_reply({"index.html": PAGE}), coder_reply(signal="finish"),
                            coder_reply(signal="finish")),
               CRITIC: graded(4, 5)}
    seen: dict[str, object] = {}
    with ScriptedModelServer(scripts) as server:
        write_settings(tmp_path / "config", settings_for(server, "ollama"))
        live = make_desk(qtbot, tmp_path, NO_GUI)

        async def scenario() -> None:
            w, controller = live.window, live.controller
            await live.send(qtbot, "A bakery page.")
            await live.wait_status(SessionStatus.FINISHED)
            await controller.ops.wait_idle()
            store = controller.session.store
            assert store.head == 2

            await edit_and_save(qtbot, w, "index.html", "<p>Cakes on Sundays</p>")
            await wait_until(lambda: store.head == 3 and not controller.user_edits.saving, 60,
                             "the edit to become step 3")
            await controller.ops.wait_idle()
            edit = store.step(3)
            assert edit.kind is StepKind.USER_EDIT and edit.parent == 2
            assert edit.appearance_grade == 5
            assert (store.workspace / "index.html").read_text() == PAGE + "<p>Cakes on Sundays</p>"
            assert kind_labels(w)[3] == "Your edit"
            assert ("user", "Your edit of index.html") in w.chat.transcript()
            assert w.code.editor.unsaved_paths() == []
            await wait_for_page(w, "Cakes on Sundays")  # the preview shows the edit

            await live.send(qtbot, "Add a price list.")
            await live.wait_status(SessionStatus.FINISHED)
            await controller.ops.wait_idle()
            asked = [r for r in server.chat_requests if r.model == CODER][-1]
            assert "+<p>Cakes on Sundays</p>" in asked.messages[-1]["content"]

            controller.steps.restore(2)
            await controller.ops.wait_idle()
            assert (store.workspace / "index.html").read_text() == PAGE
            seen["run_dir"] = store.run_dir
            seen["cards"] = kind_labels(w)

        drive(qapp, live, scenario)

    again = make_desk(qtbot, tmp_path, NO_GUI)

    async def reopen() -> None:
        again.controller.open_flow.open_run(str(seen["run_dir"]))
        await again.controller.ops.wait_idle()
        assert kind_labels(again.window) == seen["cards"]
        assert ("user", "Your edit of index.html") in again.window.chat.transcript()

    drive(qapp, again, reopen)
    assert seen["cards"] == {1: "Edit", 2: "Finish", 3: "Your edit", 4: "Finish"}
    capsys.readouterr()
    assert main(["show", str(seen["run_dir"])]) == 0
    shown = capsys.readouterr().out
    assert "   3  user_edit       2" in shown
