"""What the window's next new run starts from: File > New's dialog and the welcome page.

The choice holds for one run. The folder is read (and refused when too big) when the run
is started, before its folder is created, so a refusal leaves nothing behind.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from agent_core.errors import ConfigError
from agent_core.store.run_store import RunStore
from agent_core.workspace.seed import SeedFiles
from app import starts
from app.desktop.ops import Notifier
from ui.main_window import MainWindow
from ui.start_picker import FOLDER, TEMPLATE, NewRunDialog


class StartFlow:
    """Holds the next run's start and asks for it.

    Args:
        window: The main window (its welcome page offers the choice too).
        notifier: Says what the next run starts from, and what is wrong with a choice.
    """

    def __init__(self, window: MainWindow, notifier: Notifier) -> None:
        self.window = window
        self.notifier = notifier
        self.choice = starts.EMPTY
        self.templates: list[starts.Template] = []
        self.dialog: NewRunDialog | None = None
        window.welcome.startChosen.connect(self.choose)
        window.closing.connect(self._close_dialog)
        self._load()

    def _load(self) -> None:
        """List the templates (one small file, read once while the window is being built)."""
        try:
            self.templates = starts.list_templates()
        except ConfigError as exc:  # a broken install: empty and folder starts still work
            self.notifier.notify(str(exc), "warning")
        self.window.welcome.start_picker.set_templates(self._infos())

    def _infos(self) -> list[tuple[str, str, str]]:
        return [(t.name, t.title, t.description) for t in self.templates]

    def ask(self) -> None:
        """File > New: show the dialog; OK makes its choice the next run's start."""
        self._close_dialog()
        dialog = NewRunDialog(self._infos(), self.window)
        dialog.accepted.connect(lambda: self.choose(*dialog.picker.choice()))
        dialog.finished.connect(lambda _result: self._forget(dialog))
        self.dialog = dialog
        dialog.open()

    def _forget(self, dialog: NewRunDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()

    def choose(self, kind: str, value: str) -> None:
        """Make ``(kind, value)`` the next run's start and say so."""
        if kind == TEMPLATE:
            found = [t for t in self.templates if t.name == value]
            if not found:
                self.notifier.notify(f"There is no template named {value}.", "error")
                return
            self.choice = starts.template_choice(found[0])
        elif kind == FOLDER:
            if not value or not Path(value).expanduser().is_dir():
                self.notifier.notify(f"{value or 'No folder'} is not a folder: choose the "
                                     "project folder to start from.", "error")
                return
            self.choice = starts.folder_choice(Path(value))
        else:
            self.choice = starts.EMPTY
        self.window.show_welcome(False)
        self.notifier.notify(f"The next run starts from {self.choice.title}. Describe the "
                             "website in the chat and press Start.", "info")

    async def take(self) -> tuple[starts.StartChoice, SeedFiles | None]:
        """The start for the run about to be created, its files read off the GUI thread.

        Raises:
            StartRefused: The folder is gone or too big (the choice stays, to fix or change).
        """
        choice = self.choice
        return choice, await asyncio.to_thread(starts.read_start, choice)

    async def seed(self, store: RunStore, choice: starts.StartChoice,
                   seed: SeedFiles | None) -> None:
        """Put the starting files into the new run; the next run starts empty again."""
        self.choice = starts.EMPTY
        if seed is None:
            return
        await starts.apply_start(store, choice, seed)
        left = f"; left out: {len(seed.left_out)} file(s)" if seed.left_out else ""
        self.notifier.notify(f"Started from {choice.title} ({len(seed.files)} files{left}).",
                             "info")

    def _close_dialog(self) -> None:
        if self.dialog is not None:
            self.dialog.reject()  # finished: forgotten and deleted
