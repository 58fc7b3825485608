"""Pointing at an element in the window: a pick in the preview scopes the next request.

A scripted model server on loopback plays the coder and the critic; the static server,
Chromium (the agent's screenshots) and QtWebEngine (the preview) are real.
"""

from __future__ import annotations

import json

import pytest

from agent_core.config import RunConfig
from app.desktop.session import SessionStatus
from tests.fakes.model_server import ScriptedModelServer, queue
from tests.support.agent import CODER, CRITIC, FAST_TIMEOUTS, coder_reply, graded, settings_for
from tests.support.desktop import Desk, drive, make_desk, wait_for_page, write_settings
from tests.support.pick import center, click, hover, js_async, rect_js
from tests.support.qtasync import wait_until
from ui.main_window import TAB_PREVIEW

pytestmark = pytest.mark.slow
NO_GUI = RunConfig(gui_testing=False, timeouts=FAST_TIMEOUTS)
PAGE = """\
<!doctype html>
<html>
<head><title>Bakery</title><style>button { margin: 30px; height: 50px; }</style></head>
<body>
  <h1>Fresh bread</h1>
  <section>
    <button>Order bread</button>
    <button>Call us</button>
  </section>
</body>
</html>
"""
GREEN = PAGE.replace("<button>Call us", '<button style="background: green">Call us')
CALL_US = "<button> “Call us” · section > button:nth-of-type(2) · index.html:8"


async def pick(desk: Desk, selector: str) -> None:
    """Turn pick mode on, hover the element ``selector`` finds and click it."""
    preview = desk.window.preview
    view, controls = preview.web_view(), preview.pick_controls()
    rect = json.loads(await js_async(view, rect_js(selector)))
    controls.button.click()
    hover(view, center(rect))
    await wait_until(lambda: controls.hover_text().startswith("<button>"), 20, "the outline")
    click(view, center(rect))
    await wait_until(lambda: not controls.picker.is_active(), 20, "the pick")
    await desk.controller.ops.wait_idle()


def test_a_picked_element_becomes_a_chip_and_scopes_the_next_request(qapp, qtbot, tmp_path,
                                                                     monkeypatch):
    monkeypatch.setenv("WEBGEN_CONFIG_DIR", str(tmp_path / "config"))
    coder = queue(coder_reply({"index.html": PAGE}), coder_reply(signal="finish"),
                  coder_reply({"index.html": GREEN}), coder_reply(signal="finish"))
    seen: dict[str, object] = {}
    with ScriptedModelServer({CODER: coder, CRITIC: graded(4, 4, 4, 4)}) as server:
        write_settings(tmp_path / "config", settings_for(server, "openai"))
        live = make_desk(qtbot, tmp_path, NO_GUI)

        async def scenario() -> None:
            await live.send(qtbot, "A bakery page.")
            await live.wait_status(SessionStatus.FINISHED)
            await live.controller.ops.wait_idle()
            window = live.window
            window.tabs.setCurrentIndex(TAB_PREVIEW)
            await wait_for_page(window, "Order bread")
            chip = window.chat.input.element_chip()

            await pick(live, "section > button")
            assert chip.isVisible()
            assert chip.text() == ("About <button> “Order bread” · "
                                   "section > button:nth-of-type(1) · index.html:7")
            chip.remove_button().click()  # not that one
            assert not chip.isVisible() and live.controller.element_pick.current() is None

            await pick(live, "section > button + button")
            assert chip.text() == f"About {CALL_US}"
            window.preview.elementPicked.emit({"tag": "", "text": "?"})  # a broken report
            await live.controller.ops.wait_idle()
            assert live.notices.level() == "warning"
            assert live.notices.text() == ("The picked element cannot be used: the picked "
                                           "element has no valid tag name (''). Pick it again.")
            assert chip.text() == f"About {CALL_US}"  # the earlier pick is kept
            await live.send(qtbot, "Make this button green.")
            await live.wait_status(SessionStatus.RUNNING, timeout_s=30)
            assert not chip.isVisible()  # sent with the request
            await live.wait_status(SessionStatus.FINISHED)
            await live.controller.ops.wait_idle()
            seen["chat"] = window.chat.transcript()
            seen["run_dir"] = live.controller.session.store.run_dir

        drive(qapp, live, scenario)
        asked = [r.last_user_text for r in server.chat_requests if r.model == CODER]

    # The coder got the request with the element, where it is written and the lines around.
    assert (
        "\n\nNew request from the user:\nMake this button green.\n\n"
        "The request is about this element of the page (the user pointed at it in the "
        "preview):\n- element: <button>\n- CSS selector: section > button:nth-of-type(2)\n"
    ) in asked[2]
    for part in ("- text: “Call us”",
                 "- written in: index.html, line 8 (found by searching the file; check it)",
                 "- its HTML in the page now:\n<button>Call us</button>",
                 "index.html around line 8:\n   2 | <html>\n",
                 ">  8 |     <button>Call us</button>\n   9 |   </section>"):
        assert part in asked[2]
    # Later reminders name the element in a few words instead of repeating it.
    assert ("- Make this button green. (about <button> in index.html:8 picked in the "
            "preview)") in asked[3]

    chat = seen["chat"]
    at = chat.index(("user", "Make this button green."))
    assert chat[at + 1] == ("notice", f"About {CALL_US}")
    again = make_desk(qtbot, tmp_path, NO_GUI)

    async def reopen() -> None:
        again.controller.open_flow.open_run(str(seen["run_dir"]))
        await again.controller.ops.wait_idle()
        assert again.window.chat.transcript() == chat  # the chip's text is in the log

    drive(qapp, again, reopen)
