"""Start-up checks of Qt's Linux parts: the platform plugin of the window, and Qt WebEngine.

Importing PySide6 proves little: Qt loads its platform plugin (``libqxcb.so`` on X11) only
when the QApplication is created, and aborts the process if a system library of the plugin is
missing. So ``ldd`` is asked which libraries the plugin and Qt WebEngine cannot find, and
each is named with the package that brings it (:mod:`app.qt_libraries`). Where a display
exists, a child process (:mod:`app.qt_probe`) also really starts the plugin: if Qt aborts,
it takes the child down, and its complaint is reported. ``webgen doctor`` and
``webgen --self-test`` both use these checks.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from app.checks import Check, fail, ok, run_command, warn
from app.qt_libraries import install_fix, named

PLATFORM_CHECK = "qt platform"
WEBENGINE_CHECK = "qt webengine libraries"
LDD_TIMEOUT_S = 15.0
PROBE_TIMEOUT_S = 20.0
"""Starting a platform plugin takes well under a second; a hung X server must not hang us."""
PROBE_MODULE = "app.qt_probe"
NOT_FOUND = re.compile(r"^\s*(\S+)\s+=>\s+not found\s*$", re.MULTILINE)
DISPLAY_VARIABLES = {"xcb": "DISPLAY", "wayland": "WAYLAND_DISPLAY"}
WAYLAND_PLUGINS = ("libqwayland.so", "libqwayland-generic.so")
"""Qt 6.10 merged the wayland plugins into one; 6.8 and 6.9 name it ``-generic``."""
REINSTALL_FIX = (
    'reinstall PySide6 (pip install --force-reinstall "PySide6>=6.8,<6.12") or WebGen Studio'
)
LDD_FIX = "install ldd (Debian/Ubuntu: libc-bin, Fedora: glibc-common) and check again"
MAX_COMPLAINT = 400
QT_BOILERPLATE = ("Available platform plugins", "qt.qpa.plugin: From 6.5.0, xcb-cursor0")
"""Lines Qt prints on every failure of a plugin, whatever the cause: the list of plugins, and
the xcb-cursor hint (the library checks say whether that library is really missing)."""


@dataclass(frozen=True)
class QtFiles:
    """The shared objects of Qt whose system libraries the checks look for.

    Attributes:
        xcb: The xcb platform plugin and the library it needs (the window on X11).
        wayland: The wayland platform plugin and its client library.
        webengine: Qt WebEngine's library and its helper program (the preview).
    """

    xcb: tuple[Path, ...]
    wayland: tuple[Path, ...]
    webengine: tuple[Path, ...]

    @classmethod
    def installed(cls) -> QtFiles:
        """The files of the PySide6 this process imports (a frozen build's own included)."""
        from PySide6.QtCore import QLibraryInfo

        where = QLibraryInfo.LibraryPath
        platforms = Path(QLibraryInfo.path(where.PluginsPath)) / "platforms"
        lib = Path(QLibraryInfo.path(where.LibrariesPath))
        libexec = Path(QLibraryInfo.path(where.LibraryExecutablesPath))
        wayland = next(
            (platforms / n for n in WAYLAND_PLUGINS if (platforms / n).is_file()),
            platforms / WAYLAND_PLUGINS[0],
        )
        return cls(
            xcb=(platforms / "libqxcb.so", lib / "libQt6XcbQpa.so.6"),
            wayland=(wayland, lib / "libQt6WaylandClient.so.6"),
            webengine=(lib / "libQt6WebEngineCore.so.6", libexec / "QtWebEngineProcess"),
        )


def window_platform(environ: Mapping[str, str]) -> str:
    """The platform plugin Qt tries first for the window, chosen as QGuiApplication does.

    ``QT_QPA_PLATFORM`` wins (its first entry, without options); a Wayland session means
    ``wayland`` (with xcb as Qt's fallback); anything else ``xcb``.
    """
    chosen = environ.get("QT_QPA_PLATFORM", "").split(";")[0].split(":")[0].strip()
    if chosen:
        return chosen
    return "wayland" if environ.get("XDG_SESSION_TYPE") == "wayland" else "xcb"


def parse_ldd(output: str) -> list[str]:
    """The libraries ``ldd`` reports as ``not found``, each once, in order."""
    return list(dict.fromkeys(NOT_FOUND.findall(output)))


def _loader_environment() -> dict[str, str]:
    """The environment under which ``ldd`` resolves libraries as this process did.

    A frozen build's bootloader put the bundle on ``LD_LIBRARY_PATH`` for this process only
    (children get the user's value back), so it is added again for ``ldd``.
    """
    env = dict(os.environ)
    bundle = getattr(sys, "_MEIPASS", None)
    if getattr(sys, "frozen", False) and bundle:
        env["LD_LIBRARY_PATH"] = os.pathsep.join(
            p for p in (str(bundle), env.get("LD_LIBRARY_PATH", "")) if p
        )
    return env


async def missing_libraries(paths: Sequence[Path]) -> list[str]:
    """The system libraries that ``paths`` (and what they load) need but cannot be found.

    Raises:
        FileNotFoundError: There is no ``ldd`` on PATH.
        OSError: ``ldd`` could not be run, or failed without saying why.
        TimeoutError: ``ldd`` did not finish within LDD_TIMEOUT_S.
    """
    ldd = shutil.which("ldd")
    if ldd is None:
        raise FileNotFoundError("ldd was not found on PATH")
    argv = [ldd, *(str(p) for p in paths)]
    code, out, err = await run_command(argv, LDD_TIMEOUT_S, env=_loader_environment())
    missing = parse_ldd(out)
    if code != 0 and not missing:
        raise OSError(f"`ldd` failed (exit code {code}): {_first_lines(err or out, 1)}")
    return missing


async def _libraries(name: str, paths: Sequence[Path]) -> list[str] | Check:
    """What ``paths`` miss, or the check row saying why that cannot be known."""
    absent = await asyncio.to_thread(lambda: [p for p in paths if not p.is_file()])
    if absent:
        return fail(name, f"Qt's file {absent[0]} is missing", REINSTALL_FIX)
    try:
        return await missing_libraries(paths)
    except FileNotFoundError as exc:
        return warn(name, f"{exc}: Qt's libraries were not checked", LDD_FIX)
    except (OSError, TimeoutError) as exc:
        reason = str(exc) or f"`ldd` did not answer within {LDD_TIMEOUT_S:g} s"
        return warn(name, f"{reason}: Qt's libraries were not checked", LDD_FIX)


def _first_lines(text: str, count: int) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    kept = [line for line in lines if not line.startswith(QT_BOILERPLATE)]
    joined = " / ".join(kept[:count])
    return joined if len(joined) <= MAX_COMPLAINT else joined[: MAX_COMPLAINT - 1] + "…"


async def start_platform(platform: str) -> str | None:
    """Start Qt's ``platform`` plugin in a child process, as the window would.

    Returns:
        None when it started, else what went wrong in Qt's own words.
    """
    from agent_core.runtime.guard import python_module_argv

    argv, extra = python_module_argv(PROBE_MODULE)
    env = {**os.environ, **extra, "QT_QPA_PLATFORM": platform}
    try:
        code, out, err = await run_command(argv, PROBE_TIMEOUT_S, env=env)
    except TimeoutError:
        return f"Qt did not start within {PROBE_TIMEOUT_S:g} s"
    except OSError as exc:
        return f"the check could not start: {exc}"
    started = out.strip()
    if code == 0:
        return None if started == platform else f"Qt started {started or 'no'} plugin instead"
    if code == -signal.SIGABRT:
        how = "Qt aborted"
    else:
        how = f"killed by signal {-code}" if code < 0 else f"exit code {code}"
    return f"{_first_lines(err, 3) or 'no message'} ({how})"


async def _started(platform: str, found: str) -> Check:
    """Start the window's plugin on the user's display, or say why it was not tried."""
    variable = DISPLAY_VARIABLES[platform]
    display = os.environ.get(variable, "")
    if not display:
        return ok(
            PLATFORM_CHECK,
            f"{found}; the {platform} plugin was not loaded: no display ({variable} is not set)",
        )
    complaint = await start_platform(platform)
    if complaint is None:
        return ok(PLATFORM_CHECK, f"the {platform} plugin started on {variable}={display}; {found}")
    return fail(
        PLATFORM_CHECK,
        f"the {platform} plugin failed on {variable}={display}: {complaint}",
        f"its libraries are installed, so check that the display {display} is running and "
        f"that this user may use it (on X11: XAUTHORITY, xhost); QT_DEBUG_PLUGINS=1 shows "
        f"Qt's reasons",
    )


async def check_qt_platform(load: bool = True, files: QtFiles | None = None) -> Check:
    """Whether Qt's platform plugin for the window can load here (Linux; elsewhere ok).

    Args:
        load: Where a display exists, also start the plugin in a child process.
        files: The Qt files to inspect (None: the installed PySide6's).
    """
    if not sys.platform.startswith("linux"):
        return ok(PLATFORM_CHECK, f"Qt's own platform plugin on {sys.platform}: not checked")
    files = files or QtFiles.installed()
    platform = window_platform(os.environ)
    own = await _libraries(PLATFORM_CHECK, files.wayland if platform == "wayland" else files.xcb)
    if isinstance(own, Check):
        return own
    if own:
        return fail(
            PLATFORM_CHECK,
            f"the window's {platform} plugin cannot load, missing {named(own)}",
            install_fix(own),
        )
    xcb = own if platform == "xcb" else await _libraries(PLATFORM_CHECK, files.xcb)
    if isinstance(xcb, Check):
        return xcb
    if xcb:
        return warn(
            PLATFORM_CHECK,
            f"the window uses the {platform} plugin, but the xcb plugin (Qt's choice on X11 "
            f"and its fallback) cannot load, missing {named(xcb)}",
            install_fix(xcb),
        )
    found = f"the libraries of the {platform} plugin are all installed"
    if platform not in DISPLAY_VARIABLES:
        return ok(
            PLATFORM_CHECK,
            f"QT_QPA_PLATFORM={platform} chooses the window's plugin; "
            "the xcb plugin's libraries are all installed",
        )
    return await _started(platform, found) if load else ok(PLATFORM_CHECK, found)


async def check_webengine_libraries(files: QtFiles | None = None) -> Check:
    """Whether Qt WebEngine (the preview) finds all its system libraries (Linux; elsewhere ok).

    Args:
        files: The Qt files to inspect (None: the installed PySide6's).
    """
    if not sys.platform.startswith("linux"):
        return ok(WEBENGINE_CHECK, f"not checked on {sys.platform}")
    files = files or QtFiles.installed()
    missing = await _libraries(WEBENGINE_CHECK, files.webengine)
    if isinstance(missing, Check):
        return missing
    if missing:
        return fail(
            WEBENGINE_CHECK,
            f"Qt WebEngine cannot load, missing {named(missing)}",
            install_fix(missing),
        )
    names = " and ".join(p.name for p in files.webengine)
    return ok(WEBENGINE_CHECK, f"all installed (for {names})")


async def qt_checks(load: bool = True) -> list[Check]:
    """The platform plugin row and the Qt WebEngine row, for the doctor and the self-test.

    Args:
        load: Where a display exists, also start the window's platform plugin.
    """
    try:
        files = QtFiles.installed()
    except Exception as exc:  # PySide6 itself broken: the package check names it too
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        detail = f"cannot ask Qt where its files are: {first}"
        return [
            fail(PLATFORM_CHECK, detail, REINSTALL_FIX),
            fail(WEBENGINE_CHECK, detail, REINSTALL_FIX),
        ]
    rows = await asyncio.gather(check_qt_platform(load, files), check_webengine_libraries(files))
    return list(rows)
