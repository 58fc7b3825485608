"""The researcher's side of the window: review labels, chart, GUI replay, compare, runs.

Reading runs and images happens off the UI thread; widgets are filled on it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QFileDialog, QInputDialog

from agent_core.importers.webgen_agent import import_webgen_agent_log
from agent_core.review.labels import LabelStore, StepLabel
from agent_core.store.records import StepKind, StepRecord
from agent_core.store.run_index import scan_runs
from agent_core.store.run_store import RunStore
from agent_core.store.selection import answering_latest_request, select_best_step
from app.desktop.ops import Notifier, Ops
from app.desktop.views import load_image
from ui.compare_view import ComparedStep
from ui.main_window import TAB_COMPARE, TAB_RUNS, MainWindow


def compared_step(store: RunStore, index: int, label: str) -> ComparedStep:
    """One side of a comparison, read from disk (call off the UI thread)."""
    return ComparedStep(label=label, step=store.step(index),
                        screenshot=load_image(store.screenshot_path(index)),
                        files=store.files_of(index))


def best_of(store: RunStore) -> int | None:
    """The run's chosen best step, or the one the rule would choose."""
    if store.manifest.best_step is not None:
        return store.manifest.best_step
    best = select_best_step(answering_latest_request(store.steps()))
    return best.index if best else None


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
        window.review.labelChanged.connect(self.save_label)
        window.chart.stepClicked.connect(show_step)
        window.runs.openRequested.connect(open_run)
        window.runs.folderRequested.connect(self._choose_folder)
        window.runs.compareRequested.connect(self.compare_runs)
        window.compareStepsRequested.connect(self._ask_compare_steps)
        window.importRequested.connect(self.import_log)
        window.tabs.currentChanged.connect(self._tab_changed)

    # -- the open run ------------------------------------------------------------------

    def run_changed(self) -> None:
        """Redraw the chart for the open run (after open, a step, a restore)."""
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

    # -- comparing ---------------------------------------------------------------------

    def _ask_compare_steps(self) -> None:
        store = self._store()
        selected = self.window.timeline.selected()
        if store is None or selected is None:
            self.notifier.notify("Select a step on the timeline first, then Compare steps.",
                                 "info")
            return
        others = [f"step {s.index}" for s in store.steps() if s.index != selected]
        if not others:
            return
        choice, ok = QInputDialog.getItem(self.window, "Compare steps",
                                          f"Compare step {selected} with:", others, 0, False)
        if ok:
            self.compare_steps(store, selected, int(choice.split()[-1]))

    def compare_steps(self, store: RunStore, left: int, right: int) -> None:
        """Show two steps of the open run side by side."""

        async def work() -> None:
            pair = await asyncio.gather(
                asyncio.to_thread(compared_step, store, left, f"step {left}"),
                asyncio.to_thread(compared_step, store, right, f"step {right}"))
            self.window.compare.show_pair(*pair)
            self.window.tabs.setCurrentIndex(TAB_COMPARE)

        self.ops.run("Compare steps", work())

    def compare_runs(self, left_dir: str, right_dir: str) -> None:
        """Show the best steps of two runs side by side."""

        async def side(run_dir: str) -> ComparedStep:
            store = await asyncio.to_thread(RunStore.open, Path(run_dir))
            index = best_of(store)
            if index is None:
                raise ValueError(f"{run_dir} has no steps to compare")
            label = f"step {index} · {Path(run_dir).name}"
            return await asyncio.to_thread(compared_step, store, index, label)

        async def work() -> None:
            left, right = await asyncio.gather(side(left_dir), side(right_dir))
            self.window.compare.show_pair(left, right)
            self.window.tabs.setCurrentIndex(TAB_COMPARE)

        self.ops.run("Compare runs", work())

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
        """List the runs in ``folder`` in the runs browser."""
        self.runs_folder = folder
        self._scanned = True

        async def work() -> None:
            summaries = await asyncio.to_thread(scan_runs, folder)
            self.window.runs.set_runs(summaries, folder)

        self.ops.run("List runs", work())

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
