"""The first start: nothing configured, with or without an Ollama at ``OLLAMA_HOST``.

The window and controller are the app's own; Ollama is a scripted loopback server speaking
its protocol (or a closed port, which is what "not running" looks like).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from agent_core.config import ModelSettings, Provider, Role
from app.desktop import preflight
from tests.fakes.model_server import ScriptedModelServer, queue
from tests.support.desktop import Desktop, closed_port_url
from tests.support.qtasync import run_on_qt_loop, wait_until
from ui.settings_dialog import SettingsDialog

pytestmark = pytest.mark.slow
OLLAMA_MODELS = ["qwen2.5-coder:14b", "qwen2.5vl:7b", "llama3.2:3b"]
INSTRUCTION = "A one-page site for a bakery: menu, opening hours and a contact form."


@pytest.fixture
def ollama() -> Iterator[ScriptedModelServer]:
    """A scripted Ollama with three pulled models (no chat is expected)."""
    with ScriptedModelServer({name: queue() for name in OLLAMA_MODELS}) as server:
        yield server


async def notice_shown(desktop: Desktop) -> str:
    await wait_until(lambda: desktop.notices.text(), 10, "a notice")
    return desktop.notices.text()


def cancel(qtbot, dialog: SettingsDialog) -> None:
    button = dialog.button_box.button(QDialogButtonBox.StandardButton.Cancel)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_without_models_or_ollama_the_notice_offers_models(qapp, qtbot, desktop):
    async def scenario() -> None:
        desktop.controller.first_start()
        text = await notice_shown(desktop)
        assert text.startswith("No model is configured yet, and no Ollama answers")
        assert "OpenAI-compatible server" in text
        assert desktop.notices.level() == "info"
        assert desktop.notices.action_labels() == ["Models…"]
        desktop.notices.trigger("Models…")
        dialog = await desktop.dialog()
        assert not desktop.notices.isVisible()
        coder = dialog.role_form(Role.CODER)
        assert coder.provider() is Provider.OLLAMA
        assert coder.base_url_edit.text() == preflight.ollama_url()  # where OLLAMA_HOST says
        assert coder.model_combo.currentText() == ""
        cancel(qtbot, dialog)
        await wait_until(lambda: desktop.flow.dialog is None, 5, "the dialog to close")

    run_on_qt_loop(qapp, lambda: desktop.run(scenario))


def test_with_ollama_running_use_ollama_fills_the_dialog_and_ok_saves_it(
    qapp, qtbot, desktop, monkeypatch, ollama
):
    monkeypatch.setenv("OLLAMA_HOST", ollama.base_url_ollama)

    async def scenario() -> None:
        desktop.controller.first_start()
        text = await notice_shown(desktop)
        assert text.startswith("Ollama is running on this computer with 3 model(s).")
        assert desktop.notices.action_labels() == ["Use Ollama…"]
        desktop.notices.trigger("Use Ollama…")
        dialog = await desktop.dialog()
        assert f"Found Ollama at {ollama.base_url_ollama} with 3 models" in (
            dialog.detect_label.text()
        )
        for role in Role:
            form = dialog.role_form(role)
            assert form.provider() is Provider.OLLAMA
            assert form.base_url_edit.text() == ollama.base_url_ollama
            combo = form.model_combo
            assert [combo.itemText(i) for i in range(combo.count())] == OLLAMA_MODELS
        coder = dialog.role_form(Role.CODER).model_combo
        coder.setCurrentIndex(coder.findText("qwen2.5-coder:14b"))
        critic = dialog.role_form(Role.CRITIC).model_combo
        critic.setCurrentIndex(critic.findText("qwen2.5vl:7b"))
        qtbot.mouseClick(dialog.ok_button(), Qt.MouseButton.LeftButton)
        await wait_until(lambda: desktop.flow.dialog is None, 5, "the dialog to close")
        await desktop.controller.ops.wait_idle()
        assert desktop.notices.level() == "success"

    run_on_qt_loop(qapp, lambda: desktop.run(scenario))
    settings = preflight.model_settings()
    assert isinstance(settings, ModelSettings)
    assert settings.coder.provider is Provider.OLLAMA
    assert settings.coder.base_url == ollama.base_url_ollama
    assert (settings.coder.model, settings.critic.model) == ("qwen2.5-coder:14b", "qwen2.5vl:7b")
    assert settings.feedback == settings.critic


def test_use_ollama_keeps_roles_that_already_have_a_model(
    qapp, qtbot, desktop, monkeypatch, ollama
):
    monkeypatch.setenv("OLLAMA_HOST", ollama.base_url_ollama)
    elsewhere = closed_port_url("/v1")
    desktop.config_dir.mkdir()
    desktop.settings_file.write_text(
        json.dumps(
            {"roles": {"coder": {"provider": "openai", "base_url": elsewhere, "model": "my-coder"}}}
        )
    )

    async def scenario() -> None:
        desktop.controller.first_start()  # the critic has no model yet
        await notice_shown(desktop)
        desktop.notices.trigger("Use Ollama…")
        dialog = await desktop.dialog()
        coder = dialog.role_form(Role.CODER)
        assert (coder.provider(), coder.base_url_edit.text()) == (Provider.OPENAI, elsewhere)
        assert coder.model_combo.currentText() == "my-coder"
        critic = dialog.role_form(Role.CRITIC)
        assert critic.base_url_edit.text() == ollama.base_url_ollama
        assert critic.model_combo.currentText() == OLLAMA_MODELS[0]
        cancel(qtbot, dialog)

    run_on_qt_loop(qapp, lambda: desktop.run(scenario))


def test_with_models_configured_first_start_says_nothing(qapp, desktop, monkeypatch, ollama):
    monkeypatch.setenv("OLLAMA_HOST", ollama.base_url_ollama)
    role = {"provider": "ollama", "base_url": ollama.base_url_ollama, "model": "llama3.2:3b"}
    desktop.config_dir.mkdir()
    desktop.settings_file.write_text(json.dumps({"roles": {"coder": role, "critic": role}}))

    async def scenario() -> None:
        desktop.controller.first_start()
        await desktop.controller.ops.wait_idle()
        assert desktop.notices.text() == ""

    run_on_qt_loop(qapp, lambda: desktop.run(scenario))
    assert ollama.requests == []


@pytest.mark.parametrize("how", ["ctrl+enter", "start"])
def test_starting_with_nothing_configured_keeps_the_instruction_and_offers_models(
    qapp, qtbot, desktop, how
):
    async def scenario() -> None:
        box = desktop.window.chat.instruction_edit()
        qtbot.keyClicks(box, INSTRUCTION)
        if how == "ctrl+enter":
            qtbot.keyClick(box, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        else:
            desktop.window.start_action.trigger()
        assert desktop.notices.level() == "error"
        assert desktop.notices.text().startswith("No model is configured (")
        assert "Open Models… (Ctrl+,)" in desktop.notices.text()
        assert desktop.notices.action_labels() == ["Models…"]
        assert box.toPlainText() == INSTRUCTION
        assert desktop.controller.session is None
        assert desktop.window.chat.transcript() == []
        desktop.notices.trigger("Models…")
        dialog = await desktop.dialog()
        cancel(qtbot, dialog)
        await wait_until(lambda: desktop.flow.dialog is None, 5, "the dialog to close")
        assert box.toPlainText() == INSTRUCTION

    run_on_qt_loop(qapp, lambda: desktop.run(scenario))
    runs = desktop.runs_dir
    assert not runs.exists() or not any(runs.iterdir())


def test_a_broken_settings_file_is_named_when_starting(qapp, qtbot, desktop):
    desktop.config_dir.mkdir()
    desktop.settings_file.write_text("roles: coder")

    async def scenario() -> None:
        box = desktop.window.chat.instruction_edit()
        qtbot.keyClicks(box, INSTRUCTION)
        qtbot.keyClick(box, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        text = desktop.notices.text()
        assert desktop.notices.level() == "error"
        assert f"cannot read settings file {desktop.settings_file}" in text
        assert "Fix or delete that file" in text
        assert box.toPlainText() == INSTRUCTION

    run_on_qt_loop(qapp, lambda: desktop.run(scenario))


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("", "http://localhost:11434"),
        ("gpu-box", "http://gpu-box:11434"),
        ("gpu-box:8080", "http://gpu-box:8080"),
        (":11500", "http://127.0.0.1:11500"),
        ("0.0.0.0", "http://127.0.0.1:11434"),
        ("0.0.0.0:11434", "http://127.0.0.1:11434"),
        ("[::1]", "http://[::1]:11434"),
        ("http://gpu-box", "http://gpu-box:80"),
        ("https://ollama.example.org/", "https://ollama.example.org:443"),
        ("http://127.0.0.1:11434/proxy/", "http://127.0.0.1:11434/proxy"),
    ],
)
def test_ollama_host_is_read_as_ollama_reads_it(monkeypatch, host, url):
    monkeypatch.setenv("OLLAMA_HOST", host)
    assert preflight.ollama_url() == url
