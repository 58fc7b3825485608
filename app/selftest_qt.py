"""The Qt part of ``webgen --self-test``: Qt WebEngine loads a page and runs its JavaScript.

This creates the process's QApplication, so it runs last, after the Playwright part. The web
view is deleted (and the deletion processed) before returning: a page that outlives its
profile or the QApplication crashes Qt WebEngine at exit.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from app.checks import Check, fail, ok

TITLE = "WebGen self-test"
PAGE_HTML = (
    f"<!doctype html><html><head><title>{TITLE}</title></head>"
    "<body><h1>Qt WebEngine works</h1></body></html>"
)
LOAD_TIMEOUT_S = 20.0
SCRIPT_TIMEOUT_S = 5.0
QT_FIX = (
    'reinstall PySide6 with Qt WebEngine (pip install "PySide6>=6.8,<6.12") or WebGen '
    "Studio; on Linux also install the libraries Qt needs (e.g. `apt install libnss3 "
    "libxkbcommon0 libgbm1 libasound2`)"
)


def _wait(loop: Any, timer: Any, seconds: float) -> None:
    """Run ``loop`` until something quits it or ``seconds`` pass."""
    timer.start(int(seconds * 1000))
    loop.exec()
    timer.stop()


def _load(view: Any, loop: Any, timer: Any) -> tuple[bool | None, str | None]:
    """Load the test page, then read ``document.title``; None where nothing arrived in time."""
    outcome: dict[str, Any] = {}

    def loaded(success: bool) -> None:
        outcome["loaded"] = success
        loop.quit()

    def titled(value: object) -> None:
        outcome["title"] = value
        loop.quit()

    view.loadFinished.connect(loaded)
    view.setHtml(PAGE_HTML)
    _wait(loop, timer, LOAD_TIMEOUT_S)
    if outcome.get("loaded"):
        view.page().runJavaScript("document.title", 0, titled)
        _wait(loop, timer, SCRIPT_TIMEOUT_S)
    title = outcome.get("title")
    return outcome.get("loaded"), title if isinstance(title, str) else None


def check_qt_webengine() -> Check:
    """Create a QApplication (offscreen unless told otherwise) and load a page in a web view.

    Returns:
        ok when the page loaded and its JavaScript returned the expected title.
    """
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from app.desktop.main import prepare_environment

    prepare_environment()
    try:
        from PySide6.QtCore import QCoreApplication, QEvent, QEventLoop, QTimer
        from PySide6.QtWebEngineWidgets import QWebEngineView
        from PySide6.QtWidgets import QApplication
    except Exception as exc:
        return fail("qt webengine", f"cannot import Qt WebEngine: {exc}", QT_FIX)
    existing, argv = QApplication.instance(), sys.argv[:1] or ["webgen"]
    app = existing if isinstance(existing, QApplication) else QApplication(argv)
    view = QWebEngineView()
    loop, timer = QEventLoop(), QTimer()
    timer.setSingleShot(True)
    timer.timeout.connect(loop.quit)
    try:
        loaded, title = _load(view, loop, timer)
    finally:
        view.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    platform = app.platformName()
    if loaded is None:
        return fail(
            "qt webengine",
            f"the test page did not load within {LOAD_TIMEOUT_S:g} s (platform {platform})",
            QT_FIX,
        )
    if not loaded:
        return fail("qt webengine", f"the test page failed to load (platform {platform})", QT_FIX)
    if title != TITLE:
        return fail(
            "qt webengine", f"the page's JavaScript answered {title!r}, not {TITLE!r}", QT_FIX
        )
    return ok("qt webengine", f"loaded a page and ran its JavaScript (platform {platform})")
