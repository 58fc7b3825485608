"""Driving the Models dialog as a user does: typing, Refresh, Test, OK, Cancel."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QLineEdit

from agent_core.config import Provider
from tests.support.desktop import Desk
from tests.support.qtasync import wait_until
from ui.settings_dialog import SettingsDialog
from ui.settings_role_form import RoleForm


def type_into(qtbot, edit: QLineEdit, text: str) -> None:
    """Replace the text of a line edit by typing, as a user would."""
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Backspace)
    qtbot.keyClicks(edit, text)


def point_at(qtbot, form: RoleForm, provider: Provider, url: str) -> None:
    """Choose the provider and type the server's URL."""
    form.provider_combo.setCurrentIndex(form.provider_combo.findData(str(provider)))
    type_into(qtbot, form.base_url_edit, url)


def type_model(qtbot, form: RoleForm, name: str) -> None:
    type_into(qtbot, form.model_combo.lineEdit(), name)


async def answered(form: RoleForm, what: str) -> str:
    """Wait until the form's result label has an answer; returns its status word."""
    await wait_until(lambda: form.result_label.property("status") != "busy", 20, what)
    return str(form.result_label.property("status"))


async def refresh(qtbot, form: RoleForm) -> str:
    qtbot.mouseClick(form.refresh_button, Qt.MouseButton.LeftButton)
    assert form.refresh_button.text() == "Loading…"
    status = await answered(form, "the model list")
    assert form.refresh_button.isEnabled() and form.refresh_button.text() == "Refresh"
    return status


async def press_test(qtbot, form: RoleForm) -> str:
    qtbot.mouseClick(form.test_button, Qt.MouseButton.LeftButton)
    status = await answered(form, "the connection test")
    assert form.test_button.isEnabled()
    return status


def combo_items(form: RoleForm) -> list[str]:
    return [form.model_combo.itemText(i) for i in range(form.model_combo.count())]


async def open_models(desktop: Desk) -> SettingsDialog:
    """What the user does with Models… (Ctrl+,)."""
    desktop.window.settings_action.trigger()
    return await desktop.dialog()


async def press_ok(qtbot, desktop: Desk, dialog: SettingsDialog) -> None:
    """Press OK and wait for the save to be reported."""
    qtbot.mouseClick(dialog.ok_button(), Qt.MouseButton.LeftButton)
    await wait_until(lambda: desktop.flow.dialog is None, 5, "the dialog to close")
    await desktop.controller.ops.wait_idle()
    assert shown_dialogs() == []


def shown_dialogs() -> list[SettingsDialog]:
    return [
        w for w in QApplication.topLevelWidgets() if isinstance(w, SettingsDialog) and w.isVisible()
    ]


def press_cancel(qtbot, dialog: SettingsDialog) -> None:
    cancel = dialog.button_box.button(QDialogButtonBox.StandardButton.Cancel)
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)


def files_containing(root: Path, needle: str) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and needle.encode() in p.read_bytes()]
