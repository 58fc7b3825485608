"""Crash-safe file writes: a reader sees the old file or the new one, never a torn one."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, TypeVar

T = TypeVar("T")


def write_stream_atomic(path: Path, dump: Callable[[IO[bytes]], T], *,
                        durable: bool = True) -> T:
    """Let ``dump`` write ``path`` through a temporary file and a rename.

    For content produced piece by piece (JSON Lines, Parquet) without holding it in memory.

    Args:
        path: Destination; its folder is created if missing.
        dump: Writes the content to the open file; its result is returned.
        durable: fsync the file and its directory so the write survives a power cut,
            not only a killed process.

    Returns:
        What ``dump`` returned.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            result = dump(handle)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if durable:
        fsync_dir(path.parent)
    return result


def write_bytes_atomic(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename.

    Args:
        path: Destination.
        data: Content.
        durable: fsync the file and its directory so the write survives a power cut,
            not only a killed process.
    """
    write_stream_atomic(path, lambda handle: handle.write(data), durable=durable)


def write_json_atomic(path: Path, data: Any, *, durable: bool = True) -> None:
    """Write ``data`` as indented UTF-8 JSON, atomically."""
    text = json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False)
    write_bytes_atomic(path, (text + "\n").encode(), durable=durable)


def fsync_dir(path: Path) -> None:
    """Flush a directory entry (no-op where directories cannot be opened)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
