"""The first start: nothing configured, with or without an Ollama at ``OLLAMA_HOST``.

The welcome page shows what to do; it looks for Ollama and opens the Models dialog.

The window and controller are the app's own; Ollama is a scripted loopback server speaking
its protocol (or a closed port, which is what "not running" looks like).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QDialogButtonBox, QPushButton

from agent_core.config import ModelSettings, Provider, Role
from app.desktop import preflight
from tests.fakes.model_server import ScriptedModelServer, queue
from tests.support.desktop import Desk, closed_port_url
from tests.support.qtasync import run_on_qt_loop, wait_until
from ui.settings_dialog import SettingsDialog
from ui.welcome_view import WelcomeView

pytestmark = pytest.mark.slow
OLLAMA_MODELS = ["qwen2.5-coder:14b", "qwen2.5vl:7b", "llama3.2:3b"]
INSTRUCTION = "A one-page site for a bakery: menu, opening hours and a contact form."


@pytest.fixture
def ollama() -> Iterator[ScriptedModelServer]:
    """A scripted Ollama with three pulled models (no chat is expected)."""
    with ScriptedModelServer({name: queue() for name in OLLAMA_MODELS}) as server:
        yield server


async def notice_shown(desktop: Desk) -> str:
    await wait_until(lambda: desktop.notices.text(), 10, "a notice")
    return desktop.notices.text()


async def probed(desktop: Desk, state: str) -> WelcomeView:
    view = desktop.window.welcome
    await wait_until(lambda: view.probe_state() == state, 10, f"the probe to end {state}")
    return view


def cancel(qtbot, dialog: SettingsDialog) -> None:
    button = dialog.button_box.button(QDialogButtonBox.StandardButton.Cancel)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def click(qtbot, button: QPushButton) -> None:
    assert button.isVisible() and button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_without_models_or_ollama_the_welcome_page_says_where_it_looked(qapp, qtbot, desktop):
    async def scenario() -> None:
        window = desktop.window
        desktop.controller.first_start()
        assert window.welcome_shown() and window.menuBar().isVisible()
        assert not window.chat.isVisible()
        view = await probed(desktop, "missing")
        url = preflight.ollama_url()  # the closed port OLLAMA_HOST names
        assert url.startswith("http://127.0.0.1:")
        assert view.probe_text().startswith(f"No Ollama answers at {url}.")
        assert "ollama serve" in view.probe_text()
        assert desktop.notices.text() == ""
        assert not view.icon_label.pixmap().isNull()  # the app's icon, from resources/
        click(qtbot, view.configure_button)
        dialog = await desktop.dialog()
        for role in Role:  # set to an OpenAI-compatible server, at vLLM's usual address
            form = dialog.role_form(role)
            assert form.provider() is Provider.OPENAI
            assert form.base_url_edit.text() == "http://localhost:8000/v1"
            assert form.model_combo.currentText() == ""
        cancel(qtbot, dialog)
        await wait_until(lambda: desktop.flow.dialog is None, 5, "the dialog to close")
        assert window.welcome_shown()  # nothing was configured
        click(qtbot, view.skip_button)
        assert not window.welcome_shown() and window.chat.isVisible()

    run_on_qt_loop(qapp, lambda: desktop.run(scenario))


def test_retry_finds_an_ollama_started_after_the_first_look(
    qapp, qtbot, desktop, monkeypatch, ollama
):
    async def scenario() -> None:
        desktop.controller.first_start()
        view = await probed(desktop, "missing")
        monkeypatch.setenv("OLLAMA_HOST", ollama.base_url_ollama)
        click(qtbot, view.retry_button)
        assert view.probe_state() == "busy"
        await probed(desktop, "found")
        assert view.found_models() == OLLAMA_MODELS

    run_on_qt_loop(qapp, lambda: desktop.run(scenario))


def test_with_ollama_running_use_ollama_fills_the_dialog_and_ok_saves_it(
    qapp, qtbot, desktop, monkeypatch, ollama
):
    monkeypatch.setenv("OLLAMA_HOST", ollama.base_url_ollama)

    async def scenario() -> None:
        window = desktop.window
        desktop.controller.first_start()
        view = await probed(desktop, "found")
        assert view.probe_text().startswith(
            f"✔ Ollama is running at {ollama.base_url_ollama} with 3 models: "
            "qwen2.5-coder:14b, qwen2.5vl:7b, llama3.2:3b.")
        click(qtbot, view.use_ollama_button)
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
        # Configured: the welcome page gives way to the empty window, ready for an instruction.
        assert not window.welcome_shown() and window.chat.isVisible()
        assert window.focusWidget() is window.chat.input.instruction_edit()

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
        view = await probed(desktop, "found")
        click(qtbot, view.use_ollama_button)
        dialog = await desktop.dialog()
        coder = dialog.role_form(Role.CODER)
        assert (coder.provider(), coder.base_url_edit.text()) == (Provider.OPENAI, elsewhere)
        assert coder.model_combo.currentText() == "my-coder"
        critic = dialog.role_form(Role.CRITIC)
        assert critic.base_url_edit.text() == ollama.base_url_ollama
        assert critic.model_combo.currentText() == OLLAMA_MODELS[0]
        cancel(qtbot, dialog)

    run_on_qt_loop(qapp, lambda: desktop.run(scenario))


def test_with_models_configured_first_start_shows_nothing(qapp, desktop, monkeypatch, ollama):
    monkeypatch.setenv("OLLAMA_HOST", ollama.base_url_ollama)
    role = {"provider": "ollama", "base_url": ollama.base_url_ollama, "model": "llama3.2:3b"}
    desktop.config_dir.mkdir()
    desktop.settings_file.write_text(json.dumps({"roles": {"coder": role, "critic": role}}))

    async def scenario() -> None:
        desktop.controller.first_start()
        await desktop.controller.ops.wait_idle()
        assert not desktop.window.welcome_shown() and desktop.window.chat.isVisible()
        assert desktop.notices.text() == ""

    run_on_qt_loop(qapp, lambda: desktop.run(scenario))
    assert ollama.requests == []


def test_dont_show_again_is_remembered_and_help_welcome_brings_the_page_back(
    qapp, qtbot, desktop, tmp_path
):
    async def scenario() -> None:
        window = desktop.window
        desktop.controller.first_start()
        view = await probed(desktop, "missing")
        click(qtbot, view.dont_show_button)
        assert not window.welcome_shown()
        assert "Help > Welcome" in desktop.notices.text()
        desktop.notices.dismiss()
        desktop.controller.first_start()  # as at the next start
        assert not window.welcome_shown()
        assert desktop.notices.text().startswith("No model is configured yet.")
        assert desktop.notices.action_labels() == ["Models…", "Welcome"]
        window.welcome_action.trigger()  # Help > Welcome
        assert window.welcome_shown() and view.probe_state() == "busy"
        await probed(desktop, "missing")

    run_on_qt_loop(qapp, lambda: desktop.run(scenario))
    saved = QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)
    assert saved.value("welcome/show_at_start") in (False, "false")


@pytest.mark.parametrize("how", ["ctrl+enter", "start"])
def test_starting_with_nothing_configured_keeps_the_instruction_and_offers_models(
    qapp, qtbot, desktop, how
):
    async def scenario() -> None:
        box = desktop.window.chat.input.instruction_edit()
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
        box = desktop.window.chat.input.instruction_edit()
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
