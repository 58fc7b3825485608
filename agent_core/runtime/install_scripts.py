"""Which dependencies' install scripts run: the allow-list shipped with the app.

``npm install`` runs every dependency's ``preinstall``, ``install`` and ``postinstall`` script,
and the model chooses the dependencies. With the allow-list on, installs run with
``--ignore-scripts``; then the scripts of allow-listed packages (esbuild and the few native
packages Vite sites need) run through ``npm rebuild``, and the project's own install scripts
run by name. Everything runs inside the sandbox either way.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["ScriptPlan", "allowed_packages", "packages_with_install_scripts", "plan_scripts"]

ROOT_SCRIPTS = ("preinstall", "install", "postinstall", "prepare")
"""The project's own lifecycle scripts npm runs on ``npm install``, in its order."""
_DATA = Path(__file__).with_name("install_scripts.json")


@functools.cache
def allowed_packages() -> frozenset[str]:
    """The names on the shipped allow-list."""
    return frozenset(json.loads(_DATA.read_text(encoding="utf-8"))["packages"])


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def packages_with_install_scripts(root: Path) -> list[str]:
    """Names of the installed dependencies that have install scripts, from npm's lockfile.

    npm marks them ``hasInstallScript`` in ``package-lock.json`` (and in the hidden
    ``node_modules/.package-lock.json`` when the lockfile is off). A local ``file:`` folder
    appears under its own path with a link pointing at it.
    """
    lock = _read_json(root / "package-lock.json") or _read_json(
        root / "node_modules" / ".package-lock.json")
    packages = lock.get("packages")
    if not isinstance(packages, dict):
        return []
    links: dict[str, str] = {
        e["resolved"]: key for key, e in packages.items()
        if isinstance(e, dict) and e.get("link") and isinstance(e.get("resolved"), str)
    }
    names: set[str] = set()
    for key, entry in packages.items():
        if key == "" or not isinstance(entry, dict) or not entry.get("hasInstallScript"):
            continue
        in_modules = key.startswith("node_modules/") or "/node_modules/" in key
        where: str = key if in_modules or key not in links else links[key]
        names.add(str(entry.get("name") or where.rsplit("node_modules/", 1)[-1]))
    return sorted(names)


def root_install_scripts(root: Path) -> list[str]:
    """The project's own install lifecycle scripts, in the order npm runs them."""
    scripts = _read_json(root / "package.json").get("scripts")
    if not isinstance(scripts, dict):
        return []
    return [name for name in ROOT_SCRIPTS if isinstance(scripts.get(name), str)]


@dataclass(frozen=True)
class ScriptPlan:
    """The install scripts to run after an install that ran none.

    Attributes:
        rebuild: Dependencies whose scripts run (``npm rebuild``), all allow-listed.
        skipped: Dependencies whose scripts were skipped.
        own: The project's own scripts to run by name.
    """

    rebuild: tuple[str, ...]
    skipped: tuple[str, ...]
    own: tuple[str, ...]

    def commands(self) -> list[list[str]]:
        """The npm commands that run the planned scripts, in order."""
        commands = [["npm", "rebuild", "--foreground-scripts", *self.rebuild]] if self.rebuild \
            else []
        return commands + [["npm", "run", name] for name in self.own]


def plan_scripts(root: Path) -> ScriptPlan:
    """What to run after ``npm install --ignore-scripts`` in ``root``."""
    allowed = allowed_packages()
    found = packages_with_install_scripts(root)
    return ScriptPlan(
        rebuild=tuple(name for name in found if name in allowed),
        skipped=tuple(name for name in found if name not in allowed),
        own=tuple(root_install_scripts(root)),
    )
