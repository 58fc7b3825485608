"""The "Your review" form: a real widget under qtbot, checked as the user sees it."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from agent_core.review import StepLabel
from ui.review_form import ReviewForm


@pytest.fixture
def form(qtbot) -> ReviewForm:
    widget = ReviewForm()
    qtbot.addWidget(widget)
    return widget


def _click(qtbot, button) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_a_new_step_shows_the_automatic_grades_and_nothing_to_save(form):
    assert not form.isEnabled(), "nothing to review before a step is shown"
    form.show_step(3, auto_appearance=4, auto_gui=None, has_gui=False, label=None)
    assert form.isEnabled()
    assert form.title.text() == "Your review of step 3"
    assert form.auto_appearance.text() == "critic: 4/5"
    assert form.appearance.value() is None and form.appearance.button(None).isChecked()
    assert form.status_text() == "Not reviewed yet"
    assert not form.save_button.isEnabled() and not form.clear_button.isEnabled()


def test_choosing_a_grade_and_saving_emits_the_label(form, qtbot):
    form.set_labeller("ana")
    form.show_step(2, auto_appearance=2, auto_gui=None, has_gui=False, label=None)
    _click(qtbot, form.appearance.button(4))
    assert form.status_text() == "Unsaved changes"
    assert form.save_button.isEnabled()
    qtbot.keyClicks(form.note, "fine, the critic is too harsh")

    with qtbot.waitSignal(form.labelChanged) as signal:
        _click(qtbot, form.save_button)
    assert signal.args == [2, StepLabel(appearance=4, note="fine, the critic is too harsh",
                                        labeller="ana")]  # fmt: skip
    assert form.status_text() == "Saved"
    assert not form.save_button.isEnabled() and form.clear_button.isEnabled()


def test_changing_back_to_the_saved_review_needs_no_save(form, qtbot):
    form.show_step(1, auto_appearance=3, auto_gui=None, has_gui=False,
                   label=StepLabel(appearance=3, labeller="ana", at=1_700_000_000.0))  # fmt: skip
    assert form.appearance.button(3).isChecked() and form.status_text() == "Saved"
    _click(qtbot, form.appearance.button(5))
    assert form.save_button.isEnabled()
    _click(qtbot, form.appearance.button(3))
    assert not form.save_button.isEnabled() and form.status_text() == "Saved"


def test_gui_rows_show_only_for_gui_test_steps(form):
    form.show_step(4, auto_appearance=4, auto_gui=None, has_gui=False, label=None)
    assert form.appearance.isVisibleTo(form)
    assert not form.gui.isVisibleTo(form) and not form.verdict.isVisibleTo(form)

    form.show_step(5, auto_appearance=4, auto_gui=2, has_gui=True, label=None,
                   auto_verdict=False)  # fmt: skip
    assert form.gui.isVisibleTo(form) and form.verdict.isVisibleTo(form)
    assert form.auto_gui.text() == "GUI agent: 2/5"
    assert form.auto_verdict.text() == "GUI agent said: failed"
    assert [form.gui.button(g).text() for g in (None, 1, 2, 3, 4, 5)] == [
        "unset", "1", "2", "3", "4", "5"]  # fmt: skip


def test_a_gui_review_saves_grade_and_verdict_and_keeps_the_rest(form, qtbot):
    saved = StepLabel(appearance=3, note="plain", labeller="ana", at=1_700_000_000.0)
    form.show_step(5, auto_appearance=3, auto_gui=4, has_gui=True, label=saved)
    _click(qtbot, form.gui.button(2))
    _click(qtbot, form.verdict.button(False))
    with qtbot.waitSignal(form.labelChanged) as signal:
        _click(qtbot, form.save_button)
    assert signal.args == [5, StepLabel(appearance=3, gui=2, gui_verdict_correct=False,
                                        note="plain", labeller="ana")]  # fmt: skip


def test_clear_emits_none_and_resets_the_controls(form, qtbot):
    form.show_step(
        5,
        auto_appearance=3,
        auto_gui=4,
        has_gui=True,
        label=StepLabel(appearance=1, gui=5, gui_verdict_correct=True, note="x"),
    )
    assert form.clear_button.isEnabled()
    with qtbot.waitSignal(form.labelChanged) as signal:
        _click(qtbot, form.clear_button)
    assert signal.args == [5, None]
    assert form.appearance.value() is None and form.gui.value() is None
    assert form.verdict.value() is None and form.note.toPlainText() == ""
    assert form.status_text() == "Review removed"
    assert not form.save_button.isEnabled() and not form.clear_button.isEnabled()


def test_unsetting_everything_and_saving_emits_none(form, qtbot):
    form.show_step(1, auto_appearance=3, auto_gui=None, has_gui=False,
                   label=StepLabel(appearance=2))  # fmt: skip
    _click(qtbot, form.appearance.button(None))
    with qtbot.waitSignal(form.labelChanged) as signal:
        _click(qtbot, form.save_button)
    assert signal.args == [1, None]


def test_a_failed_save_is_shown_and_can_be_retried(form, qtbot):
    form.show_step(1, auto_appearance=3, auto_gui=None, has_gui=False, label=None)
    _click(qtbot, form.appearance.button(1))
    with qtbot.waitSignal(form.labelChanged):
        _click(qtbot, form.save_button)
    form.show_save_error("labels.json is not valid JSON")
    assert form.status_text() == "Not saved: labels.json is not valid JSON"
    assert form.save_button.isEnabled()
    with qtbot.waitSignal(form.labelChanged) as signal:
        _click(qtbot, form.save_button)
    assert signal.args == [1, StepLabel(appearance=1)]


def test_buttons_explain_themselves(form):
    form.show_step(1, auto_appearance=None, auto_gui=None, has_gui=True, label=None)
    assert form.auto_appearance.text() == "critic: no grade"
    assert "Ctrl+Return" in form.save_button.toolTip()
    assert form.clear_button.toolTip()
    assert form.appearance.button(0).toolTip() == "0: blank page or only an error"
    assert form.gui.button(5).toolTip() == "5: all tested functions work"
    assert form.verdict.button(True).text() == "Right"


def test_ctrl_return_saves(form, qtbot):
    form.show_step(1, auto_appearance=3, auto_gui=None, has_gui=False, label=None)
    form.show()
    qtbot.waitExposed(form)
    form.activateWindow()
    qtbot.waitActive(form)
    form.note.setFocus()
    qtbot.keyClicks(form.note, "ok")
    with qtbot.waitSignal(form.labelChanged, timeout=2000) as signal:
        # Through the window, as the platform delivers keys, so the shortcut map sees it.
        qtbot.keyClick(form.windowHandle(), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert signal.args == [1, StepLabel(note="ok")]
    form.close()
