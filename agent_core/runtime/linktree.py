"""Hard-linking a folder tree, and noticing when a linked file was changed in place.

A hard link shares the file's content: a later write into the same file (not a replace by
rename, which is what npm and Vite do) would change every linked copy. A :class:`TreeIndex`
records each file's size and modification time when a tree is saved, so a copy changed that
way is found before it is linked again.
"""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

_CROSS_DEVICE = {errno.EXDEV, errno.EMLINK, errno.EPERM, errno.EACCES, errno.ENOTSUP}


class TreeChanged(Exception):
    """A file of a saved tree no longer matches its index (it was written in place)."""


class TreeEscapes(Exception):
    """A symbolic link in the tree points outside it (a local ``file:`` dependency)."""


@dataclass
class TreeIndex:
    """Size and modification time (ns) of every file of a tree, by relative path."""

    files: dict[str, tuple[int, int]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, list[int]]:
        """JSON-able form."""
        return {rel: [size, mtime] for rel, (size, mtime) in self.files.items()}

    @classmethod
    def from_dict(cls, data: object) -> TreeIndex:
        """Rebuild an index; anything malformed gives an empty one (nothing will match)."""
        files: dict[str, tuple[int, int]] = {}
        if isinstance(data, dict):
            for rel, value in data.items():
                if isinstance(value, list) and len(value) == 2:
                    files[str(rel)] = (int(value[0]), int(value[1]))
        return cls(files)


def link_tree(src: Path, dst: Path, *, skip: Collection[str] = (),
              copy: Collection[str] = ()) -> TreeIndex:
    """Make ``dst`` a copy of ``src`` whose files are hard links to ``src``'s.

    Folders are created afresh, symbolic links are copied as links. Where a hard link cannot
    be made (another file system, a link-count limit), the file is copied instead.

    Args:
        src: The tree to link from.
        dst: Where the copy goes (must not exist).
        skip: Top-level names of ``src`` to leave out (e.g. caches that belong to one folder).
        copy: Relative paths to copy rather than link (files their owner rewrites in place).

    Returns:
        The index of the files linked or copied, as they are in ``src``.

    Raises:
        TreeEscapes: A symbolic link points outside ``src``.
    """
    index = TreeIndex()
    can_link = True
    for folder, dirs, files in os.walk(src):
        rel = os.path.relpath(folder, src)
        rel = "" if rel == "." else rel
        if not rel:
            dirs[:] = [d for d in dirs if d not in skip]
            files = [f for f in files if f not in skip]
        target_dir = dst / rel
        target_dir.mkdir(parents=True, exist_ok=bool(rel))
        for name in dirs:
            if (Path(folder) / name).is_symlink():  # os.walk lists links to folders here
                _copy_link(Path(folder) / name, src, target_dir / name)
        for name in files:
            path, rel_path = src / rel / name, os.path.join(rel, name)
            if path.is_symlink():
                _copy_link(path, src, target_dir / name)
                continue
            stat = path.stat()
            index.files[rel_path] = (stat.st_size, stat.st_mtime_ns)
            if rel_path in copy or not can_link:
                shutil.copy2(path, target_dir / name)
                continue
            try:
                os.link(path, target_dir / name)
            except OSError as exc:
                if exc.errno not in _CROSS_DEVICE:
                    raise
                can_link = False
                shutil.copy2(path, target_dir / name)
    return index


def _copy_link(link: Path, root: Path, target: Path) -> None:
    pointed = os.readlink(link)
    resolved = (link.parent / pointed).resolve()
    if os.path.isabs(pointed) or not resolved.is_relative_to(root.resolve()):
        raise TreeEscapes(f"{link} points outside {root} (to {pointed})")
    os.symlink(pointed, target)


def check_tree(root: Path, index: TreeIndex) -> None:
    """Raise :class:`TreeChanged` when a file of ``root`` differs from ``index``.

    A missing file, another size or another modification time all count.
    """
    for rel, (size, mtime) in index.files.items():
        try:
            stat = (root / rel).stat()
        except OSError:
            raise TreeChanged(f"{rel} is missing") from None
        if (stat.st_size, stat.st_mtime_ns) != (size, mtime):
            raise TreeChanged(f"{rel} was changed after it was saved")


def remove_tree(path: Path) -> None:
    """Delete a folder tree, ignoring that it may already be gone."""
    shutil.rmtree(path, ignore_errors=True)
