"""Qt's platform plugin and Qt WebEngine as installed here: real ``ldd``, real Qt, real X.

Libraries are made missing honestly: a library built with ``cc`` that needs one nobody has,
or bubblewrap hiding installed ones (see :mod:`tests.support.qtlibs`).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.checks import FAIL, OK, WARN, render_lines
from app.qt_platform import (
    QtFiles,
    check_qt_platform,
    check_webengine_libraries,
    qt_checks,
)
from tests.support.qtlibs import (
    bwrap_works,
    env_without_display,
    library_needing,
    resolved_libraries,
    without_libraries,
)

REPO = Path(__file__).resolve().parents[2]
XVFB_RUN = shutil.which("xvfb-run")
NOWHERE = "libwebgen-nowhere.so.3"
"""A library no distribution ships (the package table does not know it either)."""
needs_cc = pytest.mark.skipif(shutil.which("cc") is None, reason="needs a C compiler (cc)")
needs_xvfb = pytest.mark.skipif(XVFB_RUN is None, reason="needs xvfb-run (package xvfb)")


@pytest.fixture
def no_display(monkeypatch: pytest.MonkeyPatch) -> None:
    """A shell without a desktop, where Qt picks its own platform plugin."""
    for name in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY", "XDG_SESSION_TYPE"):
        monkeypatch.delenv(name, raising=False)


def run(argv: list[str], tmp_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        argv,
        cwd=REPO,
        env=env_without_display(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )


def doctor_rows(done: subprocess.CompletedProcess) -> dict[str, dict[str, str]]:
    return {row["check"]: row for row in json.loads(done.stdout)}


async def test_the_installed_plugin_and_webengine_find_every_library(no_display):
    files = QtFiles.installed()
    # These are the files that abort the window when a library is missing.
    assert {"libxcb-icccm.so.4", "libxcb-keysyms.so.1"} <= set(resolved_libraries(*files.xcb))
    assert "libnss3.so" in resolved_libraries(*files.webengine)
    platform, webengine = await qt_checks()
    assert (platform.status, platform.detail) == (
        OK,
        "the libraries of the xcb plugin are all installed; "
        "the xcb plugin was not loaded: no display (DISPLAY is not set)",
    )
    assert (webengine.status, webengine.detail) == (
        OK,
        "all installed (for libQt6WebEngineCore.so.6 and QtWebEngineProcess)",
    )


@needs_cc
async def test_a_library_without_a_known_package_is_still_named(no_display, tmp_path):
    lib = library_needing(tmp_path, NOWHERE)
    files = QtFiles(xcb=(lib,), wayland=(), webengine=(lib,))
    rows = [await check_qt_platform(load=True, files=files), await check_webengine_libraries(files)]
    lines = render_lines(rows)
    assert lines[0] == (
        f"FAIL  qt platform: the window's xcb plugin cannot load, missing {NOWHERE} "
        "(package unknown)"
    )
    assert lines[1] == (
        f"      fix: install the package that provides {NOWHERE} (`apt-file search {NOWHERE}`, "
        f"`dnf provides '*/{NOWHERE}'`), then start WebGen Studio again"
    )
    assert lines[2] == (
        f"FAIL  qt webengine libraries: Qt WebEngine cannot load, missing {NOWHERE} "
        "(package unknown)"
    )


@needs_cc
async def test_on_wayland_the_wayland_plugin_decides_and_xcb_is_only_a_warning(
    no_display, monkeypatch, tmp_path
):
    monkeypatch.setenv("XDG_SESSION_TYPE", "wayland")
    lib = library_needing(tmp_path, NOWHERE)
    installed = QtFiles.installed()
    broken_xcb = QtFiles(xcb=(lib,), wayland=installed.wayland, webengine=())
    row = await check_qt_platform(load=False, files=broken_xcb)
    assert row.status == WARN
    assert row.detail.startswith("the window uses the wayland plugin, but the xcb plugin")
    assert row.detail.endswith(f"missing {NOWHERE} (package unknown)")
    broken_wayland = QtFiles(xcb=installed.xcb, wayland=(lib,), webengine=())
    row = await check_qt_platform(load=False, files=broken_wayland)
    assert row.status == FAIL
    assert (
        row.detail == f"the window's wayland plugin cannot load, missing {NOWHERE} "
        "(package unknown)"
    )


def unused_display() -> int:
    """A display number no X server here listens on."""
    return next(n for n in range(4000, 5000) if not Path(f"/tmp/.X11-unix/X{n}").exists())


async def test_a_display_that_does_not_answer_fails_in_qts_own_words(no_display, monkeypatch):
    number = unused_display()
    monkeypatch.setenv("DISPLAY", f":{number}")
    row = await check_qt_platform(load=True)
    assert row.status == FAIL
    assert row.detail.startswith(
        f"the xcb plugin failed on DISPLAY=:{number}: "
        f"qt.qpa.xcb: could not connect to display :{number}"
    )
    assert row.detail.endswith("(Qt aborted)")
    assert "xcb-cursor0" not in row.detail  # Qt's stock hint, wrong here: the library is there
    assert f"check that the display :{number} is running" in row.fix


@needs_xvfb
def test_under_xvfb_the_doctor_really_starts_the_xcb_plugin(tmp_path):
    done = run(
        [XVFB_RUN, "-a", sys.executable, "-m", "app", "doctor", "--json", "--no-network"], tmp_path
    )
    row = doctor_rows(done)["qt platform"]
    assert row["status"] == OK, row
    assert re.fullmatch(
        r"the xcb plugin started on DISPLAY=:\d+; "
        r"the libraries of the xcb plugin are all installed",
        row["detail"],
    )


@needs_xvfb
@pytest.mark.skipif(not bwrap_works(), reason="needs bubblewrap to hide libraries")
def test_where_qt_aborts_for_missing_xcb_libraries_the_doctor_fails_naming_them(tmp_path):
    """The user's Debian machine without libxcb-icccm4 and libxcb-keysyms1, on a display."""
    hidden = ("libxcb-icccm.so.4", "libxcb-keysyms.so.1")
    hide = without_libraries(resolved_libraries(*QtFiles.installed().xcb), *hidden)
    window = run([XVFB_RUN, "-a", *hide, sys.executable, "-m", "app.qt_probe"], tmp_path)
    assert window.returncode != 0
    assert 'Could not load the Qt platform plugin "xcb"' in window.stderr
    done = run(
        [XVFB_RUN, "-a", *hide, sys.executable, "-m", "app", "doctor", "--json", "--no-network"],
        tmp_path,
    )
    row = doctor_rows(done)["qt platform"]
    assert row["status"] == FAIL
    assert row["detail"] == (
        "the window's xcb plugin cannot load, missing libxcb-icccm.so.4 (libxcb-icccm4), "
        "libxcb-keysyms.so.1 (libxcb-keysyms1)"
    )
    assert row["fix"].startswith("`apt install libxcb-icccm4 libxcb-keysyms1` (Debian/Ubuntu)")
    assert "`dnf install xcb-util-wm xcb-util-keysyms` (Fedora)" in row["fix"]
