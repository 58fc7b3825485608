"""The code panel's Diff tab: which step the shown file is compared with, and the diff itself.

The user picks a step under "Compare with" (or the previous step). The diff is computed in a
worker thread from inputs taken on the GUI thread; a result for a file or step that changed
meanwhile is dropped, and a hidden tab is diffed only once it is shown. Other steps' files
come from a loader the app installs (``set_file_loader``) and are kept once read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QTabWidget

from ui.code_viewer import DiffPage
from ui.diff_worker import DiffRelay, DiffWork, start_diff, step_diff
from ui.file_diff import FileDiff, Side, diff_file

FileLoader = Callable[[int], Mapping[str, bytes]]
DIFF_PLACEHOLDER = "Select a file in the tree to compare it with another step."


@dataclass(frozen=True)
class ShownFiles:
    """What the code panel shows now, as the Diff tab needs it.

    Attributes:
        path: The file shown in the viewer, None when none is.
        files: Path -> bytes of the shown step (or of the workspace).
        label: Their name in the diff's headers: ``"step 3"`` or ``"workspace"``.
        step: The shown step (left out of "Compare with"), None for the workspace.
        base: The parent step's files; None when there is nothing to compare with.
        base_label: The parent's name, e.g. ``"step 2"`` or ``"start of step 4"``.
    """

    path: str | None
    files: Mapping[str, bytes]
    label: str
    step: int | None
    base: Mapping[str, bytes] | None
    base_label: str


class DiffTab(QObject):
    """Keeps the Diff tab showing the diff of the shown file with the chosen step.

    Args:
        tabs: The panel's tabs; the Diff page is added to them.
        shown: Returns what the panel shows now (called on the GUI thread).
        parent: Owner of this object.
    """

    compareStepChanged = Signal(object)
    """The user chose what to diff against: a step number, or None for the previous step."""

    def __init__(self, tabs: QTabWidget, shown: Callable[[], ShownFiles],
                 parent: QObject) -> None:
        super().__init__(parent)
        self._tabs, self._shown = tabs, shown
        self.page = DiffPage()
        """The tab's widget: the "Compare with" combo above the coloured diff."""
        self.page.compareChosen.connect(self._on_compare_chosen)
        tabs.setTabToolTip(tabs.addTab(self.page, "Diff"), "What changed in the selected file")
        tabs.currentChanged.connect(self._on_tab_changed)
        self.choices: list[int] = []
        """Steps the user may compare with, sorted."""
        self._compare_to: int | None = None
        self._loader: FileLoader | None = None
        self._cache: dict[int, dict[str, bytes]] = {}
        self._diff: FileDiff | None = None
        self._pending = False
        self._generation = 0
        self._relay = DiffRelay(self)
        self._relay.done.connect(self._on_diff_done)

    def set_step_choices(self, steps: Sequence[int]) -> None:
        """Steps the user may compare with (the shown step is left out of the combo)."""
        self.choices = sorted(set(steps))
        self.refresh_choices()
        self.invalidate()

    def set_file_loader(self, loader: FileLoader | None) -> None:
        """Install how to read another step's files (e.g. ``RunStore.files_of``)."""
        self._loader = loader
        self._cache.clear()
        self.invalidate()

    def set_compare_to(self, step: int | None) -> None:
        """Diff against ``step`` (None: the previous step); does not emit a signal."""
        self._compare_to = step
        self.refresh_choices()
        self.invalidate()

    def forget(self) -> None:
        """Another run: no steps to choose from, the previous step chosen, no files kept."""
        self.choices, self._compare_to = [], None
        self._cache.clear()

    def text(self) -> str:
        """The text of the diff tab (computed now, on this thread, if it is out of date)."""
        if self._diff is None:
            self._generation += 1
            diff, loaded = self._work()()
            self._on_diff_done(self._generation, diff, loaded)
        return self.page.view.toPlainText()

    def refresh_choices(self) -> None:
        """Fill "Compare with" again for the shown step (its parent may be named in it)."""
        shown = self._shown()
        steps = [s for s in self.choices if s != shown.step]
        if self._compare_to not in steps:
            self._compare_to = None
        previous = "Previous step"
        if shown.base_label.startswith("step "):
            previous += f" ({shown.base_label})"
        self.page.set_choices(previous, steps, self._compare_to)

    def invalidate(self) -> None:
        """The shown file or its files changed: diff again (now, if the tab is shown)."""
        self._diff = None
        self._pending = False
        self._generation += 1
        if self._tabs.currentWidget() is self.page:
            self._refresh()

    def _refresh(self) -> None:
        """Diff the shown file in a worker thread; the tab says so until it is ready."""
        if self._diff is not None or self._pending:
            return
        self._generation += 1
        self._pending = True
        self.page.show_diff(FileDiff("Comparing…"))
        start_diff(self._generation, self._work(), self._relay)

    @Slot(int, object, object)
    def _on_diff_done(self, generation: int, diff: FileDiff, loaded: object) -> None:
        if generation != self._generation:
            return  # the file or the step changed meanwhile: a newer diff is coming
        self._pending = False
        if isinstance(loaded, tuple):
            step, files = loaded
            self._cache[step] = dict(files)
        self._diff = diff
        self.page.show_diff(diff)

    def _work(self) -> DiffWork:
        """The diff of the shown file as a job: its inputs are taken now, on this thread."""
        shown = self._shown()
        path = shown.path
        if path is None:
            return lambda: (FileDiff(DIFF_PLACEHOLDER), None)
        new = Side(shown.label, shown.files.get(path))
        step = self._compare_to
        if step is None:
            if shown.base is None:
                text = (f"There is no previous step to compare {path} with; "
                        "choose a step under “Compare with”.")
                return lambda: (FileDiff(text), None)
            old = Side(shown.base_label, shown.base.get(path))
            return lambda: (diff_file(path, old, new), None)
        return step_diff(path, new, step, self._cache.get(step), self._loader)

    @Slot(object)
    def _on_compare_chosen(self, step: int | None) -> None:
        self._compare_to = step
        self.invalidate()
        self.compareStepChanged.emit(step)

    @Slot(int)
    def _on_tab_changed(self, _index: int) -> None:
        if self._tabs.currentWidget() is self.page:
            self._refresh()
