"""The Models dialog: reading and saving settings, keys (see ``key_storage``), server checks."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import replace

from PySide6.QtWidgets import QWidget

from agent_core.config import Provider, Role, RoleConfig, SandboxConfig
from agent_core.errors import WebGenError
from agent_core.llm.factory import list_server_models
from app import settings as app_settings
from app.desktop import key_storage, preflight
from app.desktop.ops import Notifier, Ops
from ui.settings_dialog import SettingsDialog

log = logging.getLogger(__name__)

LIST_TIMEOUT_S = 15.0
"""Longest wait for a model list: the dialog shows "Loading…" meanwhile."""


def stored_role_configs(data: dict) -> tuple[dict[Role, RoleConfig], bool]:
    """Role settings from the settings file, and whether feedback uses the critic's.

    A role the file does not set is Ollama at ``preflight.ollama_url()`` with no model;
    only the feedback role falls back to the critic's settings (as a run does).
    """
    roles = data.get("roles") or {}
    configs: dict[Role, RoleConfig] = {}
    for role in Role:
        raw = roles.get(str(role))
        if not raw and role is Role.FEEDBACK:
            raw = roles.get(str(Role.CRITIC))
        try:
            values = app_settings.role_values(role, {}, {}, {str(role): raw or {}})
        except WebGenError:
            values = {}
        config = replace(RoleConfig(provider=Provider.OLLAMA), **values)
        if config.provider is Provider.OLLAMA and not config.base_url:
            config = replace(config, base_url=preflight.ollama_url())
        configs[role] = config
    same = not roles.get(str(Role.FEEDBACK)) or roles.get(str(Role.FEEDBACK)) == roles.get(
        str(Role.CRITIC)
    )
    return configs, same


async def server_models(role: str, config: RoleConfig, key: str) -> list[str]:
    """The models the role's server lists, asked with ``key`` (or the stored key if empty).

    Raises:
        WebGenError: The server could not be asked; the message says why.
    """
    probe = replace(config, timeout_s=min(config.timeout_s, LIST_TIMEOUT_S))
    try:
        return await list_server_models(probe, role, api_key=key or None)
    except (WebGenError, asyncio.CancelledError):
        raise
    except Exception as exc:  # e.g. a URL the client cannot parse: still an answer
        log.info("listing models at %s failed", config.url, exc_info=True)
        raise WebGenError(f"cannot ask {config.url} for its models: {exc}") from exc


async def describe_connection(role: str, config: RoleConfig, key: str) -> tuple[bool, str]:
    """Ask the server for its models; say whether the chosen model is among them."""
    try:
        names = await server_models(role, config, key)
    except WebGenError as exc:
        return False, str(exc)
    where = config.url
    if not config.model:
        return True, f"Connected to {where}: {len(names)} model(s). Now choose one."
    if not names:
        return False, (
            f"Connected to {where}, but it lists no models, so {config.model!r} "
            "is not available there (pull or load it first)."
        )
    if config.model not in names:
        return False, (
            f"Connected to {where}, but it does not offer {config.model!r} "
            f"(it has {len(names)} model(s); use Refresh to pick one)."
        )
    return True, f"Connected to {where}; {config.model} is available."


class SettingsFlow:
    """Opens the Models dialog and does its I/O: model lists, tests, saving.

    Attributes:
        on_saved: Called (no arguments) after the settings were written.
    """

    def __init__(self, parent: QWidget, ops: Ops, notifier: Notifier) -> None:
        self.parent = parent
        self.ops = ops
        self.notifier = notifier
        self.dialog: SettingsDialog | None = None
        self.on_saved: list[Callable[[], None]] = []

    def open(self, *, ollama: tuple[str, Sequence[str]] | None = None) -> SettingsDialog | None:
        """Show the dialog (window-modal, without blocking the event loop).

        Args:
            ollama: An Ollama server found running (URL and its models): roles without a
                model are set to it, with its models listed. Keyword-only, so a button's
                ``clicked(bool)`` connected here cannot pass its ``checked`` as this.
        """
        try:
            data = app_settings.load_settings_file()
        except WebGenError as exc:
            self.notifier.notify(f"{exc}. Fix or delete the file, then try again.", "error")
            return None
        dialog = self.dialog
        if dialog is None:
            dialog = self._create(data)
            dialog.open()
        else:
            dialog.raise_()
            dialog.activateWindow()
        if ollama is not None:
            _offer_ollama(dialog, ollama[0], list(ollama[1]))
        return dialog

    def _create(self, data: dict) -> SettingsDialog:
        configs, same = stored_role_configs(data)
        dialog = SettingsDialog(
            configs, feedback_same_as_critic=same,
            sandbox=app_settings.sandbox_settings(data), parent=self.parent,
        )
        dialog.modelsRequested.connect(self._list_models)
        dialog.testRequested.connect(self._test)
        dialog.detectOllamaRequested.connect(self._detect)
        dialog.accepted.connect(self._save)
        dialog.finished.connect(self._closed)
        self.dialog = dialog
        self.ops.run("Check the system keyring", self._show_key_storage(dialog, configs))
        return dialog

    async def _show_key_storage(self, dialog: SettingsDialog,
                                configs: dict[Role, RoleConfig]) -> None:
        """Say in the dialog where keys are kept, and warn before OK when they cannot be."""
        storage = await key_storage.key_storage()
        if dialog is self.dialog:
            dialog.show_key_storage(storage.places, no_keyring=storage.problem,
                                    env_names=key_storage.env_names(configs))

    def _closed(self, _result: int) -> None:
        dialog, self.dialog = self.dialog, None
        if dialog is not None:
            dialog.deleteLater()

    def _list_models(self, role: str, config: RoleConfig, key: str) -> None:
        dialog = self.dialog

        async def work() -> None:
            try:
                names, error = await server_models(role, config, key), None
            except WebGenError as exc:
                names, error = [], str(exc)
            if dialog is self.dialog and dialog is not None:
                dialog.show_models(role, names, error)

        self.ops.run("List models", work())

    def _test(self, role: str, config: RoleConfig, key: str) -> None:
        dialog = self.dialog

        async def work() -> None:
            ok, message = await describe_connection(role, config, key)
            if dialog is self.dialog and dialog is not None:
                dialog.show_test_result(role, ok, message)

        self.ops.run("Test connection", work())

    def _detect(self) -> None:
        dialog = self.dialog

        async def work() -> None:
            url = preflight.ollama_url()
            models = await preflight.detect_ollama(url)
            if dialog is self.dialog and dialog is not None:
                dialog.show_ollama_detected(
                    url if models is not None else None, models or [], searched=url
                )

        self.ops.run("Detect Ollama", work())

    def _save(self) -> None:
        dialog = self.dialog
        assert dialog is not None
        configs = dialog.configs()
        keys = dialog.api_keys()
        same = dialog.feedback_same_as_critic()
        sandbox = dialog.sandbox_config()
        self.ops.run("Save model settings", self._write(configs, keys, same, sandbox))

    async def _write(
        self, configs: dict[Role, RoleConfig], keys: dict[Role, str | None], same: bool,
        sandbox: SandboxConfig,
    ) -> None:
        saved = await key_storage.save_keys(keys)  # first: a file that fails loses no key
        data = await asyncio.to_thread(app_settings.load_settings_file)
        roles = {str(role): _public(config) for role, config in configs.items()}
        if same:
            roles.pop(str(Role.FEEDBACK))
        data["roles"] = roles
        data["sandbox"] = app_settings.sandbox_to_dict(sandbox)
        path = await asyncio.to_thread(app_settings.save_settings_file, data)
        note, level = key_storage.saved_keys_note(saved, key_storage.env_names(configs))
        self.notifier.notify(f"Model settings saved to {path}. {note}".rstrip(), level)
        for callback in self.on_saved:
            callback()


def _offer_ollama(dialog: SettingsDialog, url: str, models: list[str]) -> None:
    """Show the Ollama found, and point every role that has no model yet at it."""
    dialog.show_ollama_detected(url, models)
    for role in Role:
        form = dialog.role_form(role)
        if not form.config().model:
            form.use_server(Provider.OLLAMA, url)
            form.fill_models(models, replace_unlisted=True)


def _public(config: RoleConfig) -> dict:
    data = config.to_public_dict()
    return {k: v for k, v in data.items() if v not in (None, "")}
