"""The PyInstaller bundle as a user gets it: built, then run with no virtual env around.

Slow (a build takes about a minute, and a scripted run drives Chromium), so marked
``packaging`` and ``slow``; the test command runs them. Set ``WEBGEN_BUNDLE_DIR=dist/webgen``
to test a bundle that is already built (``./studio package`` does).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent_core.runtime.plans import STATIC_MODULE
from tests.conftest import BUNDLE_DIR
from tests.fakes.model_server import ScriptedModelServer, queue
from tests.packaging.scripts import REPO, load
from tests.support.agent import (
    CODER,
    CRITIC,
    FEEDBACK,
    FeedbackScript,
    GuiScript,
    VisionRouter,
    coder_reply,
)
from tests.support.cli import INSTRUCTION, PAGE, critic
from tests.support.env import cli_env
from tests.support.procs import cmdline, descendants
from tests.support.runs import StepSpec, build_run

pytestmark = [pytest.mark.packaging, pytest.mark.slow, pytest.mark.timeout(1800)]
MAX_SIZE_MIB = 760  # 680 MiB when written; QML plugins sneaking back in would add ~100
build_script = load("build")


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The bundle folder: WEBGEN_BUNDLE_DIR, or a fresh build in a temporary folder."""
    if BUNDLE_DIR:
        path = Path(BUNDLE_DIR).resolve()
        assert (path / "webgen").is_file(), f"WEBGEN_BUNDLE_DIR={path} holds no webgen program"
        yield path
        return
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run(
        [
            sys.executable,
            str(REPO / "packaging" / "build.py"),
            "--out",
            str(out),
            "--work",
            str(out / "work"),
            "--skip-self-test",
        ],
        env=build_script.clean_env(),
        capture_output=True,
        text=True,
        timeout=1500,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    yield out / "webgen"
    shutil.rmtree(out, ignore_errors=True)  # about 1.3 GB with PyInstaller's work folder


def run_bundle(
    bundle: Path, *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(bundle / "webgen"), *args],
        cwd=cwd,
        env=env or build_script.clean_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_the_bundle_has_qt_webengine_playwright_and_the_desktop_files(bundle):
    internal = bundle / "_internal"
    qt = internal / "PySide6" / "Qt"
    assert os.access(qt / "libexec" / "QtWebEngineProcess", os.X_OK)
    for name in ("icudtl.dat", "qtwebengine_resources.pak", "v8_context_snapshot.bin"):
        assert (qt / "resources" / name).is_file(), name
    assert (qt / "translations" / "qtwebengine_locales" / "en-US.pak").is_file()
    assert os.access(internal / "playwright" / "driver" / "node", os.X_OK)
    assert (internal / "playwright" / "driver" / "package" / "cli.js").is_file()
    assert (internal / "resources" / "icons" / "webgen-studio.svg").is_file()
    assert (internal / "resources" / "webgen-studio.desktop").is_file()
    # Next to the program, for install-desktop-entry.sh.
    assert (bundle / "webgen-studio.desktop").is_file()
    assert (bundle / "icons" / "webgen-studio-256.png").is_file()
    assert os.access(bundle / "install-desktop-entry.sh", os.X_OK)
    # Left out on purpose: QML plugins, the parquet extra, other Qt bindings.
    assert not (qt / "qml").exists()
    assert not (internal / "pyarrow").exists()
    size = build_script.folder_size(bundle) / 2**20
    assert size < MAX_SIZE_MIB, f"the bundle grew to {size:.0f} MiB"


def test_self_test_passes_from_the_bundle_with_no_python_around(bundle, tmp_path):
    env = build_script.clean_env({"HOME": str(tmp_path)})
    start = time.monotonic()
    done = run_bundle(bundle, "--self-test", cwd=tmp_path, env=env)
    seconds = time.monotonic() - start
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    lines = done.stdout.splitlines()
    for check in ("resources", "node", "npm", "chromium", "qt webengine"):
        assert any(re.match(rf"ok +{check}: ", line) for line in lines), (check, done.stdout)
    assert f"{bundle / '_internal' / 'resources'}" in done.stdout  # its own, not the checkout's
    assert lines[-1].startswith("self-test passed")
    print(f"bundle self-test: {seconds:.1f} s")


def test_show_prints_a_run_like_the_source_checkout_does(bundle, tmp_path):
    build_run(tmp_path / "run", [StepSpec(), StepSpec(appearance=5)], best=2)
    done = run_bundle(bundle, "show", str(tmp_path / "run"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "best step: 2" in done.stdout and "status:    finished" in done.stdout
    as_json = run_bundle(bundle, "show", str(tmp_path / "run"), "--json", cwd=tmp_path)
    from_source = subprocess.run(
        [sys.executable, "-m", "app", "show", str(tmp_path / "run"), "--json"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert json.loads(as_json.stdout) == json.loads(from_source.stdout)
    missing = run_bundle(bundle, "show", str(tmp_path), cwd=tmp_path)
    assert missing.returncode == 2 and "is not a WebGen run" in missing.stderr


def test_the_bundle_carries_the_whole_example_run(bundle, tmp_path):
    """The welcome page's example must open from an installed bundle, not only a checkout."""
    shipped = REPO / "resources" / "example-run"
    bundled = bundle / "_internal" / "resources" / "example-run"
    names = sorted(str(p.relative_to(shipped)) for p in shipped.rglob("*") if p.is_file())
    assert names == sorted(str(p.relative_to(bundled)) for p in bundled.rglob("*") if p.is_file())
    done = run_bundle(bundle, "show", str(bundled), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "status:    finished" in done.stdout and "best step:" in done.stdout


def test_the_static_server_helper_serves_a_page_from_the_bundle(bundle, tmp_path):
    (tmp_path / "index.html").write_text("<h1>served from the bundle</h1>")
    proc = subprocess.Popen(
        [
            str(bundle / "webgen"),
            "--run-module",
            STATIC_MODULE,
            "--dir",
            str(tmp_path),
            "--port",
            "0",
        ],
        cwd=tmp_path,
        env=build_script.clean_env(),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        assert line.startswith(f"Serving {tmp_path} at http://127.0.0.1:"), line
        with urllib.request.urlopen(line.split(" at ", 1)[1].strip(), timeout=10) as response:
            assert b"served from the bundle" in response.read()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()
    refused = run_bundle(bundle, "--run-module", "os", cwd=tmp_path)
    assert refused.returncode == 2 and "only runs WebGen Studio's helpers" in refused.stderr


class ChildWatcher:
    """Records the command line and LD_LIBRARY_PATH of every descendant while a run goes on."""

    def __init__(self) -> None:
        self.seen: dict[int, tuple[str, str | None]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> ChildWatcher:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()

    def _watch(self) -> None:
        while not self._stop.wait(0.1):
            for pid in descendants():
                if not self.seen.get(pid, ("", None))[0]:  # new, or read between fork and exec
                    self.seen[pid] = (cmdline(pid), _library_path(pid))

    def matching(self, marker: str) -> list[tuple[str, str | None]]:
        return [seen for seen in self.seen.values() if marker in seen[0]]


def _library_path(pid: int) -> str | None:
    try:
        entries = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:
        return None
    for entry in entries:
        if entry.startswith(b"LD_LIBRARY_PATH="):
            return entry.split(b"=", 1)[1].decode()
    return ""


def test_a_scripted_run_from_the_bundle_uses_its_own_helpers(bundle, tmp_path):
    """The frozen engine starts its reaper and static server as `webgen --run-module`; the
    system programs it starts (Chromium) do not see the bundle's libraries."""
    coder = queue(
        coder_reply(PAGE), coder_reply(signal="screenshot_validated"), coder_reply(signal="finish")
    )
    gui = GuiScript(["Thought: the heading is there.\nAction: ANSWER; YES, the page shows it"])
    feedback = FeedbackScript(
        "Check that the page shows stock reports.",
        [{"test_passed": True, "improvement_suggestions": [], "grade": 4}],
    )
    scripts = {CODER: coder, CRITIC: VisionRouter(critic(2), gui), FEEDBACK: feedback}
    with ScriptedModelServer(scripts) as server, ChildWatcher() as watcher:
        env = build_script.clean_env(cli_env(server, tmp_path))
        done = run_bundle(
            bundle,
            "run",
            INSTRUCTION,
            "--out",
            str(tmp_path / "run"),
            "--json",
            cwd=tmp_path,
            env=env,
        )
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(done.stdout)
    assert summary["status"] == "finished" and summary["best_step"] == 3
    program = str(bundle / "webgen")
    for helper in ("agent_core.runtime.reaper", STATIC_MODULE):
        started = watcher.matching(f"--run-module {helper}")
        assert started, f"{helper} was not started from the bundle: {watcher.seen}"
        command, library_path = started[0]
        assert command.startswith(program)
        assert library_path in (None, str(bundle / "_internal"))  # set by its own bootloader
    node = str(bundle / "_internal" / "playwright" / "driver" / "node")
    assert watcher.matching(node), "Playwright did not run the bundle's own node"
    browsers = [seen for seen in watcher.seen.values() if "chrom" in seen[0]]
    assert browsers, "no Chromium was started"
    assert all("_internal" not in (path or "") for _command, path in browsers)


def test_the_window_opens_a_run_from_the_bundle_and_closes_on_sigterm(bundle, tmp_path):
    store = build_run(tmp_path / "bakery", [StepSpec(), StepSpec(appearance=5)], best=2)
    store.unlock()
    env = build_script.clean_env(
        {
            "QT_QPA_PLATFORM": "offscreen",
            "WEBGEN_CONFIG_DIR": str(tmp_path / "config"),
            "WEBGEN_STATE_DIR": str(tmp_path / "state"),
            "OLLAMA_HOST": "127.0.0.1:9",
        }
    )
    proc = subprocess.Popen(
        [str(bundle / "webgen"), "gui", str(store.run_dir)],
        cwd=tmp_path,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line, deadline = "", time.monotonic() + 60
        while "window open" not in line and time.monotonic() < deadline:
            line = proc.stderr.readline()
            if not line and proc.poll() is not None:
                break
        assert "window open: WebGen Studio — bakery" in line, line
        time.sleep(1.5)  # let it open the run: timeline, chart, preview
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stderr.close()
    assert (tmp_path / "config" / "window.ini").is_file()
