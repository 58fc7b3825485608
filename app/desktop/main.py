"""Starting the desktop window on a qasync loop."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from pathlib import Path

import platformdirs

from app import settings as app_settings

WEBENGINE_FLAGS = "QTWEBENGINE_CHROMIUM_FLAGS"


def runs_dir() -> Path:
    """Where the window creates new runs (``WEBGEN_RUNS_DIR`` overrides)."""
    override = os.environ.get("WEBGEN_RUNS_DIR")
    if override:
        return Path(override)
    return Path(platformdirs.user_data_dir(app_settings.APP_NAME)) / "runs"


def prepare_environment() -> None:
    """Qt WebEngine refuses to start as root without its sandbox turned off."""
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        flags = os.environ.get(WEBENGINE_FLAGS, "")
        if "--no-sandbox" not in flags:
            os.environ[WEBENGINE_FLAGS] = f"{flags} --no-sandbox".strip()


def qsettings_path() -> Path:
    """The window-layout file beside settings.json."""
    return app_settings.config_dir() / "window.ini"


def platform_problem() -> str:
    """Why the window's Qt platform plugin cannot load here, with the packages to install.

    Checked before the QApplication exists (by ``ldd`` on the plugin: quick, loads nothing);
    "" when it can load, or off Linux.
    """
    from app.qt_platform import check_qt_platform

    if not sys.platform.startswith("linux"):
        return ""
    check = asyncio.run(check_qt_platform(load=False))
    if not check.failed:
        return ""
    return (f"WebGen Studio cannot open its window: {check.detail}.\nFix: {check.fix}\n"
            "`webgen doctor` checks everything else the app needs.")


def run_gui(run_dir: Path | None = None, candidates: int | None = None) -> int:
    """Open the main window (and ``run_dir`` if given); returns when it is closed.

    Args:
        run_dir: A run folder to open.
        candidates: Presets "Candidates per step" for this session (``run_dir`` continues
            with it too).
    """
    prepare_environment()
    problem = platform_problem()
    if problem:  # Qt would abort with a bare "could not load the Qt platform plugin"
        print(problem, file=sys.stderr)
        return 1
    import qasync
    from PySide6.QtCore import QCoreApplication, QEvent, QSettings, QTimer
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from agent_core.runtime.processes import reap_orphans
    from app.desktop.controller import MainController
    from app.desktop.warmup import warm_up
    from app.resources import icon_path
    from ui.main_window import MainWindow

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationName("WebGen Studio")
    app.setOrganizationName("WebGen Studio")
    app.setQuitOnLastWindowClosed(False)
    app.setDesktopFileName("webgen-studio")  # matches resources/webgen-studio.desktop
    with contextlib.suppress(OSError):  # a broken install still opens the window, iconless
        app.setWindowIcon(QIcon(str(icon_path())))
    reap_orphans(app_settings.state_dir())
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    window = MainWindow()
    qsettings = QSettings(str(qsettings_path()), QSettings.Format.IniFormat)
    controller = MainController(window, runs_dir=runs_dir(), qsettings=qsettings)
    if candidates is not None:
        controller.limits.preset(candidates, for_next_run=run_dir is not None)
    window.show()
    # Ctrl-C or SIGTERM close the window the normal way: the run stops, nothing is left.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_args: QTimer.singleShot(0, window.close))
    warming = loop.create_task(warm_up())
    if run_dir is not None:
        controller.open_flow.open_run(str(run_dir))
        if (Path(run_dir) / "manifest.json").is_file():
            window.set_run_title(Path(run_dir).name)  # until the open completes
    else:
        controller.first_start()
    print(f"webgen: window open: {window.windowTitle()}", file=sys.stderr, flush=True)
    with loop:
        loop.run_until_complete(controller.closed.wait())
        if not warming.done():
            warming.cancel()
        # The web view's page must go before its profile and before QApplication does.
        window.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    return 0
