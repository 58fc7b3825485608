"""Catching processes that outlive their parents: the test process as a child subreaper.

A process whose parent dies is normally adopted by init, where a walk of this process's
descendants no longer finds it. Marked as a child subreaper (Linux), this process adopts its
descendants' orphans instead, so the per-test and end-of-suite leak checks see them. Adopted
orphans that exit become this process's zombies; :func:`reap_adopted_zombies` collects those
without touching a child that ``subprocess`` or asyncio is about to wait for.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
from collections.abc import Callable
from pathlib import Path

PR_SET_CHILD_SUBREAPER = 36
PR_GET_CHILD_SUBREAPER = 37

_seen_grandchildren: set[tuple[int, int]] = set()
"""(pid, start time) of processes once seen below a child: adopted later, they are orphans."""


def _prctl() -> Callable[..., int]:
    libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
    return libc.prctl


def become_subreaper() -> bool:
    """Make this process adopt its descendants' orphans; False where that is not possible."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        return _prctl()(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def is_subreaper() -> bool:
    """Whether this process adopts orphans (see :func:`become_subreaper`)."""
    if not sys.platform.startswith("linux"):
        return False
    flag = ctypes.c_int(0)
    try:
        ok = _prctl()(PR_GET_CHILD_SUBREAPER, ctypes.byref(flag), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False
    return ok and flag.value == 1


def _stat(pid: int) -> list[str] | None:
    """Fields of /proc/<pid>/stat after the command name (0: state, 1: ppid, 2: pgid)."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw.rsplit(")", 1)[1].split()


def _process_table() -> dict[int, list[str]]:
    table: dict[int, list[str]] = {}
    if not Path("/proc/self/stat").exists():
        return table  # no /proc: nothing to tell adopted processes by
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields:
                table[int(entry.name)] = fields
    return table


def note_grandchildren() -> None:
    """Remember every process below this one's children, to recognise it once adopted."""
    me = os.getpid()
    table = _process_table()
    # Forget processes that are gone (their id may be reused by an unrelated one).
    _seen_grandchildren.intersection_update(
        (pid, int(fields[19])) for pid, fields in table.items()
    )
    for pid, fields in table.items():
        parent = int(fields[1])
        if parent != me and parent in table and _descends_from(parent, me, table):
            _seen_grandchildren.add((pid, int(fields[19])))


def _descends_from(pid: int, ancestor: int, table: dict[int, list[str]]) -> bool:
    steps = 0
    while pid in table and steps < 64:
        parent = int(table[pid][1])
        if parent == ancestor:
            return True
        pid, steps = parent, steps + 1
    return False


def _adopted(pid: int, fields: list[str]) -> bool:
    """Whether a zombie child was adopted rather than started by this process.

    A child started here leads its own group (``start_new_session``) or shares this
    process's; a member of some other group, or a process once seen further down, was
    adopted.
    """
    pgid = int(fields[2])
    if pgid not in (pid, os.getpgrp()):
        return True
    return (pid, int(fields[19])) in _seen_grandchildren


def reap_adopted_zombies() -> list[int]:
    """Collect the exit status of adopted orphans that have exited; returns their pids."""
    me = os.getpid()
    reaped = []
    for pid, fields in _process_table().items():
        if fields[0] == "Z" and int(fields[1]) == me and _adopted(pid, fields):
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                continue
            _seen_grandchildren.discard((pid, int(fields[19])))
            reaped.append(pid)
    return reaped
