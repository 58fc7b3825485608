"""Computing a file diff off the GUI thread: inputs captured on it, the result sent back."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from ui.file_diff import FileDiff, Side, diff_file
from ui.file_tree import visible_files

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


def step_diff(path: str, new: Side, step: int, cached: Mapping[str, bytes] | None,
              loader: Callable[[int], Mapping[str, bytes]] | None) -> DiffWork:
    """The job diffing ``path`` in step ``step`` (read by ``loader`` unless ``cached``) with
    ``new``; it hands the files it read back for the panel's cache."""
    if cached is None and loader is None:
        text = f"Cannot compare with step {step}: no run is open to read it from."
        return lambda: (FileDiff(text), None)

    def read() -> Mapping[str, bytes]:
        if cached is not None:
            return cached
        assert loader is not None  # checked above, before the job was made
        return visible_files(loader(step))

    def work() -> tuple[FileDiff, tuple[int, Mapping[str, bytes]] | None]:
        try:
            files = read()
        except Exception as err:  # any loader failure is shown, the panel keeps working
            return FileDiff(f"Could not read the files of step {step}: {err}", "Error"), None
        side = Side(f"step {step}", files.get(path))
        return diff_file(path, side, new), (None if cached is not None else (step, files))

    return work


def start_diff(generation: int, work: DiffWork, relay: DiffRelay) -> None:
    """Run ``work`` in Qt's thread pool; ``relay.done`` fires with its result."""
    QThreadPool.globalInstance().start(_DiffJob(generation, work, relay))
