"""The Compare tab: which two steps it shows, chosen in its pickers, by Ctrl+Shift+C or by default.

Opened with a run and nothing chosen, the tab shows the current step beside the step it
continued from. Steps are read off the UI thread; a choice made while an earlier one is
still loading wins over it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from agent_core.store.run_store import RunStore
from agent_core.store.selection import answering_latest_request, select_best_step
from app.desktop.ops import Notifier, Ops
from app.desktop.views import load_image
from ui.compare_view import ComparedStep
from ui.main_window import TAB_COMPARE, MainWindow

NO_RUN = "Open a run first; Compare steps then shows two of its steps side by side."
ONE_STEP = "This run has one step so far: there is nothing to compare it with yet."


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


def partner_of(store: RunStore, index: int) -> int:
    """The step to show beside step ``index``: its parent, else the best, else a neighbour.

    The run must have at least two steps.
    """
    parent = store.step(index).parent
    if parent is not None:
        return parent
    best = best_of(store)
    if best is not None and best != index:
        return best
    others = [s.index for s in store.steps() if s.index != index]
    return min(others, key=lambda other: (abs(other - index), other))


def default_pair(store: RunStore) -> tuple[int, int] | None:
    """What the tab shows when opened with nothing chosen: the current step and its partner."""
    steps = store.steps()
    if len(steps) < 2:
        return None
    head = store.head if store.head is not None else steps[-1].index
    return partner_of(store, head), head


class CompareFlow:
    """Fills the Compare tab's pickers and shows the pairs chosen there or elsewhere.

    Args:
        window: The main window.
        ops: Runs each load as a named operation (failures reach the notice bar).
        notifier: Says why there is nothing to compare.
        store: Returns the open run's store (None when none is open).
    """

    def __init__(self, window: MainWindow, ops: Ops, notifier: Notifier,
                 store: Callable[[], RunStore | None]) -> None:
        self.window, self.ops, self.notifier, self._store = window, ops, notifier, store
        self._shown_run: Path | None = None  # the open run whose steps are shown
        self._run_dir: Path | None = None  # the open run the pickers list
        self._latest = 0
        window.compare.stepsChosen.connect(self._chosen)
        window.compareStepsRequested.connect(self.compare_selected)
        window.runs.compareRequested.connect(self.compare_runs)
        window.tabs.currentChanged.connect(self._tab_changed)

    def run_changed(self) -> None:
        """List the open run's steps in the pickers; forget a pair of a run no longer open."""
        store, view = self._store(), self.window.compare
        if store is None:
            view.set_steps([])
        else:
            view.set_steps(store.steps(), head=store.head, best=best_of(store))
        run_dir = store.run_dir if store is not None else None
        if run_dir != self._run_dir:
            self._run_dir = run_dir
            self._latest += 1  # a load still running is for the run that was open
            if self._shown_run is not None:
                self._shown_run = None
                view.clear()
        if self.window.tabs.currentIndex() == TAB_COMPARE:
            self._show_default()

    def compare_selected(self) -> None:
        """Ctrl+Shift+C: the selected step (or the current one) beside its partner."""
        store = self._store()
        if store is None:
            self.notifier.notify(NO_RUN, "info")
            return
        steps = store.steps()
        if len(steps) < 2:
            self.notifier.notify(ONE_STEP, "info")
            return
        self.run_changed()
        selected = self.window.timeline.selected() or store.head or steps[-1].index
        self.compare_steps(store, partner_of(store, selected), selected)

    def compare_steps(self, store: RunStore, left: int, right: int, *,
                      show_tab: bool = True) -> None:
        """Show two steps of the open run side by side (chosen in the pickers at once)."""
        self.window.compare.pickers.show_choice(left, right)
        if show_tab:
            self.window.tabs.setCurrentIndex(TAB_COMPARE)
        self._latest += 1
        ticket = self._latest

        async def work() -> None:
            pair = await asyncio.gather(
                asyncio.to_thread(compared_step, store, left, f"step {left}"),
                asyncio.to_thread(compared_step, store, right, f"step {right}"))
            if ticket == self._latest:  # not overtaken by a later choice
                self.window.compare.show_pair(*pair)
                self._shown_run = store.run_dir

        self.ops.run("Compare steps", work())

    def compare_runs(self, left_dir: str, right_dir: str) -> None:
        """Show the best steps of two runs side by side."""
        self._latest += 1
        ticket = self._latest

        async def side(run_dir: str) -> ComparedStep:
            store = await asyncio.to_thread(RunStore.open, Path(run_dir))
            index = best_of(store)
            if index is None:
                raise ValueError(f"{run_dir} has no steps to compare")
            label = f"step {index} · {Path(run_dir).name}"
            return await asyncio.to_thread(compared_step, store, index, label)

        async def work() -> None:
            left, right = await asyncio.gather(side(left_dir), side(right_dir))
            if ticket != self._latest:
                return
            self.window.compare.show_pair(left, right)
            self.window.compare.pickers.show_choice(None, None)  # not steps of the open run
            self._shown_run = None
            self.window.tabs.setCurrentIndex(TAB_COMPARE)

        self.ops.run("Compare runs", work())

    def _chosen(self, left: int, right: int) -> None:
        store = self._store()
        if store is not None:
            self.compare_steps(store, left, right, show_tab=False)

    def _tab_changed(self, index: int) -> None:
        if index == TAB_COMPARE:
            self.run_changed()

    def _show_default(self) -> None:
        """With nothing shown or chosen, show the current step beside its partner."""
        store, view = self._store(), self.window.compare
        if store is None or view.has_pair() or view.pickers.chosen() != (None, None):
            return
        pair = default_pair(store)
        if pair is not None:
            self.compare_steps(store, *pair, show_tab=False)
