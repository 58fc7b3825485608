"""Building the real main window and controller for desktop tests."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QSettings, Qt

from agent_core.config import ModelSettings, RunConfig
from app.desktop.controller import MainController
from app.desktop.session import SessionStatus
from tests.support.agent import FAST_TIMEOUTS
from tests.support.qtasync import run_on_qt_loop, wait_until
from ui.main_window import MainWindow


@dataclass
class Desk:
    """A window, its controller and where its files go."""

    window: MainWindow
    controller: MainController
    root: Path

    @property
    def runs_dir(self) -> Path:
        """Where new runs are created."""
        return self.root / "runs"

    async def send(self, qtbot, text: str) -> None:
        """Type ``text`` into the chat box and press Ctrl+Enter, as a user does."""
        box = self.window.chat.instruction_edit()
        qtbot.keyClicks(box, text)
        qtbot.keyClick(box, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        await asyncio.sleep(0)

    async def wait_status(self, *statuses: SessionStatus, timeout_s: float = 120) -> None:
        """Wait until the open run reaches one of ``statuses``."""
        await wait_until(lambda: self.controller.session is not None
                         and self.controller.session.status in statuses, timeout_s,
                         f"status {statuses}")

    async def close(self) -> None:
        """Close the window and wait for the controller to stop everything."""
        if not self.controller.closed.is_set():
            self.window.close()
            await asyncio.wait_for(self.controller.closed.wait(), 30)


def write_settings(config_dir: Path, settings: ModelSettings) -> None:
    """A settings.json with the three roles, as the Models dialog writes it."""
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "settings.json").write_text(json.dumps({"roles": settings.to_public_dict()}))


def make_desk(qtbot, root: Path, config: RunConfig | None = None) -> Desk:
    """A shown main window with its controller (WEBGEN_CONFIG_DIR must point under root)."""
    window = MainWindow()
    qtbot.addWidget(window)
    qsettings = QSettings(str(root / "window.ini"), QSettings.Format.IniFormat)
    controller = MainController(window, runs_dir=root / "runs", qsettings=qsettings,
                                base_config=config or RunConfig(timeouts=FAST_TIMEOUTS))
    window.show()
    return Desk(window, controller, root)


def drive(qapp, desk: Desk, scenario: Callable[[], Awaitable[None]],
          timeout_s: float = 240) -> None:
    """Run ``scenario`` on the app's loop; the window is closed (and cleaned up) after it."""

    async def whole() -> None:
        try:
            await scenario()
        finally:
            await desk.close()

    run_on_qt_loop(qapp, whole, timeout_s)
