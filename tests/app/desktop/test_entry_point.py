"""``webgen gui RUN_DIR`` really starts the window, and SIGTERM closes it cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tests.support.runs import StepSpec, build_run

pytestmark = pytest.mark.slow


def test_the_gui_command_opens_the_run_and_quits_on_sigterm(tmp_path):
    store = build_run(tmp_path / "bakery", [StepSpec(), StepSpec(appearance=5)], best=2)
    store.unlock()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
           "WEBGEN_CONFIG_DIR": str(tmp_path / "config"),
           "WEBGEN_STATE_DIR": str(tmp_path / "state"), "OLLAMA_HOST": "127.0.0.1:9"}
    proc = subprocess.Popen([sys.executable, "-m", "app", "gui", str(store.run_dir)], env=env,
                            stderr=subprocess.PIPE, text=True)
    try:
        line = ""
        deadline = time.monotonic() + 60
        while "window open" not in line and time.monotonic() < deadline:
            line = proc.stderr.readline()
            if not line and proc.poll() is not None:
                break
        assert "window open: WebGen Studio — bakery" in line, line
        time.sleep(1.5)  # let it open the run
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    # The window's layout was saved on the way out.
    assert (tmp_path / "config" / "window.ini").is_file()
