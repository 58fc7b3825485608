"""Finding the processes a test left behind, by walking /proc."""

from __future__ import annotations

import os
import time
from pathlib import Path


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name may contain spaces and parentheses: split after the last ')'.
        fields = stat.rsplit(")", 1)[1].split()
        state, ppid = fields[0], int(fields[1])
        if state == "Z":
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    return children


def parent_of(pid: int) -> int | None:
    """The parent PID of ``pid``, or None when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])


QT_HELPERS = ("QtWebEngineProcess",)
"""Qt WebEngine's helper processes live as long as the QApplication (the whole session)."""


def is_qt_helper(pid: int) -> bool:
    """Whether ``pid`` is one of Qt WebEngine's own helper processes."""
    return any(name in cmdline(pid) for name in QT_HELPERS)


def started_processes() -> list[int]:
    """Living descendants of this process, other than Qt WebEngine's helpers."""
    return [p for p in descendants() if not is_qt_helper(p)]


def new_processes(before: set[int]) -> list[int]:
    """Descendants started since ``before`` was taken, except children of older processes.

    A browser shared by several tests existed before the test, so renderers it starts
    during the test belong to it, not to the test.
    """
    me = os.getpid()
    found = []
    for pid in descendants():
        if pid in before:
            continue
        ancestor = parent_of(pid)
        while ancestor is not None and ancestor != me and ancestor not in before:
            ancestor = parent_of(ancestor)
        if ancestor == me and not is_qt_helper(pid):
            found.append(pid)
    return found


def descendants(pid: int | None = None) -> list[int]:
    """Living (non-zombie) descendants of ``pid`` (default: this process)."""
    root = os.getpid() if pid is None else pid
    tree = _children_map()
    found: list[int] = []
    stack = list(tree.get(root, []))
    while stack:
        child = stack.pop()
        found.append(child)
        stack.extend(tree.get(child, []))
    return found


def cmdline(pid: int) -> str:
    """The command line of ``pid``, or '' when it is gone."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ""
    return raw.replace(b"\0", b" ").decode(errors="replace").strip()


def processes_matching(marker: str) -> list[int]:
    """PIDs of all processes on the machine whose command line contains ``marker``."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and marker in cmdline(int(entry.name)):
            if int(entry.name) != os.getpid():
                pids.append(int(entry.name))
    return pids


def wait_until_gone(pids: list[int], timeout_s: float = 5.0) -> list[int]:
    """Wait for ``pids`` to exit; return those still alive after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    alive = list(pids)
    while alive and time.monotonic() < deadline:
        alive = [p for p in alive if Path(f"/proc/{p}").exists() and _state(p) != "Z"]
        if alive:
            time.sleep(0.05)
    return alive


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "X"
