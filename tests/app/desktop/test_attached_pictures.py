"""Pictures in the window: attached by the user, sent with the run, shown after it and after
reopening, with the critic's reference match on the card and in the step's details."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage

from agent_core.config import RunConfig
from app.desktop.session import SessionStatus
from tests.fakes.model_server import ScriptedModelServer, queue
from tests.support.agent import (
    CODER,
    CRITIC,
    FAST_TIMEOUTS,
    ReferenceCritic,
    bakery_page,
    coder_reply,
    settings_for,
)
from tests.support.desktop import drive, make_desk, write_settings
from tests.support.qtasync import wait_until
from ui.chat_messages import UserMessage

NO_GUI = RunConfig(gui_testing=False, timeouts=FAST_TIMEOUTS)
NOTE = "The red header matches; the mockup's photo grid is missing."


def first_pictures(window) -> list[str]:
    entry = window.chat.entry_at(0)
    return entry.pictures.names() if isinstance(entry, UserMessage) else []


def test_pictures_are_scaled_refused_with_a_reason_and_removable(qapp, qtbot, tmp_path,
                                                                 monkeypatch):
    monkeypatch.setenv("WEBGEN_CONFIG_DIR", str(tmp_path / "config"))
    (tmp_path / "notes.png").write_text("not a picture")
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "settings.json").write_text('{"image_max_side": 800}')
    desk = make_desk(qtbot, tmp_path, NO_GUI)
    attachments, strip = desk.controller.attachments, desk.window.chat.input.image_strip()

    async def scenario() -> None:
        big = QImage(3000, 2000, QImage.Format.Format_RGB32)
        big.fill(QColor("orange"))
        desk.window.chat.input.imagesOffered.emit([big])
        desk.window.chat.input.imagesOffered.emit([str(tmp_path / "notes.png")])
        await desk.controller.ops.wait_idle()
        # The pasted picture is there, scaled to the limit; the bad file is named, not added.
        assert strip.names() == ["pasted image"]
        assert (attachments.items[0].image.width, attachments.items[0].image.height) == (800, 533)
        level, text = desk.controller.notifier.history[-1]
        assert level == "warning" and "notes.png is not a PNG, JPEG, WebP image" in text
        qtbot.mouseClick(strip.remove_button(0), Qt.MouseButton.LeftButton)
        assert strip.count() == 0 and not attachments.items

    drive(qapp, desk, scenario)


@pytest.mark.slow
def test_a_run_built_from_a_picture_shows_it_and_the_match_live_and_reopened(
        qapp, qtbot, tmp_path, monkeypatch):
    from tests.support.pictures import mockup

    monkeypatch.setenv("WEBGEN_CONFIG_DIR", str(tmp_path / "config"))
    (tmp_path / "mockup.png").write_bytes(mockup(900, 600))
    critic = ReferenceCritic(1, {"note": NOTE, "match": 3})
    scripts = {CODER: queue(coder_reply(bakery_page("Crumb & Co")), coder_reply(signal="finish")),
               CRITIC: critic}
    seen: dict[str, object] = {}
    with ScriptedModelServer(scripts) as server:
        write_settings(tmp_path / "config", settings_for(server, "openai", vision="yes"))
        live = make_desk(qtbot, tmp_path, NO_GUI)

        async def run_live() -> None:
            window = live.window
            window.chat.input.imagesOffered.emit([str(tmp_path / "mockup.png")])
            await wait_until(lambda: window.chat.input.image_strip().count() == 1, 10, "the strip")
            await live.send(qtbot, "A bakery page like this mockup.")
            await live.wait_status(SessionStatus.FINISHED)
            await live.controller.ops.wait_idle()
            assert window.chat.input.image_strip().count() == 0  # sent with the message
            await wait_until(lambda: first_pictures(window), 10, "the sent picture")
            card = window.timeline.card(1)
            await wait_until(lambda: card.thumbnail.pixmap() is not None
                             and not card.thumbnail.pixmap().isNull(), 10, "the screenshot")
            assert card.reference_label.text() == "Match 3/5"
            assert card.reference_note.text().startswith("The red header matches")
            assert NOTE in card.reference_note.toolTip()
            live.controller.show_step(1)
            await live.controller.ops.wait_idle()
            detail = window.detail.reference_text()
            assert detail.startswith("Match with the attached pictures: 3/5\n" + NOTE)
            seen["run_dir"] = live.controller.session.store.run_dir
            seen["pictures"] = first_pictures(window)

        drive(qapp, live, run_live)
        coder = [r for r in server.chat_requests if r.model == CODER]

    stored = sorted((seen["run_dir"] / "inputs").iterdir())
    assert seen["pictures"] == [p.name for p in stored]
    assert coder[0].images == [stored[0].read_bytes()]
    again = make_desk(qtbot, tmp_path, NO_GUI)

    async def reopen() -> None:
        again.controller.open_flow.open_run(str(seen["run_dir"]))
        await again.controller.ops.wait_idle()
        await wait_until(lambda: first_pictures(again.window), 10, "the picture on reopening")
        assert first_pictures(again.window) == seen["pictures"]
        assert again.window.timeline.card(1).reference_label.text() == "Match 3/5"

    drive(qapp, again, reopen)


def test_a_start_that_cannot_happen_keeps_the_words_and_the_pictures(qapp, qtbot, tmp_path,
                                                                    monkeypatch):
    from tests.support.pictures import mockup

    monkeypatch.setenv("WEBGEN_CONFIG_DIR", str(tmp_path / "config"))  # no model set up
    (tmp_path / "mockup.jpg").write_bytes(mockup(500, 300, fmt="JPEG"))
    desk = make_desk(qtbot, tmp_path, NO_GUI)
    chat = desk.window.chat

    async def scenario() -> None:
        chat.input.imagesOffered.emit([str(tmp_path / "mockup.jpg")])
        await wait_until(lambda: chat.input.image_strip().count() == 1, 10, "the strip")
        await desk.send(qtbot, "A bakery like this.")
        await desk.controller.ops.wait_idle()
        assert desk.controller.session is None
        assert desk.controller.notifier.history[-1][0] == "error"
        assert chat.input.instruction_edit().toPlainText() == "A bakery like this."
        assert chat.input.image_strip().names() == ["mockup.jpg"]

    drive(qapp, desk, scenario)
