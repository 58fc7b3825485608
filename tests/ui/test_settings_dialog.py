"""The model settings dialog, driven like a user under qtbot: real dialog, real widgets."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QDialog, QTabWidget

from agent_core.config import (
    DEFAULT_BASE_URLS,
    DependencyScripts,
    Provider,
    Role,
    RoleConfig,
    SandboxConfig,
    SandboxMode,
)
from ui.settings_dialog import KeyPlace, SettingsDialog

OLLAMA_URL = DEFAULT_BASE_URLS[Provider.OLLAMA]
OPENAI_URL = DEFAULT_BASE_URLS[Provider.OPENAI]
GREEN, RED = "#2e9d57", "#d1453b"

MakeDialog = Callable[..., SettingsDialog]


def sample_configs() -> dict[Role, RoleConfig]:
    """Three valid roles: a local Ollama coder and an OpenAI-compatible critic."""
    return {
        Role.CODER: RoleConfig(
            provider=Provider.OLLAMA,
            model="qwen2.5-coder:14b",
            base_url=OLLAMA_URL,
            context_length=32768,
            max_tokens=8192,
            temperature=0.2,
        ),
        Role.CRITIC: RoleConfig(
            provider=Provider.OPENAI,
            model="qwen2.5-vl-7b",
            base_url="http://127.0.0.1:9000/v1",
            api_key_env="WEBGEN_CRITIC_KEY",
            max_tokens=2048,
            temperature=0.0,
            timeout_s=90.0,
        ),
        Role.FEEDBACK: RoleConfig(
            provider=Provider.OPENAI,
            model="gpt-4o-mini",
            base_url="https://api.example.org/v1",
        ),
    }


@pytest.fixture
def make_dialog(qtbot) -> Iterator[MakeDialog]:
    """Build and show dialogs, and close every one of them after the test."""
    opened: list[SettingsDialog] = []

    def make(
        configs: dict[Role, RoleConfig] | None = None,
        *,
        stored: dict[Role, bool] | None = None,
        same: bool = False,
    ) -> SettingsDialog:
        dialog = SettingsDialog(
            configs or sample_configs(),
            stored_keys=stored or {role: False for role in Role},
            feedback_same_as_critic=same,
        )
        qtbot.addWidget(dialog)
        opened.append(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        return dialog

    yield make
    for dialog in opened:
        dialog.close()


def choose_provider(dialog: SettingsDialog, role: Role, provider: Provider) -> None:
    combo = dialog.role_form(role).provider_combo
    combo.setCurrentIndex(combo.findData(str(provider)))


def click_same_as_critic(qtbot, dialog: SettingsDialog) -> None:
    """Open the feedback tab and click the "Same as vision critic" box on its indicator."""
    dialog.tabs.setCurrentIndex(2)
    check = dialog.same_as_critic_check
    qtbot.mouseClick(check, Qt.MouseButton.LeftButton, pos=QPoint(6, check.height() // 2))


def set_text(qtbot, edit, text: str) -> None:
    edit.clear()
    qtbot.keyClicks(edit, text)


def test_initial_values_are_shown(make_dialog: MakeDialog) -> None:
    dialog = make_dialog(stored={Role.CODER: True, Role.CRITIC: False, Role.FEEDBACK: False})
    tabs = dialog.findChild(QTabWidget, "roleTabs")
    assert [tabs.tabText(i) for i in range(tabs.count())] == [
        "Coder",
        "Vision critic",
        "Feedback model",
        "Sandbox",
    ]
    coder = dialog.role_form(Role.CODER)
    assert coder.provider_combo.currentText() == "Ollama (local)"
    assert coder.base_url_edit.text() == OLLAMA_URL
    assert coder.model_combo.currentText() == "qwen2.5-coder:14b"
    assert coder.context_spin.value() == 32768 and coder.context_spin.isEnabled()
    assert coder.max_tokens_spin.value() == 8192
    assert coder.temperature_spin.value() == pytest.approx(0.2)
    assert coder.api_key_edit.placeholderText() == "stored in the OS keyring"
    assert not coder.clear_key_button.isHidden()
    critic = dialog.role_form(Role.CRITIC)
    assert critic.provider_combo.currentText() == "OpenAI-compatible server"
    assert critic.base_url_edit.text() == "http://127.0.0.1:9000/v1"
    assert not critic.context_spin.isEnabled()
    assert critic.api_key_edit.placeholderText() == "not needed for local servers"
    assert critic.clear_key_button.isHidden()
    assert (
        "never in settings files or run folders"
        in dialog.findChild(type(coder.result_label), "keyringNote").text()
    )
    assert dialog.validate() == []


def test_empty_base_url_shows_provider_default(make_dialog: MakeDialog) -> None:
    configs = sample_configs()
    configs[Role.CODER] = RoleConfig(provider=Provider.OLLAMA, model="llama3")
    dialog = make_dialog(configs)
    assert dialog.role_form(Role.CODER).base_url_edit.text() == OLLAMA_URL


def test_provider_switch_replaces_only_default_or_empty_url(qtbot, make_dialog) -> None:
    dialog = make_dialog()
    coder = dialog.role_form(Role.CODER)
    choose_provider(dialog, Role.CODER, Provider.OPENAI)
    assert coder.base_url_edit.text() == OPENAI_URL
    assert not coder.context_spin.isEnabled()
    choose_provider(dialog, Role.CODER, Provider.OLLAMA)
    assert coder.base_url_edit.text() == OLLAMA_URL
    assert coder.context_spin.isEnabled()
    assert "16k+ recommended" in coder.context_hint.text()

    critic = dialog.role_form(Role.CRITIC)  # a custom URL is the user's: it stays
    choose_provider(dialog, Role.CRITIC, Provider.OLLAMA)
    assert critic.base_url_edit.text() == "http://127.0.0.1:9000/v1"
    assert critic.context_spin.isEnabled()
    critic.base_url_edit.clear()
    choose_provider(dialog, Role.CRITIC, Provider.OPENAI)
    assert critic.base_url_edit.text() == OPENAI_URL


def test_refresh_asks_for_models_and_show_models_fills_the_list(qtbot, make_dialog) -> None:
    dialog = make_dialog()
    critic = dialog.role_form(Role.CRITIC)
    set_text(qtbot, critic.base_url_edit, "http://127.0.0.1:9100/v1")
    set_text(qtbot, critic.api_key_edit, "sk-typed")
    with qtbot.waitSignal(dialog.modelsRequested) as blocker:
        qtbot.mouseClick(critic.refresh_button, Qt.MouseButton.LeftButton)
    role, config, key = blocker.args
    assert role == "critic" and key == "sk-typed"
    assert config.base_url == "http://127.0.0.1:9100/v1" and config.model == "qwen2.5-vl-7b"
    assert config.provider is Provider.OPENAI
    assert not critic.refresh_button.isEnabled()
    assert critic.model_combo.lineEdit().placeholderText() == "loading…"
    assert "Loading models" in critic.result_label.text()

    dialog.show_models("critic", ["llava:13b", "qwen2.5-vl-7b", "gemma3:12b"])
    assert critic.refresh_button.isEnabled()
    combo = critic.model_combo
    assert [combo.itemText(i) for i in range(combo.count())] == [
        "llava:13b",
        "qwen2.5-vl-7b",
        "gemma3:12b",
    ]
    assert combo.currentText() == "qwen2.5-vl-7b"
    assert "3 models" in critic.result_label.text()


def test_refresh_without_a_typed_key_sends_empty_and_fills_an_empty_model(qtbot, make_dialog):
    configs = sample_configs()
    configs[Role.CODER] = RoleConfig(provider=Provider.OLLAMA, base_url=OLLAMA_URL)
    dialog = make_dialog(configs)
    coder = dialog.role_form(Role.CODER)
    with qtbot.waitSignal(dialog.modelsRequested) as blocker:
        qtbot.mouseClick(coder.refresh_button, Qt.MouseButton.LeftButton)
    assert blocker.args[0] == "coder" and blocker.args[2] == ""
    dialog.show_models("coder", ["deepseek-coder-v2", "qwen3:8b"])
    assert coder.model_combo.currentText() == "deepseek-coder-v2"


def test_show_models_error_keeps_the_typed_model_and_shows_red(qtbot, make_dialog) -> None:
    dialog = make_dialog()
    coder = dialog.role_form(Role.CODER)
    set_text(qtbot, coder.model_combo.lineEdit(), "my-own-model")
    qtbot.mouseClick(coder.refresh_button, Qt.MouseButton.LeftButton)
    error = "cannot reach http://localhost:11434: connection refused (is `ollama serve` running?)"
    dialog.show_models("coder", [], error)
    assert coder.model_combo.currentText() == "my-own-model"
    assert error in coder.result_label.text()
    assert RED in coder.result_label.styleSheet()
    assert coder.refresh_button.isEnabled()


def test_test_connection_shows_testing_then_green_or_red(qtbot, make_dialog) -> None:
    dialog = make_dialog()
    critic = dialog.role_form(Role.CRITIC)
    with qtbot.waitSignal(dialog.testRequested) as blocker:
        qtbot.mouseClick(critic.test_button, Qt.MouseButton.LeftButton)
    role, config, key = blocker.args
    assert (role, config.model, key) == ("critic", "qwen2.5-vl-7b", "")
    assert config.api_key_env == "WEBGEN_CRITIC_KEY"
    assert critic.result_label.text() == "Testing…"
    dialog.show_test_result("critic", True, "qwen2.5-vl-7b answered in 0.4 s")
    assert "answered in 0.4 s" in critic.result_label.text()
    assert GREEN in critic.result_label.styleSheet()
    assert critic.test_button.isEnabled()

    qtbot.mouseClick(critic.test_button, Qt.MouseButton.LeftButton)
    dialog.show_test_result("critic", False, "401 Unauthorized from http://127.0.0.1:9000/v1")
    assert "401 Unauthorized" in critic.result_label.text()
    assert RED in critic.result_label.styleSheet()


def test_validate_names_each_problem_with_its_role(qtbot, make_dialog) -> None:
    dialog = make_dialog()
    coder, critic = dialog.role_form(Role.CODER), dialog.role_form(Role.CRITIC)
    coder.model_combo.setEditText("")
    coder.context_spin.setValue(2048)
    set_text(qtbot, critic.base_url_edit, "localhost:9000/v1")
    assert dialog.validate() == [
        "Coder: choose a model.",
        "Coder: context length 2048 is too small for the coding prompt (use at least 8192)",
        "Vision critic: base URL must start with http:// or https://",
    ]


def test_validate_catches_ollama_v1_url_and_reply_bigger_than_context(make_dialog) -> None:
    dialog = make_dialog()
    coder = dialog.role_form(Role.CODER)
    coder.base_url_edit.setText("http://localhost:11434/v1")
    coder.context_spin.setValue(8192)
    coder.max_tokens_spin.setValue(8192)
    problems = dialog.validate()
    assert len(problems) == 2
    assert problems[0].startswith("Coder: base URL http://localhost:11434/v1 ends in /v1")
    assert "leaves no room for the prompt" in problems[1]
    coder.context_spin.setValue(1024)  # only Ollama has num_ctx; OpenAI servers set their own
    choose_provider(dialog, Role.CODER, Provider.OPENAI)
    assert dialog.validate() == []


def test_ok_with_problems_stays_open_and_shows_them(qtbot, make_dialog) -> None:
    dialog = make_dialog()
    critic = dialog.role_form(Role.CRITIC)
    critic.model_combo.setEditText("")
    qtbot.mouseClick(dialog.ok_button(), Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.problems_label.isVisible()
    assert dialog.problems_label.text() == "Vision critic: choose a model."
    assert RED in dialog.problems_label.styleSheet()
    assert dialog.tabs.currentIndex() == 1


def test_ok_when_valid_accepts_with_the_edited_values(qtbot, make_dialog) -> None:
    dialog = make_dialog()
    coder = dialog.role_form(Role.CODER)
    set_text(qtbot, coder.model_combo.lineEdit(), "qwen3-coder:30b")
    set_text(qtbot, coder.base_url_edit, "http://127.0.0.1:11500")
    coder.context_spin.setValue(65536)
    coder.max_tokens_spin.setValue(16384)
    coder.temperature_spin.setValue(0.65)
    choose_provider(dialog, Role.CRITIC, Provider.OLLAMA)
    set_text(qtbot, dialog.role_form(Role.CRITIC).base_url_edit, "http://127.0.0.1:11434")
    with qtbot.waitSignal(dialog.accepted):
        qtbot.mouseClick(dialog.ok_button(), Qt.MouseButton.LeftButton)
    assert not dialog.isVisible() and dialog.result() == QDialog.DialogCode.Accepted
    configs = dialog.configs()
    assert configs[Role.CODER] == RoleConfig(
        provider=Provider.OLLAMA,
        model="qwen3-coder:30b",
        base_url="http://127.0.0.1:11500",
        context_length=65536,
        max_tokens=16384,
        temperature=0.65,
    )
    critic = configs[Role.CRITIC]
    assert critic.provider is Provider.OLLAMA and critic.base_url == "http://127.0.0.1:11434"
    assert (critic.api_key_env, critic.timeout_s) == ("WEBGEN_CRITIC_KEY", 90.0)
    assert configs[Role.FEEDBACK].model == "gpt-4o-mini"


def test_cancel_discards(qtbot, make_dialog) -> None:
    dialog = make_dialog()
    with qtbot.waitSignal(dialog.rejected):
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible() and dialog.result() == QDialog.DialogCode.Rejected


def test_feedback_same_as_critic(qtbot, make_dialog) -> None:
    dialog = make_dialog(same=True)
    feedback = dialog.role_form(Role.FEEDBACK)
    assert dialog.feedback_same_as_critic() and not feedback.isEnabled()
    feedback.model_combo.setEditText("")  # a disabled form's problems do not count
    assert dialog.validate() == []
    assert dialog.configs()[Role.FEEDBACK] == dialog.configs()[Role.CRITIC]

    click_same_as_critic(qtbot, dialog)
    assert not dialog.feedback_same_as_critic() and feedback.isEnabled()
    assert dialog.validate() == ["Feedback model: choose a model."]
    feedback.model_combo.setEditText("gpt-4o-mini")
    assert dialog.configs()[Role.FEEDBACK].base_url == "https://api.example.org/v1"


def test_api_keys_unchanged_forgotten_or_new(qtbot, make_dialog) -> None:
    dialog = make_dialog(stored={Role.CODER: True, Role.CRITIC: True, Role.FEEDBACK: False})
    assert dialog.api_keys() == {Role.CODER: None, Role.CRITIC: None, Role.FEEDBACK: None}
    coder, critic = dialog.role_form(Role.CODER), dialog.role_form(Role.CRITIC)
    assert coder.api_key_edit.echoMode() == coder.api_key_edit.EchoMode.Password
    qtbot.mouseClick(coder.clear_key_button, Qt.MouseButton.LeftButton)
    assert coder.clear_key_button.text() == "Keep key"
    set_text(qtbot, critic.api_key_edit, "sk-new-critic")
    assert dialog.api_keys() == {Role.CODER: "", Role.CRITIC: "sk-new-critic", Role.FEEDBACK: None}
    qtbot.mouseClick(coder.clear_key_button, Qt.MouseButton.LeftButton)  # changed my mind
    assert dialog.api_keys()[Role.CODER] is None

    click_same_as_critic(qtbot, dialog)
    assert dialog.api_keys()[Role.FEEDBACK] == "sk-new-critic"


def test_where_keys_are_kept_and_the_no_keyring_warning_are_shown_per_role(make_dialog) -> None:
    dialog = make_dialog()
    coder, critic = dialog.role_form(Role.CODER), dialog.role_form(Role.CRITIC)
    feedback = dialog.role_form(Role.FEEDBACK)
    dialog.show_key_storage(
        {Role.CODER: KeyPlace.SESSION, Role.CRITIC: KeyPlace.NONE, Role.FEEDBACK: KeyPlace.NONE},
        no_keyring="No keyring here.",
        env_names={Role.CRITIC: "WEBGEN_CRITIC_KEY"},
    )
    assert coder.api_key_edit.placeholderText() == "kept for this session only (not saved)"
    assert coder.clear_key_button.isVisible() and not critic.clear_key_button.isVisible()
    assert coder.key_field.note_label.isVisible()
    assert coder.key_field.note_label.text() == (
        "⚠ No keyring here. A key typed here is kept in memory for this session only and is "
        "gone when you quit WebGen Studio. To keep it, set WEBGEN_CODER_API_KEY in the "
        "environment before starting WebGen Studio.")
    assert "set WEBGEN_CRITIC_KEY in the environment" in critic.key_field.note_label.text()
    assert "set WEBGEN_FEEDBACK_API_KEY in" in feedback.key_field.note_label.text()
    assert dialog.keyring_note.text().startswith("No system keyring is available")

    dialog.show_key_storage({Role.CODER: KeyPlace.KEYRING})  # a keyring after all
    assert coder.api_key_edit.placeholderText() == "stored in the OS keyring"
    assert not coder.key_field.note_label.isVisible()
    assert "never in settings files or run folders" in dialog.keyring_note.text()
    assert "session" not in dialog.keyring_note.text()


def test_until_the_app_answers_the_key_box_says_it_is_checking(qtbot) -> None:
    dialog = SettingsDialog(sample_configs(), feedback_same_as_critic=False)
    qtbot.addWidget(dialog)
    coder = dialog.role_form(Role.CODER)
    assert not dialog.key_storage_known()
    assert coder.api_key_edit.placeholderText() == "checking the system keyring…"
    dialog.show_key_storage(dict.fromkeys(Role, KeyPlace.NONE))
    assert dialog.key_storage_known()
    assert coder.api_key_edit.placeholderText() == "not needed for local servers"


def test_detect_ollama_not_found(qtbot, make_dialog) -> None:
    dialog = make_dialog()
    with qtbot.waitSignal(dialog.detectOllamaRequested):
        qtbot.mouseClick(dialog.detect_button, Qt.MouseButton.LeftButton)
    assert not dialog.detect_button.isEnabled()
    dialog.show_ollama_detected(None, [])
    assert dialog.detect_button.isEnabled()
    assert dialog.detect_label.text() == (
        "No Ollama found at http://localhost:11434. Install it from ollama.com and run "
        "`ollama serve`, or choose an OpenAI-compatible server."
    )
    assert dialog.use_ollama_button.isHidden()


def test_detect_ollama_found_and_use_it_for_all_roles(qtbot, make_dialog) -> None:
    dialog = make_dialog()
    qtbot.mouseClick(dialog.detect_button, Qt.MouseButton.LeftButton)
    models = ["llava:13b", "qwen2.5-coder:14b"]
    dialog.show_ollama_detected("http://127.0.0.1:11434", models)
    assert "Found Ollama at http://127.0.0.1:11434 with 2 models" in dialog.detect_label.text()
    assert not dialog.use_ollama_button.isHidden()
    qtbot.mouseClick(dialog.use_ollama_button, Qt.MouseButton.LeftButton)
    for role in Role:
        form = dialog.role_form(role)
        assert form.provider_combo.currentText() == "Ollama (local)"
        assert form.base_url_edit.text() == "http://127.0.0.1:11434"
        assert form.context_spin.isEnabled()
        assert [form.model_combo.itemText(i) for i in range(form.model_combo.count())] == models
    configs = dialog.configs()
    assert configs[Role.CODER].model == "qwen2.5-coder:14b"  # listed: kept
    assert configs[Role.CRITIC].model == "llava:13b"  # not listed: first model
    assert dialog.validate() == []


def test_the_sandbox_tab_shows_the_settings_and_warns_when_off(make_dialog: MakeDialog) -> None:
    dialog = make_dialog(stored={})
    form = dialog.sandbox_form
    assert form.config() == SandboxConfig()  # defaults: auto, allow-list, internet allowed
    form.mode_combo.setCurrentIndex(form.mode_combo.findData("off"))
    assert not form.off_warning.isHidden()
    form.internet_check.setChecked(False)
    form.all_scripts_check.setChecked(True)
    assert dialog.sandbox_config() == SandboxConfig(
        SandboxMode.OFF, DependencyScripts.ALL, page_internet=False)
    form.mode_combo.setCurrentIndex(form.mode_combo.findData("bwrap"))
    assert form.off_warning.isHidden()


def test_each_role_has_a_reply_format(make_dialog: MakeDialog) -> None:
    dialog = make_dialog(stored={})
    coder = dialog.role_form(Role.CODER)
    assert coder.reply_format_combo.currentData() == "auto"  # the default
    coder.reply_format_combo.setCurrentIndex(coder.reply_format_combo.findData("structured"))
    critic = dialog.role_form(Role.CRITIC)
    critic.reply_format_combo.setCurrentIndex(critic.reply_format_combo.findData("text"))
    configs = dialog.configs()
    assert (configs[Role.CODER].reply_format, configs[Role.CRITIC].reply_format) == (
        "structured", "text")


def test_each_role_says_whether_it_reads_images(make_dialog: MakeDialog) -> None:
    dialog = make_dialog(stored={})
    coder = dialog.role_form(Role.CODER)
    assert coder.vision_combo.currentText() == "Guess from the model's name"  # the default
    coder.vision_combo.setCurrentIndex(coder.vision_combo.findData("no"))
    assert coder.vision_combo.currentText() == "No: describe pictures to it"
    assert dialog.configs()[Role.CODER].vision == "no"
