"""The run's project folder: the only place the coder's files may go.

Every path the coder names passes through :meth:`Workspace.resolve`, which refuses anything
that would land outside the folder or in folders that tools own (``node_modules/``,
``.git/``, ``.webgen/``). Refusals raise :class:`WorkspaceViolation` with a message meant to
be shown to the coder model as it is.

All methods are synchronous file-system work; async callers run them with
``asyncio.to_thread``.
"""

from __future__ import annotations

import os
import posixpath
import re
import shutil
import stat
import tempfile
from pathlib import Path

from agent_core.errors import WorkspaceViolation

SKIP_ANYWHERE = frozenset({"node_modules", ".git"})
"""Folders never part of a snapshot, at any depth."""

SKIP_TOP = frozenset({"dist", "build", ".vite", ".cache", ".webgen"})
"""Generated or tool folders never part of a snapshot, at the top of the project."""

_REFUSED_DIRS = {
    "node_modules": "node_modules/ is managed by npm; declare dependencies in package.json",
    ".git": ".git/ holds version-control data, not site files",
}
_TMP_PREFIX = ".webgen-tmp-"
_DRIVE = re.compile(r"^[A-Za-z]:")


class Workspace:
    """A project folder with guarded writes, snapshots and restores.

    Args:
        root: The project folder; created if missing.
        max_file_bytes: Largest file that may be written, and largest file a snapshot keeps.
    """

    def __init__(self, root: Path, max_file_bytes: int = 2_000_000) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.root = root.resolve()
        self.max_file_bytes = max_file_bytes

    # -- paths ----------------------------------------------------------------------------

    def resolve(self, rel: str, *, verb: str = "write") -> Path:
        """Map a path named by the coder to a real location inside the project.

        Args:
            rel: A relative path such as ``src/App.jsx`` (``\\`` is read as ``/``).
            verb: The operation named in refusal messages.

        Returns:
            The absolute path, with symbolic links of its folders resolved.

        Raises:
            WorkspaceViolation: The path is empty, absolute, leaves the project (through
                ``..`` or a symbolic link), contains a NUL byte, or points into
                ``node_modules/``, ``.git/`` or ``.webgen/``.
        """
        norm = self._normalise(rel, verb)
        target = self.root / norm
        try:
            parent = target.parent.resolve()
            real = parent / target.name
            outside_link = real.is_symlink() and not _inside(real.resolve(), self.root)
        except (OSError, RuntimeError) as exc:  # RuntimeError: a symbolic link loop
            raise _refuse(verb, rel, f"the path cannot be resolved ({exc})") from exc
        if not _inside(parent, self.root):
            raise _refuse(
                verb, rel, "a folder on the path is a symbolic link leading out of the project"
            )
        if outside_link:
            raise _refuse(verb, rel, "it is a symbolic link pointing out of the project folder")
        return real

    def resolve_dir(self, rel: str) -> Path:
        """The real folder a planned command runs in (``.`` is the project itself).

        Args:
            rel: A :class:`~agent_core.workspace.commands.PlannedCommand` ``cwd``.

        Returns:
            The absolute folder, symbolic links resolved.

        Raises:
            WorkspaceViolation: The folder is outside the project (also through a link) or
                in a refused folder such as ``node_modules/``.
        """
        if rel.strip() in ("", "."):
            return self.root
        return self.resolve(rel, verb="enter").resolve()

    def _normalise(self, rel: str, verb: str) -> str:
        if "\x00" in rel:
            raise _refuse(verb, rel.replace("\x00", "\\0"), "the path contains a NUL byte")
        text = rel.strip().replace("\\", "/")
        if not text:
            raise _refuse(verb, rel, "the path is empty")
        if text.startswith("/") or _DRIVE.match(text):
            raise _refuse(
                verb, rel, "absolute paths are not allowed; use a path relative to the project"
            )
        if text.startswith("~"):
            raise _refuse(verb, rel, "'~' is not the project folder; use a relative path")
        norm = posixpath.normpath(text)
        if norm == ".." or norm.startswith("../"):
            raise _refuse(verb, rel, "the path leaves the project folder")
        if norm == ".":
            raise _refuse(verb, rel, "the path names the project folder itself, not a file")
        parts = norm.split("/")
        for part in parts:
            if part.lower() in _REFUSED_DIRS:
                raise _refuse(verb, rel, _REFUSED_DIRS[part.lower()])
        if parts[0].lower() == ".webgen":
            raise _refuse(verb, rel, ".webgen/ is reserved for WebGen Studio")
        return norm

    # -- writing --------------------------------------------------------------------------

    def write_file(self, rel: str, content: str) -> int:
        """Write a whole file atomically (temporary file in the same folder, then rename).

        Args:
            rel: Path relative to the project.
            content: The complete text; written as UTF-8, line endings unchanged.

        Returns:
            The number of bytes written.

        Raises:
            WorkspaceViolation: The path is refused, the content is larger than
                ``max_file_bytes``, or the file system refused the write.
        """
        data = content.encode("utf-8", errors="replace")
        if len(data) > self.max_file_bytes:
            raise _refuse(
                "write",
                rel,
                f"{len(data):,} bytes is over the limit of {self.max_file_bytes:,} bytes per file",
            )
        self._write_bytes(rel, data)
        return len(data)

    def _write_bytes(self, rel: str, data: bytes) -> None:
        target = self.resolve(rel)
        try:
            if target.is_dir() and not target.is_symlink():
                raise _refuse("write", rel, "a folder of that name exists")
            _make_dirs(self.root, target.parent, rel)
            mode = _mode_of(target)
            fd, tmp = tempfile.mkstemp(prefix=_TMP_PREFIX, dir=target.parent)
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                os.chmod(tmp, mode)
                os.replace(tmp, target)
            except BaseException:
                _unlink_quietly(Path(tmp))
                raise
        except OSError as exc:
            raise _refuse("write", rel, exc.strerror or str(exc), verb_past="could not") from exc

    # -- snapshots ------------------------------------------------------------------------

    def snapshot(self) -> dict[str, bytes]:
        """The project's files and their bytes.

        Skips ``node_modules``/``.git`` at any depth, ``dist``, ``build``, ``.vite``,
        ``.cache`` and ``.webgen`` at the top, symbolic links, non-regular files and files
        larger than ``max_file_bytes``.

        Returns:
            Relative POSIX paths mapped to content, sorted by path.
        """
        files: dict[str, bytes] = {}
        for rel, entry in self._walk_files():
            if entry.is_symlink() or not entry.is_file(follow_symlinks=False):
                continue
            if entry.stat(follow_symlinks=False).st_size > self.max_file_bytes:
                continue
            try:
                with open(entry.path, "rb") as handle:
                    files[rel] = handle.read()
            except OSError:
                continue  # vanished or unreadable: not part of the project's state
        return dict(sorted(files.items()))

    def restore(self, files: dict[str, bytes]) -> None:
        """Make the project equal to a snapshot.

        Files not in ``files`` are deleted (symbolic links included, never followed), folders
        left empty are removed, changed or missing files are written. Skipped folders such
        as ``node_modules`` stay as they are.

        Args:
            files: A mapping as returned by :meth:`snapshot`.

        Raises:
            WorkspaceViolation: A path of ``files`` is refused or cannot be written.
        """
        wanted = {self._normalise(rel, "restore"): data for rel, data in files.items()}
        for rel, entry in list(self._walk_files()):
            if rel not in wanted or entry.is_symlink() or not entry.is_file():
                _unlink_quietly(Path(entry.path))
        _prune_empty(self.root, top=True)
        for rel, data in wanted.items():
            path = self.root / rel
            if path.is_file() and not path.is_symlink() and _same_bytes(path, data):
                continue
            self._write_bytes(rel, data)

    def clear(self, *, keep_dependencies: bool = True) -> None:
        """Empty the project.

        Args:
            keep_dependencies: Keep ``node_modules`` and the other skipped folders (``dist``,
                ``build``, ``.vite``, ``.cache``) so a fresh start needs no reinstall. When
                False everything goes except ``.git`` and ``.webgen``.
        """
        if keep_dependencies:
            self.restore({})
            return
        for entry in os.scandir(self.root):
            if entry.name in (".git", ".webgen"):
                continue
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)
            else:
                _unlink_quietly(Path(entry.path))

    # -- walking --------------------------------------------------------------------------

    def _walk_files(self) -> list[tuple[str, os.DirEntry[str]]]:
        """Every non-directory entry outside the skipped folders, with its relative path."""
        found: list[tuple[str, os.DirEntry[str]]] = []
        stack = [("", self.root.as_posix())]
        while stack:
            prefix, folder = stack.pop()
            try:
                entries = list(os.scandir(folder))
            except OSError:
                continue
            for entry in entries:
                rel = prefix + entry.name
                if entry.is_dir(follow_symlinks=False):
                    if not _skipped_dir(entry.name, top=not prefix):
                        stack.append((rel + "/", entry.path))
                elif not entry.name.startswith(_TMP_PREFIX):
                    found.append((rel, entry))
        return found


def _refuse(verb: str, rel: str, why: str, *, verb_past: str = "refused to") -> WorkspaceViolation:
    return WorkspaceViolation(f"{verb_past} {verb} '{rel}': {why}")


def _inside(path: Path, root: Path) -> bool:
    return path == root or path.is_relative_to(root)


def _skipped_dir(name: str, *, top: bool) -> bool:
    return name in SKIP_ANYWHERE or (top and name in SKIP_TOP)


def _prune_empty(folder: Path, *, top: bool) -> bool:
    """Remove folders without files below ``folder``, sparing skipped ones.

    Returns:
        Whether ``folder`` itself is now empty.
    """
    empty = True
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return False
    for entry in entries:
        if entry.is_dir(follow_symlinks=False) and not _skipped_dir(entry.name, top=top):
            if _prune_empty(Path(entry.path), top=False):
                try:
                    os.rmdir(entry.path)
                    continue
                except OSError:
                    pass
        empty = False
    return empty


def _make_dirs(root: Path, folder: Path, rel: str) -> None:
    """Create ``folder`` and its parents; a file in the way is refused by name."""
    for parent in [*reversed(folder.parents), folder]:
        if parent != root and not _inside(parent, root):
            continue
        if parent.exists() and not parent.is_dir():
            name = parent.relative_to(root).as_posix()
            raise _refuse("write", rel, f"'{name}' is a file, not a folder")
    folder.mkdir(parents=True, exist_ok=True)


def _mode_of(target: Path) -> int:
    """Permission bits for the new file: those of the file it replaces, else rw-r--r--."""
    try:
        if not target.is_symlink():
            return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        pass
    return 0o644


def _same_bytes(path: Path, data: bytes) -> bool:
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def _unlink_quietly(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass
