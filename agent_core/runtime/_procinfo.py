"""Facts about processes and process groups, and killing groups safely.

Standard library only: the reaper helper imports this module, and it must start fast.

Linux-first: ``/proc`` tells whether a group still has living (non-zombie) members and when a
process started, so a recorded group id that the kernel has since reused for an unrelated
process is left alone. Elsewhere on POSIX the checks fall back to ``killpg(pgid, 0)`` (a zombie
then counts as alive and a reused id cannot be told apart). On Windows, groups are process trees
killed with ``taskkill /T``; this is best effort.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path

HAS_PROC = Path("/proc/self/stat").exists()
POSIX = os.name == "posix"


def _stat_fields(pid: int) -> list[str] | None:
    """Fields of /proc/<pid>/stat after the command name (index 0 is the state)."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name may contain spaces and parentheses: split after the last ')'.
    return raw.rsplit(")", 1)[1].split()


def start_time(pid: int) -> int | None:
    """When ``pid`` started, in clock ticks since boot, or None when unknown or gone.

    Args:
        pid: A process id.

    Returns:
        Field 22 of /proc/<pid>/stat on Linux; None elsewhere.
    """
    fields = _stat_fields(pid)
    if not fields or len(fields) < 20:
        return None
    return int(fields[19])


def process_alive(pid: int) -> bool:
    """Whether ``pid`` names a living (non-zombie) process."""
    if HAS_PROC:
        fields = _stat_fields(pid)
        return fields[0] not in ("Z", "X") if fields else False
    if not POSIX:
        return _windows_alive(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def _windows_alive(pid: int) -> bool:
    """Whether ``pid`` runs, on Windows (where ``os.kill(pid, 0)`` would terminate it)."""
    import ctypes

    # windll exists only on Windows; the type checker reads this module as Linux code.
    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return False
    try:
        code = ctypes.c_ulong()
        kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        return code.value == 259  # STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)


def group_members(pgid: int) -> list[int]:
    """Living (non-zombie) processes of the process group ``pgid``.

    Without /proc the answer is ``[pgid]`` while ``killpg(pgid, 0)`` succeeds, else ``[]``.
    """
    if HAS_PROC:
        members = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            fields = _stat_fields(int(entry.name))
            if fields and len(fields) > 2 and fields[0] not in ("Z", "X"):
                if int(fields[2]) == pgid:
                    members.append(int(entry.name))
        return members
    if not POSIX:
        return [pgid] if process_alive(pgid) else []
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return []
    except PermissionError:
        return []  # the id now belongs to someone else's group: not ours
    return [pgid]


def group_is_ours(pgid: int, recorded_start: int | None) -> bool:
    """Whether the group ``pgid`` is alive and still the one that was recorded.

    Args:
        pgid: The group id (the pid of the group's first process).
        recorded_start: ``start_time(pgid)`` taken when the group was created, if known.

    Returns:
        False when the group has no living member, or when a process with the id ``pgid``
        exists but started at another time (the id was reused by an unrelated process).
    """
    if not group_members(pgid):
        return False
    if recorded_start is None:
        return True
    current = start_time(pgid)
    # The leader may be gone while members live on; the kernel never hands out an id that a
    # living group still uses, so those members are the recorded group's.
    return current is None or current == recorded_start


def signal_group(pgid: int, sig: int) -> bool:
    """Send ``sig`` to every process of the group; False when there was nobody to signal."""
    if not POSIX:
        if sig == signal.SIGTERM and not process_alive(pgid):
            return False
        subprocess.run(
            ["taskkill", "/T", "/F", "/PID", str(pgid)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        return True
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def terminate_groups_blocking(groups: Mapping[int, int | None], grace_s: float = 2.0) -> list[int]:
    """SIGTERM every recorded group that is still ours, then SIGKILL what is left.

    Blocking; the reaper helper calls it directly, the engine through a thread.

    Args:
        groups: Group id to the leader's recorded start time (or None when unknown).
        grace_s: Seconds the groups get to exit after SIGTERM.

    Returns:
        The ids of the groups that were signalled.
    """
    targets = [pgid for pgid, started in groups.items() if group_is_ours(pgid, started)]
    for pgid in targets:
        signal_group(pgid, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline and any(group_members(p) for p in targets):
        time.sleep(0.05)
    kill = getattr(signal, "SIGKILL", signal.SIGTERM)
    for pgid in targets:
        if group_is_ours(pgid, groups[pgid]):
            signal_group(pgid, kill)
    return targets
