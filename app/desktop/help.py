"""Help > About: the version, the paths this window uses, and where the documentation is.

The documents are found and their titles read off the UI thread; the dialog only shows them.
"""

from __future__ import annotations

import asyncio
import importlib.metadata
from collections.abc import Callable
from pathlib import Path

import agent_core
from app import settings as app_settings
from app.desktop.ops import Ops
from ui.about_dialog import AboutDialog, AboutInfo
from ui.main_window import MainWindow

DIST_NAME = "webgen-studio"
SOURCE_ROOT = Path(__file__).resolve().parents[2]
"""The checkout holding README.md and docs/ (an installed copy has neither)."""
DOCS_NOTE = (
    "The documentation (README.md and the docs/ folder) is not installed with this copy of "
    "WebGen Studio; it is in its source repository."
)


def app_version() -> str:
    """The installed version, or the source's when it is run from a checkout."""
    try:
        return importlib.metadata.version(DIST_NAME)
    except importlib.metadata.PackageNotFoundError:
        return agent_core.__version__


def doc_title(path: Path) -> str:
    """A Markdown file's first heading, or its name."""
    try:
        with path.open(encoding="utf-8") as lines:
            for line in lines:
                if line.startswith("# "):
                    return line[2:].strip()
    except (OSError, UnicodeDecodeError):
        pass
    return path.name


def documents(root: Path = SOURCE_ROOT) -> list[tuple[str, str]]:
    """(title, path) of the README and every ``docs/*.md``; empty when not installed."""
    files = [root / "README.md", *sorted((root / "docs").glob("*.md"))]
    return [(f"{doc_title(f)} ({f.relative_to(root)})", str(f)) for f in files if f.is_file()]


def about_info(runs_dir: Path, layout_file: str, run_dir: Path | None,
               root: Path = SOURCE_ROOT) -> AboutInfo:
    """What Help > About shows (reads the docs folder: call off the UI thread).

    Args:
        runs_dir: Where this window creates runs.
        layout_file: The window-layout file (QSettings).
        run_dir: The open run, whose logs are named; None when no run is open.
        root: Where README.md and docs/ are looked for.
    """
    logs = (str(run_dir / "logs") if run_dir is not None
            else "the logs/ folder of each run (npm and dev-server output)")
    paths = [
        ("Settings file", str(app_settings.settings_path())),
        ("Window layout", layout_file),
        ("Runs folder", str(runs_dir)),
        ("State folder", str(app_settings.state_dir())),
        ("Logs", logs),
    ]
    docs = documents(root)
    return AboutInfo(app_version(), paths, docs, "" if docs else DOCS_NOTE)


class HelpFlow:
    """Answers Help > About with a dialog of facts gathered off the UI thread.

    Args:
        window: The main window (its ``aboutRequested`` is connected here).
        ops: Runs the gathering as a named operation.
        runs_dir: Where the window creates runs.
        layout_file: The window-layout file.
        run_dir: Returns the open run's folder, or None.
    """

    def __init__(self, window: MainWindow, ops: Ops, runs_dir: Path, layout_file: str,
                 run_dir: Callable[[], Path | None]) -> None:
        self.window, self.ops = window, ops
        self._runs_dir, self._layout_file, self._run_dir = runs_dir, layout_file, run_dir
        self.dialog: AboutDialog | None = None
        window.aboutRequested.connect(self.show_about)

    def show_about(self) -> None:
        """Open the About dialog (or raise the one already open)."""
        if self.dialog is not None:
            self.dialog.raise_()
            self.dialog.activateWindow()
            return
        self.ops.run("About", self._about())

    async def _about(self) -> None:
        info = await asyncio.to_thread(about_info, self._runs_dir, self._layout_file,
                                       self._run_dir())
        if self.dialog is not None:
            return
        dialog = AboutDialog(info, self.window)
        dialog.finished.connect(lambda _r: self._closed(dialog))
        self.dialog = dialog
        dialog.open()

    def _closed(self, dialog: AboutDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()
