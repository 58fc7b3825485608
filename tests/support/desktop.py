"""The main window with its controller, built as the app builds it, for desktop tests."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QSettings

from app.desktop.controller import MainController
from app.desktop.settings_flow import SettingsFlow
from tests.support.qtasync import wait_until
from ui.main_window import MainWindow
from ui.notice_bar import NoticeBar
from ui.settings_dialog import SettingsDialog


def closed_port_url(path: str = "") -> str:
    """A loopback URL where nothing listens, so connecting is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}{path}"


@dataclass
class Desktop:
    """A shown main window, its controller and the folders they use.

    Attributes:
        window: The main window (shown).
        controller: Its controller, as ``app.desktop.main`` wires it.
        config_dir: ``WEBGEN_CONFIG_DIR`` of the test.
        runs_dir: Where the controller creates runs.
    """

    window: MainWindow
    controller: MainController
    config_dir: Path
    runs_dir: Path

    @property
    def flow(self) -> SettingsFlow:
        """The Models dialog flow."""
        return self.controller.settings_flow

    @property
    def notices(self) -> NoticeBar:
        """The window's notice bar."""
        return self.window.notices

    @property
    def settings_file(self) -> Path:
        """The settings file the app reads and writes."""
        return self.config_dir / "settings.json"

    async def dialog(self, timeout_s: float = 5.0) -> SettingsDialog:
        """The Models dialog once the flow has shown it."""
        await wait_until(
            lambda: self.flow.dialog is not None and self.flow.dialog.isVisible(),
            timeout_s,
            "the Models dialog to open",
        )
        dialog = self.flow.dialog
        assert dialog is not None
        return dialog

    async def run(self, scenario: Callable[[], Awaitable[None]]) -> None:
        """Run ``scenario``, then close any dialog and the window as a user would."""
        try:
            await scenario()
        finally:
            if self.flow.dialog is not None:
                self.flow.dialog.reject()
            await self.controller.ops.wait_idle()
            if not self.controller.closed.is_set():
                self.window.close()
                await asyncio.wait_for(self.controller.closed.wait(), 30)


def build_desktop(config_dir: Path, runs_dir: Path, qsettings_file: Path) -> Desktop:
    """Build and show the window and controller (the caller closes them with ``run``)."""
    window = MainWindow()
    qsettings = QSettings(str(qsettings_file), QSettings.Format.IniFormat)
    controller = MainController(window, runs_dir=runs_dir, qsettings=qsettings)
    window.show()
    return Desktop(window, controller, config_dir, runs_dir)
