"""Moving a run's files between a worker's disk and the driver's output folder.

A *tree* is a set of folders (``subtrees``) under a root, named relative to it: a batch
run's ``<item>/<coder>/sample-<n>``, or a bench task's ``<id>`` and ``bench-shots/<id>``.
``TreeWatch`` tells what changed in a tree since it last looked; ``read_tree`` takes all of
it; ``write_tree`` puts files in place on the other side. Installed dependencies
(``node_modules``), the engine's install hashes and lock files never travel: a resumed run
installs again, as after any move of a run folder.

Files are written through a temporary file and a rename, and in the run store's order
(everything else, then step records, then the manifest), so the receiving side never holds
a step whose blobs or screenshot are missing.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path, PurePosixPath

from agent_core.errors import WebGenError
from agent_core.store.atomic import write_bytes_atomic

SKIPPED_NAMES = frozenset({"node_modules", ".webgen", ".lock", ".bench.lock", ".batch.lock"})
"""Files and folders that stay where they are: installed dependencies, install hashes, locks."""

FileChanges = dict[str, bytes | None]
"""Relative path -> new content, or None for a file that was removed."""


class TransferError(WebGenError):
    """Files sent home name a place outside the output folder, or cannot be written."""


def _walk(root: Path, subtrees: Iterable[str]) -> Iterator[tuple[str, os.stat_result]]:
    """Every file of the tree with its status, skipping ``SKIPPED_NAMES``."""
    for sub in subtrees:
        top = root / sub
        if not top.is_dir():
            continue
        for folder, dirs, files in os.walk(top):
            dirs[:] = sorted(d for d in dirs if d not in SKIPPED_NAMES)
            for name in sorted(files):
                if name in SKIPPED_NAMES or (name.startswith(".") and name.endswith(".tmp")):
                    continue
                path = Path(folder) / name
                try:
                    info = path.stat()
                except OSError:
                    continue  # removed meanwhile: the next look sees it gone
                yield path.relative_to(root).as_posix(), info


def read_tree(root: Path, subtrees: Iterable[str]) -> FileChanges:
    """All files of the tree (blocking), keyed by their path relative to ``root``."""
    found: FileChanges = {}
    for rel, _ in _walk(root, subtrees):
        try:
            found[rel] = (root / rel).read_bytes()
        except OSError:
            continue
    return found


class TreeWatch:
    """Tells what changed in a tree since the last look (blocking calls).

    Args:
        root: The tree's root.
        subtrees: Its folders, relative to ``root``.
    """

    def __init__(self, root: Path, subtrees: Iterable[str]) -> None:
        self.root = root
        self.subtrees = tuple(subtrees)
        self._seen: dict[str, tuple[int, int]] = {}

    def mark_seen(self) -> None:
        """Take the tree as it is now as already sent."""
        self._seen = {rel: (s.st_size, s.st_mtime_ns) for rel, s in _walk(self.root, self.subtrees)}

    def changes(self) -> FileChanges:
        """Files added or changed since the last look, and files removed (as None)."""
        now: dict[str, tuple[int, int]] = {}
        changed: FileChanges = {}
        for rel, info in _walk(self.root, self.subtrees):
            now[rel] = (info.st_size, info.st_mtime_ns)
            if self._seen.get(rel) != now[rel]:
                try:
                    changed[rel] = (self.root / rel).read_bytes()
                except OSError:
                    del now[rel]
        for rel in self._seen.keys() - now.keys():
            changed[rel] = None
        self._seen = now
        return changed


def write_order(paths: Iterable[str]) -> list[str]:
    """``paths`` in the order a run store writes them: others, step records, manifests."""

    def rank(rel: str) -> tuple[int, str]:
        parts = PurePosixPath(rel).parts
        if parts and parts[-1] == "manifest.json":
            return 2, rel
        return (1 if "steps" in parts[:-1] else 0), rel

    return sorted(paths, key=rank)


def safe_target(root: Path, rel: str) -> Path:
    """``root / rel``, refusing a path that is absolute or climbs out of ``root``.

    Raises:
        TransferError: The path leaves ``root``.
    """
    pure = PurePosixPath(rel)
    if pure.is_absolute() or not pure.parts or ".." in pure.parts or "\\" in rel:
        raise TransferError(f"a worker sent the file {rel!r}, which is not inside {root}")
    return root.joinpath(*pure.parts)


def write_tree(root: Path, changes: Mapping[str, bytes | None]) -> int:
    """Put ``changes`` in place under ``root`` (blocking); returns the files written.

    Raises:
        TransferError: A path leaves ``root`` (nothing is written then), or a file cannot be
            written.
    """
    targets = {rel: safe_target(root, rel) for rel in changes}
    written = 0
    for rel in write_order(changes):
        data, target = changes[rel], targets[rel]
        try:
            if data is None:
                target.unlink(missing_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            write_bytes_atomic(target, data)
        except OSError as exc:
            raise TransferError(f"cannot write {target}: {exc.strerror or exc}") from exc
        written += 1
    return written


def clear_tree(root: Path, subtrees: Iterable[str]) -> None:
    """Remove the tree's folders under ``root`` (blocking; absent ones are fine)."""
    for sub in subtrees:
        shutil.rmtree(safe_target(root, sub), ignore_errors=True)


__all__ = [
    "SKIPPED_NAMES",
    "FileChanges",
    "TransferError",
    "TreeWatch",
    "clear_tree",
    "read_tree",
    "safe_target",
    "write_order",
    "write_tree",
]
