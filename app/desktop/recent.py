"""The File > Open recent list, kept in the window's QSettings."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

RECENT_KEY = "runs/recent"
MAX_RECENT = 10


class RecentRuns:
    """Recently opened run folders, newest first; folders that are gone are left out.

    Args:
        qsettings: Where the list is kept (the window's layout file).
    """

    def __init__(self, qsettings: QSettings) -> None:
        self._qsettings = qsettings

    def paths(self) -> list[str]:
        """The remembered runs that still exist, newest first."""
        value = self._qsettings.value(RECENT_KEY) or []
        paths = [value] if isinstance(value, str) else list(value)
        return [p for p in paths if (Path(p) / "manifest.json").is_file()]

    def remember(self, run_dir: Path) -> list[str]:
        """Put ``run_dir`` first; returns the new list."""
        paths = [str(run_dir)] + [p for p in self.paths() if p != str(run_dir)]
        self._qsettings.setValue(RECENT_KEY, paths[:MAX_RECENT])
        return paths[:MAX_RECENT]
