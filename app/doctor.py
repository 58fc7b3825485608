"""``webgen doctor``: is everything in place for WebGen Studio, and what to do where not.

Every check is a small function returning a list of :class:`~app.checks.Check`. The slow
ones (programs to start, servers to ask) run concurrently; each has its own short timeout,
so the whole report takes a few seconds at most. Model servers are covered in
:mod:`app.doctor_models`, Qt's platform plugin and Qt WebEngine's libraries in
:mod:`app.qt_platform`.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.metadata
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from app.checks import Check, command_output, fail, ok, render_json, render_text, version_tuple
from app.checks import warn as warning

COMMAND_TIMEOUT_S = 10.0
"""``node --version`` and friends answer at once; a cold npm may take a few seconds."""
MIN_PYTHON = (3, 11)
MIN_NODE = 18
NODE_FIX = (
    "install Node.js 18 or newer with npm (https://nodejs.org, or your package "
    "manager, e.g. `apt install nodejs npm`), make sure it is on PATH, then restart "
    "WebGen Studio"
)
CHROMIUM_FIX = (
    "install Chromium (e.g. `apt install chromium`) or Chrome, or set the browser's "
    "path in Settings (`webgen run --chromium PATH`) or in WEBGEN_CHROMIUM"
)
BAD_PYSIDE = (6, 12)
"""PySide6 6.12.x aborts Python 3.11 after ~10k calls (see pyproject.toml)."""


def _requirement(dist: str, spec: str, modules: Sequence[str] = ()) -> tuple[str, str, tuple]:
    return dist, spec, tuple(modules) or (dist.lower(),)


REQUIRED = (
    _requirement(
        "PySide6", "PySide6>=6.8,<6.12", ("PySide6.QtWebEngineWidgets", "PySide6.QtCharts")
    ),
    _requirement("qasync", "qasync>=0.27"),
    _requirement("openai", "openai>=1.40"),
    _requirement("ollama", "ollama>=0.4"),
    _requirement("playwright", "playwright>=1.45", ("playwright.async_api",)),
    _requirement("keyring", "keyring>=24"),
    _requirement("platformdirs", "platformdirs>=4"),
    _requirement("httpx", "httpx>=0.27"),
)
"""Distribution, pip requirement, and the modules that must import (no QApplication made)."""


def _version(dist: str, module: object) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:  # a frozen build keeps no metadata
        return str(getattr(module, "__version__", "") or "version unknown")


def _reinstall(spec: str) -> str:
    return (
        f'pip install "{spec}" into the Python that runs WebGen Studio '
        f"({sys.executable}), or reinstall WebGen Studio"
    )


def check_python() -> list[Check]:
    """The Python version."""
    version = ".".join(str(p) for p in sys.version_info[:3])
    if sys.version_info[:2] < MIN_PYTHON:
        return [
            fail(
                "python",
                f"{version} at {sys.executable} is too old",
                "install Python 3.11 or newer and reinstall WebGen Studio with it",
            )
        ]
    return [ok("python", f"{version} ({sys.executable})")]


def check_package(dist: str, spec: str, modules: Sequence[str]) -> list[Check]:
    """One required distribution: its modules import, and its version."""
    loaded = None
    for name in modules:
        try:
            loaded = importlib.import_module(name)
        except Exception as exc:  # ImportError, or a missing shared library (OSError)
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            return [fail(f"package {dist}", f"cannot import {name}: {first}", _reinstall(spec))]
    top = sys.modules.get(modules[0].split(".")[0], loaded)
    version = _version(dist, top)
    if dist == "PySide6" and version_tuple(version)[:2] == BAD_PYSIDE:
        return [
            fail(
                f"package {dist}",
                f"{version} aborts Python 3.11 after a few thousand Qt calls",
                'pip install "PySide6<6.12"',
            )
        ]
    if dist == "PySide6":
        version += f" ({', '.join(m.rsplit('.', 1)[-1] for m in modules)})"
    return [ok(f"package {dist}", version)]


def playwright_driver() -> tuple[Path, Path]:
    """Playwright's Node.js program (``PLAYWRIGHT_NODEJS_PATH`` honoured) and its CLI script."""
    import playwright

    driver = Path(playwright.__file__).resolve().parent / "driver"
    custom = os.environ.get("PLAYWRIGHT_NODEJS_PATH")
    node = Path(custom) if custom else driver / ("node.exe" if sys.platform == "win32" else "node")
    return node, driver / "package" / "cli.js"


def check_playwright_driver() -> list[Check]:
    """Playwright's bundled driver: without it no browser can be launched."""
    node, cli = playwright_driver()
    for part in (node, cli):
        if not part.is_file() or (part == node and not os.access(node, os.X_OK)):
            return [
                fail(
                    "playwright driver",
                    f"missing or not executable: {part}",
                    'reinstall Playwright: pip install --force-reinstall "playwright>=1.45"',
                )
            ]
    return [ok("playwright driver", str(node))]


def check_pyarrow() -> list[Check]:
    """pyarrow is optional: only Parquet exports need it."""
    try:
        module = importlib.import_module("pyarrow")
    except Exception:
        if getattr(sys, "frozen", False):  # a bundle cannot take a pip install
            fix = ("only `webgen export --parquet` needs it, and the desktop bundle leaves it "
                   "out: export JSON Lines, or install WebGen Studio with pipx or from source")
        else:
            fix = 'only `webgen export --parquet` needs it: pip install "pyarrow>=15"'
        return [warning("package pyarrow", "not installed (optional)", fix)]
    return [ok("package pyarrow", _version("pyarrow", module))]


def check_packages() -> list[Check]:
    """Python and every package WebGen Studio imports."""
    checks = check_python()
    for dist, spec, modules in REQUIRED:
        checks += check_package(dist, spec, modules)
        if dist == "playwright" and not checks[-1].failed:
            checks += check_playwright_driver()
    return checks + check_pyarrow()


async def program_version(name: str, timeout_s: float = COMMAND_TIMEOUT_S) -> tuple[str, str]:
    """Where ``name`` is on PATH and what ``name --version`` says.

    Raises:
        FileNotFoundError: It is not on PATH.
        OSError, TimeoutError: It could not be run, or did not answer in time.
    """
    path = shutil.which(name, path=os.environ.get("PATH", ""))
    if path is None:
        raise FileNotFoundError(f"{name} was not found on PATH")
    code, line = await command_output([path, "--version"], timeout_s)
    if code != 0:
        raise OSError(f"`{path} --version` failed with exit code {code}")
    return path, line


async def check_node() -> list[Check]:
    """Node.js 18 or newer and npm, which build and serve every generated site."""
    results = await asyncio.gather(
        program_version("node"), program_version("npm"), return_exceptions=True
    )
    checks = []
    for name, result in zip(("node", "npm"), results, strict=True):
        if isinstance(result, BaseException):
            if not isinstance(result, Exception):
                raise result
            reason = "timed out" if isinstance(result, TimeoutError) else str(result)
            checks.append(fail(name, reason, NODE_FIX))
            continue
        path, line = result
        if name == "node" and version_tuple(line)[:1] < (MIN_NODE,):
            checks.append(
                fail(
                    name,
                    f"{line or 'unknown version'} at {path} is older than Node.js {MIN_NODE}",
                    NODE_FIX,
                )
            )
        else:
            checks.append(ok(name, f"{line} ({path})"))
    return checks


async def playwright_browser() -> str | None:
    """The path of Playwright's own Chromium when it is downloaded, else None."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        path = playwright.chromium.executable_path
    exists = bool(path) and await asyncio.to_thread(os.path.isfile, path)
    return path if exists else None


async def check_chromium() -> list[Check]:
    """The browser that screenshots every step, as the engine finds it."""
    from agent_core.browser.chromium import find_chromium
    from agent_core.errors import WebGenError

    try:
        path = find_chromium()
    except WebGenError as exc:
        return [fail("chromium", str(exc), CHROMIUM_FIX)]
    if path is None:
        try:
            own = await asyncio.wait_for(playwright_browser(), COMMAND_TIMEOUT_S)
        except Exception:
            own = None
        if own is None:
            return [
                fail(
                    "chromium",
                    "no Chromium or Chrome found (not on PATH, not in the "
                    "usual places, and Playwright's own browser is not downloaded)",
                    CHROMIUM_FIX,
                )
            ]
        return [ok("chromium", f"Playwright's own Chromium ({own})")]
    try:
        _code, line = await command_output([path, "--version"], COMMAND_TIMEOUT_S)
    except (OSError, TimeoutError) as exc:
        return [fail("chromium", f"{path} does not run: {exc or 'timed out'}", CHROMIUM_FIX)]
    return [ok("chromium", f"{line or 'version unknown'} ({path})")]


SANDBOX_FIX = (
    "install bubblewrap (`apt install bubblewrap`, `dnf install bubblewrap`), or allow "
    "unprivileged user namespaces; until then model-written code runs unconfined "
    "(see docs/security.md)"
)


def check_sandbox() -> list[Check]:
    """Whether model-written code can run confined here, as a run would decide it."""
    from agent_core.config import SandboxMode
    from agent_core.errors import ConfigError
    from agent_core.runtime.bwrap import find_bwrap, probe_bwrap
    from app import settings as app_settings

    try:
        mode = app_settings.sandbox_settings().mode
    except ConfigError:
        mode = SandboxMode.AUTO  # the settings check reports a broken file
    if mode is SandboxMode.OFF:
        return [warning("sandbox", "turned off in the settings: model-written code runs "
                        "unconfined (filtered environment, private HOME only)",
                        'set "sandbox": {"mode": "auto"} in the settings, or use the '
                        "Settings dialog's Sandbox tab")]
    probe = probe_bwrap(find_bwrap())
    if probe.works:
        return [ok("sandbox", f"model-written code runs confined: {probe.version} ({probe.path})")]
    status = fail if mode is SandboxMode.BWRAP else warning
    return [status("sandbox", f"model-written code would run UNCONFINED: {probe.problem}",
                   SANDBOX_FIX)]


def _writable(path: Path) -> tuple[bool, str]:
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        return False, f"{existing} is not a folder"
    if existing != path:
        usable = os.access(existing, os.W_OK | os.X_OK)
        return usable, f"{path} (will be created)" if usable else f"cannot create {path}"
    try:
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as exc:
        return False, f"cannot write in {path}: {exc.strerror or exc}"
    return True, str(path)


def check_folders() -> list[Check]:
    """The settings, state and runs folders can be written."""
    from app import settings as app_settings
    from app.desktop.main import runs_dir

    folders = (
        ("settings folder", app_settings.config_dir(), "WEBGEN_CONFIG_DIR"),
        ("state folder", app_settings.state_dir(), "WEBGEN_STATE_DIR"),
        ("runs folder", runs_dir(), "WEBGEN_RUNS_DIR"),
    )
    checks = []
    for name, path, var in folders:
        usable, detail = _writable(path)
        checks.append(
            ok(name, detail)
            if usable
            else fail(
                name,
                detail,
                f"make {path} writable for your user, or set {var} to a folder you can write",
            )
        )
    return checks


async def collect(network: bool = True) -> list[Check]:
    """Run every check; the slow ones concurrently.

    Args:
        network: Also ask the model servers and the local Ollama (loopback or not).
    """
    from app.qt_platform import qt_checks

    packages = check_packages()  # imports first, on this thread (Qt's among them)
    qt, node, chromium, models = await asyncio.gather(
        qt_checks(), check_node(), check_chromium(), _model_checks(network)
    )
    sandbox = await asyncio.to_thread(check_sandbox)
    return [*packages, *qt, *node, *chromium, *sandbox, *models, *check_folders()]


async def _model_checks(network: bool) -> list[Check]:
    try:
        from app import doctor_models
    except ImportError as exc:  # a client library is missing: reported with the packages
        return [fail("models", f"not checked: {exc}", "install the missing package first")]
    return await doctor_models.model_checks(network)


def run_doctor(as_json: bool = False, network: bool = True) -> int:
    """Print the report; 0 when nothing FAILed, 1 otherwise.

    Args:
        as_json: Print a JSON list of ``{check, status, detail, fix}`` instead of lines.
        network: False skips the model-server and Ollama checks (``--no-network``).
    """
    checks = asyncio.run(collect(network))
    print(render_json(checks) if as_json else render_text(checks), flush=True)
    return 1 if any(c.failed for c in checks) else 0
