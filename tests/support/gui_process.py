"""The desktop app in a process of its own, caught mid-run: for the shutdown tests and benchmark.

``python -m tests.support.gui_process INSTRUCTION`` opens the window the way ``webgen gui``
does (``app.desktop.main.run_gui``: its signal handlers, its loop, its teardown) and, once the
window is shown, types INSTRUCTION into the chat box and presses Ctrl+Enter as a user does.
With ``--close-on-usr1``, SIGUSR1 closes the window as its close button does.

:func:`start_mid_run` starts it against a scripted model server whose coder writes a static
page in step 1 and then streams step 2 slowly, and returns once step 2 is streaming: the site
is served, Chromium has taken a screenshot, the preview shows the page.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.fakes.model_server import Reply, ScriptedModelServer, queue
from tests.support.agent import CODER, CRITIC, coder_reply, graded, settings_for
from tests.support.desktop import write_settings
from tests.support.net import closed_port_url
from tests.support.npm import REPO

INSTRUCTION = "A one-page site for a bakery with a cream background."
PAGE = {"index.html": "<!doctype html><title>Bakery</title><h1>Fresh bread</h1>"}
START_TIMEOUT_S = 120.0


def slow_run_scripts() -> dict:
    """Models for a run that is still in step 2 minutes after it began."""
    endless = Reply(text=coder_reply({"index.html": "<h1>second</h1>" * 50}), chunk_size=2,
                    chunk_delay_s=0.5)  # fmt: skip
    return {CODER: queue(coder_reply(PAGE), endless), CRITIC: graded(4, 4)}


def gui_environment(root: Path, server: ScriptedModelServer) -> dict[str, str]:
    """The app's environment: settings for ``server``, state and runs under ``root``."""
    write_settings(root / "config", settings_for(server, "openai"))
    return {
        "QT_QPA_PLATFORM": "offscreen",  # unless the caller's environment asks for a screen
        **os.environ,
        "WEBGEN_CONFIG_DIR": str(root / "config"),
        "WEBGEN_STATE_DIR": str(root / "state"),
        "WEBGEN_RUNS_DIR": str(root / "runs"),
        "OLLAMA_HOST": closed_port_url(),
    }


def start_mid_run(
    root: Path, server: ScriptedModelServer, *, close_on_usr1: bool = False
) -> subprocess.Popen[bytes]:
    """Start the app in its own session (as a shell starts a job) and wait for step 2.

    Args:
        root: Where its settings, state and runs go, and its output (``app.log``).
        server: A started server with :func:`slow_run_scripts`.
        close_on_usr1: Let SIGUSR1 close the window (for the benchmark).

    Returns:
        The app's process, with step 1 saved and step 2 streaming.
    """
    argv = [sys.executable, "-m", "tests.support.gui_process", INSTRUCTION]
    if close_on_usr1:
        argv.append("--close-on-usr1")
    env = gui_environment(root, server)
    log = root / "app.log"
    with log.open("wb") as output:
        app = subprocess.Popen(argv, cwd=REPO, env=env, stdout=output, stderr=output,
                               start_new_session=True)  # fmt: skip
    deadline = time.monotonic() + START_TIMEOUT_S
    while not _in_step_two(root, server):
        if app.poll() is not None or time.monotonic() > deadline:
            stop(app)
            tail = log.read_text(errors="replace")[-2000:]
            raise AssertionError(f"the app did not reach step 2 (exit code {app.returncode}):"
                                 f"\n{tail}")  # fmt: skip
        time.sleep(0.1)
    return app


def _in_step_two(root: Path, server: ScriptedModelServer) -> bool:
    saved = list((root / "runs").glob("*/steps/000001.json"))
    asked = [r for r in server.chat_requests if r.model == CODER]
    return bool(saved) and len(asked) >= 2


def stop(app: subprocess.Popen[bytes]) -> None:
    """Kill the app's whole session if a test gave up on it."""
    if app.poll() is None:
        try:
            os.killpg(app.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        app.wait()


def _send_instruction(text: str) -> None:
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from ui.main_window import MainWindow

    shown = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
    if not shown or not shown[0].isVisible():
        QTimer.singleShot(50, lambda: _send_instruction(text))
        return
    box = shown[0].chat.input.instruction_edit()
    QTest.keyClicks(box, text)
    QTest.keyClick(box, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)


def _close_window() -> None:
    from PySide6.QtWidgets import QApplication

    from ui.main_window import MainWindow

    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, MainWindow):
            widget.close()


def main(argv: list[str]) -> int:
    """Run the app, send the instruction once the window shows; returns the app's exit code."""
    parser = argparse.ArgumentParser(prog="python -m tests.support.gui_process")
    parser.add_argument("instruction")
    parser.add_argument("--close-on-usr1", action="store_true")
    args = parser.parse_args(argv)
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    import ui.main_window  # noqa: F401 - Qt WebEngine must be imported before the application
    from app.desktop.main import prepare_environment, run_gui

    prepare_environment()
    QApplication(sys.argv[:1])  # run_gui takes it over; it exists now for the timer below
    QTimer.singleShot(0, lambda: _send_instruction(args.instruction))
    if args.close_on_usr1:
        signal.signal(signal.SIGUSR1, lambda *_: QTimer.singleShot(0, _close_window))
    return run_gui()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
