"""File > Export: the dialog's choice becomes an export of one of the open run's steps.

A zip, a static build and a git repository are named operations (:class:`Ops`): they read
and write off the UI thread and say what was written, or why nothing was, in the notice bar.
Opening the workspace starts the user's editor (``WEBGEN_EDITOR``, else VS Code, VSCodium,
Sublime Text or Zed when installed) or the file manager through ``QDesktopServices``.
"""

from __future__ import annotations

import os
import shlex
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path

from PySide6.QtCore import QProcess, QUrl
from PySide6.QtGui import QDesktopServices

from agent_core.export.site import SiteExport, choose_step, export_zip
from agent_core.export.site_build import export_build
from agent_core.export.site_git import export_git
from agent_core.store.run_store import RunStore
from app.desktop.compare import best_of
from app.desktop.ops import Notifier, Ops
from app.export_site_cmd import stored_config
from ui.compare_pickers import step_choice_text
from ui.export_site_dialog import BUILD, EDITOR, GIT, ZIP, ExportChoice, ExportSiteDialog
from ui.main_window import MainWindow

EDITOR_VARIABLE = "WEBGEN_EDITOR"
"""The command of the user's editor; the workspace folder is added as its last argument."""
EDITORS = ("code", "codium", "subl", "zed")
"""Editors that open a folder named on their command line, looked for in this order."""
NO_RUN = "Open a run with at least one step first; File > Export then takes its site out."


def editor_command(env: Mapping[str, str] | None = None) -> list[str] | None:
    """The user's editor as a command line: ``WEBGEN_EDITOR``, else one found on PATH."""
    env = os.environ if env is None else env
    configured = env.get(EDITOR_VARIABLE, "").strip()
    if configured:
        return shlex.split(configured)
    for name in EDITORS:
        found = shutil.which(name, path=env.get("PATH"))
        if found:
            return [found]
    return None


class SiteExportFlow:
    """Answers File > Export with the dialog, then runs the export the user chose.

    Args:
        window: The main window (its ``exportSiteRequested`` is connected here).
        ops: Runs each export as a named operation.
        notifier: Says what was written, or why the export cannot be made.
        store: Returns the open run's store (None when none is open).
        home: Where suggested destinations go (the user's home by default).
    """

    def __init__(self, window: MainWindow, ops: Ops, notifier: Notifier,
                 store: Callable[[], RunStore | None], home: Path | None = None) -> None:
        self.window, self.ops, self.notifier, self._store = window, ops, notifier, store
        self._home = home or Path.home()
        self.dialog: ExportSiteDialog | None = None
        window.exportSiteRequested.connect(self.open)

    def open(self) -> None:
        """Show the dialog for the open run (or say that a run is needed)."""
        store = self._store()
        if store is None or not store.steps():
            self.notifier.notify(NO_RUN, "info")
            return
        if self.dialog is not None:
            self.dialog.raise_()
            return
        best = best_of(store)
        selected = self.window.timeline.selected() or choose_step(store, None).index
        steps = [(s.index, step_choice_text(s, head=store.head, best=best))
                 for s in store.steps()]
        dialog = ExportSiteDialog(steps, selected, store.head, store.run_dir.name,
                                  str(self._home), self.window)
        dialog.exportRequested.connect(lambda choice: self.export(store, choice))
        dialog.finished.connect(lambda _r: self._closed(dialog))
        self.dialog = dialog
        dialog.open()

    def _closed(self, dialog: ExportSiteDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()

    def export(self, store: RunStore, choice: ExportChoice) -> None:
        """Make the export ``choice`` names, or open the workspace."""
        if choice.kind == EDITOR:
            self.open_in_editor(store.workspace)
        elif choice.kind in (ZIP, BUILD, GIT):
            self.ops.run("Export", self._export(store, choice), on_success=self._exported,
                         actions=[("Export…", self.open)])
        else:
            self.show_folder(store.workspace)

    async def _export(self, store: RunStore, choice: ExportChoice) -> SiteExport:
        dest = Path(choice.destination)
        if choice.kind == ZIP:
            return await export_zip(store, dest, choice.step, overwrite=choice.replace)
        if choice.kind == GIT:
            return await export_git(store, dest, choice.step)
        self.notifier.notify(f"Building step {choice.step} with npm run build…", "info")
        config = stored_config(store)
        return await export_build(store, dest, choice.step, sandbox=config.sandbox,
                                  timeouts=config.timeouts)

    def _exported(self, result: SiteExport) -> None:
        folder = result.destination.parent if result.destination.suffix == ".zip" \
            else result.destination
        self.notifier.notify(result.summary(), "info",
                             [("Show in folder", lambda: self.show_folder(folder))])

    def show_folder(self, folder: Path) -> None:
        """Open ``folder`` in the file manager."""
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
            self.notifier.notify(f"The file manager could not be opened on {folder}; open "
                                 "that folder yourself.", "error")

    def open_in_editor(self, folder: Path) -> None:
        """Open ``folder`` in the user's editor; without one, in the file manager."""
        command = editor_command()
        if command is None:
            self.notifier.notify(
                f"No code editor was found (set {EDITOR_VARIABLE} to your editor's command, "
                "e.g. code), so the workspace was opened in the file manager.", "warning")
            self.show_folder(folder)
            return
        started, _pid = QProcess.startDetached(command[0], [*command[1:], str(folder)])
        if not started:
            self.notifier.notify(f"The editor `{shlex.join(command)}` could not be started; "
                                 f"check {EDITOR_VARIABLE} or open {folder} yourself.", "error")
            return
        self.notifier.notify(f"Opened the workspace {folder} in {Path(command[0]).name}.",
                             "info")
