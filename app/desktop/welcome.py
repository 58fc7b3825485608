"""The welcome page's side in the app: first start, looking for Ollama, its three actions."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSettings

from agent_core.config import DEFAULT_BASE_URLS, Provider, Role
from app import resources
from app.desktop import preflight
from app.desktop.ops import Notifier, Ops
from app.desktop.settings_flow import SettingsFlow
from ui.main_window import MainWindow

SHOW_AT_START_KEY = "welcome/show_at_start"


def icon_file() -> str | None:
    """The application icon for the page, if the installation has one."""
    try:
        for path in (resources.icon_path(256), resources.icon_path()):
            if path.is_file():
                return str(path)
    except FileNotFoundError:
        pass
    return None


def models_configured() -> bool:
    """Whether every role has a model (the settings would let a run start)."""
    return not isinstance(preflight.model_settings(), preflight.Problem)


class WelcomeFlow:
    """Shows the welcome page and answers it.

    Args:
        window: The main window (its ``welcome`` page and Help > Welcome).
        ops: Runs the Ollama probe.
        notifier: The notice bar path.
        settings_flow: Opens the Models dialog; a save that configures every role closes
            the page.
        qsettings: Remembers "Don't show again".
        open_example: Opens the example run.
    """

    def __init__(
        self,
        window: MainWindow,
        ops: Ops,
        notifier: Notifier,
        settings_flow: SettingsFlow,
        qsettings: QSettings,
        open_example: Callable[[], None],
    ) -> None:
        self.window, self.ops, self.notifier = window, ops, notifier
        self.settings_flow, self.qsettings = settings_flow, qsettings
        view = window.welcome
        icon = icon_file()
        if icon is not None:
            view.set_icon(icon)
        view.detectOllamaRequested.connect(self.detect)
        view.useOllamaRequested.connect(
            lambda url, models: settings_flow.open(ollama=(url, models))
        )
        view.configureServerRequested.connect(self.configure_server)
        view.openExampleRequested.connect(open_example)
        view.closeRequested.connect(self.hide)
        view.dontShowAgainRequested.connect(self.dont_show_again)
        window.welcomeRequested.connect(self.show)
        settings_flow.on_saved.append(self._models_saved)

    def first_start(self) -> None:
        """With no model configured: the welcome page, or (if turned off) a short notice."""
        if models_configured():
            return
        if self.qsettings.value(SHOW_AT_START_KEY, True) in (False, "false"):
            self.notifier.notify(
                "No model is configured yet. Open Models… to choose one, or Help > Welcome "
                "for the ways to start.",
                "info",
                [("Models…", self.settings_flow.open), ("Welcome", self.show)],
            )
            return
        self.show()

    def show(self) -> None:
        """Show the page and look for Ollama at once."""
        self.window.show_welcome(True)
        self.detect()

    def hide(self) -> None:
        """Back to the work area."""
        self.window.show_welcome(False)

    def configure_server(self) -> None:
        """The Models dialog, with the roles that have no model set to an OpenAI-compatible
        server (vLLM's usual address until the user types theirs)."""
        fresh = self.settings_flow.dialog is None
        dialog = self.settings_flow.open()
        if dialog is None or not fresh:
            return  # an open dialog keeps what the user typed
        for role in Role:
            form = dialog.role_form(role)
            if not form.config().model:
                form.use_server(Provider.OPENAI, DEFAULT_BASE_URLS[Provider.OPENAI])

    def dont_show_again(self) -> None:
        """Hide the page and do not show it at start any more."""
        self.qsettings.setValue(SHOW_AT_START_KEY, False)
        self.hide()
        self.notifier.notify(
            "The welcome page will not open at start; Help > Welcome shows it again.", "info"
        )

    def detect(self) -> None:
        """Look for Ollama where ``OLLAMA_HOST`` (or the default) says, and show the answer."""
        view = self.window.welcome
        if view.probe_state() == "busy":
            return
        url = preflight.ollama_url()
        view.show_probe_busy(url)

        async def probe() -> None:
            models = await preflight.detect_ollama(url)  # None: nothing answered
            if models is None:
                view.show_ollama_missing(url)
            else:
                view.show_ollama_found(url, models)

        self.ops.run("Detect Ollama", probe())

    def _models_saved(self) -> None:
        if self.window.welcome_shown() and models_configured():
            self.hide()
            self.window.chat.input.instruction_edit().setFocus()
