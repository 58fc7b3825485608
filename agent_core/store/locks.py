"""An exclusive lock on a folder that names its holder and dies with it (even on kill -9)."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


class LockHeld(Exception):
    """Another process holds the lock.

    Attributes:
        holder: The holder's process id as it wrote it, or "another process".
    """

    def __init__(self, holder: str) -> None:
        super().__init__(holder)
        self.holder = holder


def take_pid_lock(path: Path) -> int:
    """Lock ``path`` exclusively and write this process's id into it.

    Returns:
        The open file descriptor; closing it releases the lock (the OS does that too when
        the process dies).

    Raises:
        LockHeld: Another process holds the lock.
    """
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.read(fd, 32).decode(errors="replace").strip() or "another process"
        os.close(fd)
        raise LockHeld(holder) from None
    os.ftruncate(fd, 0)
    os.write(fd, str(os.getpid()).encode())
    return fd


def is_locked(path: Path) -> bool:
    """Whether a process holds the lock on ``path`` now (this check takes it for an instant)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False
