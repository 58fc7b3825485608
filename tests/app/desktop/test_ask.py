"""Ask mode in the window: the answer streams into the chat, changes nothing, and stays."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from tests.fakes.model_server import Reply, ScriptedModelServer, queue
from tests.support.agent import CODER, settings_for
from tests.support.ask import ANSWER, QUESTION, files_but_log, run_to_ask_about
from tests.support.desktop import drive, make_desk, write_settings
from tests.support.qtasync import wait_until

pytestmark = pytest.mark.slow
SECOND = "What does the menu do?"
LONG = "The menu is built in src/App.jsx. " * 200
STOPPED = ("notice", "No complete answer: stopped before the answer was complete")


def test_answers_stream_in_change_nothing_and_are_in_the_chat_after_reopening(
        qapp, qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("WEBGEN_CONFIG_DIR", str(tmp_path / "config"))
    replies = queue(Reply(text=ANSWER, chunk_size=8, chunk_delay_s=0.03),
                    Reply(text=LONG, chunk_size=8, chunk_delay_s=0.05))
    seen: dict[str, object] = {}
    with ScriptedModelServer({CODER: replies}) as server:
        settings = settings_for(server, "ollama")
        write_settings(tmp_path / "config", settings)
        run_dir = tmp_path / "asked-run"
        run_to_ask_about(run_dir, settings)
        before = files_but_log(run_dir)
        live = make_desk(qtbot, tmp_path)

        async def ask_twice() -> None:
            w, controller = live.window, live.controller
            controller.open_flow.open_run(str(run_dir))
            await controller.ops.wait_idle()
            qtbot.mouseClick(w.chat.input.ask_toggle(), Qt.MouseButton.LeftButton)
            await live.send(qtbot, QUESTION)
            await wait_until(lambda: w.chat.transcript()[-1][0] == "answer"
                             and 0 < len(w.chat.transcript()[-1][1]) < len(ANSWER),
                             30, "part of the answer in the chat")
            assert w.run_status.phase_label.text() == "Answering your question"
            assert w.chat.input.input_mode() == "busy" and not w.start_action.isEnabled()
            await controller.ops.wait_idle()
            assert w.chat.transcript()[-2:] == [("question", QUESTION), ("answer", ANSWER)]
            chat_input = w.chat.input
            assert chat_input.input_mode() == "follow_up" and chat_input.ask_toggle().isChecked()
            assert w.run_status.phase_label.text() == "Finished"
            # A long answer, stopped halfway: what came stays, and the chat says why.
            await live.send(qtbot, SECOND)
            await wait_until(lambda: w.chat.transcript()[-2] == ("question", SECOND)
                             and len(w.chat.transcript()[-1][1]) > 40, 30, "the second answer")
            assert w.stop_action.isEnabled()
            w.stop_action.trigger()
            await controller.ops.wait_idle()
            assert w.chat.input.input_mode() == "follow_up" and w.start_action.isEnabled()
            seen["chat"] = w.chat.transcript()

        drive(qapp, live, ask_twice)
        assert [r.model for r in server.chat_requests] == [CODER, CODER]

    chat = seen["chat"]
    assert chat[-2][0] == "answer" and LONG.startswith(chat[-2][1]) and chat[-2][1] != LONG
    assert chat[-1] == STOPPED
    assert files_but_log(run_dir) == before  # no file, step or manifest changed
    again = make_desk(qtbot, tmp_path)

    async def reopen() -> None:
        again.controller.open_flow.open_run(str(run_dir))
        await again.controller.ops.wait_idle()
        assert again.window.chat.transcript() == chat
        assert again.window.run_status.phase_label.text() == "Finished"

    drive(qapp, again, reopen)
