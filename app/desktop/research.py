"""The researcher's side of the window: review labels, chart, GUI replay, compare, runs.

Reading runs and images happens off the UI thread; widgets are filled on it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QFileDialog

from agent_core.importers.webgen_agent import import_webgen_agent_log
from agent_core.review.labels import LabelStore, StepLabel
from agent_core.store.records import StepKind, StepRecord
from agent_core.store.run_index import scan_runs
from agent_core.store.run_store import RunStore
from app.desktop.compare import CompareFlow, best_of
from app.desktop.ops import Notifier, Ops
from ui.main_window import TAB_RUNS, MainWindow


class ResearchController(QObject):
    """Connects the review form, chart, replay, compare view and runs browser.

    Args:
        window: The main window.
        ops: Runs the operations and reports failures.
        notifier: The notice bar path.
        store: Returns the open run's store (None when none is open).
        show_step: Shows a step like a click on the timeline.
        open_run: Opens a run folder in the window.
        runs_dir: The folder the runs browser starts in.
    """

    def __init__(self, window: MainWindow, ops: Ops, notifier: Notifier,
                 store: Callable[[], RunStore | None], show_step: Callable[[int], None],
                 open_run: Callable[[str], None], runs_dir: Path) -> None:
        super().__init__(window)
        self.window, self.ops, self.notifier = window, ops, notifier
        self._store, self._open_run, self.runs_folder = store, open_run, runs_dir
        self._scanned = False
        self._scanning = self._rescan = False
        window.review.labelChanged.connect(self.save_label)
        window.chart.stepClicked.connect(show_step)
        window.runs.openRequested.connect(open_run)
        window.runs.folderRequested.connect(self._choose_folder)
        window.runs.refreshRequested.connect(self.refresh_runs)
        window.importRequested.connect(self.import_log)
        self.compare = CompareFlow(window, ops, notifier, store)
        window.tabs.currentChanged.connect(self._tab_changed)

    # -- the open run ------------------------------------------------------------------

    def run_changed(self) -> None:
        """Redraw the chart and list the steps to compare (after open, a step, a restore)."""
        self.compare.run_changed()
        store = self._store()
        if store is None:
            self.window.chart.set_steps([], None)
            return
        self.window.chart.set_steps(store.steps(), best_of(store))

    def step_shown(self, store: RunStore, step: StepRecord) -> None:
        """The user selected ``step``: review form and GUI replay follow it."""
        label = LabelStore(store.run_dir).get(step.index) if self._labels_ok(store) else None
        summary = step.gui.summary if step.gui is not None else None
        self.window.review.show_step(
            step.index, auto_appearance=step.appearance_grade, auto_gui=step.gui_grade,
            has_gui=step.kind is StepKind.GUI_TEST, label=label,
            auto_verdict=summary.test_passed if summary is not None else None)
        if step.kind is StepKind.GUI_TEST and step.gui is not None and step.gui.turns:
            run_dir = store.run_dir
            self.window.replay.show_test(step, lambda rel: _image(run_dir / rel))

    def _labels_ok(self, store: RunStore) -> bool:
        try:
            LabelStore(store.run_dir).all()
        except Exception as exc:
            self.notifier.notify(str(exc), "error")
            return False
        return True

    def save_label(self, index: int, label: StepLabel | None) -> None:
        """Keep the person's review of step ``index`` (None removes it)."""
        store = self._store()
        if store is None:
            return

        async def work() -> None:
            labels = LabelStore(store.run_dir)
            try:
                if label is None:
                    await asyncio.to_thread(labels.remove, index)
                else:
                    await asyncio.to_thread(labels.set, index, label)
            except Exception as exc:
                self.window.review.show_save_error(str(exc))
                raise

        self.ops.run(f"Save your review of step {index}", work())

    # -- runs and imports --------------------------------------------------------------

    def _tab_changed(self, index: int) -> None:
        if index == TAB_RUNS and not self._scanned:
            self.scan(self.runs_folder)

    def _choose_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self.window, "Choose a folder of runs",
                                                str(self.runs_folder))
        if path:
            self.scan(Path(path))

    def scan(self, folder: Path) -> None:
        """List the runs in ``folder`` in the runs browser (looked at off the UI thread).

        A scan asked for while one is going runs once that one ends, so the table ends up
        showing the last folder asked for as it is now.
        """
        self.runs_folder = folder
        self._scanned = True
        if self._scanning:
            self._rescan = True
            return
        self._scanning = True
        self.window.runs.set_scanning(True)

        async def work() -> None:
            summaries = await asyncio.to_thread(scan_runs, folder)
            if not self._rescan:
                self.window.runs.set_runs(summaries, folder)

        def done(_result: object) -> None:
            self._scanning = False
            if self._rescan:
                self._rescan = False
                self.scan(self.runs_folder)
            else:
                self.window.runs.set_scanning(False)

        self.ops.run("List runs", work(), on_success=done, on_failure=done)

    def refresh_runs(self) -> None:
        """Look at the runs folder again (Refresh, F5): new runs appear, the selection stays."""
        self.scan(self.runs_folder)

    def runs_changed(self) -> None:
        """A run started or ended: the Runs tab shows it (if it has been looked at yet; the
        first visit to the tab scans anyway)."""
        if self._scanned:
            self.refresh_runs()

    def import_log(self, log_dir: str, out_dir: str | None = None) -> None:
        """Import an official WebGen-Agent log folder as a run, then open it."""
        source = Path(log_dir)
        target = Path(out_dir) if out_dir else self.runs_folder / f"imported-{source.name}"

        async def work() -> None:
            report = await asyncio.to_thread(import_webgen_agent_log, source, target)
            problems = ""
            if report.problems:
                problems = f" ({len(report.problems)} problem(s), first: {report.problems[0]})"
            self.notifier.notify(f"Imported {report.steps_imported} steps from {source.name}"
                                 f"{problems}", "warning" if report.problems else "success")
            self._open_run(str(report.run_dir))

        self.ops.run("Import WebGen-Agent log", work())


def _image(path: Path) -> QImage | None:
    image = QImage(str(path))
    return None if image.isNull() else image
