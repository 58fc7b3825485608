"""One model role's settings form: provider, server, model, key and sampling knobs.

The form renders a ``RoleConfig`` and emits intents (list models, test the connection);
it never talks to a server itself. ``SettingsDialog`` holds one form per role.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from urllib.parse import urlsplit

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from agent_core.config import DEFAULT_BASE_URLS, MIN_CONTEXT, Provider, Role, RoleConfig
from ui.naming import named
from ui.settings_key_field import KeyField, KeyPlace

ROLE_TITLES = {Role.CODER: "Coder", Role.CRITIC: "Vision critic", Role.FEEDBACK: "Feedback model"}
PROVIDER_LABELS = {Provider.OLLAMA: "Ollama (local)", Provider.OPENAI: "OpenAI-compatible server"}
MIN_CONTEXT_REASON = {
    Role.CODER: "the coding prompt",
    Role.CRITIC: "a screenshot and its prompt",
    Role.FEEDBACK: "a screenshot and its prompt",
}
OK_COLOUR, WARN_COLOUR, ERROR_COLOUR = "#2e9d57", "#c98a0b", "#d1453b"
CONTEXT_HINT_OLLAMA = "Small contexts break the long coding prompt: 16k+ recommended"
CONTEXT_HINT_OPENAI = "An OpenAI-compatible server sets the context length itself."


def set_status(label: QLabel, text: str, colour: str | None = None, status: str = "") -> None:
    """Show ``text`` in ``label``, in a semantic colour or the palette's text colour.

    Args:
        label: The label to update.
        text: What to show; empty hides nothing, it just clears.
        colour: A hex colour, or None for the normal text colour.
        status: A word tests and stylesheets can read back ("ok", "error", "busy", ...).
    """
    label.setText(text)
    label.setStyleSheet(f"color: {colour};" if colour else "")
    label.setProperty("status", status)


VISION_CHOICES = (
    ("auto", "Guess from the model's name"),
    ("yes", "Yes"),
    ("no", "No: describe pictures to it"),
)
"""The values of ``RoleConfig.vision`` and what the Models dialog calls them."""
REPLY_FORMAT_CHOICES = (
    ("auto", "Auto: structured when the model keeps missing the format"),
    ("text", "Text"),
    ("structured", "Structured (JSON under a schema)"),
)


class RoleForm(QWidget):
    """Settings of one role, editable by the user.

    Signals:
        modelsRequested(str, object, str): role id, the form's RoleConfig, the typed key.
        testRequested(str, object, str): same arguments, to test the connection.
    """

    modelsRequested = Signal(str, object, str)
    testRequested = Signal(str, object, str)

    def __init__(
        self, role: Role, config: RoleConfig, *, key_place: KeyPlace,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.role = role
        self.title = ROLE_TITLES[role]
        self._base = config
        self.key_field = KeyField(key_place)
        self.api_key_edit = self.key_field.edit
        self.clear_key_button = self.key_field.forget_button
        self.setObjectName(f"roleForm_{role}")
        self._build()
        self._load(config)

    # ---- construction -------------------------------------------------------------------

    def _build(self) -> None:
        form = QFormLayout(self)
        form.addRow("&Provider:", self._build_provider())
        form.addRow("Base &URL:", self._build_url())
        form.addRow("&Model:", self._build_model())
        form.addRow("API &key:", self.key_field)
        form.addRow("", self.key_field.note_label)
        form.addRow("&Context length:", self._build_context())
        form.addRow("", self.context_hint)
        self.max_tokens_spin = named(QSpinBox(), "maxTokensSpin")
        self.max_tokens_spin.setRange(256, 1_048_576)
        self.max_tokens_spin.setSingleStep(1024)
        self.max_tokens_spin.setSuffix(" tokens")
        self.max_tokens_spin.setToolTip("Upper bound on the length of one reply")
        form.addRow("Max &reply:", self.max_tokens_spin)
        self.temperature_spin = named(QDoubleSpinBox(), "temperatureSpin")
        self.temperature_spin.setRange(0.0, 2.0)
        self.temperature_spin.setSingleStep(0.05)
        self.temperature_spin.setDecimals(2)
        self.temperature_spin.setToolTip("Sampling temperature: lower is steadier")
        form.addRow("&Temperature:", self.temperature_spin)
        self.reply_format_combo = named(QComboBox(), "replyFormatCombo")
        for value, text in REPLY_FORMAT_CHOICES:
            self.reply_format_combo.addItem(text, value)
        self.reply_format_combo.setToolTip(
            "Structured replies are JSON that the server holds to a schema, for models that "
            "do not keep to the reply format")
        form.addRow("Reply &format:", self.reply_format_combo)
        self.vision_combo = named(QComboBox(), "visionCombo")
        for value, text in VISION_CHOICES:
            self.vision_combo.addItem(text, value)
        self.vision_combo.setToolTip(
            "Whether the model is sent the pictures you attach. A coder that cannot read "
            "images gets the critic model's description of each picture instead.")
        form.addRow("Reads &images:", self.vision_combo)
        form.addRow("", self._build_test())
        form.addRow(self.result_label)

    def _build_provider(self) -> QComboBox:
        self.provider_combo = named(QComboBox(), "providerCombo")
        for provider in (Provider.OLLAMA, Provider.OPENAI):
            self.provider_combo.addItem(PROVIDER_LABELS[provider], str(provider))
        self.provider_combo.setToolTip(
            "Ollama: a local Ollama server. OpenAI-compatible: vLLM, LM Studio, "
            "OpenRouter, OpenAI and similar servers"
        )
        return self.provider_combo

    def _build_url(self) -> QLineEdit:
        self.base_url_edit = named(QLineEdit(), "baseUrlEdit")
        self.base_url_edit.setToolTip(
            "Server address; OpenAI-compatible servers usually end in /v1"
        )
        return self.base_url_edit

    def _build_model(self) -> QWidget:
        self.model_combo = named(QComboBox(), "modelCombo")
        self.model_combo.setEditable(True)
        self.model_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.model_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.model_combo.setMinimumContentsLength(24)
        self._model_hint("type a name or press Refresh")
        self.model_combo.setToolTip("Model name as the server knows it")
        self.refresh_button = named(QPushButton("Refresh"), "refreshButton")
        self.refresh_button.setToolTip("Ask the server which models it has")
        self.refresh_button.clicked.connect(self._request_models)
        return _row(self.model_combo, self.refresh_button)

    def _build_context(self) -> QSpinBox:
        self.context_spin = named(QSpinBox(), "contextSpin")
        self.context_spin.setRange(1024, 1_048_576)
        self.context_spin.setSingleStep(1024)
        self.context_spin.setSuffix(" tokens")
        self.context_spin.setToolTip("Tokens the model attends to (Ollama's num_ctx)")
        self.context_hint = named(QLabel(), "contextHint")
        self.context_hint.setWordWrap(True)
        self.context_hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        return self.context_spin

    def _build_test(self) -> QWidget:
        self.test_button = named(QPushButton("Test connection"), "testButton")
        self.test_button.setToolTip("Send a short request to this server with this model")
        self.test_button.clicked.connect(self._request_test)
        self.result_label = named(QLabel(), "resultLabel")
        self.result_label.setWordWrap(True)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box = QWidget()
        layout = QHBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.test_button)
        layout.addStretch(1)
        return box

    def _load(self, config: RoleConfig) -> None:
        self.provider_combo.setCurrentIndex(self.provider_combo.findData(str(config.provider)))
        self.base_url_edit.setText(config.url)
        self.model_combo.setEditText(config.model)
        self.context_spin.setValue(config.context_length)
        self.max_tokens_spin.setValue(config.max_tokens)
        self.temperature_spin.setValue(config.temperature)
        self.reply_format_combo.setCurrentIndex(
            max(0, self.reply_format_combo.findData(config.reply_format)))
        self.vision_combo.setCurrentIndex(max(0, self.vision_combo.findData(config.vision)))
        self._apply_provider(config.provider)
        self.provider_combo.currentIndexChanged.connect(self._provider_changed)

    # ---- reading ------------------------------------------------------------------------

    def provider(self) -> Provider:
        """The provider chosen in the combo."""
        return Provider(self.provider_combo.currentData())

    def config(self) -> RoleConfig:
        """The RoleConfig the form shows; fields the form lacks keep their loaded values."""
        return replace(
            self._base,
            provider=self.provider(),
            base_url=self.base_url_edit.text().strip(),
            model=self.model_combo.currentText().strip(),
            temperature=round(self.temperature_spin.value(), 2),
            max_tokens=self.max_tokens_spin.value(),
            context_length=self.context_spin.value(),
            reply_format=str(self.reply_format_combo.currentData()),
            vision=str(self.vision_combo.currentData()),
        )

    def api_key(self) -> str | None:
        """None: keep the stored key; "": delete it; other text: store this new key."""
        return self.key_field.api_key()

    def problems(self) -> list[tuple[str, QWidget]]:
        """What stops this configuration from working, each with the widget to fix."""
        config = self.config()
        found: list[tuple[str, QWidget]] = []
        url_problem = self._url_problem(config)
        if url_problem:
            found.append((f"{self.title}: {url_problem}", self.base_url_edit))
        if not config.model:
            found.append((f"{self.title}: choose a model.", self.model_combo))
        if config.provider is Provider.OLLAMA:
            found.extend(self._context_problems(config))
        return found

    def _url_problem(self, config: RoleConfig) -> str | None:
        url = config.base_url
        if not url:
            usual = DEFAULT_BASE_URLS[config.provider]
            return f"enter a base URL (the usual local one is {usual})"
        if not url.lower().startswith(("http://", "https://")):
            return "base URL must start with http:// or https://"
        try:
            parts = urlsplit(url)
            host = parts.hostname
        except ValueError as exc:
            return f"base URL {url} is not a valid address ({exc})"
        if not host:
            return f"base URL {url} has no host name"
        if config.provider is Provider.OLLAMA and parts.path.rstrip("/").endswith("/v1"):
            return (
                f"base URL {url} ends in /v1, which is for OpenAI-compatible servers; "
                "use the Ollama address without it (e.g. http://localhost:11434)"
            )
        return None

    def _context_problems(self, config: RoleConfig) -> list[tuple[str, QWidget]]:
        least = MIN_CONTEXT[self.role]
        if config.context_length < least:
            return [
                (
                    f"{self.title}: context length {config.context_length} is too small for "
                    f"{MIN_CONTEXT_REASON[self.role]} (use at least {least})",
                    self.context_spin,
                )
            ]
        if config.max_tokens >= config.context_length:
            return [
                (
                    f"{self.title}: max reply of {config.max_tokens} tokens leaves no room for "
                    f"the prompt in a {config.context_length}-token context (raise the context "
                    "or lower the max reply)",
                    self.max_tokens_spin,
                )
            ]
        return []

    # ---- answers from the app -------------------------------------------------------------

    def show_models(self, names: Sequence[str], error: str | None = None) -> None:
        """End the "loading…" state: fill the model list, or show why it failed."""
        self.refresh_button.setEnabled(True)
        self.refresh_button.setText("Refresh")
        self._model_hint("type a name or press Refresh")
        if error:
            set_status(self.result_label, f"✗ {error}", ERROR_COLOUR, "error")
            return
        self.fill_models(names, replace_unlisted=False)
        model = self.model_combo.currentText().strip()
        if not names:
            set_status(
                self.result_label,
                f"The server at {self.base_url_edit.text().strip()} lists no models.",
                WARN_COLOUR,
                "warning",
            )
        elif model not in names:
            set_status(
                self.result_label,
                f"{len(names)} models on the server, but not '{model}'.",
                WARN_COLOUR,
                "warning",
            )
        else:
            set_status(self.result_label, f"✓ {len(names)} models on the server.", OK_COLOUR, "ok")

    def fill_models(self, names: Sequence[str], *, replace_unlisted: bool) -> None:
        """Put ``names`` in the model list, keeping the chosen model where sensible.

        Args:
            names: Models the server has.
            replace_unlisted: Pick the first listed model when the chosen one is not listed
                (otherwise only an empty choice is filled in).
        """
        current = self.model_combo.currentText().strip()
        if names and (not current or (replace_unlisted and current not in names)):
            current = names[0]
        self.model_combo.clear()
        self.model_combo.addItems(list(names))
        self.model_combo.setCurrentIndex(self.model_combo.findText(current))
        self.model_combo.setEditText(current)

    def show_test_result(self, ok: bool, message: str) -> None:
        """Show the connection test's outcome, green when it worked, red when not."""
        self.test_button.setEnabled(True)
        if ok:
            set_status(self.result_label, f"✓ {message}", OK_COLOUR, "ok")
        else:
            set_status(self.result_label, f"✗ {message}", ERROR_COLOUR, "error")

    def use_server(self, provider: Provider, url: str) -> None:
        """Switch to ``provider`` at ``url`` (used by "Use Ollama for all roles")."""
        self.provider_combo.setCurrentIndex(self.provider_combo.findData(str(provider)))
        self.base_url_edit.setText(url)

    # ---- user actions -------------------------------------------------------------------

    @Slot(int)
    def _provider_changed(self, _index: int) -> None:
        new = self.provider()
        url = self.base_url_edit.text().strip().rstrip("/")
        others = {DEFAULT_BASE_URLS[p] for p in Provider if p is not new}
        if not url or url in others:
            self.base_url_edit.setText(DEFAULT_BASE_URLS[new])
        self._apply_provider(new)

    def _apply_provider(self, provider: Provider) -> None:
        ollama = provider is Provider.OLLAMA
        self.context_spin.setEnabled(ollama)
        self.context_hint.setText(CONTEXT_HINT_OLLAMA if ollama else CONTEXT_HINT_OPENAI)
        self.base_url_edit.setPlaceholderText(DEFAULT_BASE_URLS[provider])

    def _model_hint(self, text: str) -> None:
        edit = self.model_combo.lineEdit()  # there is one: the combo is editable
        if edit is not None:
            edit.setPlaceholderText(text)

    @Slot()
    def _request_models(self) -> None:
        self.refresh_button.setEnabled(False)
        self.refresh_button.setText("Loading…")
        self._model_hint("loading…")
        set_status(
            self.result_label,
            f"Loading models from {self.base_url_edit.text().strip()}…",
            None,
            "busy",
        )
        self.modelsRequested.emit(str(self.role), self.config(), self.api_key_edit.text().strip())

    @Slot()
    def _request_test(self) -> None:
        self.test_button.setEnabled(False)
        set_status(self.result_label, "Testing…", None, "busy")
        self.testRequested.emit(str(self.role), self.config(), self.api_key_edit.text().strip())


def _row(wide: QWidget, button: QWidget) -> QWidget:
    """A field taking the spare width with a button beside it."""
    box = QWidget()
    layout = QHBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(wide, 1)
    layout.addWidget(button)
    return box
