"""``webgen`` on a machine missing Qt's xcb libraries: it names them, it does not abort."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.qtlibs import (
    bwrap_works,
    env_without_display,
    resolved_libraries,
    without_libraries,
)

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(not bwrap_works(), reason="needs bubblewrap to hide libraries")
def test_the_window_command_names_the_missing_libraries_and_their_packages(tmp_path):
    from app.qt_platform import QtFiles

    found = resolved_libraries(*QtFiles.installed().xcb)
    hide = without_libraries(found, "libxcb-icccm.so.4", "libxcb-keysyms.so.1")
    env = env_without_display(tmp_path)
    env["DISPLAY"] = ":97"  # a user's desktop session: the window would be tried
    done = subprocess.run([*hide, sys.executable, "-m", "app"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert done.stderr.startswith(
        "WebGen Studio cannot open its window: the window's xcb plugin cannot load, missing "
        "libxcb-icccm.so.4 (libxcb-icccm4), libxcb-keysyms.so.1 (libxcb-keysyms1).")
    assert "Fix: `apt install libxcb-icccm4 libxcb-keysyms1` (Debian/Ubuntu)" in done.stderr
    assert "Traceback" not in done.stderr and "Aborted" not in done.stderr
    assert not (tmp_path / "runs").exists()  # nothing was started
