"""Reading a folder a new run starts from: a template, or the user's own project.

What is read is what a step's snapshot would keep: ``node_modules`` and ``.git`` (at any
depth), build output and caches at the top, symbolic links and special files are left out.
A folder over the limits is refused before anything is read, with the numbers, so a run
never starts from half a project.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from agent_core.errors import ConfigError
from agent_core.workspace.guard import SKIP_ANYWHERE, SKIP_TOP

MAX_FILES = 2_000
MAX_BYTES = 50_000_000
_ADVICE = ("Start from a smaller folder, or move generated files (builds, data, media) out of "
           "it first; node_modules, .git, dist, build and caches are left out already.")


class StartRefused(ConfigError):
    """The folder cannot be a run's starting point (missing, not a folder, too big)."""


@dataclass(frozen=True)
class SeedLimits:
    """How much a starting folder may hold (after leaving out dependencies and caches).

    Attributes:
        max_files: Files at most.
        max_bytes: Bytes of all files together at most.
        max_file_bytes: A larger file is left out (and named), like in step snapshots.
    """

    max_files: int = MAX_FILES
    max_bytes: int = MAX_BYTES
    max_file_bytes: int = 2_000_000


@dataclass
class SeedFiles:
    """The files a run starts with, and what was left out of the folder.

    Attributes:
        files: Relative POSIX path to content.
        left_out: One line per file not taken, with the reason.
    """

    files: dict[str, bytes] = field(default_factory=dict)
    left_out: list[str] = field(default_factory=list)


def _entries(folder: Path, cap: int) -> list[tuple[str, os.DirEntry[str]]]:
    """Files and links outside the skipped folders, with relative paths (``cap`` + 1 at most).

    The walk stops past ``cap`` so that a huge folder (a home directory) is refused quickly.
    """
    found: list[tuple[str, os.DirEntry[str]]] = []
    stack = [("", str(folder))]
    while stack and len(found) <= cap:
        prefix, path = stack.pop()
        for entry in sorted(os.scandir(path), key=lambda e: e.name):
            rel = prefix + entry.name
            if entry.is_dir(follow_symlinks=False):
                skipped = entry.name in SKIP_ANYWHERE or (not prefix and entry.name in SKIP_TOP)
                if not skipped:
                    stack.append((rel + "/", entry.path))
            else:
                found.append((rel, entry))
    return found


def _check_limits(folder: Path, sizes: dict[str, int], limits: SeedLimits) -> None:
    total = sum(sizes.values())
    what = f"{len(sizes):,} files, {total / 1e6:,.1f} MB"
    if len(sizes) > limits.max_files:
        raise StartRefused(f"{folder} is too big to start a run from: {what}; at most "
                           f"{limits.max_files:,} files are copied. {_ADVICE}")
    if total > limits.max_bytes:
        raise StartRefused(f"{folder} is too big to start a run from: {what}; at most "
                           f"{limits.max_bytes / 1e6:,.0f} MB are copied. {_ADVICE}")


def read_seed(folder: Path, limits: SeedLimits | None = None) -> SeedFiles:
    """Read the files of ``folder`` that a run should start with.

    Args:
        folder: The template or project folder.
        limits: Size limits; the defaults when None.

    Raises:
        StartRefused: ``folder`` is missing, not a folder, unreadable or over the limits.
    """
    limits = limits or SeedLimits()
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise StartRefused(f"{folder} is not a folder: a run can start from a template name "
                           "or a project folder")
    try:
        entries = _entries(folder, limits.max_files)
    except OSError as exc:
        raise StartRefused(f"cannot read {folder}: {exc}") from exc
    if len(entries) > limits.max_files:
        raise StartRefused(f"{folder} is too big to start a run from: it has more than "
                           f"{limits.max_files:,} files; at most {limits.max_files:,} are "
                           f"copied. {_ADVICE}")
    seed = SeedFiles()
    sizes: dict[str, int] = {}
    for rel, entry in entries:
        if entry.is_symlink() or not entry.is_file(follow_symlinks=False):
            seed.left_out.append(f"{rel}: not a regular file (a link or a device)")
            continue
        size = entry.stat(follow_symlinks=False).st_size
        if size > limits.max_file_bytes:
            seed.left_out.append(f"{rel}: {size:,} bytes, over the {limits.max_file_bytes:,} "
                                 "bytes a project file may have")
            continue
        sizes[rel] = size
    _check_limits(folder, sizes, limits)
    for rel in sizes:
        try:
            seed.files[rel] = (folder / rel).read_bytes()
        except OSError as exc:
            raise StartRefused(f"cannot read {folder / rel}: {exc}") from exc
    return seed
