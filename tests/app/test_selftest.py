"""``webgen --self-test`` as a user runs it: a real process, real Qt offscreen, real Chromium."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import uuid
import zlib
from pathlib import Path

import pytest

from app.selftest import COLOUR, png_pixel
from tests.support.env import path_without_node
from tests.support.png import png_pixel as reference_pixel
from tests.support.procs import wait_until_gone

REPO = Path(__file__).resolve().parents[2]
MARKER = "WEBGEN_SELFTEST_MARKER"


def processes_with_marker(marker: str) -> list[int]:
    """Living processes whose environment carries ``MARKER=marker`` (a self-test's offspring)."""
    wanted = f"{MARKER}={marker}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                environ = (entry / "environ").read_bytes()
            except OSError:
                continue
            if wanted in environ.split(b"\0"):
                found.append(int(entry.name))
    return found


def self_test(tmp_path: Path, **extra: str) -> subprocess.CompletedProcess:
    """Run ``python -m app --self-test``; check that nothing it started is still running."""
    marker = uuid.uuid4().hex
    env = {k: v for k, v in os.environ.items() if not k.startswith("WEBGEN_")}
    for name in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY", "XDG_SESSION_TYPE"):
        env.pop(name, None)  # the self-test chooses offscreen by itself; no desktop here
    env.update(
        WEBGEN_CONFIG_DIR=str(tmp_path / "config"),
        WEBGEN_STATE_DIR=str(tmp_path / "s"),
        **{MARKER: marker},
        **extra,
    )
    done = subprocess.run(
        [sys.executable, "-m", "app", "--self-test"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
    )
    left = wait_until_gone(processes_with_marker(marker), timeout_s=5.0)
    assert left == [], f"the self-test left processes running: {left}"
    return done


@pytest.mark.slow
def test_self_test_passes_on_a_working_install(tmp_path):
    done = self_test(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.strip().splitlines()
    assert lines[-1].startswith("self-test passed")
    checks = {line[6:].split(":", 1)[0]: line for line in lines[:-1]}
    assert set(checks) == {
        "resources", "node", "npm", "chromium", "qt platform", "qt webengine libraries",
        "qt webengine",
    }
    assert all(line.startswith("ok    ") and line.endswith(" s)") for line in checks.values())
    assert f"pixel rgb{COLOUR} as expected" in checks["chromium"]
    assert "the libraries of the xcb plugin are all installed; the xcb plugin was not loaded: " \
        "no display (DISPLAY is not set)" in checks["qt platform"]
    assert "platform offscreen" in checks["qt webengine"]


@pytest.mark.slow
def test_self_test_fails_clearly_without_node(tmp_path):
    done = self_test(tmp_path, PATH=path_without_node(tmp_path))
    assert done.returncode == 1
    out = done.stdout
    assert "FAIL  node: node was not found on PATH" in out
    assert "FAIL  npm: npm was not found on PATH" in out
    assert "ok    chromium:" in out and "ok    qt webengine:" in out
    last = out.strip().splitlines()[-1]
    assert last.startswith("self-test failed: node, npm") and "https://nodejs.org" in last


@pytest.mark.slow
def test_self_test_fails_clearly_without_chromium(tmp_path):
    missing = tmp_path / "no-chromium"
    done = self_test(tmp_path, WEBGEN_CHROMIUM=str(missing))
    assert done.returncode == 1
    out = done.stdout
    assert (
        f"FAIL  chromium: the browser set in the WEBGEN_CHROMIUM environment variable does "
        f"not exist: {missing}" in out
    )
    last = out.strip().splitlines()[-1]
    assert last.startswith("self-test failed: chromium") and "apt install chromium" in last
    assert "ok    qt webengine:" in out


def test_png_pixel_reads_a_filtered_png_like_the_tests_reader():
    """The self-test's screenshot check reads the pixel the browser drew, filters and all."""
    # A 3x2 RGB PNG whose rows use the Sub and Up filters, as Chromium's encoder does.
    rows = [
        b"\x01" + bytes([10, 20, 30, 5, 5, 5, 1, 1, 1]),
        b"\x02" + bytes([1, 2, 3, 4, 5, 6, 7, 8, 9]),
    ]
    ihdr = struct.pack(">IIBBBBB", 3, 2, 8, 2, 0, 0, 0)

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"".join(rows)))
        + chunk(b"IEND", b"")
    )
    for x, y in ((0, 0), (2, 0), (1, 1), (2, 1)):
        assert png_pixel(png, x, y) == reference_pixel(png, x, y)
    assert png_pixel(png, 1, 0) == (15, 25, 35)
    with pytest.raises(ValueError, match="outside"):
        png_pixel(png, 3, 0)
    with pytest.raises(ValueError, match="not a PNG"):
        png_pixel(b"GIF89a" + bytes(40), 0, 0)


def test_self_test_takes_no_other_arguments(capsys):
    from app.cli import EXIT_USAGE, main

    assert main(["--self-test", "doctor"]) == EXIT_USAGE
    assert "--self-test takes no other arguments" in capsys.readouterr().err


def test_the_command_loads_doctor_and_self_test_only_when_asked():
    probe = (
        "import sys, app.cli; "
        "print(sorted(m for m in sys.modules if 'doctor' in m or 'selftest' in m))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
