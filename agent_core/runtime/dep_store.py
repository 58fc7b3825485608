"""The app's store of installed dependency sets: a warm start instead of a second install.

After ``npm install`` succeeded in a workspace, its ``node_modules`` is hard-linked into
``STATE_DIR/deps/<key>/`` (no file content is copied) together with the lockfile npm wrote.
A later workspace whose dependency set has the same key gets ``node_modules`` hard-linked
from there in a fraction of a second instead of running npm again.

The key covers what decides the installed tree: package.json's dependency fields, the
lockfile's resolved packages when there is one, the operating system, the processor and the
Node.js executable (packages such as esbuild ship a binary per platform).

Vite's pre-bundle cache (``node_modules/.vite``) is not kept: Vite hashes the project's
absolute path into it, so a copy made in another folder is always discarded and rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from agent_core.runtime.guard import default_state_dir
from agent_core.runtime.linktree import (
    TreeChanged,
    TreeEscapes,
    TreeIndex,
    check_tree,
    link_tree,
    remove_tree,
)

DEP_FIELDS = ("dependencies", "devDependencies", "optionalDependencies", "peerDependencies",
              "overrides", "bundleDependencies", "bundledDependencies")
OWN_INSTALL_SCRIPTS = ("preinstall", "install", "postinstall", "preprepare", "prepare",
                       "postprepare")
"""A project with one of these scripts needs npm to run it: the store cannot stand in."""
NOT_KEPT = (".vite", ".cache")
"""Folders of node_modules that belong to one project folder (caches of tools)."""
REWRITTEN = (".package-lock.json",)
"""Files npm rewrites in place on every install: copied, never linked."""
KEEP_ENTRIES = 12
INDEX, LOCKFILE = "index.json", "package-lock.json"
MARKER = ".webgen-deps-key"
"""Written into a linked node_modules: which dependency set it holds."""


def _platform_tag() -> str:
    node = shutil.which("node") or ""
    try:
        stat = os.stat(os.path.realpath(node)) if node else None
    except OSError:
        stat = None
    node_id = f"{os.path.realpath(node)}:{stat.st_size}:{stat.st_mtime_ns}" if stat else "-"
    return f"{sys.platform}|{platform.machine()}|{node_id}"


def dependency_key(root: Path) -> str | None:
    """The key of the dependency set of the project in ``root``.

    Returns:
        A hex digest, or None when the store cannot stand in for npm: no readable
        package.json, no dependencies declared, or install scripts of the project's own
        (npm must run them).
    """
    try:
        package = json.loads((root / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(package, dict):
        return None
    declared = {name: package.get(name) for name in DEP_FIELDS if package.get(name)}
    scripts = package.get("scripts")
    if not declared or (isinstance(scripts, dict) and set(scripts) & set(OWN_INSTALL_SCRIPTS)):
        return None
    digest = hashlib.sha256(json.dumps(declared, sort_keys=True).encode())
    lockfile = _lock_packages(root / LOCKFILE)
    digest.update(b"\0lock\0" + json.dumps(lockfile, sort_keys=True).encode())
    digest.update(b"\0" + _platform_tag().encode())
    return digest.hexdigest()[:32]


def _lock_packages(path: Path) -> object:
    """The lockfile's resolved packages without the project's own name and version."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return "unreadable"
    packages = data.get("packages")
    if isinstance(packages, dict):
        return {k: v for k, v in packages.items() if k != ""}
    return data.get("dependencies")


@dataclass(frozen=True)
class Linked:
    """What :meth:`DependencyStore.link_into` did.

    Attributes:
        key: The dependency set's key.
        files: How many files were linked.
        seconds: Wall time.
        lockfile: Whether the stored lockfile was copied in (the workspace had none).
    """

    key: str
    files: int
    seconds: float
    lockfile: bool


class DependencyStore:
    """Installed ``node_modules`` trees kept by dependency key.

    Args:
        root: The store's folder (``STATE_DIR/deps`` by default).
        keep: How many dependency sets to keep; the least recently used go first.
    """

    def __init__(self, root: Path | None = None, keep: int = KEEP_ENTRIES) -> None:
        self.root = Path(root) if root is not None else default_state_dir() / "deps"
        self.keep = keep

    def entry(self, key: str) -> Path | None:
        """The folder of a complete entry for ``key``, or None."""
        path = self.root / key
        return path if (path / INDEX).is_file() and (path / "node_modules").is_dir() else None

    def link_into(self, workspace: Path, key: str) -> Linked | None:
        """Hard-link the stored ``node_modules`` of ``key`` into ``workspace``.

        The workspace must have no ``node_modules``. An entry whose files were changed in
        place since it was saved is deleted and nothing is linked.

        Returns:
            What was linked, or None (no entry, or a damaged one): install as usual then.
        """
        started = time.monotonic()
        entry = self.entry(key)
        target = workspace / "node_modules"
        if entry is None or target.exists():
            return None
        partial = workspace / f".node_modules.linking-{uuid.uuid4().hex[:8]}"
        try:
            index = TreeIndex.from_dict(json.loads((entry / INDEX).read_text()))
            check_tree(entry / "node_modules", index)
            link_tree(entry / "node_modules", partial, copy=REWRITTEN)
            (partial / MARKER).write_text(key)
            partial.rename(target)
        except (OSError, ValueError, TreeChanged, TreeEscapes):
            remove_tree(partial)
            self.forget(key)
            return None
        lockfile = not (workspace / LOCKFILE).exists() and (entry / LOCKFILE).is_file()
        if lockfile:
            shutil.copy2(entry / LOCKFILE, workspace / LOCKFILE)
        os.utime(entry / INDEX)  # last use, for pruning
        return Linked(key, len(index.files), time.monotonic() - started, lockfile)

    @staticmethod
    def linked_key(workspace: Path) -> str | None:
        """The key of the set linked into ``workspace``'s node_modules, if it was linked."""
        try:
            return (workspace / "node_modules" / MARKER).read_text().strip() or None
        except OSError:
            return None

    @staticmethod
    def forget_link(workspace: Path) -> None:
        """npm is about to change ``workspace``'s node_modules: it stops being a stored set."""
        (workspace / "node_modules" / MARKER).unlink(missing_ok=True)

    def save_from(self, workspace: Path, key: str) -> bool:
        """Keep ``workspace``'s ``node_modules`` (and lockfile) as the entry of ``key``.

        Returns:
            Whether an entry for ``key`` exists now. Trees with links outside themselves
            (local ``file:`` dependencies) are not kept.
        """
        source = workspace / "node_modules"
        if self.entry(key) is not None:
            return True
        if not source.is_dir():
            return False
        self.root.mkdir(parents=True, exist_ok=True)
        partial = self.root / f".saving-{uuid.uuid4().hex[:8]}"
        try:
            index = link_tree(source, partial / "node_modules", skip=(*NOT_KEPT, MARKER),
                              copy=REWRITTEN)
            if (workspace / LOCKFILE).is_file():
                shutil.copy2(workspace / LOCKFILE, partial / LOCKFILE)
            (partial / INDEX).write_text(json.dumps(index.to_dict()))
            os.rename(partial, self.root / key)
        except (OSError, TreeEscapes):
            remove_tree(partial)
            return self.entry(key) is not None  # another run may have saved it meanwhile
        self.prune()
        return True

    def forget(self, key: str) -> None:
        """Delete the entry of ``key`` (damaged or unwanted)."""
        path = self.root / key
        doomed = self.root / f".removing-{uuid.uuid4().hex[:8]}"
        try:
            path.rename(doomed)
        except OSError:
            return
        remove_tree(doomed)

    def prune(self) -> None:
        """Delete the least recently used entries beyond :attr:`keep`."""
        used: dict[str, float] = {}
        for path in self.root.iterdir():
            try:
                used[path.name] = (path / INDEX).stat().st_mtime
            except OSError:  # a folder being saved or removed, or not an entry
                continue
        for stale in sorted(used, key=used.__getitem__, reverse=True)[self.keep:]:
            self.forget(stale)
