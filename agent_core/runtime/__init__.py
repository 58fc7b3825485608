"""Processes, dependency installs, the dev server, a static server and ports.

Names are imported lazily so that the helper processes started with ``python -m`` (the reaper,
the static server) start quickly.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "ManagedProcess": "processes",
    "CommandResult": "processes",
    "run_command": "processes",
    "strip_ansi": "processes",
    "ProcessGuard": "guard",
    "get_guard": "guard",
    "configure_state_dir": "guard",
    "reap_orphans": "guard",
    "reap_orphans_async": "guard",
    "free_port": "ports",
    "reserve_port": "ports",
    "release_port": "ports",
    "DependencyInstaller": "installer",
    "InstallResult": "installer",
    "StartPlan": "plans",
    "choose_start_command": "plans",
    "DevServer": "devserver",
    "ServeResult": "devserver",
    "detect_url": "devserver",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    """Import ``name`` from its submodule on first use."""
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
