"""Starting a run in the window from a template (File > New) or a folder (welcome page)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialogButtonBox

from agent_core.config import RunConfig
from app.desktop.session import SessionStatus
from tests.fakes.model_server import ScriptedModelServer, queue
from tests.support.agent import CODER, CRITIC, FAST_TIMEOUTS, coder_reply, graded, settings_for
from tests.support.desktop import drive, make_desk, write_settings
from tests.support.qtasync import wait_until

NO_GUI = RunConfig(gui_testing=False, timeouts=FAST_TIMEOUTS)


@pytest.mark.slow
def test_file_new_starts_the_next_run_from_a_template(qapp, qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("WEBGEN_CONFIG_DIR", str(tmp_path / "config"))
    page = "<!doctype html><link rel=stylesheet href=style.css><h1>Rye &amp; Co</h1>"
    scripts = {CODER: queue(coder_reply({"index.html": page}), coder_reply(signal="finish")),
               CRITIC: graded(4, 4)}
    with ScriptedModelServer(scripts) as server:
        write_settings(tmp_path / "config", settings_for(server, "openai"))
        desk = make_desk(qtbot, tmp_path, NO_GUI)
        flow = desk.controller.starts

        async def scenario() -> None:
            await desk.controller.ops.wait_idle()  # the templates are listed
            desk.window.new_action.trigger()
            await wait_until(lambda: flow.dialog is not None and flow.dialog.isVisible(), 5,
                             "the New run dialog")
            dialog = flow.dialog
            combo = dialog.picker.combo
            combo.setCurrentIndex(combo.findText("Template: Plain HTML"))
            dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
            assert flow.dialog is None
            assert desk.notices.text().startswith("The next run starts from the Plain HTML "
                                                  "template.")
            await desk.send(qtbot, "A bakery page.")
            await desk.wait_status(SessionStatus.FINISHED)
            await desk.controller.ops.wait_idle()
            workspace = desk.controller.session.store.workspace
            assert sorted(p.name for p in workspace.iterdir()) == ["index.html", "script.js",
                                                                   "style.css"]
            first = desk.controller.session.store.steps()[0]
            assert first.files_changed == ["index.html"]
            assert flow.choice.kind == "empty"  # the choice was for one run

        drive(qapp, desk, scenario)
        prompt = next(r for r in server.chat_requests if r.model == CODER).texts[1]
        assert "Starting files:" in prompt and "--- style.css ---" in prompt


def test_a_folder_too_big_from_the_welcome_page_is_refused_and_the_text_kept(
        qapp, qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("WEBGEN_CONFIG_DIR", str(tmp_path / "config"))
    project = tmp_path / "archive"
    project.mkdir()
    (project / "video.bin").write_bytes(b"")
    for n in range(2_001):
        (project / f"{n}.txt").write_text("x")
    with ScriptedModelServer({}) as server:
        write_settings(tmp_path / "config", settings_for(server, "openai"))
        desk = make_desk(qtbot, tmp_path, NO_GUI)

        async def scenario() -> None:
            await desk.controller.ops.wait_idle()
            welcome = desk.window.welcome
            welcome.start_picker.set_choice("folder", str(project))
            welcome.start_button.click()
            assert "The next run starts from the folder archive." in desk.notices.text()
            await desk.send(qtbot, "A bakery page.")
            await desk.controller.ops.wait_idle()
            assert "too big to start a run from" in desk.notices.text()
            assert desk.controller.session is None
            assert not desk.runs_dir.exists() or not any(desk.runs_dir.iterdir())
            assert desk.window.chat.input.instruction_edit().toPlainText() == "A bakery page."
            assert Path(desk.controller.starts.choice.name) == project.resolve()

        drive(qapp, desk, scenario)
        assert not server.chat_requests
