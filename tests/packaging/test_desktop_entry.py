"""The desktop entry a launcher reads, and the script that adds it to the user's menu."""

from __future__ import annotations

import configparser
import os
import shlex
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from app.cli import build_parser
from app.resources import ICON_NAME

REPO = Path(__file__).resolve().parents[2]
DESKTOP = REPO / "resources" / "webgen-studio.desktop"
INSTALLER = REPO / "packaging" / "install-desktop-entry.sh"
SIZES = (16, 32, 48, 64, 128, 256, 512)


def read_entry(path: Path) -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # keys are case-sensitive in desktop entries
    parser.read_string(path.read_text(encoding="utf-8"))
    assert parser.sections() == ["Desktop Entry"]
    return dict(parser["Desktop Entry"])


def fake_webgen(folder: Path) -> Path:
    folder.mkdir(parents=True)
    program = folder / "webgen"
    program.write_text("#!/bin/sh\nexit 0\n")
    program.chmod(program.stat().st_mode | stat.S_IXUSR)
    return program


def install(*args: str, data_home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "XDG_DATA_HOME": str(data_home)}
    return subprocess.run(
        ["bash", str(INSTALLER), *args], env=env, capture_output=True, text=True, timeout=60
    )


def test_the_entry_has_what_a_launcher_needs():
    entry = read_entry(DESKTOP)
    assert entry["Type"] == "Application"
    assert entry["Name"] == "WebGen Studio"
    assert entry["GenericName"] and entry["Comment"]
    assert entry["Terminal"] == "false"
    assert entry["Icon"] == ICON_NAME  # a theme name: the installer puts the PNGs in hicolor
    assert entry["TryExec"] == "webgen"
    categories = entry["Categories"].split(";")
    assert categories[-1] == "" and {"Development", "WebDevelopment"} <= set(categories)
    assert entry["Keywords"].endswith(";")


def test_exec_is_a_webgen_command_that_opens_a_dropped_run_folder(tmp_path):
    argv = shlex.split(read_entry(DESKTOP)["Exec"])
    assert argv == ["webgen", "gui", "%f"]
    # What the launcher runs: with a folder dropped on it, and without.
    assert build_parser().parse_args(["gui", str(tmp_path)]).run_dir == tmp_path
    assert build_parser().parse_args(["gui"]).run_dir is None


def test_startup_wm_class_is_the_window_class_qt_sets():
    # Qt's X11 window class is the application name; Wayland's app id the desktop file name.
    main = (REPO / "app" / "desktop" / "main.py").read_text()
    entry = read_entry(DESKTOP)
    assert f'app.setApplicationName("{entry["StartupWMClass"]}")' in main
    assert f'app.setDesktopFileName("{DESKTOP.stem}")' in main


@pytest.mark.skipif(
    shutil.which("desktop-file-validate") is None,
    reason="desktop-file-validate is not installed (desktop-file-utils)",
)
def test_desktop_file_validate_accepts_the_entry():
    done = subprocess.run(
        ["desktop-file-validate", str(DESKTOP)], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0 and not done.stdout.strip(), done.stdout


def test_install_points_the_launcher_at_the_program_and_uninstall_removes_it(tmp_path):
    program = fake_webgen(tmp_path / "my apps" / "webgen bundle")
    data = tmp_path / "data"
    done = install(str(program), data_home=data)
    assert done.returncode == 0, done.stderr
    installed = data / "applications" / "webgen-studio.desktop"
    entry = read_entry(installed)
    assert shlex.split(entry["Exec"]) == [str(program), "gui", "%f"]
    assert entry["Exec"].startswith(f'"{program}"')  # quoted: the path has spaces
    assert entry["TryExec"] == str(program)
    for size in SIZES:
        icon = data / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{ICON_NAME}.png"
        assert (
            icon.read_bytes()
            == (REPO / "resources" / "icons" / f"{ICON_NAME}-{size}.png").read_bytes()
        )
    assert (data / "icons" / "hicolor" / "scalable" / "apps" / f"{ICON_NAME}.svg").is_file()
    if shutil.which("desktop-file-validate"):
        checked = subprocess.run(
            ["desktop-file-validate", str(installed)], capture_output=True, text=True, timeout=30
        )
        assert checked.returncode == 0, checked.stdout

    done = install("--uninstall", data_home=data)
    assert done.returncode == 0, done.stderr
    assert not installed.exists()
    assert not list((data / "icons").rglob(f"{ICON_NAME}.*"))


def test_install_refuses_a_path_that_is_not_a_program(tmp_path):
    done = install(str(tmp_path / "nowhere" / "webgen"), data_home=tmp_path / "data")
    assert done.returncode == 1
    assert "is not an executable program" in done.stderr
    assert not (tmp_path / "data" / "applications").exists()
