"""``webgen gui RUN_DIR`` really starts the window; SIGTERM, Ctrl-C and ``kill -9`` mid-run
leave no process behind (the shutdown timings are in ``benchmarks/shutdown.py``)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from agent_core.store.records import RunStatus
from agent_core.store.run_store import RunStore
from tests.fakes.model_server import ScriptedModelServer
from tests.support.gui_process import slow_run_scripts, start_mid_run, stop
from tests.support.procs import cmdline, descendants, wait_until_gone
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


@pytest.fixture
def slow_models() -> Iterator[ScriptedModelServer]:
    """Models whose run is still in step 2 long after it began."""
    with ScriptedModelServer(slow_run_scripts()) as server:
        yield server


def described(pids: list[int]) -> str:
    return "; ".join(f"{pid}: {cmdline(pid)[:100]}" for pid in pids)


STOPS = {
    "SIGTERM": lambda app: os.kill(app.pid, signal.SIGTERM),
    # Ctrl-C in a terminal signals the whole foreground process group, not only the app.
    "Ctrl-C": lambda app: os.killpg(app.pid, signal.SIGINT),
    "kill -9": lambda app: os.kill(app.pid, signal.SIGKILL),  # then the reaper helper acts
}


@pytest.mark.parametrize("how", list(STOPS))
def test_stopping_the_app_mid_run_leaves_no_process(tmp_path, slow_models, how):
    before = set(descendants())
    app = start_mid_run(tmp_path, slow_models)
    try:
        # The app, its children, and what its children orphaned (adopted by this process).
        started = [pid for pid in descendants() if pid not in before]
        names = [cmdline(pid) for pid in started]
        for part in ("chromium", "agent_core.runtime.reaper", "QtWebEngineProcess",
                     str(tmp_path / "runs")):  # the site's server runs in the workspace
            assert any(part in name for name in names), (part, names)
        STOPS[how](app)
        code = app.wait(timeout=60)
        # By pid, wherever they were reparented: the process table must not hold any of them.
        assert wait_until_gone(started, timeout_s=30) == [], described(started)
        assert [pid for pid in descendants() if pid not in before] == []
    finally:
        stop(app)
    assert code == (-signal.SIGKILL if how == "kill -9" else 0)
    (run_dir,) = (tmp_path / "runs").iterdir()
    store = RunStore.open(run_dir)
    assert [s.index for s in store.steps()] == [1]  # step 1 kept; the run can be resumed
    if how != "kill -9":
        assert store.manifest.status is RunStatus.CANCELLED
