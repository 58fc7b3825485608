"""A finished run, reopened, shows what it showed live: chat, notices, cards and markers."""

from __future__ import annotations

import pytest

from agent_core.config import RunConfig
from app.desktop.session import SessionStatus
from tests.fakes.model_server import ScriptedModelServer, queue
from tests.support.agent import CODER, CRITIC, FAST_TIMEOUTS, coder_reply, graded, settings_for
from tests.support.desktop import drive, make_desk, write_settings
from tests.support.qtasync import wait_until

pytestmark = pytest.mark.slow
PAGE = {"index.html": "<!doctype html><title>Bakery</title><h1>Fresh bread</h1>",
        "../outside.txt": "escaping the project"}
NO_GUI = RunConfig(gui_testing=False, timeouts=FAST_TIMEOUTS)


def cards(window) -> list[tuple]:
    timeline = window.timeline
    seen = []
    for index in timeline.indices():
        card = timeline.card(index)
        look = card.appearance_label.text() if card.step is not None else ""
        seen.append((index, card.kind_label.text(), look, card.is_abandoned(),
                     card.head_marker.isVisibleTo(card), card.best_marker.isVisibleTo(card)))
    return seen


def test_a_reopened_run_shows_the_same_chat_notices_and_cards_as_live(qapp, qtbot, tmp_path,
                                                                       monkeypatch):
    monkeypatch.setenv("WEBGEN_CONFIG_DIR", str(tmp_path / "config"))
    scripts = {CODER: queue(coder_reply(PAGE), coder_reply(signal="finish")),
               CRITIC: graded(4, 4)}
    seen: dict[str, object] = {}
    with ScriptedModelServer(scripts) as server:
        write_settings(tmp_path / "config", settings_for(server, "ollama"))
        live = make_desk(qtbot, tmp_path, NO_GUI)

        async def run_live() -> None:
            await live.send(qtbot, "A bakery page.")
            await live.wait_status(SessionStatus.FINISHED)
            await live.controller.ops.wait_idle()
            live.controller.steps.restore(1)  # the user's own step: logged as well
            await live.controller.ops.wait_idle()
            seen["run_dir"] = live.controller.session.store.run_dir
            seen["chat"] = live.window.chat.transcript()
            seen["cards"] = cards(live.window)
            seen["status"] = live.window.run_status.phase_label.text()

        drive(qapp, live, run_live)

    chat = seen["chat"]
    assert ("notice", "Refused to write '../outside.txt': the path leaves the project "
            "folder") in chat
    assert any(text.startswith("Step 1 is the current step again") for _r, text in chat)
    assert chat[0] == ("user", "A bakery page.")
    assert ("notice", "Run finished (the coder sent finish); best step 2.") in chat
    again = make_desk(qtbot, tmp_path, NO_GUI)

    async def reopen() -> None:
        again.controller.open_flow.open_run(str(seen["run_dir"]))
        await again.controller.ops.wait_idle()
        assert again.window.chat.transcript() == seen["chat"]
        assert cards(again.window) == seen["cards"]
        first = again.window.timeline.card(1)  # step 1 has a screenshot: its thumbnail shows
        await wait_until(lambda: first.thumbnail.pixmap() is not None
                         and not first.thumbnail.pixmap().isNull(), 20, "the thumbnail")
        assert again.window.run_status.phase_label.text() == seen["status"] == "Finished"

    drive(qapp, again, reopen)
