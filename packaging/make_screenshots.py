"""Screenshots of the real window for the docs, taken under Xvfb during and after a run.

The run is real (npm, Vite, Chromium, the GUI agent, Qt WebEngine preview); only the models
are scripted (the stock-report scenario of the GUI end-to-end test, streamed slowly enough
to catch a reply mid-stream).

    PYTHONPATH=. xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python packaging/make_screenshots.py
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import tempfile
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from agent_core.config import RunConfig
from app.desktop.controller import MainController
from app.desktop.session import SessionStatus
from app.desktop.warmup import warm_up
from tests.app.desktop.test_gui_e2e import scripts
from tests.fakes.model_server import ScriptedModelServer
from tests.support.agent import FAST_TIMEOUTS, settings_for
from tests.support.npm import offline_npm_env
from tests.support.qtasync import run_on_qt_loop, wait_until
from tests.support.stock_site import INSTRUCTION
from ui.main_window import TAB_CODE, TAB_PREVIEW, TAB_STEP, MainWindow

OUT = Path(__file__).resolve().parent.parent / "docs" / "images"


async def grab(window: MainWindow, name: str) -> None:
    await asyncio.sleep(0.6)  # let layouts and the web view paint
    QApplication.processEvents()
    screen = window.screen()
    pixmap = screen.grabWindow(0, window.x(), window.y(), window.width(), window.height())
    path = OUT / name
    pixmap.save(str(path))
    print(f"wrote {path} ({pixmap.width()}x{pixmap.height()})")


async def scenario(root: Path, keep_run: Path | None) -> None:
    window = MainWindow()
    window.resize(1440, 900)
    window.move(40, 40)
    qsettings = QSettings(str(root / "window.ini"), QSettings.Format.IniFormat)
    controller = MainController(window, runs_dir=root / "runs", qsettings=qsettings,
                                base_config=RunConfig(timeouts=FAST_TIMEOUTS))
    window.show()
    await warm_up()
    try:
        window.chat.instruction_edit().setPlainText(INSTRUCTION)
        window.start_action.trigger()
        await wait_until(lambda: window.chat.reply_widget(2) is not None
                         and len(window.chat.reply_widget(2).text()) > 300, 120, "step 2")
        await grab(window, "window-running.png")
        session = controller.session
        await wait_until(lambda: session.status is SessionStatus.FINISHED, 300, "the run")
        window.tabs.setCurrentIndex(TAB_PREVIEW)
        await asyncio.sleep(2)
        await grab(window, "window-finished.png")
        controller.show_step(3)
        await controller.ops.wait_idle()
        window.tabs.setCurrentIndex(TAB_STEP)
        await grab(window, "window-gui-step.png")
        controller.show_step(2)
        await controller.ops.wait_idle()
        window.tabs.setCurrentIndex(TAB_CODE)
        window.code.select_file("src/App.jsx")
        window.code.set_compare_to(1)
        await grab(window, "window-code.png")
        if keep_run is not None:
            shutil.rmtree(keep_run, ignore_errors=True)
            shutil.copytree(session.store.run_dir, keep_run,
                            ignore=shutil.ignore_patterns("node_modules", ".webgen", ".lock"))
            print(f"kept the run in {keep_run}")
    finally:
        window.close()
        await controller.closed.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep-run", type=Path, default=None,
                        help="copy the finished run here (without node_modules)")
    args = parser.parse_args()
    os.environ.update(offline_npm_env())
    OUT.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        os.environ["WEBGEN_CONFIG_DIR"] = str(root / "config")
        with ScriptedModelServer(scripts(pace=(24, 0.015))) as server:
            (root / "config").mkdir()
            settings = settings_for(server, "openai", context_length=16384)
            (root / "config" / "settings.json").write_text(
                json.dumps({"roles": settings.to_public_dict()}))
            run_on_qt_loop(app, lambda: scenario(root, args.keep_run), 600)


if __name__ == "__main__":
    main()
