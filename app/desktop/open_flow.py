"""Which run the window shows: a new project, a run folder, or the shipped example.

Each is a named operation that closes the open run first (and refuses while it is running),
then draws the newly opened one: its timeline, conversation, code and notes on why it is
open read-only or which of its step records could not be read.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from agent_core.state.from_store import load_state
from app.desktop import example
from app.desktop.session import RunSession
from app.desktop.views import show_files_of_step

if TYPE_CHECKING:
    from app.desktop.controller import MainController


class OpenFlow:
    """New run, Open run and Open example, as named operations of one window.

    Args:
        host: The window's controller: its window, operations, views and open session.
    """

    def __init__(self, host: MainController) -> None:
        self._host = host

    def new_run(self) -> None:
        """Close the open run; the next instruction starts a new project."""
        if self._refused_while_running("Stop the run before starting a new one."):
            return
        self._host.ops.run("New run", self._new_run())

    def open_run(self, path: str) -> None:
        """Open a run folder: its timeline, conversation, code and screenshots."""
        if self._refused_while_running("Stop the run before opening another."):
            return
        self._host.ops.run("Open run", self._open(Path(path)))

    def open_example(self) -> None:
        """Open a fresh copy of the shipped example run (see ``app.desktop.example``)."""
        if self._refused_while_running("Stop the run before opening the example."):
            return
        self._host.ops.run("Open the example run", self._open_example())

    def _refused_while_running(self, warning: str) -> bool:
        session = self._host.session
        if session is not None and session.running:
            self._host.notifier.notify(warning, "warning")
            return True
        return False

    async def _new_run(self) -> None:
        h = self._host
        await h.close_session()
        w = h.window
        for panel in (w.code, w.detail):
            panel.clear()
        w.preview.set_url(None)
        w.notices.dismiss()
        h.model.reset(None)
        h.view.show()
        h.set_session(None)
        h.limits.run_closed()
        h.research.run_changed()  # the chart and Compare tab forget the closed run
        w.show_welcome(False)
        h.starts.ask()

    async def _open(self, path: Path) -> None:
        h = self._host
        session = await asyncio.to_thread(RunSession.open, path, h.base_config, h.sink)
        state = await asyncio.to_thread(load_state, session.store,
                                        running_elsewhere=session.read_only)
        await h.close_session()
        h.window.notices.dismiss()
        h.model.reset(state)
        h.set_session(session)  # before drawing: the view reads the thumbnails from it
        h.limits.run_opened(session.store.manifest.config)
        h.view.show()
        store = session.store
        h.window.detail.clear()
        await show_files_of_step(h.window, store, store.head)
        h.research.run_changed()
        h.window.preview.set_url(None, example.PREVIEW_HINT if h.showing_example else
                                 "This run's site is not being served. Use Run > "
                                 "Serve preview to start it.")
        self._note_how_opened(session, path)

    def _note_how_opened(self, session: RunSession, path: Path) -> None:
        """Say when the run is open read-only, or when step records were left out."""
        store, notifier = session.store, self._host.notifier
        if session.read_only:
            notifier.notify(f"{path.name} is being run by another process: it is open "
                            "read-only.", "warning")
        elif store.damaged:
            notifier.notify(
                f"{len(store.damaged)} step record(s) of {path.name} could not be read and are "
                f"left out ({store.damaged[0]}). `webgen doctor {store.run_dir}` checks the "
                "whole run folder.", "warning")

    async def _open_example(self) -> None:
        h = self._host
        source = example.example_source()
        target = await asyncio.to_thread(example.target_folder, source, h.runs_dir)
        if h.session is not None and h.session.store.run_dir == target.resolve():
            await h.close_session()  # this window's copy: replaced by a fresh one
            h.set_session(None)
        copied = await asyncio.to_thread(example.copy_example, source, h.runs_dir)
        await self._open(copied.path)
        if copied.replaced:
            h.notifier.notify(f"Opened a fresh copy of the example run in {copied.path}. "
                              "The earlier copy was replaced; nothing of yours is lost, "
                              "it is the example that ships with WebGen Studio.", "info")
        elif copied.in_use:
            h.notifier.notify(f"The example run in {copied.path} is open in another "
                              "window, so it was opened as it is (read-only).", "warning")
