"""``pipx install`` of this project, as a user without the source checkout gets it.

Marked ``pipx`` (it builds a wheel and installs PySide6 and friends into a fresh venv;
pip takes them from the configured indexes and caches, PyPI included): run with
``WEBGEN_PACKAGING_TESTS=1`` (``./studio package`` does).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.packaging.scripts import REPO, load
from tests.support.runs import StepSpec, build_run

pytestmark = [pytest.mark.pipx, pytest.mark.timeout(1800)]
SOURCES = ("pyproject.toml", "setup.py", "README.md", "agent_core", "app", "ui", "resources")
build_script = load("build")


def pipx_env(root: Path) -> dict[str, str]:
    return build_script.clean_env(
        {
            "PIPX_HOME": str(root / "pipx"),
            "PIPX_BIN_DIR": str(root / "bin"),
            "PIPX_MAN_DIR": str(root / "man"),
        }
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A pipx install from a copy of the sources (pip builds in-tree: keep the repo clean)."""
    root = tmp_path_factory.mktemp("pipx")
    source = root / "src"
    for name in SOURCES:
        if (REPO / name).is_dir():
            shutil.copytree(
                REPO / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
            )
        else:
            source.mkdir(exist_ok=True)
            shutil.copy2(REPO / name, source / name)
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "pipx", "install", str(source)],
        cwd=root,
        env=pipx_env(root),
        capture_output=True,
        text=True,
        timeout=1500,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    print(f"pipx install: {time.monotonic() - start:.0f} s")
    yield root
    shutil.rmtree(root, ignore_errors=True)  # a venv with PySide6: about 1 GB


def test_the_webgen_command_is_installed_with_every_subcommand(installed, tmp_path):
    done = subprocess.run(
        [str(installed / "bin" / "webgen"), "--help"],
        cwd=tmp_path,
        env=pipx_env(installed),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: webgen")
    for command in ("run", "resume", "show", "models", "export", "gui"):
        assert command in done.stdout


def test_the_installed_package_carries_its_resources(installed, tmp_path):
    python = installed / "pipx" / "venvs" / "webgen-studio" / "bin" / "python"
    code = (
        "from app.resources import icon_path, example_run_source, resource_path; "
        "print(icon_path()); print(icon_path(256)); print(example_run_source()); "
        "print(resource_path('webgen-studio.desktop'))"
    )
    done = subprocess.run(
        [str(python), "-c", code],
        cwd=tmp_path,
        env=pipx_env(installed),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    svg, png, example, desktop = (Path(line) for line in done.stdout.splitlines())
    venv = installed / "pipx" / "venvs" / "webgen-studio"
    for path in (svg, png, desktop):
        assert path.is_file() and path.is_relative_to(venv), path  # not the checkout's
    assert svg.name == "webgen-studio.svg" and png.read_bytes()[:4] == b"\x89PNG"
    assert example.is_relative_to(venv)
    if (REPO / "resources" / "example-run").is_dir():
        assert (example / "manifest.json").is_file()


def test_show_works_from_the_pipx_install(installed, tmp_path):
    build_run(tmp_path / "run", [StepSpec(), StepSpec(appearance=5)], best=2)
    done = subprocess.run(
        [str(installed / "bin" / "webgen"), "show", str(tmp_path / "run")],
        cwd=tmp_path,
        env=pipx_env(installed),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "best step: 2" in done.stdout
