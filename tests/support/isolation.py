"""A test suite that cannot touch the user's home: a private HOME, XDG folders and state dir.

At start-up the suite points HOME, the XDG base directories and ``WEBGEN_STATE_DIR`` into one
temporary tree, so whatever follows (the app's settings and process registry, Qt and Qt
WebEngine, Playwright's Chromium, npm, every child process) writes there. Child processes get
a keyring that stores nothing and no session bus, so they cannot reach the user's keyring
either. A snapshot of the real home's relevant folders, taken before the tests and compared
after them, names anything that was written there all the same.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

XDG_FOLDERS: dict[str, str] = {
    "XDG_CONFIG_HOME": "config",
    "XDG_CACHE_HOME": "cache",
    "XDG_DATA_HOME": "data",
    "XDG_STATE_HOME": "state",
    "XDG_RUNTIME_DIR": "runtime",
}
"""The XDG variables moved into the tree, with their folder names there."""

CHILD_KEYRING = "keyring.backends.null.Keyring"
"""What child processes get as their keyring: nothing stored, nothing read (the tests' own
process gets an in-memory one, see ``tests/conftest.py``)."""

WATCHED_IN_HOME = (".config", ".cache", ".local", ".pki", ".npm", ".mozilla")
"""The real home's folders walked by the snapshot; elsewhere only new top-level names count."""


@dataclass(frozen=True)
class IsolatedTree:
    """The temporary tree a test session lives in.

    Attributes:
        root: The tree's top folder.
    """

    root: Path

    @property
    def home(self) -> Path:
        """What HOME points to."""
        return self.root / "home"

    @property
    def state_dir(self) -> Path:
        """What ``WEBGEN_STATE_DIR`` points to."""
        return self.root / "webgen-state"

    def xdg(self, variable: str) -> Path:
        """The folder an ``XDG_*`` variable of :data:`XDG_FOLDERS` points to."""
        return self.root / XDG_FOLDERS[variable]

    def environment(self) -> dict[str, str]:
        """The variables that move a process (and its children) into the tree."""
        env = {"HOME": str(self.home), "WEBGEN_STATE_DIR": str(self.state_dir)}
        env.update({name: str(self.xdg(name)) for name in XDG_FOLDERS})
        env["PYTHON_KEYRING_BACKEND"] = CHILD_KEYRING
        return env


def real_home() -> Path:
    """The user's home as this process sees it before any move."""
    return Path(os.environ.get("HOME") or Path.home())


def _kept_package_settings(home: Path) -> dict[str, str]:
    """Variables that keep the machine's npm, pip and Playwright settings after HOME moves.

    Only read: the user's ``.npmrc`` and ``pip.conf`` (mirrors, certificates, offline
    indexes) and an already downloaded Playwright browser.
    """
    config_home = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config")
    cache_home = Path(os.environ.get("XDG_CACHE_HOME") or home / ".cache")
    candidates = {
        "npm_config_userconfig": home / ".npmrc",
        "PIP_CONFIG_FILE": config_home / "pip" / "pip.conf",
        "PLAYWRIGHT_BROWSERS_PATH": cache_home / "ms-playwright",
    }
    return {
        name: str(path)
        for name, path in candidates.items()
        if name not in os.environ and path.exists()
    }


def enter_isolated_tree(root: Path) -> IsolatedTree:
    """Create the tree under ``root`` and move this process's environment into it.

    Args:
        root: An empty folder (a fresh temporary directory).

    Returns:
        The tree; every process started afterwards inherits it.
    """
    tree = IsolatedTree(root)
    kept = _kept_package_settings(real_home())
    for folder in (tree.home, tree.state_dir, *(tree.xdg(name) for name in XDG_FOLDERS)):
        folder.mkdir(parents=True, exist_ok=True)
    tree.xdg("XDG_RUNTIME_DIR").chmod(0o700)  # as the spec asks; Qt warns otherwise
    os.environ.update(tree.environment())
    os.environ.update(kept)
    os.environ.pop("DBUS_SESSION_BUS_ADDRESS", None)  # the session's keyring and settings
    return tree


@dataclass
class HomeSnapshot:
    """What the relevant parts of a home folder hold, to tell what a test run wrote there.

    Attributes:
        home: The folder.
        skipped: Folders under ``home`` left out (the repository, the virtual env, pytest's
            cache); the ones given that are not under it do not matter.
        entries: Relative path to modification time (ns) of every file and folder walked;
            top-level names outside :data:`WATCHED_IN_HOME` map to 0 (only their presence
            counts).
    """

    home: Path
    skipped: tuple[Path, ...] = ()
    entries: dict[str, int] = field(default_factory=dict)

    @classmethod
    def take(cls, home: Path, skip: Iterable[Path] = ()) -> HomeSnapshot:
        """Walk ``home`` now (quick: only :data:`WATCHED_IN_HOME` is walked deeply)."""
        inside = home.resolve()
        skipped = (Path(p).resolve() for p in skip)
        snapshot = cls(home, tuple(p for p in skipped if inside in p.parents))
        try:
            top = sorted(home.iterdir())
        except OSError:
            return snapshot
        for entry in top:
            if snapshot._skips(entry):
                continue
            if entry.name in WATCHED_IN_HOME and entry.is_dir() and not entry.is_symlink():
                snapshot._walk(entry)
            else:
                snapshot.entries[entry.name] = 0
        return snapshot

    def _skips(self, path: Path) -> bool:
        resolved = path.resolve()
        return any(resolved == s or s in resolved.parents for s in self.skipped)

    def _walk(self, folder: Path) -> None:
        self._record(folder)
        try:
            children = list(os.scandir(folder))
        except OSError:
            return
        for child in children:
            path = Path(child.path)
            if self._skips(path):
                continue
            if child.is_dir(follow_symlinks=False):
                self._walk(path)
            else:
                self._record(path)

    def _record(self, path: Path) -> None:
        try:
            self.entries[path.relative_to(self.home).as_posix()] = path.lstat().st_mtime_ns
        except OSError:
            pass  # removed meanwhile: it simply is not there

    def changes_since(self, before: HomeSnapshot) -> list[str]:
        """What differs from ``before``: lines like ``added .config/chromium``."""
        added = sorted(set(self.entries) - set(before.entries))
        removed = sorted(set(before.entries) - set(self.entries))
        changed = sorted(
            p for p in set(self.entries) & set(before.entries)
            if self.entries[p] != before.entries[p]
        )  # fmt: skip
        return (
            [f"added {p}" for p in added]
            + [f"removed {p}" for p in removed]
            + [f"changed {p}" for p in changed]
        )


def default_skips(repo: Path, pytest_cache: Path | None) -> list[Path]:
    """What a home snapshot leaves out, should it lie under the home.

    The repository, this Python's environment, pytest's cache and the temporary folder (which
    holds the private tree and every test's ``tmp_path``).
    """
    skips = [repo, Path(sys.prefix), Path(tempfile.gettempdir())]
    if pytest_cache is not None:
        skips.append(pytest_cache)
    return skips
