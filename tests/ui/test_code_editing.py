"""Editing in the code panel: only the current step's text files, drafts kept, Ctrl+S saves."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QPushButton, QTabWidget
from pytestqt.qtbot import QtBot

from ui.code_panel import CodePanel

STEP2 = {"index.html": b"<h1>Old</h1>\n", "src/app.css": b"h1 { color: red; }\n"}
STEP3 = {**STEP2, "index.html": b"<h1>Bakery</h1>\n", "logo.png": b"\x89PNG\x00\x01\x02",
         "win.txt": b"one\r\ntwo\r\n"}


@pytest.fixture
def panel(qtbot: QtBot) -> CodePanel:
    widget = CodePanel()
    qtbot.addWidget(widget)
    widget.resize(900, 420)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def viewer(panel: CodePanel) -> QPlainTextEdit:
    return panel.findChild(QPlainTextEdit, "codeViewer")


def status(panel: CodePanel) -> str:
    return panel.findChild(QLabel, "editStatus").text()


def code_tab_title(panel: CodePanel) -> str:
    return panel.findChild(QTabWidget, "codeTabs").tabText(0)


def type_at_end(qtbot: QtBot, panel: CodePanel, text: str) -> None:
    view = viewer(panel)
    view.setFocus()
    view.moveCursor(QTextCursor.MoveOperation.End)
    qtbot.keyClicks(view, text)


def save_with_ctrl_s(qtbot: QtBot, panel: CodePanel) -> list[tuple]:
    saved: list[tuple] = []
    panel.saveRequested.connect(lambda step, changes: saved.append((step, changes)))
    panel.activateWindow()
    viewer(panel).setFocus()
    qtbot.keyClick(viewer(panel), Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    return saved


def test_the_current_steps_file_is_edited_marked_unsaved_and_saved_with_ctrl_s(qtbot, panel):
    panel.set_files(STEP3, step=3, base=STEP2, base_step=2)
    panel.editor.set_context(3)
    panel.select_file("index.html")
    assert not viewer(panel).isReadOnly()
    assert "Step 3 is the current step" in status(panel)
    assert code_tab_title(panel) == "Code"

    type_at_end(qtbot, panel, "<p>Open daily</p>")

    assert code_tab_title(panel) == "Code •"
    assert status(panel).startswith("Unsaved changes in index.html.")
    assert panel.findChild(QPushButton, "saveEditButton").isVisible()
    saved = save_with_ctrl_s(qtbot, panel)
    assert saved == [(3, {"index.html": "<h1>Bakery</h1>\n<p>Open daily</p>"})]


def test_a_past_step_is_read_only_and_says_how_to_edit_it(qtbot, panel):
    panel.set_files(STEP2, step=2)
    panel.editor.set_context(3)
    panel.select_file("index.html")
    type_at_end(qtbot, panel, "typed")
    assert viewer(panel).isReadOnly()
    assert viewer(panel).toPlainText() == "<h1>Old</h1>\n"
    assert status(panel) == ("Step 2 is an earlier step: its files are read-only. Only the "
                             "current step (step 3) can be edited; restore step 2 to edit its "
                             "files.")
    assert panel.editor.unsaved_paths() == []


def test_a_run_in_progress_locks_the_editor_and_says_why(qtbot, panel):
    panel.set_files(STEP3, step=3)
    panel.editor.set_context(3, "A run is in progress: the files are read-only until it ends.")
    panel.select_file("src/app.css")
    type_at_end(qtbot, panel, "x")
    assert viewer(panel).isReadOnly()
    assert status(panel) == "A run is in progress: the files are read-only until it ends."
    assert viewer(panel).toPlainText() == "h1 { color: red; }\n"


def test_binary_files_are_not_editable(qtbot, panel):
    panel.set_files(STEP3, step=3)
    panel.editor.set_context(3)
    panel.select_file("logo.png")
    assert viewer(panel).isReadOnly()
    assert status(panel).startswith("This file cannot be edited here")


def test_drafts_survive_other_files_and_steps_and_a_lock_then_discard_forgets_them(qtbot,
                                                                                   panel):
    panel.set_files(STEP3, step=3, base=STEP2, base_step=2)
    panel.editor.set_context(3)
    panel.select_file("src/app.css")
    type_at_end(qtbot, panel, "p { margin: 0; }")
    panel.select_file("index.html")
    assert viewer(panel).toPlainText() == "<h1>Bakery</h1>\n"
    panel.set_files(STEP2, step=2)  # the user looks at an earlier step
    panel.editor.set_context(3, "Saving your edit as a new step…")  # a failed save, say
    panel.set_files(STEP3, step=3)
    panel.editor.set_context(3)
    panel.select_file("src/app.css")
    assert viewer(panel).toPlainText() == "h1 { color: red; }\np { margin: 0; }"
    assert panel.editor.unsaved_paths() == ["src/app.css"]

    panel.findChild(QPushButton, "discardEditButton").click()

    assert viewer(panel).toPlainText() == "h1 { color: red; }\n"
    assert panel.editor.unsaved_paths() == []
    assert code_tab_title(panel) == "Code"
    assert save_with_ctrl_s(qtbot, panel) == []
    assert status(panel) == "Nothing to save: the files are unchanged."


def test_drafts_of_a_step_that_is_no_longer_current_cannot_be_saved_nor_mixed(qtbot, panel):
    panel.set_files(STEP3, step=3)
    panel.editor.set_context(3)
    panel.select_file("index.html")
    type_at_end(qtbot, panel, "<p>draft</p>")
    panel.set_files(STEP2, step=2)  # restored: step 2 is the head now
    panel.editor.set_context(2)
    assert viewer(panel).isReadOnly()
    assert "are to step 3, which is not the current step: restore step 3" in status(panel)
    assert save_with_ctrl_s(qtbot, panel) == []
    assert panel.editor.unsaved_paths() == ["index.html"]


def test_crlf_files_keep_their_line_endings_when_saved(qtbot, panel):
    panel.set_files(STEP3, step=3)
    panel.editor.set_context(3)
    panel.select_file("win.txt")
    type_at_end(qtbot, panel, "three")
    assert save_with_ctrl_s(qtbot, panel) == [(3, {"win.txt": "one\r\ntwo\r\nthree"})]
