"""Offline npm for tests: the test command warms a cache, tests install only from it."""

from __future__ import annotations

import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
NPM_CACHE = REPO / ".cache" / "npm"
SITES = REPO / "tests" / "fixtures" / "sites"


def offline_npm_env() -> dict[str, str]:
    """Environment that makes every npm in a test install from the warm cache only.

    ``offline`` means npm never opens a connection; a package missing from the cache fails
    the install with ENOTCACHED instead of reaching the registry.
    """
    return {
        "npm_config_cache": str(NPM_CACHE),
        "npm_config_offline": "true",
        "npm_config_audit": "false",
        "npm_config_fund": "false",
        "npm_config_update_notifier": "false",
        "npm_config_progress": "false",
    }


def copy_site(name: str, dest: Path, *, with_lockfile: bool = True) -> Path:
    """Copy the fixture site ``name`` into ``dest`` (no node_modules)."""
    src = SITES / name
    shutil.copytree(src, dest, dirs_exist_ok=True, ignore=shutil.ignore_patterns("node_modules"))
    if not with_lockfile:
        (dest / "package-lock.json").unlink(missing_ok=True)
    return dest


def site_files(name: str) -> dict[str, str]:
    """The text files of the fixture site ``name``, keyed by relative path (no lockfile)."""
    root = SITES / name
    files = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and "node_modules" not in rel and rel != "package-lock.json":
            files[rel] = path.read_text()
    return files
