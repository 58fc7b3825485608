"""Four candidates of a real Vite + React step in the window: live, restored, reopened.

Real npm (offline cache), Vite dev servers and Chromium; the coder answers each candidate's
request by its seed: a build that breaks, a blank page, and two good pages the critic grades
3 and 5.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from agent_core.config import RunConfig
from app.desktop.session import SessionStatus
from tests.fakes.model_server import RecordedRequest, ScriptedModelServer
from tests.support.agent import CODER, CRITIC, FAST_TIMEOUTS, coder_reply, graded, settings_for
from tests.support.desktop import Desk, choose, drive, make_desk, write_settings
from tests.support.qtasync import wait_until
from tests.support.stock_site import APP_V1, FOUR_CANDIDATES, INSTRUCTION
from tests.support.stock_site import stock_site as site
from ui.main_window import TAB_CANDIDATES

pytestmark = pytest.mark.slow


SCAFFOLD = coder_reply(site(APP_V1), shell=["npm install"], start="npm run dev")
CONFIG = RunConfig(gui_testing=False, timeouts=FAST_TIMEOUTS, candidates_served=1)


def coder(request: RecordedRequest) -> str:
    """The first step builds the site; then each candidate's reply follows its seed."""
    if "seed" not in request.body or request.body["seed"] is None:
        return SCAFFOLD
    return coder_reply({"src/App.jsx": FOUR_CANDIDATES[request.body["seed"]]})


def stack(desk: Desk) -> tuple:
    """What the timeline shows of the run: its cards, the stack, its badge and markers."""
    timeline = desk.window.timeline
    shown = timeline.shown_indices()
    front = timeline.card(shown[-1])
    group = timeline.stack_of(shown[-1])
    return (shown, group.members if group else None, front.candidate_row.badge.text(),
            front.head_marker.isVisibleTo(front))


def columns(desk: Desk) -> list[tuple]:
    """What the Candidates tab shows of each candidate."""
    return [(c.step.index, c.role_badge.text(), c.grades_label.text().split(" · ")[0],
             c.gate_label.text() if not c.gate_label.isHidden() else "",
             c.head_badge.isVisibleTo(c), c.screenshot.has_image())
            for c in desk.window.candidates.columns()]


async def open_candidates(desk: Desk, qtbot, index: int) -> None:
    """Select the stack on the timeline and press Enter, as a user does."""
    timeline = desk.window.timeline
    timeline.setFocus()
    timeline.select(index)
    qtbot.keyClick(timeline, Qt.Key.Key_Return)
    await desk.controller.ops.wait_idle()
    assert desk.window.tabs.currentIndex() == TAB_CANDIDATES


async def take_step_two_as_candidates(desk: Desk, qtbot) -> None:
    """The site in one step, then four candidates for the next."""
    desk.window.max_steps.setValue(1)
    await desk.send(qtbot, INSTRUCTION)
    await desk.wait_status(SessionStatus.FINISHED, timeout_s=180)
    await desk.controller.ops.wait_idle()
    session = desk.controller.session
    choose(qtbot, desk.window.limits.candidates, 4)
    choose(qtbot, desk.window.max_steps, 4)  # steps 2-5: the four candidates of one step
    desk.controller.run_flow.start()  # nothing typed: the run continues
    await wait_until(lambda: len(session.store.steps()) == 5
                     and session.status is SessionStatus.FINISHED, 240, "the candidates")
    await desk.controller.ops.wait_idle()


def test_candidates_live_restored_and_reopened_in_the_window(qapp, qtbot, tmp_path,
                                                              monkeypatch):
    monkeypatch.setenv("WEBGEN_CONFIG_DIR", str(tmp_path / "config"))
    critic = graded(3, 3, 5)  # the first step, then only the two good candidates
    seen: dict[str, object] = {}
    with ScriptedModelServer({CODER: coder, CRITIC: critic}) as server:
        write_settings(tmp_path / "config", settings_for(server, "openai"))
        desk = make_desk(qtbot, tmp_path, CONFIG)

        async def live() -> None:
            await take_step_two_as_candidates(desk, qtbot)
            store = desk.controller.session.store
            assert len(critic.images) == 6  # no critic call for the broken or blank page
            assert stack(desk) == ([1, 5], (2, 3, 4, 5), "❐ 4 candidates", True)
            await open_candidates(desk, qtbot, 5)
            shown = columns(desk)
            assert [c[:2] for c in shown] == [(2, "gated"), (3, "gated"), (4, "sibling"),
                                              (5, "chosen")]
            assert shown[1][3].startswith("Not sent to the critic: the page is blank")
            assert [c[2] for c in shown] == ["Look –", "Look –", "Look 3/5", "Look 5/5"]
            assert shown[3][4] and all(c[5] for c in shown[2:])  # head; screenshots
            assert "+" + FOUR_CANDIDATES[2].strip() in (
                desk.window.candidates.column(3).diff_view.toPlainText())
            plain = desk.window.candidates.column(4)
            qtbot.mouseClick(plain.continue_button, Qt.MouseButton.LeftButton)
            await desk.controller.ops.wait_idle()
            assert store.head == 4
            assert (store.workspace / "src/App.jsx").read_text() == FOUR_CANDIDATES[3]
            assert stack(desk) == ([1, 4], (2, 3, 4, 5), "❐ 4 candidates", True)
            assert plain.head_badge.isVisibleTo(plain)
            seen.update(run_dir=store.run_dir, stack=stack(desk), columns=columns(desk))

        drive(qapp, desk, live, timeout_s=420)

    again = make_desk(qtbot, tmp_path, CONFIG)

    async def reopen() -> None:
        again.controller.open_flow.open_run(str(seen["run_dir"]))
        await again.controller.ops.wait_idle()
        assert stack(again) == seen["stack"]
        await open_candidates(again, qtbot, 4)
        assert columns(again) == seen["columns"]

    drive(qapp, again, reopen)
