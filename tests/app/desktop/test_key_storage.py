"""The Models dialog on a machine whose keyring cannot keep keys: said before OK, key not lost.

The keyring is a real backend that fails (``NoKeyring``, keyring's own ``fail`` backend) or
refuses to store (``LockedForWriting``); model servers are scripted loopback servers that
demand the key, so what a run sends is what the server saw.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import keyring.backends.fail
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from agent_core.config import ModelSettings, Provider, Role, RoleConfig, RunConfig
from agent_core.llm.factory import resolve_api_key
from app.desktop import preflight
from app.desktop.session import SessionStatus
from tests.fakes.model_server import ScriptedModelServer, queue
from tests.support.agent import CODER, CRITIC, FAST_TIMEOUTS, coder_reply, graded, settings_for
from tests.support.desktop import closed_port_url, drive, make_desk, write_settings
from tests.support.keyring_backend import LockedForWriting, NoKeyring, installed
from tests.support.models_dialog import (
    files_containing,
    open_models,
    press_ok,
    press_test,
    type_into,
)
from ui.settings_dialog import SettingsDialog

pytestmark = pytest.mark.slow
KEY = "sk-typed-4b9e-only-in-memory"
PAGE = {"index.html": "<!doctype html><title>Bakery</title><h1>Fresh bread</h1>"}


@pytest.fixture(params=["no-backend", "keyring-fail"])
def no_keyring(request):
    """No usable keyring: a backend that raises ``NoKeyringError`` on every call."""
    backend = NoKeyring() if request.param == "no-backend" else keyring.backends.fail.Keyring()
    with installed(backend):
        yield backend


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """Settings, state and runs under ``tmp_path``; no Ollama of the machine is found."""
    monkeypatch.setenv("WEBGEN_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("WEBGEN_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("OLLAMA_HOST", closed_port_url())
    return tmp_path


def texts_shown(dialog: SettingsDialog) -> str:
    """Every label's text in the dialog, visible or not."""
    return "\n".join(label.text() for label in dialog.findChildren(QLabel))


def test_without_a_keyring_the_dialog_says_so_under_each_key_before_ok(qapp, qtbot, home,
                                                                       no_keyring):
    url = closed_port_url("/v1")
    roles = {"coder": {"provider": "openai", "base_url": url, "model": "c",
                       "api_key_env": "OPENROUTER_API_KEY"},
             "critic": {"provider": "openai", "base_url": url, "model": "v"}}
    (home / "config").mkdir()
    (home / "config" / "settings.json").write_text(json.dumps({"roles": roles}))
    desk = make_desk(qtbot, home, RunConfig())

    async def scenario() -> None:
        dialog = await open_models(desk)
        coder, critic = dialog.role_form(Role.CODER), dialog.role_form(Role.CRITIC)
        for form, variable in ((coder, "OPENROUTER_API_KEY"), (critic, "WEBGEN_CRITIC_API_KEY")):
            note = form.key_field.note_label
            dialog.tabs.setCurrentWidget(form)
            assert note.isVisible()
            assert note.text().startswith("⚠ No system keyring is available on this computer")
            assert "kept in memory for this session only" in note.text()
            assert f"set {variable} in the environment" in note.text()
        assert dialog.keyring_note.text().startswith("No system keyring is available")
        assert coder.api_key_edit.placeholderText() == "not needed for local servers"
        assert not coder.clear_key_button.isVisible()
        assert "NoKeyringError" not in texts_shown(dialog) + desk.notices.text()

    drive(qapp, desk, scenario)


def test_a_key_typed_without_a_keyring_is_kept_for_the_session_and_sent_by_the_next_run(
    qapp, qtbot, home, no_keyring, caplog
):
    server = ScriptedModelServer(
        {CODER: queue(coder_reply(PAGE), coder_reply(signal="finish")), CRITIC: graded(4)},
        require_api_key=KEY,
    )
    with server:
        write_settings(home / "config", settings_for(server, "openai"))
        desk = make_desk(qtbot, home, RunConfig(gui_testing=False, timeouts=FAST_TIMEOUTS))

        async def scenario() -> None:
            dialog = await open_models(desk)
            for role in Role:
                qtbot.keyClicks(dialog.role_form(role).api_key_edit, KEY)
            await press_ok(qtbot, desk, dialog)
            text = desk.notices.text()
            assert desk.notices.level() == "warning"
            assert "No system keyring is available, so the coder, critic and feedback keys " \
                   "are kept in memory for this session only" in text
            assert "set WEBGEN_CODER_API_KEY, WEBGEN_CRITIC_API_KEY and " \
                   "WEBGEN_FEEDBACK_API_KEY in the environment" in text
            assert "NoKeyringError" not in text and KEY not in text
            await desk.send(qtbot, "A one-page site for a bakery.")
            await desk.wait_status(SessionStatus.FINISHED, SessionStatus.FAILED, timeout_s=90)
            assert desk.controller.session.status is SessionStatus.FINISHED, desk.notices.text()
            assert [s.index for s in desk.controller.session.store.steps()] == [1, 2]
            # Opened again in this session, the dialog says where the key is.
            again = await open_models(desk)
            coder = again.role_form(Role.CODER)
            assert coder.api_key_edit.placeholderText() == "kept for this session only (not saved)"
            assert coder.clear_key_button.isVisible()

        with caplog.at_level(logging.DEBUG):
            drive(qapp, desk, scenario)
        # The context probes (llama.cpp's /props...) are sent without a key by design.
        calls = [r for r in server.requests if r.path.startswith("/v1/")]
    assert len(calls) >= 3  # the coder twice and the critic at least once
    assert {r.headers.get("authorization") for r in calls} == {f"Bearer {KEY}"}
    assert files_containing(home, KEY) == []
    assert KEY not in caplog.text


def test_a_keyring_that_refuses_to_store_keeps_the_key_for_the_session(qapp, qtbot, home):
    with installed(LockedForWriting()), ScriptedModelServer(
        {"gpt-4o-mini": queue()}, require_api_key=KEY
    ) as server:
        desk = make_desk(qtbot, home, RunConfig())

        async def scenario() -> None:
            dialog = await open_models(desk)
            coder = dialog.role_form(Role.CODER)
            assert not coder.key_field.note_label.isVisible()  # reading worked: no warning yet
            coder.provider_combo.setCurrentIndex(coder.provider_combo.findData("openai"))
            type_into(qtbot, coder.base_url_edit, server.base_url_openai)
            type_into(qtbot, coder.model_combo.lineEdit(), "gpt-4o-mini")
            dialog.tabs.setCurrentIndex(1)
            critic = dialog.role_form(Role.CRITIC)
            type_into(qtbot, critic.model_combo.lineEdit(), "llava")
            qtbot.keyClicks(coder.api_key_edit, KEY)
            await press_ok(qtbot, desk, dialog)
            text = desk.notices.text()
            assert "The system keyring refused the key (it may be locked), so the coder key " \
                   "is kept in memory for this session only" in text
            assert "set WEBGEN_CODER_API_KEY in the environment" in text
            # The Test button with an empty box uses the key kept for this session.
            again = await open_models(desk)
            assert await press_test(qtbot, again.role_form(Role.CODER)) == "ok"

        drive(qapp, desk, scenario)
    assert [r.headers.get("authorization") for r in server.requests] == [f"Bearer {KEY}"]
    settings = preflight.model_settings()
    assert isinstance(settings, ModelSettings)
    assert resolve_api_key(settings.coder, "coder") == KEY


def test_forget_key_drops_a_key_kept_for_the_session(qapp, qtbot, home, no_keyring):
    write_settings(home / "config", ModelSettings(
        *(RoleConfig(provider=Provider.OPENAI, base_url=closed_port_url("/v1"), model=m)
          for m in ("c", "v", "f"))))  # fmt: skip
    desk = make_desk(qtbot, home, RunConfig())

    async def scenario() -> None:
        dialog = await open_models(desk)
        qtbot.keyClicks(dialog.role_form(Role.CODER).api_key_edit, KEY)
        await press_ok(qtbot, desk, dialog)
        settings = preflight.model_settings()
        assert resolve_api_key(settings.coder, "coder") == KEY
        dialog = await open_models(desk)
        coder = dialog.role_form(Role.CODER)
        qtbot.mouseClick(coder.clear_key_button, Qt.MouseButton.LeftButton)
        assert coder.api_key_edit.placeholderText() == (
            "the key kept for this session will be dropped when you press OK")
        await press_ok(qtbot, desk, dialog)
        assert "The API key kept for this session was dropped." in desk.notices.text()
        assert resolve_api_key(settings.coder, "coder") is None

    drive(qapp, desk, scenario)
