"""The Models dialog as the app runs it: real dialog, real clients, scripted model servers.

Each test opens the dialog from the main window, drives its widgets like a user and waits
for the answers the flow gets from loopback servers speaking the OpenAI or Ollama protocol.
Keys go to an in-memory keyring (``memory_keyring``), settings under ``tmp_path``.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt

from agent_core.config import ModelSettings, Provider, Role
from agent_core.llm.factory import KEYRING_SERVICE, resolve_api_key
from app.desktop import preflight, settings_flow
from tests.fakes.model_server import ScriptedModelServer, queue
from tests.support.desktop import closed_port_url
from tests.support.models_dialog import (
    combo_items,
    files_containing,
    open_models,
    point_at,
    press_cancel,
    press_ok,
    press_test,
    refresh,
    shown_dialogs,
    type_into,
    type_model,
)
from tests.support.qtasync import run_on_qt_loop, wait_until

pytestmark = pytest.mark.slow
GREEN, RED = "#2e9d57", "#d1453b"
CODER_MODELS = ["qwen2.5-coder:32b", "deepseek-coder-v2"]
VISION_MODELS = ["qwen2.5vl:7b", "llava:13b"]
KEY = "sk-test-5f1c9e0d-never-on-disk"


def serving(*names: str) -> ScriptedModelServer:
    """A scripted server offering ``names`` (no chat is expected)."""
    return ScriptedModelServer({name: queue() for name in names})


@pytest.fixture
def openai_server() -> Iterator[ScriptedModelServer]:
    with serving(*CODER_MODELS) as server:
        yield server


@pytest.fixture
def ollama_server() -> Iterator[ScriptedModelServer]:
    with serving(*VISION_MODELS) as server:
        yield server


# --- listing models ----------------------------------------------------------------------


def test_refresh_lists_the_models_of_an_openai_compatible_server(
    qapp, qtbot, desktop, openai_server
):
    async def scenario() -> None:
        dialog = await open_models(desktop)
        coder = dialog.role_form(Role.CODER)
        point_at(qtbot, coder, Provider.OPENAI, openai_server.base_url_openai)
        assert await refresh(qtbot, coder) == "ok"
        assert combo_items(coder) == CODER_MODELS
        assert coder.model_combo.currentText() == CODER_MODELS[0]  # nothing was typed
        assert coder.result_label.text() == "✓ 2 models on the server."
        press_cancel(qtbot, dialog)

    run_on_qt_loop(qapp, lambda: desktop.run(scenario))
    assert [r.path for r in openai_server.requests] == ["/v1/models"]


def test_refresh_lists_the_models_of_an_ollama_server_and_keeps_the_typed_one(
    qapp, qtbot, desktop, ollama_server
):
    async def scenario() -> None:
        dialog = await open_models(desktop)
        critic = dialog.role_form(Role.CRITIC)
        point_at(qtbot, critic, Provider.OLLAMA, ollama_server.base_url_ollama)
        type_model(qtbot, critic, "llava:13b")
        assert await refresh(qtbot, critic) == "ok"
        assert combo_items(critic) == VISION_MODELS
        assert critic.model_combo.currentText() == "llava:13b"
        press_cancel(qtbot, dialog)

    run_on_qt_loop(qapp, lambda: desktop.run(scenario))
    assert [r.path for r in ollama_server.requests] == ["/api/tags"]


@pytest.mark.parametrize("provider", [Provider.OPENAI, Provider.OLLAMA])
def test_refresh_against_a_server_that_is_down_says_why_and_keeps_the_model(
    qapp, qtbot, desktop, provider
):
    url = closed_port_url("/v1" if provider is Provider.OPENAI else "")

    async def scenario() -> None:
        dialog = await open_models(desktop)
        coder = dialog.role_form(Role.CODER)
        point_at(qtbot, coder, provider, url)
        type_model(qtbot, coder, "my-own-model")
        assert await refresh(qtbot, coder) == "error"
        text = coder.result_label.text()
        assert text.startswith("✗ cannot reach ") and url in text
        assert "connection refused" in text
        assert f"color: {RED}" in coder.result_label.styleSheet()
        assert coder.model_combo.currentText() == "my-own-model"
        press_cancel(qtbot, dialog)

    run_on_qt_loop(qapp, lambda: desktop.run(scenario))


def test_refresh_with_an_address_the_client_cannot_parse_still_answers(qapp, qtbot, desktop):
    async def scenario() -> None:
        dialog = await open_models(desktop)
        coder = dialog.role_form(Role.CODER)
        point_at(qtbot, coder, Provider.OLLAMA, "http://[::1")
        assert await refresh(qtbot, coder) == "error"
        assert "http://[::1" in coder.result_label.text()
        press_cancel(qtbot, dialog)

    run_on_qt_loop(qapp, lambda: desktop.run(scenario))


def test_refresh_gives_up_on_a_server_that_never_answers(qapp, qtbot, desktop, monkeypatch):
    monkeypatch.setattr(settings_flow, "LIST_TIMEOUT_S", 1.0)
    with socket.socket() as silent:  # accepts connections (backlog), never replies
        silent.bind(("127.0.0.1", 0))
        silent.listen(4)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/v1"

        async def scenario() -> None:
            dialog = await open_models(desktop)
            coder = dialog.role_form(Role.CODER)
            point_at(qtbot, coder, Provider.OPENAI, url)
            assert await refresh(qtbot, coder) == "error"
            assert "did not answer within 1 s" in coder.result_label.text()
            press_cancel(qtbot, dialog)

        run_on_qt_loop(qapp, lambda: desktop.run(scenario))


# --- testing the connection ----------------------------------------------------------------


def test_connection_test_names_the_model_the_server_offers(qapp, qtbot, desktop, openai_server):
    async def scenario() -> None:
        dialog = await open_models(desktop)
        coder = dialog.role_form(Role.CODER)
        point_at(qtbot, coder, Provider.OPENAI, openai_server.base_url_openai)
        type_model(qtbot, coder, "deepseek-coder-v2")
        assert await press_test(qtbot, coder) == "ok"
        assert coder.result_label.text() == (
            f"✓ Connected to {openai_server.base_url_openai}; deepseek-coder-v2 is available."
        )
        assert f"color: {GREEN}" in coder.result_label.styleSheet()
        press_cancel(qtbot, dialog)

    run_on_qt_loop(qapp, lambda: desktop.run(scenario))


def test_connection_test_fails_when_the_server_lacks_the_model(qapp, qtbot, desktop, ollama_server):
    async def scenario() -> None:
        dialog = await open_models(desktop)
        critic = dialog.role_form(Role.CRITIC)
        point_at(qtbot, critic, Provider.OLLAMA, ollama_server.base_url_ollama)
        type_model(qtbot, critic, "minicpm-v:8b")
        assert await press_test(qtbot, critic) == "error"
        text = critic.result_label.text()
        assert "does not offer 'minicpm-v:8b'" in text and "2 model(s)" in text
        assert f"color: {RED}" in critic.result_label.styleSheet()
        press_cancel(qtbot, dialog)

    run_on_qt_loop(qapp, lambda: desktop.run(scenario))


def test_connection_test_fails_when_the_server_lists_no_models(qapp, qtbot, desktop):
    with serving() as empty:

        async def scenario() -> None:
            dialog = await open_models(desktop)
            coder = dialog.role_form(Role.CODER)
            point_at(qtbot, coder, Provider.OLLAMA, empty.base_url_ollama)
            type_model(qtbot, coder, "qwen2.5-coder:7b")
            assert await press_test(qtbot, coder) == "error"
            assert "lists no models" in coder.result_label.text()
            press_cancel(qtbot, dialog)

        run_on_qt_loop(qapp, lambda: desktop.run(scenario))


def test_connection_test_with_a_wrong_key_reports_401_and_a_right_or_stored_key_works(
    qapp, qtbot, desktop, memory_keyring
):
    with ScriptedModelServer({"gpt-4o-mini": queue()}, require_api_key=KEY) as server:

        async def scenario() -> None:
            dialog = await open_models(desktop)
            coder = dialog.role_form(Role.CODER)
            point_at(qtbot, coder, Provider.OPENAI, server.base_url_openai)
            type_model(qtbot, coder, "gpt-4o-mini")
            qtbot.keyClicks(coder.api_key_edit, "sk-wrong-key")
            assert await press_test(qtbot, coder) == "error"
            text = coder.result_label.text()
            assert "rejected the API key (HTTP 401)" in text and server.base_url_openai in text
            assert "sk-wrong-key" not in text
            type_into(qtbot, coder.api_key_edit, KEY)
            assert await press_test(qtbot, coder) == "ok"
            # With the box empty, the key stored in the keyring is used.
            memory_keyring.set_password(KEYRING_SERVICE, "coder", KEY)
            coder.api_key_edit.clear()
            assert await press_test(qtbot, coder) == "ok"
            press_cancel(qtbot, dialog)

        run_on_qt_loop(qapp, lambda: desktop.run(scenario))
        sent = [r.headers.get("authorization") for r in server.requests]
    assert sent == ["Bearer sk-wrong-key", f"Bearer {KEY}", f"Bearer {KEY}"]


# --- saving --------------------------------------------------------------------------------


def test_ok_saves_the_roles_to_the_file_and_the_key_to_the_keyring(
    qapp, qtbot, tmp_path, desktop, memory_keyring, openai_server, ollama_server
):
    async def scenario() -> None:
        dialog = await open_models(desktop)
        assert dialog.same_as_critic_check.isChecked()  # nothing saved yet: as in the paper
        coder = dialog.role_form(Role.CODER)
        point_at(qtbot, coder, Provider.OPENAI, openai_server.base_url_openai)
        qtbot.keyClicks(coder.api_key_edit, KEY)
        assert await refresh(qtbot, coder) == "ok"
        coder.model_combo.setCurrentIndex(coder.model_combo.findText("deepseek-coder-v2"))
        dialog.tabs.setCurrentIndex(1)
        critic = dialog.role_form(Role.CRITIC)
        point_at(qtbot, critic, Provider.OLLAMA, ollama_server.base_url_ollama)
        assert await refresh(qtbot, critic) == "ok"
        await press_ok(qtbot, desktop, dialog)
        assert desktop.notices.level() == "success"
        assert str(desktop.settings_file) in desktop.notices.text()
        assert "keyring" in desktop.notices.text()

    run_on_qt_loop(qapp, lambda: desktop.run(scenario))
    roles = json.loads(desktop.settings_file.read_text())["roles"]
    assert set(roles) == {"coder", "critic"}  # feedback: same as the critic
    assert roles["coder"]["provider"] == "openai"
    assert roles["coder"]["base_url"] == openai_server.base_url_openai
    assert roles["coder"]["model"] == "deepseek-coder-v2"
    assert roles["critic"]["provider"] == "ollama"
    assert roles["critic"]["model"] == VISION_MODELS[0]
    assert files_containing(tmp_path, KEY) == []
    assert memory_keyring.entries == {(KEYRING_SERVICE, "coder"): KEY}
    settings = preflight.model_settings()
    assert isinstance(settings, ModelSettings)
    assert settings.coder.model == "deepseek-coder-v2"
    assert settings.coder.base_url == openai_server.base_url_openai
    assert settings.critic.base_url == ollama_server.base_url_ollama
    assert settings.feedback == settings.critic
    assert resolve_api_key(settings.coder, "coder") == KEY  # what a run will send


def test_a_critic_key_also_serves_feedback_when_it_is_the_same_model(
    qapp, qtbot, tmp_path, desktop, memory_keyring
):
    url = closed_port_url("/v1")  # OK does not need the server

    async def scenario() -> None:
        dialog = await open_models(desktop)
        for role, model in ((Role.CODER, "coder-model"), (Role.CRITIC, "vision-model")):
            form = dialog.role_form(role)
            point_at(qtbot, form, Provider.OPENAI, url)
            type_model(qtbot, form, model)
        qtbot.keyClicks(dialog.role_form(Role.CRITIC).api_key_edit, KEY)
        await press_ok(qtbot, desktop, dialog)

    run_on_qt_loop(qapp, lambda: desktop.run(scenario))
    assert memory_keyring.entries == {
        (KEYRING_SERVICE, "critic"): KEY,
        (KEYRING_SERVICE, "feedback"): KEY,
    }
    assert files_containing(tmp_path, KEY) == []
    settings = preflight.model_settings()
    assert isinstance(settings, ModelSettings)
    assert resolve_api_key(settings.feedback, "feedback") == KEY


def saved_roles(url: str) -> dict:
    coder = {"provider": "openai", "base_url": url, "model": "coder-model"}
    critic = {"provider": "openai", "base_url": url, "model": "vision-model"}
    return {"roles": {"coder": coder, "critic": critic}}


def test_forget_key_removes_the_stored_key_on_ok(qapp, qtbot, desktop, memory_keyring):
    desktop.config_dir.mkdir()
    desktop.settings_file.write_text(json.dumps(saved_roles(closed_port_url("/v1"))))
    memory_keyring.set_password(KEYRING_SERVICE, "coder", KEY)

    async def scenario() -> None:
        dialog = await open_models(desktop)
        coder = dialog.role_form(Role.CODER)
        assert coder.model_combo.currentText() == "coder-model"
        assert coder.api_key_edit.placeholderText() == "stored in the OS keyring"
        assert coder.clear_key_button.isVisible()
        assert not dialog.role_form(Role.CRITIC).clear_key_button.isVisible()
        qtbot.mouseClick(coder.clear_key_button, Qt.MouseButton.LeftButton)
        assert coder.clear_key_button.text() == "Keep key"
        await press_ok(qtbot, desktop, dialog)
        assert "removed from the system keyring" in desktop.notices.text()

    run_on_qt_loop(qapp, lambda: desktop.run(scenario))
    assert memory_keyring.entries == {}
    roles = json.loads(desktop.settings_file.read_text())["roles"]
    assert roles["coder"]["model"] == "coder-model" and "feedback" not in roles


def test_cancel_saves_nothing(qapp, qtbot, tmp_path, desktop, memory_keyring, openai_server):
    async def scenario() -> None:
        dialog = await open_models(desktop)
        coder = dialog.role_form(Role.CODER)
        point_at(qtbot, coder, Provider.OPENAI, openai_server.base_url_openai)
        type_model(qtbot, coder, "deepseek-coder-v2")
        qtbot.keyClicks(coder.api_key_edit, KEY)
        press_cancel(qtbot, dialog)
        await wait_until(lambda: desktop.flow.dialog is None, 5, "the dialog to close")

    run_on_qt_loop(qapp, lambda: desktop.run(scenario))
    assert not desktop.settings_file.exists()
    assert memory_keyring.entries == {}
    assert isinstance(preflight.model_settings(), preflight.Problem)


def test_a_broken_settings_file_is_named_in_an_error_and_no_dialog_opens(qapp, desktop):
    desktop.config_dir.mkdir()
    desktop.settings_file.write_text('{"roles": {"coder": ')

    async def scenario() -> None:
        desktop.window.settings_action.trigger()
        await desktop.controller.ops.wait_idle()
        assert desktop.notices.level() == "error"
        text = desktop.notices.text()
        assert f"cannot read settings file {desktop.settings_file}" in text
        assert "Fix or delete the file" in text
        assert desktop.flow.dialog is None
        assert shown_dialogs() == []

    run_on_qt_loop(qapp, lambda: desktop.run(scenario))
    assert desktop.settings_file.read_text() == '{"roles": {"coder": '  # left for the user


# --- detecting Ollama from the dialog ------------------------------------------------------


def test_detect_ollama_finds_the_server_at_ollama_host_and_uses_it(
    qapp, qtbot, desktop, monkeypatch, ollama_server
):
    monkeypatch.setenv("OLLAMA_HOST", f"127.0.0.1:{ollama_server.port}")  # Ollama's form

    async def scenario() -> None:
        dialog = await open_models(desktop)
        qtbot.mouseClick(dialog.detect_button, Qt.MouseButton.LeftButton)
        await wait_until(
            lambda: dialog.detect_label.property("status") != "busy", 10, "Ollama to be looked for"
        )
        assert dialog.detect_label.text() == (
            f"✓ Found Ollama at {ollama_server.base_url_ollama} with 2 models."
        )
        assert dialog.use_ollama_button.isVisible()
        qtbot.mouseClick(dialog.use_ollama_button, Qt.MouseButton.LeftButton)
        for role in (Role.CODER, Role.CRITIC):
            form = dialog.role_form(role)
            assert form.provider() is Provider.OLLAMA
            assert form.base_url_edit.text() == ollama_server.base_url_ollama
            assert combo_items(form) == VISION_MODELS
        press_cancel(qtbot, dialog)

    run_on_qt_loop(qapp, lambda: desktop.run(scenario))


def test_detect_ollama_says_where_it_looked_when_nothing_answers(qapp, qtbot, desktop):
    async def scenario() -> None:
        dialog = await open_models(desktop)
        qtbot.mouseClick(dialog.detect_button, Qt.MouseButton.LeftButton)
        await wait_until(
            lambda: dialog.detect_label.property("status") != "busy", 10, "Ollama to be looked for"
        )
        assert dialog.detect_label.property("status") == "error"
        assert dialog.detect_label.text().startswith(
            f"No Ollama found at {preflight.ollama_url()}. Install it from ollama.com"
        )
        assert dialog.detect_button.isEnabled()
        assert not dialog.use_ollama_button.isVisible()
        press_cancel(qtbot, dialog)

    run_on_qt_loop(qapp, lambda: desktop.run(scenario))


def test_the_sandbox_tab_saves_the_choice_and_new_runs_use_it(
    qapp, qtbot, tmp_path, desktop, memory_keyring
):
    url = closed_port_url("/v1")  # OK does not need the server

    async def scenario() -> None:
        dialog = await open_models(desktop)
        form = dialog.sandbox_form
        assert dialog.tabs.tabText(dialog.tabs.indexOf(form)) == "Sandbox"
        assert form.mode_combo.currentData() == "auto" and form.off_warning.isHidden()
        assert not form.all_scripts_check.isChecked() and form.internet_check.isChecked()
        for role in (Role.CODER, Role.CRITIC):
            point_at(qtbot, dialog.role_form(role), Provider.OPENAI, url)
            type_model(qtbot, dialog.role_form(role), "m")
        dialog.tabs.setCurrentWidget(form)
        form.mode_combo.setCurrentIndex(form.mode_combo.findData("off"))
        assert not form.off_warning.isHidden()  # the consequence is said before OK
        assert "read and write your files" in form.off_warning.text()
        qtbot.mouseClick(form.all_scripts_check, Qt.MouseButton.LeftButton)
        qtbot.mouseClick(form.internet_check, Qt.MouseButton.LeftButton)
        await press_ok(qtbot, desktop, dialog)

    run_on_qt_loop(qapp, lambda: desktop.run(scenario))
    saved = json.loads(desktop.settings_file.read_text())["sandbox"]
    assert saved == {"mode": "off", "dependency_scripts": "all", "page_internet": False}
    sandbox = desktop.controller.base_config.sandbox
    assert (str(sandbox.mode), str(sandbox.dependency_scripts)) == ("off", "all")
    assert not sandbox.page_internet
