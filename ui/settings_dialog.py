"""The model settings dialog: one tab per role, keys kept in the OS keyring.

The dialog never talks to a model server. Listing models, testing a connection and looking
for Ollama are asked for with signals; the app answers through ``show_models``,
``show_test_result`` and ``show_ollama_detected``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from agent_core.config import DEFAULT_BASE_URLS, Provider, Role, RoleConfig, SandboxConfig
from agent_core.llm.keys import role_key_env
from ui.naming import named
from ui.settings_key_field import KeyPlace, no_keyring_text
from ui.settings_role_form import (
    ERROR_COLOUR,
    OK_COLOUR,
    ROLE_TITLES,
    RoleForm,
    set_status,
)
from ui.settings_sandbox_form import SandboxForm

__all__ = ["KeyPlace", "RoleForm", "SettingsDialog"]

KEYRING_NOTE = "API keys are kept in your system keyring, never in settings files or run folders."
NO_KEYRING_NOTE = (
    "No system keyring is available: API keys typed here are kept in memory for this session "
    "only, never in settings files or run folders."
)
ROLE_ORDER = (Role.CODER, Role.CRITIC, Role.FEEDBACK)


class SettingsDialog(QDialog):
    """Edit the coder, vision critic and feedback model settings.

    Signals:
        modelsRequested(str, object, str): role id, the form's RoleConfig, the API key typed
            now ("" means use the stored one). Answer with ``show_models``.
        testRequested(str, object, str): same arguments; answer with ``show_test_result``.
        detectOllamaRequested(): the user pressed "Detect Ollama"; answer with
            ``show_ollama_detected``.
    """

    modelsRequested = Signal(str, object, str)
    testRequested = Signal(str, object, str)
    detectOllamaRequested = Signal()

    def __init__(
        self,
        configs: Mapping[Role, RoleConfig],
        *,
        stored_keys: Mapping[Role, bool] | None = None,
        feedback_same_as_critic: bool,
        sandbox: SandboxConfig | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setWindowTitle("Model settings")
        self.setMinimumWidth(620)
        self._forms = {
            role: RoleForm(
                role, configs.get(role, RoleConfig()), key_place=_place(stored_keys, role)
            )
            for role in ROLE_ORDER
        }
        self.sandbox_form = SandboxForm(sandbox or SandboxConfig())
        self._detected: tuple[str, tuple[str, ...]] | None = None
        layout = QVBoxLayout(self)
        layout.addLayout(self._build_top())
        layout.addWidget(self._build_tabs(feedback_same_as_critic))
        self.problems_label = named(QLabel(), "problemsLabel")
        self.problems_label.setWordWrap(True)
        self.problems_label.setVisible(False)
        set_status(self.problems_label, "", ERROR_COLOUR, "error")
        layout.addWidget(self.problems_label)
        layout.addWidget(self._build_buttons())
        for form in self._forms.values():
            form.modelsRequested.connect(self.modelsRequested)
            form.testRequested.connect(self.testRequested)

    # ---- construction -------------------------------------------------------------------

    def _build_top(self) -> QVBoxLayout:
        self.keyring_note = note = named(QLabel(KEYRING_NOTE), "keyringNote")
        note.setWordWrap(True)
        self.detect_button = named(QPushButton("Detect Ollama"), "detectOllamaButton")
        self.detect_button.setToolTip(
            f"Look for a local Ollama server at {DEFAULT_BASE_URLS[Provider.OLLAMA]}"
        )
        self.detect_button.clicked.connect(self._request_detect)
        self.detect_label = named(QLabel(), "detectLabel")
        self.detect_label.setWordWrap(True)
        self.use_ollama_button = named(QPushButton("Use Ollama for all roles"), "useOllamaButton")
        self.use_ollama_button.setToolTip(
            "Set every role to the Ollama server found, and fill in its models"
        )
        self.use_ollama_button.setVisible(False)
        self.use_ollama_button.clicked.connect(self.use_ollama_for_all_roles)
        first, second = QHBoxLayout(), QHBoxLayout()
        first.addWidget(note, 1)
        first.addWidget(self.detect_button)
        second.addWidget(self.detect_label, 1)
        second.addWidget(self.use_ollama_button)
        top = QVBoxLayout()
        top.addLayout(first)
        top.addLayout(second)
        return top

    def _build_tabs(self, same_as_critic: bool) -> QTabWidget:
        self.tabs = named(QTabWidget(), "roleTabs")
        self.tabs.addTab(self._forms[Role.CODER], ROLE_TITLES[Role.CODER])
        self.tabs.addTab(self._forms[Role.CRITIC], ROLE_TITLES[Role.CRITIC])
        page = named(QWidget(), "feedbackPage")
        box = QVBoxLayout(page)
        box.setContentsMargins(0, 0, 0, 0)
        self.same_as_critic_check = named(QCheckBox("Same as vision critic"), "sameAsCriticCheck")
        self.same_as_critic_check.setToolTip(
            "Let the vision critic's model also write the feedback, as in the paper"
        )
        self.same_as_critic_check.toggled.connect(self._same_as_critic_toggled)
        self.same_as_critic_check.setChecked(same_as_critic)
        self._same_as_critic_toggled(same_as_critic)
        box.addWidget(self.same_as_critic_check)
        box.addWidget(self._forms[Role.FEEDBACK], 1)
        self.tabs.addTab(page, ROLE_TITLES[Role.FEEDBACK])
        self.tabs.addTab(self.sandbox_form, "Sandbox")
        return self.tabs

    def _build_buttons(self) -> QDialogButtonBox:
        self.button_box = named(
            QDialogButtonBox(
                QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
            ),
            "buttonBox",
        )
        ok = self.button_box.button(QDialogButtonBox.StandardButton.Ok)
        ok.setToolTip("Check and save these settings (Enter)")
        cancel = self.button_box.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setToolTip("Close without saving anything (Esc)")
        self.button_box.accepted.connect(self._try_accept)
        self.button_box.rejected.connect(self.reject)
        return self.button_box

    # ---- public API ---------------------------------------------------------------------

    def role_form(self, role: Role) -> RoleForm:
        """The form of ``role`` (its widgets are public for tests)."""
        return self._forms[Role(role)]

    def ok_button(self) -> QPushButton:
        """The OK button."""
        return self.button_box.button(QDialogButtonBox.StandardButton.Ok)

    def show_key_storage(
        self,
        places: Mapping[Role, KeyPlace],
        *,
        no_keyring: str | None = None,
        env_names: Mapping[Role, str] | None = None,
    ) -> None:
        """Say where each role's key is kept, and warn before OK when no keyring can keep one.

        Args:
            places: Where each role's key is kept now.
            no_keyring: Why no keyring can keep keys, in plain words; None when one can.
            env_names: Per role, the environment variable its key is read from (named in the
                warning as the way to keep a key across sessions).
        """
        for role, form in self._forms.items():
            form.key_field.set_place(places.get(role, KeyPlace.NONE))
            env = (env_names or {}).get(role) or role_key_env(str(role))
            form.key_field.show_no_keyring(no_keyring_text(no_keyring, env) if no_keyring else None)
        self.keyring_note.setText(NO_KEYRING_NOTE if no_keyring else KEYRING_NOTE)

    def key_storage_known(self) -> bool:
        """Whether the app has said where the keys are kept (see ``show_key_storage``)."""
        return all(f.key_field.place() is not KeyPlace.UNKNOWN for f in self._forms.values())

    def show_models(self, role: str, names: Sequence[str], error: str | None = None) -> None:
        """Answer a ``modelsRequested``: fill the role's model list or show the error.

        Args:
            role: Role id ("coder", "critic" or "feedback").
            names: Models the server lists (ignored when ``error`` is set).
            error: Why listing failed, shown in red; the typed model stays.
        """
        self._forms[Role(role)].show_models(list(names), error)

    def show_test_result(self, role: str, ok: bool, message: str) -> None:
        """Answer a ``testRequested`` with the outcome, in green when ``ok`` else red."""
        self._forms[Role(role)].show_test_result(ok, message)

    def show_ollama_detected(
        self, url: str | None, models: Sequence[str], *, searched: str | None = None
    ) -> None:
        """Answer ``detectOllamaRequested``.

        Args:
            url: Where Ollama answered, or None when it did not.
            models: Models that server has.
            searched: Where the app looked (e.g. from ``OLLAMA_HOST``), named when
                nothing answered; the usual local address when not given.
        """
        self.detect_button.setEnabled(True)
        if url is None:
            self._detected = None
            self.use_ollama_button.setVisible(False)
            set_status(
                self.detect_label,
                f"No Ollama found at {searched or DEFAULT_BASE_URLS[Provider.OLLAMA]}. "
                "Install it from ollama.com and run `ollama serve`, or choose an "
                "OpenAI-compatible server.",
                ERROR_COLOUR,
                "error",
            )
            return
        self._detected = (url, tuple(models))
        if models:
            noun = "model" if len(models) == 1 else "models"
            text = f"✓ Found Ollama at {url} with {len(models)} {noun}."
        else:
            text = (
                f"✓ Found Ollama at {url}, but it has no models yet: "
                "run `ollama pull <model>` first."
            )
        set_status(self.detect_label, text, OK_COLOUR, "ok")
        self.use_ollama_button.setVisible(True)

    @Slot()
    def use_ollama_for_all_roles(self) -> None:
        """Point every role at the detected Ollama and fill in its models.

        A model already chosen stays when Ollama has it; otherwise the first listed one is
        chosen. Does nothing before Ollama was detected.
        """
        if self._detected is None:
            return
        url, models = self._detected
        for form in self._forms.values():
            form.use_server(Provider.OLLAMA, url)
            form.fill_models(models, replace_unlisted=True)
        set_status(
            self.detect_label,
            f"✓ All roles now use Ollama at {url}. Check each role's model before pressing OK.",
            OK_COLOUR,
            "ok",
        )

    def validate(self) -> list[str]:
        """What is wrong with the settings, as messages for the user; empty when valid."""
        return [message for _role, message, _widget in self._problems()]

    def configs(self) -> dict[Role, RoleConfig]:
        """The settings of every role as the user set them.

        The feedback role gets the critic's settings when "Same as vision critic" is checked.
        """
        result = {role: form.config() for role, form in self._forms.items()}
        if self.feedback_same_as_critic():
            result[Role.FEEDBACK] = result[Role.CRITIC]
        return result

    def sandbox_config(self) -> SandboxConfig:
        """The sandbox settings as the Sandbox tab shows them."""
        return self.sandbox_form.config()

    def feedback_same_as_critic(self) -> bool:
        """Whether the feedback role reuses the vision critic's settings."""
        return self.same_as_critic_check.isChecked()

    def api_keys(self) -> dict[Role, str | None]:
        """Key changes per role: None keeps the stored key, "" deletes it, text replaces it.

        With "Same as vision critic" checked, the feedback role gets the critic's change,
        because it talks to the same server.
        """
        keys = {role: form.api_key() for role, form in self._forms.items()}
        if self.feedback_same_as_critic():
            keys[Role.FEEDBACK] = keys[Role.CRITIC]
        return keys

    # ---- internals ----------------------------------------------------------------------

    def _problems(self) -> list[tuple[Role, str, QWidget]]:
        found: list[tuple[Role, str, QWidget]] = []
        for role in ROLE_ORDER:
            if role is Role.FEEDBACK and self.feedback_same_as_critic():
                continue
            found.extend(
                (role, message, widget) for message, widget in self._forms[role].problems()
            )
        return found

    @Slot()
    def _try_accept(self) -> None:
        problems = self._problems()
        if not problems:
            self.problems_label.setVisible(False)
            self.accept()
            return
        self.problems_label.setText("\n".join(message for _r, message, _w in problems))
        self.problems_label.setVisible(True)
        role, _message, widget = problems[0]
        self.tabs.setCurrentIndex(ROLE_ORDER.index(role))
        widget.setFocus()

    @Slot(bool)
    def _same_as_critic_toggled(self, checked: bool) -> None:
        self._forms[Role.FEEDBACK].setEnabled(not checked)

    @Slot()
    def _request_detect(self) -> None:
        self.detect_button.setEnabled(False)
        self.use_ollama_button.setVisible(False)
        set_status(self.detect_label, "Looking for Ollama…", None, "busy")
        self.detectOllamaRequested.emit()


def _place(stored_keys: Mapping[Role, bool] | None, role: Role) -> KeyPlace:
    """A role's key place from the constructor's ``stored_keys`` (None: not known yet)."""
    if stored_keys is None:
        return KeyPlace.UNKNOWN
    return KeyPlace.KEYRING if stored_keys.get(role, False) else KeyPlace.NONE
