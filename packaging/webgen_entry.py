"""The program of the frozen build (PyInstaller): ``webgen``, or one of the engine's helpers.

In a frozen build ``sys.executable`` is this program, not a Python interpreter, so the engine
starts its helper processes (the reaper, the static file server) as
``<bundle>/webgen --run-module agent_core.runtime.<name> [ARGS...]`` (see
``agent_core.runtime.guard.python_module_argv``). That form runs the module as ``__main__``
before anything heavy (Qt, the engine) is imported; every other command line goes to
``app.cli.main``. Only modules under ``agent_core.runtime.`` may be run this way, and
``app.qt_probe``, the child in which the start-up checks start Qt's platform plugin.

Frozen, the bootloader points ``LD_LIBRARY_PATH`` at the bundle so that this process loads the
bundled libraries; the programs the engine starts (node, npm, Chromium, dev servers) must
not inherit that, or a system program would load the bundle's copies of libstdc++, OpenSSL,
NSS or GTK. :func:`restore_library_path` gives them the user's own value back. The bundle's
own helpers need none of it: Qt's ``QtWebEngineProcess`` finds its libraries through its
RUNPATH, and ``webgen --run-module`` goes through the bootloader again.

Frozen, Playwright also looks for its own browsers inside the bundle, where there are none;
:func:`use_shared_playwright_browsers` points it at the per-user cache that
``playwright install chromium`` fills, as an installed WebGen Studio uses.

The same file runs unfrozen for tests: ``python packaging/webgen_entry.py --run-module ...``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

RUN_MODULE = "--run-module"
ALLOWED_PREFIX = "agent_core.runtime."
ALLOWED_MODULES = ("app.qt_probe",)
EXIT_USAGE = 2


def restore_library_path(environ: dict[str, str] | os._Environ[str] = os.environ) -> None:
    """Undo the bootloader's ``LD_LIBRARY_PATH`` for child processes (frozen builds only).

    The running process keeps the bundled libraries: the dynamic loader read the variable
    when the process started.

    Args:
        environ: The environment to fix (``os.environ``; a dict in tests).
    """
    original = environ.pop("LD_LIBRARY_PATH_ORIG", None)
    if original is not None:
        environ["LD_LIBRARY_PATH"] = original
    else:
        environ.pop("LD_LIBRARY_PATH", None)


def use_shared_playwright_browsers(
    environ: dict[str, str] | os._Environ[str] = os.environ, platform: str = sys.platform
) -> None:
    """Let a frozen Playwright find browsers where ``playwright install`` puts them.

    A frozen Playwright sets ``PLAYWRIGHT_BROWSERS_PATH=0`` (browsers inside the bundle)
    unless the variable is already set; a value the user set is kept.

    Args:
        environ: The environment to fix (``os.environ``; a dict in tests).
        platform: ``sys.platform``.
    """
    if environ.get("PLAYWRIGHT_BROWSERS_PATH"):
        return
    home = Path(environ.get("HOME") or Path.home())
    if platform == "win32":
        base = Path(environ.get("LOCALAPPDATA") or home / "AppData" / "Local")
    elif platform == "darwin":
        base = home / "Library" / "Caches"
    else:
        base = Path(environ.get("XDG_CACHE_HOME") or home / ".cache")
    environ["PLAYWRIGHT_BROWSERS_PATH"] = str(base / "ms-playwright")


def run_module(argv: list[str]) -> int:
    """Run ``argv[0]`` (a helper module) as ``__main__`` with ``argv[1:]`` as its arguments.

    Args:
        argv: The module name, then its arguments.

    Returns:
        The exit code (2 when the module is missing or not an engine helper).
    """
    import runpy

    if not argv:
        print(
            f"webgen: {RUN_MODULE} needs a module name, e.g. {ALLOWED_PREFIX}static_server",
            file=sys.stderr,
        )
        return EXIT_USAGE
    module = argv[0]
    helper = module.startswith(ALLOWED_PREFIX) and module[len(ALLOWED_PREFIX) :].isidentifier()
    if not helper and module not in ALLOWED_MODULES:
        print(
            f"webgen: {RUN_MODULE} only runs WebGen Studio's helpers ({ALLOWED_PREFIX}*, "
            f"{', '.join(ALLOWED_MODULES)}), not {module!r}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    sys.argv = [module, *argv[1:]]
    try:
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    except ImportError as exc:
        print(f"webgen: cannot run {module}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return 0  # a helper that returns normally ends in sys.exit(main()), which raises SystemExit


def main(argv: list[str] | None = None) -> int:
    """Dispatch to a helper module or to the ``webgen`` command line."""
    argv = sys.argv[1:] if argv is None else argv
    if getattr(sys, "frozen", False):
        restore_library_path()
        use_shared_playwright_browsers()
    if argv[:1] == [RUN_MODULE]:
        return run_module(argv[1:])
    from app.cli import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main())
