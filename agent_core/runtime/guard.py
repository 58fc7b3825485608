"""Orphan safety: the process groups an engine starts die with it.

Two layers, both fed by :class:`ProcessGuard` (one per engine process, see :func:`get_guard`):

1. The reaper helper (:mod:`agent_core.runtime.reaper`), a child process that learns every
   group over its stdin and kills them when that pipe closes, which happens even when the
   engine gets SIGKILL. It is started when the first group is added and told to exit when the
   last one is removed, so an idle engine has no helper running.
2. A registry file ``<state_dir>/pids/<engine pid>.json`` listing the groups with their leaders'
   start times. If the helper died as well (it can be SIGKILLed too), :func:`reap_orphans` at the
   next start kills the groups of engines that no longer exist.

Linux-first; see :mod:`agent_core.runtime._procinfo` for what degrades elsewhere.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import agent_core
from agent_core.runtime._procinfo import POSIX, process_alive, start_time
from agent_core.runtime._procinfo import terminate_groups_blocking as _terminate

APP_NAME = "webgen-studio"


def default_state_dir() -> Path:
    """The per-user state directory: ``WEBGEN_STATE_DIR``, else platformdirs' user_state_dir."""
    override = os.environ.get("WEBGEN_STATE_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_state_dir(APP_NAME))


def python_module_argv(module: str) -> tuple[list[str], dict[str, str]]:
    """Argv and extra environment that run ``python -m module`` with this engine's code.

    In a frozen build (PyInstaller) ``sys.executable`` is the bundle's own program, which runs
    the module when given ``--run-module`` (see ``packaging/webgen_entry.py``) and needs no
    PYTHONPATH; it is told to start afresh rather than as a child of this process (which
    would skip setting up its library path).

    Args:
        module: A dotted module name inside ``agent_core``.

    Returns:
        The argv, and the extra environment: a PYTHONPATH that makes ``agent_core`` importable
        from any directory, or for a frozen build ``PYINSTALLER_RESET_ENVIRONMENT``.
    """
    if getattr(sys, "frozen", False):
        return [sys.executable, "--run-module", module], {"PYINSTALLER_RESET_ENVIRONMENT": "1"}
    package_parent = str(Path(agent_core.__file__).resolve().parents[1])
    old = os.environ.get("PYTHONPATH", "")
    path = package_parent + (os.pathsep + old if old else "")
    return [sys.executable, "-m", module], {"PYTHONPATH": path}


class ProcessGuard:
    """Registers the process groups of one engine process with the reaper and the registry.

    Thread-safe; every method blocks briefly (a pipe write, a small file write, starting or
    reaping the helper), so async code calls them through ``asyncio.to_thread``.

    Args:
        state_dir: Where ``pids/<pid>.json`` is kept; None means :func:`default_state_dir`.
    """

    def __init__(self, state_dir: Path | None = None) -> None:
        self._state_dir = state_dir
        self._lock = threading.Lock()
        self._groups: dict[int, dict[str, object]] = {}
        self._helper: subprocess.Popen[bytes] | None = None
        self._owner = os.getpid()

    @property
    def helper_pid(self) -> int | None:
        """The reaper helper's pid while it runs."""
        helper = self._helper
        return helper.pid if helper is not None and helper.poll() is None else None

    @property
    def groups(self) -> list[int]:
        """Group ids currently registered."""
        with self._lock:
            return list(self._groups)

    def set_state_dir(self, state_dir: Path | None) -> None:
        """Keep the registry under ``state_dir`` from now on (None: the default)."""
        with self._lock:
            old = self.registry_path()
            self._state_dir = state_dir
            if self._groups and old != self.registry_path():
                old.unlink(missing_ok=True)
                self._write_registry()

    def registry_path(self) -> Path:
        """This engine's registry file."""
        base = self._state_dir if self._state_dir is not None else default_state_dir()
        return base / "pids" / f"{os.getpid()}.json"

    def add(self, pgid: int, argv: Sequence[str] = (), cwd: str = "") -> None:
        """Watch the group ``pgid`` (started by this engine) until :meth:`remove`."""
        with self._lock:
            self._forget_if_forked()
            started = start_time(pgid)
            self._groups[pgid] = {"start": started, "argv": list(argv), "cwd": cwd}
            self._send(f"add {pgid} {started if started is not None else '-'}\n")
            self._write_registry()

    def remove(self, pgid: int) -> None:
        """Forget the group ``pgid``; the helper exits when no group is left."""
        with self._lock:
            self._forget_if_forked()
            if self._groups.pop(pgid, None) is None:
                return
            if self._groups:
                self._send(f"remove {pgid}\n")
                self._write_registry()
            else:
                self._close_helper()
                self.registry_path().unlink(missing_ok=True)

    def ensure_helper(self) -> None:
        """Start the reaper helper now (before spawning a child) if it is not running."""
        with self._lock:
            self._forget_if_forked()
            self._start_helper()

    def close(self) -> None:
        """Stop the helper, which kills every group still registered, and drop the registry."""
        with self._lock:
            self._close_helper()
            self._groups.clear()
            self.registry_path().unlink(missing_ok=True)

    def _forget_if_forked(self) -> None:
        if os.getpid() != self._owner:  # a forked child must not talk to the parent's helper
            self._owner, self._helper, self._groups = os.getpid(), None, {}

    def _start_helper(self) -> None:
        if self._helper is not None and self._helper.poll() is None:
            return
        self._drop_dead_helper()
        argv, extra = python_module_argv("agent_core.runtime.reaper")
        try:
            self._helper = subprocess.Popen(
                argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                cwd="/" if POSIX else None,
                env={**os.environ, **extra},
                start_new_session=POSIX,
                close_fds=True,
            )
        except OSError:
            self._helper = None  # degrade: the registry file and reap_orphans still work
            return
        for pgid, info in self._groups.items():  # a restarted helper relearns every group
            self._write_line(f"add {pgid} {info['start'] if info['start'] is not None else '-'}\n")

    def _send(self, line: str) -> None:
        self._start_helper()
        if not self._write_line(line):
            self._drop_dead_helper()  # it died: start a new one, which relearns every group
            self._start_helper()

    def _drop_dead_helper(self) -> None:
        helper, self._helper = self._helper, None
        if helper is not None:
            with contextlib.suppress(OSError):
                if helper.stdin is not None:
                    helper.stdin.close()
            if helper.poll() is None:  # alive but not listening: replace it
                helper.kill()
                helper.wait()

    def _write_line(self, line: str) -> bool:
        helper = self._helper
        if helper is None or helper.stdin is None:
            return False
        try:
            helper.stdin.write(line.encode("ascii"))
            helper.stdin.flush()
        except (BrokenPipeError, OSError):
            return False
        return True

    def _close_helper(self) -> None:
        helper, self._helper = self._helper, None
        if helper is None:
            return
        try:
            if helper.stdin is not None:
                helper.stdin.close()
        except OSError:
            pass
        try:
            helper.wait(timeout=5)
        except subprocess.TimeoutExpired:
            helper.kill()
            helper.wait()

    def _write_registry(self) -> None:
        path = self.registry_path()
        data = {
            "pid": os.getpid(),
            "start": start_time(os.getpid()),
            "written": time.time(),
            "groups": {str(pgid): info for pgid, info in self._groups.items()},
        }
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(data, indent=1))
            os.replace(tmp, path)
        except OSError:
            pass  # the registry is the second line of defence; the helper still works


_guard: ProcessGuard | None = None
_guard_lock = threading.Lock()


def get_guard() -> ProcessGuard:
    """The guard of this engine process (created on first use)."""
    global _guard
    with _guard_lock:
        if _guard is None:
            _guard = ProcessGuard()
        return _guard


def configure_state_dir(state_dir: Path | None) -> None:
    """Keep this engine's process registry under ``state_dir/pids`` (None: the default)."""
    get_guard().set_state_dir(state_dir)


def _load_registry(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _engine_still_running(data: dict[str, Any]) -> bool:
    pid = data.get("pid")
    if not isinstance(pid, int) or not process_alive(pid):
        return False
    recorded = data.get("start")
    current = start_time(pid)
    return recorded is None or current is None or current == recorded


def reap_orphans(state_dir: Path | None = None, grace_s: float = 2.0) -> list[int]:
    """Kill process groups left behind by engine processes that no longer exist.

    Call once at start-up, before the event loop runs (it blocks for up to ``grace_s`` when
    there are orphans); inside a loop use :func:`reap_orphans_async`. A registry whose engine
    is still running (another window of the app) is left alone; a recorded group is only
    signalled while it has living members and its leader's start time still matches (so an id
    reused by an unrelated process is spared).

    Args:
        state_dir: The state directory holding ``pids/``; None means :func:`default_state_dir`.
        grace_s: Seconds between SIGTERM and SIGKILL.

    Returns:
        The ids of the groups that were killed.
    """
    base = state_dir if state_dir is not None else default_state_dir()
    killed: list[int] = []
    for path in sorted((base / "pids").glob("*.json")):
        data = _load_registry(path)
        if data is None:
            path.unlink(missing_ok=True)
            continue
        if _engine_still_running(data):
            continue
        groups: dict[int, int | None] = {}
        for key, info in (data.get("groups") or {}).items():
            if str(key).isdigit() and isinstance(info, dict):
                started = info.get("start")
                groups[int(key)] = started if isinstance(started, int) else None
        killed.extend(_terminate(groups, grace_s))
        path.unlink(missing_ok=True)
    return killed


async def reap_orphans_async(state_dir: Path | None = None, grace_s: float = 2.0) -> list[int]:
    """:func:`reap_orphans` in a worker thread, for use inside a running event loop."""
    return await asyncio.to_thread(reap_orphans, state_dir, grace_s)
