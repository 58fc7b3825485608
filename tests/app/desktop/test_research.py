"""The researcher's tabs on real runs: chart, review labels, GUI replay, compare, runs, import."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt

from agent_core.review.labels import LabelStore
from agent_core.store.evidence import GuiTest, GuiTestSummary, GuiTurn
from agent_core.store.records import StepKind
from agent_core.store.run_store import RunStore
from tests.support.desktop import drive, make_desk
from tests.support.runs import StepSpec, build_run, solid_png
from ui.main_window import TAB_COMPARE, TAB_RUNS

LOGS = Path(__file__).resolve().parents[2] / "fixtures" / "webgen_agent_logs"


def gui_run(run_dir: Path) -> RunStore:
    turns = tuple(GuiTurn(index=i, screenshot=f"gui/000003/turn-{i + 1:02d}.png",
                          url="http://x/", thought=f"thought {i}", action=f"Click [{i}]",
                          status="done", detail="clicked", seconds=0.2) for i in range(2))
    gui = GuiTest(test_instruction="Search for AAPL.", turns=turns, answer="YES",
                  summary=GuiTestSummary(test_passed=True, grade=5))
    store = build_run(run_dir, [StepSpec(appearance=3), StepSpec(appearance=4),
                                StepSpec(kind=StepKind.GUI_TEST, gui=5, extra={"gui": gui})],
                      best=3)
    for turn in turns:
        store.write_artifact(turn.screenshot, solid_png(64, 48, (10, 20, 200)))
    store.unlock()
    return store


def test_chart_review_and_replay_follow_the_selected_step(qapp, qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("WEBGEN_CONFIG_DIR", str(tmp_path / "config"))
    store = gui_run(tmp_path / "runs" / "bakery")
    desk = make_desk(qtbot, tmp_path)

    async def scenario() -> None:
        w, c = desk.window, desk.controller
        c.open_flow.open_run(str(store.run_dir))
        await c.ops.wait_idle()
        assert w.chart.series_points("Appearance (0-5)") == [(1, 3), (2, 4), (3, 4)]
        assert w.chart.best_step() == 3
        c.show_step(3)
        await c.ops.wait_idle()
        assert w.replay.turn_count() == 2 and "thought 0" in w.replay.thought_text()
        # The person disagrees with the GUI grade and saves a review.
        from agent_core.review.labels import StepLabel

        w.review.labelChanged.emit(3, StepLabel(gui=3, gui_verdict_correct=False, note="slow"))
        await c.ops.wait_idle()
        saved = LabelStore(store.run_dir).get(3)
        assert (saved.gui, saved.gui_verdict_correct, saved.note) == (3, False, "slow")
        assert RunStore.open(store.run_dir).step(3).gui_grade == 5  # the automatic one stays
        c.research.compare.compare_steps(c.session.store, 1, 2)
        await c.ops.wait_idle()
        assert w.tabs.currentIndex() == TAB_COMPARE
        assert w.compare.changed_files() == [("src/App.jsx", "changed")]

    drive(qapp, desk, scenario)


def test_runs_tab_lists_runs_compares_best_steps_and_imports_an_official_log(qapp, qtbot,
                                                                            tmp_path, monkeypatch):
    monkeypatch.setenv("WEBGEN_CONFIG_DIR", str(tmp_path / "config"))
    gui_run(tmp_path / "runs" / "bakery")
    other = build_run(tmp_path / "runs" / "florist", [StepSpec(appearance=5)],
                      instruction="A florist site", best=1)
    other.unlock()
    desk = make_desk(qtbot, tmp_path)

    async def scenario() -> None:
        w, c = desk.window, desk.controller
        w.tabs.setCurrentIndex(TAB_RUNS)
        await c.ops.wait_idle()
        assert sorted(Path(p).name for p in w.runs.visible_rows()) == ["bakery", "florist"]
        c.research.compare.compare_runs(str(tmp_path / "runs" / "bakery"), str(other.run_dir))
        await c.ops.wait_idle()
        assert w.compare.left_title().startswith("step 3") and "florist" in w.compare.right_title()
        c.research.import_log(str(LOGS / "plain"), str(tmp_path / "runs" / "imported"))
        await c.ops.wait_idle()
        await c.ops.wait_idle()
        assert w.windowTitle() == "WebGen Studio — imported"
        assert len(w.timeline.indices()) == len(RunStore.open(tmp_path / "runs" / "imported")
                                                .steps()) > 0
        manifest = json.loads((tmp_path / "runs" / "imported" / "manifest.json").read_text())
        assert manifest["config"]["imported_from"] == "webgen-agent"

    drive(qapp, desk, scenario)


def test_runs_made_after_the_first_look_appear_on_refresh_and_when_runs_change(
        qapp, qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("WEBGEN_CONFIG_DIR", str(tmp_path / "config"))
    build_run(tmp_path / "runs" / "bakery", [StepSpec()], instruction="A bakery").unlock()
    desk = make_desk(qtbot, tmp_path)

    def names() -> list[str]:
        return sorted(Path(p).name for p in desk.window.runs.visible_rows())

    async def scenario() -> None:
        w, c = desk.window, desk.controller
        w.tabs.setCurrentIndex(TAB_RUNS)
        await c.ops.wait_idle()
        assert names() == ["bakery"]
        w.runs.select_runs([str((tmp_path / "runs" / "bakery").resolve())])
        build_run(tmp_path / "runs" / "florist", [StepSpec()], instruction="A florist").unlock()
        await c.ops.wait_idle()
        assert names() == ["bakery"]  # nothing looks at the folder by itself

        qtbot.mouseClick(w.runs.refresh_button, Qt.MouseButton.LeftButton)
        assert w.runs.count_label.text() == "Looking for runs…"
        await c.ops.wait_idle()
        assert names() == ["bakery", "florist"]
        assert [Path(p).name for p in w.runs.selected_runs()] == ["bakery"]
        assert w.runs.count_label.text() == "2 runs"

        build_run(tmp_path / "runs" / "hotel", [StepSpec()], instruction="A hotel").unlock()
        c.research.runs_changed()
        c.research.runs_changed()  # asked twice while looking: the table still ends current
        await c.ops.wait_idle()
        assert names() == ["bakery", "florist", "hotel"]
        assert w.runs.refresh_button.isEnabled()

    drive(qapp, desk, scenario)


def test_runs_changed_before_the_runs_tab_was_shown_waits_for_it(qapp, qtbot, tmp_path,
                                                                  monkeypatch):
    monkeypatch.setenv("WEBGEN_CONFIG_DIR", str(tmp_path / "config"))
    build_run(tmp_path / "runs" / "bakery", [StepSpec()], instruction="A bakery").unlock()
    desk = make_desk(qtbot, tmp_path)

    async def scenario() -> None:
        w, c = desk.window, desk.controller
        c.research.runs_changed()
        await c.ops.wait_idle()
        assert w.runs.visible_rows() == []  # not looked at yet: the tab scans when shown
        w.tabs.setCurrentIndex(TAB_RUNS)
        await c.ops.wait_idle()
        assert [Path(p).name for p in w.runs.visible_rows()] == ["bakery"]

    drive(qapp, desk, scenario)
