"""The main window with its controller, built as ``app.desktop.main`` builds it, for tests.

A test's files live under one root folder: ``config/`` (point ``WEBGEN_CONFIG_DIR`` at it),
``runs/`` for new runs and ``window.ini`` for the window's QSettings.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QSpinBox

from agent_core.config import ModelSettings, RunConfig
from app.desktop.controller import MainController
from app.desktop.session import SessionStatus
from app.desktop.settings_flow import SettingsFlow
from tests.support.agent import FAST_TIMEOUTS
from tests.support.net import closed_port_url
from tests.support.qtasync import run_on_qt_loop, wait_until
from ui.main_window import MainWindow
from ui.notice_bar import NoticeBar
from ui.settings_dialog import SettingsDialog

__all__ = ["Desk", "choose", "closed_port_url", "drive", "make_desk", "write_settings"]


@dataclass
class Desk:
    """A shown main window, its controller and the folder its files go to.

    Attributes:
        window: The main window (shown).
        controller: Its controller, wired as ``app.desktop.main`` wires it.
        root: The folder holding ``config/``, ``runs/`` and ``window.ini``.
    """

    window: MainWindow
    controller: MainController
    root: Path

    @property
    def config_dir(self) -> Path:
        """Where ``WEBGEN_CONFIG_DIR`` points (the test sets it)."""
        return self.root / "config"

    @property
    def runs_dir(self) -> Path:
        """Where new runs are created."""
        return self.root / "runs"

    @property
    def qsettings_file(self) -> Path:
        """The window's QSettings (splitters, recent runs, welcome choice)."""
        return self.root / "window.ini"

    @property
    def settings_file(self) -> Path:
        """The settings file the app reads and writes."""
        return self.config_dir / "settings.json"

    @property
    def flow(self) -> SettingsFlow:
        """The Models dialog flow."""
        return self.controller.settings_flow

    @property
    def notices(self) -> NoticeBar:
        """The window's notice bar."""
        return self.window.notices

    async def dialog(self, timeout_s: float = 5.0) -> SettingsDialog:
        """The Models dialog once the flow has shown it and said where keys are kept."""
        await wait_until(
            lambda: self.flow.dialog is not None and self.flow.dialog.isVisible()
            and self.flow.dialog.key_storage_known(),
            timeout_s,
            "the Models dialog to open",
        )
        dialog = self.flow.dialog
        assert dialog is not None
        return dialog

    async def send(self, qtbot, text: str) -> None:
        """Type ``text`` into the chat box and press Ctrl+Enter, as a user does."""
        box = self.window.chat.input.instruction_edit()
        qtbot.keyClicks(box, text)
        qtbot.keyClick(box, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        await asyncio.sleep(0)

    async def wait_status(self, *statuses: SessionStatus, timeout_s: float = 120) -> None:
        """Wait until the open run reaches one of ``statuses``."""
        await wait_until(
            lambda: (
                self.controller.session is not None and self.controller.session.status in statuses
            ),
            timeout_s,
            f"status {statuses}",
        )

    async def close(self) -> None:
        """Close the window as a user does and wait for the controller to stop everything."""
        if not self.controller.closed.is_set():
            self.window.close()
            await asyncio.wait_for(self.controller.closed.wait(), 30)

    async def run(self, scenario: Callable[[], Awaitable[None]]) -> None:
        """Run ``scenario``, then cancel any open dialog, let operations end and close."""
        try:
            await scenario()
        finally:
            if self.flow.dialog is not None:
                self.flow.dialog.reject()
            await self.controller.ops.wait_idle()
            await self.close()


def choose(qtbot, spin: QSpinBox, value: int) -> None:
    """Type ``value`` into a toolbar spin box and press Enter, as a user does."""
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, str(value))
    qtbot.keyClick(spin, Qt.Key.Key_Return)


def make_desk(qtbot, root: Path, config: RunConfig | None = None) -> Desk:
    """Build and show the window and its controller, files under ``root``.

    Args:
        qtbot: pytest-qt's fixture; the window is registered with it.
        root: The test's folder (``WEBGEN_CONFIG_DIR`` should point at ``root / "config"``).
        config: The controller's base run config; ``RunConfig(timeouts=FAST_TIMEOUTS)``
            when not given.

    Returns:
        The desk; close it with ``drive``, ``Desk.run`` or ``Desk.close``.
    """
    window = MainWindow()
    qtbot.addWidget(window)
    qsettings = QSettings(str(root / "window.ini"), QSettings.Format.IniFormat)
    controller = MainController(
        window,
        runs_dir=root / "runs",
        qsettings=qsettings,
        base_config=config or RunConfig(timeouts=FAST_TIMEOUTS),
    )
    window.show()
    return Desk(window, controller, root)


def write_settings(config_dir: Path, settings: ModelSettings) -> None:
    """A settings.json with the three roles, as the Models dialog writes it."""
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "settings.json").write_text(json.dumps({"roles": settings.to_public_dict()}))


def drive(
    qapp, desk: Desk, scenario: Callable[[], Awaitable[None]], timeout_s: float = 240
) -> None:
    """Run ``scenario`` on the app's loop; the window is closed (and cleaned up) after it."""

    async def whole() -> None:
        try:
            await scenario()
        finally:
            await desk.close()

    run_on_qt_loop(qapp, whole, timeout_s)


async def page_text(window: MainWindow) -> str:
    """The text the preview's web page shows now."""
    done: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    window.preview.web_view().page().toPlainText(lambda text: done.done() or done.set_result(text))
    return await asyncio.wait_for(done, 10)


async def wait_for_page(window: MainWindow, needle: str, absent: str = "") -> str:
    """Wait until the preview shows ``needle`` (and not ``absent``); returns the page text."""
    text = ""
    for _ in range(200):
        text = await page_text(window)
        if needle in text and (not absent or absent not in text):
            return text
        await asyncio.sleep(0.1)
    raise AssertionError(f"the preview never showed {needle!r}; it shows {text[:300]!r}")
