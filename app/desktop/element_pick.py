"""Pointing at an element: the preview's pick becomes the chat's chip and scopes the next request.

The preview reports the element the user clicked; the flow finds where it is written (off the
GUI thread), shows the chip above the chat's input, and hands the element to the next run
started with a request. Removing the chip, or sending the request, forgets it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from agent_core.agent.element_source import locate_source
from agent_core.protocol.element_ref import ElementRef
from agent_core.store.run_store import RunStore
from app.desktop.ops import Notifier, Ops
from ui.main_window import MainWindow


class ElementPickFlow:
    """The element the next request is about, from the preview's pick to the run.

    Args:
        window: The main window (its preview reports picks; its chat shows the chip).
        ops: Runs the source lookup as a named operation.
        notifier: Says when a pick cannot be used.
        store: Returns the open run's store (None when no run is open).
    """

    def __init__(self, window: MainWindow, ops: Ops, notifier: Notifier,
                 store: Callable[[], RunStore | None]) -> None:
        self.window, self.ops, self.notifier = window, ops, notifier
        self._store = store
        self._picked: tuple[Path, ElementRef] | None = None
        window.preview.elementPicked.connect(self.picked)
        window.chat.input.element_chip().removed.connect(self.forget)

    def picked(self, data: dict[str, Any]) -> None:
        """The user clicked an element in the preview: show it as the chip."""
        self.ops.run("Point at an element", self._show(data))

    async def _show(self, data: dict[str, Any]) -> None:
        store = self._store()
        if store is None:
            self.notifier.notify("Open or start a run first: a picked element scopes a request "
                                 "to that run's site.", "info")
            return
        try:
            element = ElementRef.from_page(data)
        except ValueError as exc:
            self.notifier.notify(f"The picked element cannot be used: {exc}. Pick it again.",
                                 "warning")
            return
        element = await asyncio.to_thread(locate_source, store.workspace, element)
        self._picked = (store.run_dir, element)
        chat = self.window.chat
        chat.input.element_chip().show_element(element.label(), _details(element))
        chat.input.instruction_edit().setFocus()

    def current(self) -> ElementRef | None:
        """The element the chip stands for, if any."""
        return self._picked[1] if self._picked else None

    def forget(self) -> None:
        """No element any more (the chip was removed, or the run closed)."""
        self._picked = None
        self.window.chat.input.element_chip().clear()

    def take(self, store: RunStore) -> ElementRef | None:
        """The element for a run of ``store`` starting with a request; the chip goes.

        An element picked in another run's site is dropped, not sent.
        """
        picked = self._picked
        self.forget()
        if picked is None or picked[0] != store.run_dir:
            return None
        return picked[1]


def _details(element: ElementRef) -> str:
    """The chip's tooltip: the element's HTML and where it is written."""
    lines = [element.label()]
    if element.location:
        how = "" if element.source_exact else " (found by searching the page)"
        lines.append(f"Written in {element.location}{how}")
    elif element.source_file == "":
        lines.append("Where it is written is not known; the coder gets its HTML and selector.")
    if element.html:
        lines.append(element.html[:300])
    return "\n".join(lines)


__all__ = ["ElementPickFlow"]
