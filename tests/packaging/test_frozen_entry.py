"""How a frozen build starts the engine's helpers, and the program that dispatches them."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from agent_core.runtime import guard
from agent_core.runtime.plans import STATIC_MODULE, launch_argv, static_plan
from tests.packaging.scripts import load

REPO = Path(__file__).resolve().parents[2]
ENTRY = REPO / "packaging" / "webgen_entry.py"


def entry(*args: str, stdin: str | None = "", timeout: float = 60) -> subprocess.CompletedProcess:
    """Run the entry script unfrozen, as the bundle runs it (our packages on the path)."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, str(ENTRY), *args],
        env=env,
        cwd="/",
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_frozen_helpers_run_through_the_bundle_program(monkeypatch):
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", "/opt/webgen/webgen")
    argv, env = guard.python_module_argv("agent_core.runtime.reaper")
    assert argv == ["/opt/webgen/webgen", "--run-module", "agent_core.runtime.reaper"]
    assert "PYTHONPATH" not in env
    assert env == {"PYINSTALLER_RESET_ENVIRONMENT": "1"}  # a fresh bootloader start
    # The static server's plan and launch line, as the dev server manager builds them.
    launched = launch_argv(static_plan(Path("/site")), 4321)
    assert launched[:3] == ["/opt/webgen/webgen", "--run-module", STATIC_MODULE]
    assert launched[3:] == ["--dir", "/site", "--port", "4321", "--host", "127.0.0.1"]


def test_unfrozen_helpers_run_with_python_m_and_find_the_engine(monkeypatch):
    monkeypatch.delattr(sys, "frozen", raising=False)
    argv, env = guard.python_module_argv("agent_core.runtime.reaper")
    assert argv == [sys.executable, "-m", "agent_core.runtime.reaper"]
    assert env["PYTHONPATH"].split(os.pathsep)[0] == str(REPO)


def test_run_module_runs_the_static_server_help():
    done = entry("--run-module", "agent_core.runtime.static_server", "--help")
    assert done.returncode == 0, done.stderr
    assert "Serve a folder over HTTP on loopback" in done.stdout and "--dir" in done.stdout


def test_run_module_serves_a_page_with_the_static_server(tmp_path):
    (tmp_path / "index.html").write_text("<h1>served by the helper</h1>")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [
            sys.executable,
            str(ENTRY),
            "--run-module",
            STATIC_MODULE,
            "--dir",
            str(tmp_path),
            "--port",
            "0",
        ],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        assert line.startswith(f"Serving {tmp_path} at http://127.0.0.1:"), line
        url = line.split(" at ", 1)[1].strip()
        with urllib.request.urlopen(url, timeout=10) as response:
            assert b"served by the helper" in response.read()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()


def test_run_module_runs_the_reaper_without_loading_the_app():
    # The reaper reads its protocol until end-of-file; -X importtime lists every import.
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [
            sys.executable,
            "-X",
            "importtime",
            str(ENTRY),
            "--run-module",
            "agent_core.runtime.reaper",
        ],
        env=env,
        input="add 999999999 -\nremove 999999999\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()}
    assert "agent_core.runtime._procinfo" in imported  # the reaper ran (runpy execs it)
    assert not {m for m in imported if m.startswith(("PySide6", "app", "ui.", "playwright"))}


@pytest.mark.parametrize(
    "module", ["os", "app.cli", "agent_core.config", "agent_core.runtime.reaper; rm -rf /"]
)
def test_run_module_refuses_anything_but_the_engine_helpers(module):
    done = entry("--run-module", module)
    assert done.returncode == 2
    assert (
        f"only runs WebGen Studio's helpers (agent_core.runtime.*, app.qt_probe), not {module!r}"
        in done.stderr
    )


def test_run_module_starts_qts_platform_plugin_for_the_start_up_checks():
    done = entry("--run-module", "app.qt_probe")  # QT_QPA_PLATFORM=offscreen in the tests
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "offscreen"


def test_run_module_reports_a_missing_helper_or_a_missing_name():
    done = entry("--run-module", "agent_core.runtime.no_such_helper")
    assert done.returncode == 2
    assert "cannot run agent_core.runtime.no_such_helper" in done.stderr
    done = entry("--run-module")
    assert done.returncode == 2 and "--run-module needs a module name" in done.stderr


def test_other_command_lines_go_to_the_webgen_cli():
    done = entry("--help")
    assert done.returncode == 0, done.stderr
    assert "usage: webgen" in done.stdout
    for command in ("run", "resume", "show", "gui"):
        assert command in done.stdout


def test_children_of_a_frozen_build_get_the_users_library_path_back():
    webgen_entry = load("webgen_entry")
    env = {
        "LD_LIBRARY_PATH": "/opt/webgen/_internal:/usr/local/cuda/lib64",
        "LD_LIBRARY_PATH_ORIG": "/usr/local/cuda/lib64",
        "HOME": "/root",
    }
    webgen_entry.restore_library_path(env)
    assert env == {"LD_LIBRARY_PATH": "/usr/local/cuda/lib64", "HOME": "/root"}
    env = {"LD_LIBRARY_PATH": "/opt/webgen/_internal"}  # the user had none
    webgen_entry.restore_library_path(env)
    assert env == {}


def test_pyinstaller_sees_pypis_packaging_not_our_packaging_folder():
    """The repo root is on PyInstaller's path; its `packaging/` folder must not win."""
    from PyInstaller.lib.modulegraph.modulegraph import ModuleGraph

    import packaging

    graph = ModuleGraph(path=[str(REPO), str(REPO / "packaging"), *sys.path])
    pathname, _loader = graph._find_module("packaging", None, None)  # how the graph finds it
    assert Path(pathname) == Path(packaging.__file__)
    assert "site-packages" in pathname
    assert not (REPO / "packaging" / "__init__.py").exists()  # keep it a plain folder


@pytest.mark.parametrize(
    ("platform", "environ", "expected"),
    [
        ("linux", {"HOME": "/home/ada"}, "/home/ada/.cache/ms-playwright"),
        ("linux", {"HOME": "/home/ada", "XDG_CACHE_HOME": "/c"}, "/c/ms-playwright"),
        ("darwin", {"HOME": "/Users/ada"}, "/Users/ada/Library/Caches/ms-playwright"),
        ("linux", {"HOME": "/h", "PLAYWRIGHT_BROWSERS_PATH": "/opt/pw"}, "/opt/pw"),
    ],
)
def test_a_frozen_playwright_uses_the_browsers_playwright_install_fetched(
    platform, environ, expected
):
    """Frozen, Playwright would look inside the bundle (PLAYWRIGHT_BROWSERS_PATH=0)."""
    load("webgen_entry").use_shared_playwright_browsers(environ, platform)
    assert environ["PLAYWRIGHT_BROWSERS_PATH"] == expected
