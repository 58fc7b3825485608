"""Finding a Chromium or Chrome executable, and the flags it is launched with."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterable
from pathlib import Path

from agent_core.errors import BrowserUnavailable

ENV_VAR = "WEBGEN_CHROMIUM"
"""Environment variable that names the browser executable to use."""

# The sandbox is always off. Chromium refuses to start as root with it, and it cannot start in
# most containers (no user namespaces) either; Playwright itself passes --no-sandbox by default
# (``chromium_sandbox=False``) for the same reasons. The pages we open are served from the
# run's own workspace on loopback, and the browser is headless and short-lived.
LAUNCH_ARGS: list[str] = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
"""Command-line flags every browser of a session is launched with."""

PATH_NAMES: tuple[str, ...] = (
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
    "chrome",
)
"""Executable names looked up on ``PATH``, in order of preference."""


def _windows_paths() -> list[str]:
    found = []
    for var in ("PROGRAMFILES", "PROGRAMFILES(X86)", "LOCALAPPDATA"):
        base = os.environ.get(var)
        if base:
            found.append(str(Path(base) / "Google" / "Chrome" / "Application" / "chrome.exe"))
            found.append(str(Path(base) / "Chromium" / "Application" / "chrome.exe"))
    return found


KNOWN_PATHS: tuple[str, ...] = (
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/usr/bin/google-chrome",
    "/usr/bin/google-chrome-stable",
    "/snap/bin/chromium",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    *(_windows_paths() if sys.platform == "win32" else ()),
)
"""Usual install locations checked after ``PATH``."""


def _is_executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def _resolve_app_bundle(path: Path) -> Path:
    """Accept a macOS ``.app`` folder by pointing at the binary inside it."""
    if path.is_dir() and path.suffix == ".app":
        inner = path / "Contents" / "MacOS"
        candidates = sorted(inner.iterdir()) if inner.is_dir() else []
        if len(candidates) == 1:
            return candidates[0]
    return path


def _checked(path_text: str, source: str) -> str:
    path = _resolve_app_bundle(Path(path_text).expanduser())
    if not path.exists():
        raise BrowserUnavailable(
            f"the browser set in {source} does not exist: {path_text}; fix the path "
            "(Settings / --chromium) or clear it to let WebGen Studio look for one"
        )
    if not _is_executable(path):
        raise BrowserUnavailable(
            f"the browser set in {source} is not an executable file: {path_text}; point it at "
            "the chromium/chrome program itself"
        )
    return str(path)


def search_installed(
    names: Iterable[str] | None = None, known_paths: Iterable[str] | None = None
) -> str | None:
    """Look for an installed browser on ``PATH`` and then in usual install locations.

    Args:
        names: Executable names to look up on ``PATH`` (default ``PATH_NAMES``).
        known_paths: Absolute paths to check afterwards (default ``KNOWN_PATHS``).

    Returns:
        The first executable found, or None.
    """
    for name in PATH_NAMES if names is None else names:
        found = shutil.which(name)
        if found:
            return found
    for candidate in KNOWN_PATHS if known_paths is None else known_paths:
        if _is_executable(Path(candidate)):
            return candidate
    return None


def find_chromium(configured: str | None = None) -> str | None:
    """Choose the Chromium/Chrome executable for a browser session.

    The order is: ``configured`` (from Settings or ``--chromium``), the ``WEBGEN_CHROMIUM``
    environment variable, a browser on ``PATH``, then usual install locations.

    Args:
        configured: A path the user set explicitly, or None/empty for automatic.

    Returns:
        The executable's path, or None meaning "use Playwright's own downloaded browser".

    Raises:
        BrowserUnavailable: ``configured`` or ``WEBGEN_CHROMIUM`` names a path that does not
            exist or is not executable.
    """
    if configured:
        return _checked(configured, "Settings / --chromium")
    from_env = os.environ.get(ENV_VAR, "").strip()
    if from_env:
        return _checked(from_env, f"the {ENV_VAR} environment variable")
    return search_installed()
