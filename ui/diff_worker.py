"""Computing a file diff off the GUI thread: inputs captured on it, the result sent back."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from ui.file_diff import FileDiff

DiffWork = Callable[[], tuple[FileDiff, tuple[int, Mapping[str, bytes]] | None]]
"""Makes the diff; may also return another step's files it read, for the panel's cache."""


class DiffRelay(QObject):
    """Carries finished diffs back to the GUI thread (a queued signal)."""

    done = Signal(int, object, object)
    """generation, the FileDiff, (step, files) read for it or None."""


class _DiffJob(QRunnable):
    def __init__(self, generation: int, work: DiffWork, relay: DiffRelay) -> None:
        super().__init__()
        self._generation, self._work, self._relay = generation, work, relay

    def run(self) -> None:
        try:
            diff, loaded = self._work()
        except Exception as err:  # shown in the diff tab, the panel keeps working
            diff, loaded = FileDiff(f"Could not compare: {err}", "Error"), None
        try:
            self._relay.done.emit(self._generation, diff, loaded)
        except RuntimeError:  # the panel was closed meanwhile
            pass


def start_diff(generation: int, work: DiffWork, relay: DiffRelay) -> None:
    """Run ``work`` in Qt's thread pool; ``relay.done`` fires with its result."""
    QThreadPool.globalInstance().start(_DiffJob(generation, work, relay))
