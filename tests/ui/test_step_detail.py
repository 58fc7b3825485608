"""The step detail panel: what a user reads about an edit, GUI-test, error and empty step."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QDialog, QLabel

from agent_core.store.evidence import (
    CriticReview,
    GuiTest,
    GuiTestSummary,
    GuiTurn,
    InstallResult,
    RuntimeResult,
    ServeResult,
)
from agent_core.store.records import StepKind, StepRecord
from tests.support.candidates import candidates_run
from tests.support.runs import StepSpec, build_run, solid_png
from ui.step_detail import PLACEHOLDER, StepDetailPanel
from ui.step_format import kind_label

CRITIC = CriticReview(
    description="A cream bakery page with a dark header and three product cards.",
    suggestions=("Add prices under the cards", "Increase the footer contrast"),
    grade_analysis="Clean and relevant, minor spacing issues.",
)
GUI = GuiTest(
    test_instruction="Verify the cream background. Open the menu and add a cake to the cart.",
    turns=(
        GuiTurn(index=0, thought="Open the menu.", action="Click [3]", status="ok",
                detail="opened the menu", url="http://127.0.0.1:5173/"),
        GuiTurn(index=1, thought="Add a cake.", action="Type [5]; cheesecake", status="error",
                detail="element 5 is not editable", url="http://127.0.0.1:5173/menu"),
        GuiTurn(index=2, thought="Done.", action="ANSWER; NO", status="answered",
                url="http://127.0.0.1:5173/menu"),
    ),
    answer="NO",
    ended_because="answered",
    summary=GuiTestSummary(test_passed=False, grade=2,
                           improvement_suggestions=("Make the cart button add the item",)),
)  # fmt: skip
NPM_TAIL = "npm ERR! code E404\nnpm ERR! 404 Not Found - GET react-routr-dom"


@pytest.fixture
def panel(qtbot) -> StepDetailPanel:
    widget = StepDetailPanel()
    qtbot.addWidget(widget)
    widget.resize(520, 700)
    return widget


@pytest.fixture
def store(tmp_path):
    return build_run(
        tmp_path / "run",
        [
            StepSpec(
                extra={
                    "critic": CRITIC,
                    "actions": [
                        {"type": "file", "path": "src/App.jsx", "bytes": 812},
                        {
                            "type": "file",
                            "path": "../etc/passwd",
                            "refused": "outside the workspace",
                        },
                        {"type": "shell", "command": "npm install", "outcome": "failed"},
                    ],
                }
            ),
            StepSpec(kind=StepKind.GUI_TEST, gui=2, extra={"gui": GUI}),
            StepSpec(
                appearance=None,
                screenshot=False,
                errors=["dependency installation failed: npm install react-routr-dom"],
                extra={
                    "runtime": RuntimeResult(
                        install=InstallResult(ran=True, ok=False, log_tail=NPM_TAIL),
                        serve=ServeResult(ok=True, url="http://127.0.0.1:5173"),
                    )
                },
            ),
        ],
    )


def test_edit_step_shows_title_grades_screenshot_critic_and_actions(panel, store) -> None:
    step = store.step(1)
    panel.show_step(step, QImage(str(store.screenshot_path(1))), is_head=False, is_best=True)
    assert panel.title_text() == "Step 1 · Edit · from the empty start · ★ best"
    assert panel.grades_text() == "Look 4/5 · GUI – · 12.5 s"
    assert panel.errors_text() == ""
    assert panel.screenshot.has_image()
    assert panel.screenshot.heightForWidth(400) == 300, "keeps the 4:3 aspect"
    critic = panel.critic_text()
    assert critic.startswith("A cream bakery page")
    assert "• Add prices under the cards" in critic
    assert "Grade: Clean and relevant" in critic
    assert panel.feedback_text() == "Feedback after step 1."
    assert not panel.feedback_box.is_expanded()
    assert panel.actions_text().splitlines() == [
        "file src/App.jsx (812 bytes)",
        "file ../etc/passwd — refused: outside the workspace",
        "shell npm install — failed",
    ]
    assert panel.gui_text() == ""


def test_restore_and_show_files_buttons_emit_the_step(panel, store, qtbot) -> None:
    panel.show_step(store.step(2), None, is_head=False, is_best=False)
    assert panel.restore_button.isEnabled()
    with qtbot.waitSignal(panel.restoreRequested, timeout=1000) as blocker:
        qtbot.mouseClick(panel.restore_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [2]
    with qtbot.waitSignal(panel.compareFilesRequested, timeout=1000) as blocker:
        qtbot.mouseClick(panel.show_files_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [2]


def test_restore_is_disabled_on_the_current_step(panel, store, qtbot) -> None:
    panel.show_step(store.step(3), None, is_head=True, is_best=False)
    assert panel.title_text().endswith("· current")
    assert not panel.restore_button.isEnabled()
    assert panel.restore_button.toolTip() == "This is the current step"
    with qtbot.assertNotEmitted(panel.restoreRequested):
        qtbot.mouseClick(panel.restore_button, Qt.MouseButton.LeftButton)
    assert panel.show_files_button.isEnabled()


def test_gui_test_step_shows_summary_suggestions_and_turns(panel, store) -> None:
    panel.show_step(store.step(2), None, is_head=False, is_best=False)
    assert panel.title_text() == "Step 2 · GUI test · from step 1"
    assert panel.grades_text() == "Look 4/5 · GUI 2/5 · 12.5 s"
    text = panel.gui_text()
    assert "Test: Verify the cream background." in text
    assert "Result: not passed · GUI 2/5" in text
    assert "• Make the cart button add the item" in text
    assert "Agent's answer: NO" in text
    assert text.splitlines()[-3:] == [
        "1. Click [3] — ok: opened the menu",
        "2. Type [5]; cheesecake — error: element 5 is not editable",
        "3. ANSWER; NO — answered",
    ]
    assert panel.turn_list.count() == 3
    assert "no new screenshot" in panel.screenshot.placeholder()
    assert not panel.screenshot.has_image()


def test_gui_turn_screenshots_arrive_later(panel, store, tmp_path) -> None:
    panel.show_step(store.step(2), None, is_head=False, is_best=False)
    shot = tmp_path / "turn.png"
    shot.write_bytes(solid_png(64, 48, (10, 120, 200)))
    panel.show_gui_screenshot(1, QImage(str(shot)))
    panel.turn_list.setCurrentRow(0)
    assert not panel.turn_image.has_image()
    assert panel.turn_image.placeholder() == "The screenshot of this turn is not loaded."
    panel.turn_list.setCurrentRow(1)
    assert panel.turn_image.has_image()


def test_error_step_shows_errors_and_a_collapsed_install_log(panel, store, qtbot) -> None:
    panel.show_step(store.step(3), None, is_head=False, is_best=False)
    assert panel.errors_text() == "dependency installation failed: npm install react-routr-dom"
    assert panel.grades_text().startswith("Look – · GUI –")
    assert panel.log_text() == NPM_TAIL
    box = panel.install_log
    assert box.text_edit.isHidden() and box.toggle_button.text() == "Show log"
    assert panel.serve_log.isHidden(), "a server that started has no log to show"
    qtbot.mouseClick(box.toggle_button, Qt.MouseButton.LeftButton)
    assert not box.text_edit.isHidden() and box.toggle_button.text() == "Hide log"
    assert panel.screenshot.placeholder() == "No screenshot was taken in this step."
    assert panel.critic_text() == "No critic report for this step."


@pytest.mark.parametrize("kind", list(StepKind))
def test_step_without_any_data_still_shows(panel, kind) -> None:
    step = StepRecord(
        index=5,
        kind=kind,
        parent=4,
        appearance_grade=None,
        has_error=True,
        critic=None,
        gui=None,
        runtime=RuntimeResult(),
        actions=[{"odd": 1}, "junk"],
    )
    panel.show_step(step, None, is_head=False, is_best=False)
    assert panel.title_text() == f"Step 5 · {kind_label(kind)} · from step 4"
    assert panel.grades_text() == "Look – · GUI – · 0.0 s"
    assert panel.errors_text() == "This step has an error."
    assert panel.log_text() == ""
    if kind is StepKind.GUI_TEST:
        assert panel.gui_text() == "No GUI test details were kept for this step."


def test_critic_error_and_gui_off(panel) -> None:
    step = StepRecord(
        index=2,
        kind=StepKind.GUI_TEST,
        parent=1,
        appearance_grade=1,
        critic=CriticReview(is_error=True, error_message="Uncaught TypeError: x is null"),
        gui=GuiTest(available=False),
    )
    panel.show_step(step, None, is_head=False, is_best=False)
    assert panel.critic_text() == "The page shows an error: Uncaught TypeError: x is null"
    assert panel.gui_text() == "GUI testing was off for this run: no GUI agent was configured."
    assert panel.turn_list.isHidden()


def test_clear_shows_the_placeholder_and_disables_buttons(panel, store) -> None:
    assert panel.title_text() == PLACEHOLDER
    panel.show_step(store.step(1), None, is_head=False, is_best=False)
    panel.clear()
    assert panel.title_text() == PLACEHOLDER
    assert panel.step() is None
    assert not panel.restore_button.isEnabled() and not panel.show_files_button.isEnabled()
    assert panel.critic_text() == "" and panel.feedback_text() == ""


def test_clicking_the_screenshot_opens_it_at_full_size(panel, store, qtbot) -> None:
    panel.show_step(
        store.step(1), QImage(str(store.screenshot_path(1))), is_head=False, is_best=False
    )
    panel.show()
    qtbot.waitExposed(panel)
    qtbot.mouseClick(panel.screenshot, Qt.MouseButton.LeftButton)
    viewer = panel.findChild(QDialog, "screenshotViewer")
    assert viewer is not None and viewer.isVisible()
    assert viewer.windowTitle() == "Step 1 · screenshot"
    shown = viewer.findChild(QLabel, "fullScreenshot").pixmap()
    assert (shown.width(), shown.height()) == (256, 192)
    viewer.close()


def test_a_narrow_panel_cuts_the_heading_to_one_line_and_keeps_it_whole_in_the_tooltip(
        panel, store, qtbot):
    panel.show_step(store.step(2), None, is_head=True, is_best=True)
    panel.show()
    qtbot.waitExposed(panel)
    full = "Step 2 · GUI test · from step 1 · current · ★ best"
    assert not panel.title_label.is_elided() and panel.title_label.toolTip() == ""

    panel.resize(220, 700)
    qtbot.waitUntil(panel.title_label.is_elided)
    shown = panel.title_label.text()
    assert shown.endswith("…") and full.startswith(shown[:-1])
    assert panel.title_label.toolTip() == full and panel.title_text() == full
    assert panel.title_label.height() < 2 * panel.title_label.fontMetrics().lineSpacing()


def test_a_candidate_step_offers_to_compare_its_candidates(panel, qtbot, tmp_path):
    store = candidates_run(tmp_path / "candidates")
    panel.show_step(store.step(1), None, is_head=False, is_best=False)
    assert panel.candidates_button.isHidden()  # taken with one reply
    panel.show_step(store.step(3), None, is_head=False, is_best=False)
    assert not panel.candidates_button.isHidden()
    with qtbot.waitSignal(panel.candidatesRequested) as asked:
        qtbot.mouseClick(panel.candidates_button, Qt.MouseButton.LeftButton)
    assert asked.args == [3]
