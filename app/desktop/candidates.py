"""The Candidates tab: a step's candidates read, diffed against their parent and shown.

Asked for from a stack on the timeline (its badge, Enter, its menu) or from the step
details of any candidate. The records, screenshots and files are read and the diffs made in
a worker thread; a request made while an earlier one still loads wins over it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping

from agent_core.store.run_store import RunStore
from agent_core.store.selection import sibling_groups
from agent_core.store.start import start_files
from app.desktop.ops import Notifier, Ops
from app.desktop.views import load_image
from ui.candidates_view import CandidateSide, parent_changes
from ui.main_window import TAB_CANDIDATES, MainWindow

NOT_CANDIDATES = "Step {index} was taken with one reply: it has no candidates to compare."


def candidate_group(store: RunStore, index: int) -> list[int]:
    """Step ``index`` and its sibling candidates, in order ([] for a step taken alone)."""
    siblings = sibling_groups(store.steps()).get(index)
    return [] if siblings is None else sorted([index, *siblings])


def candidate_sides(store: RunStore, index: int) -> list[CandidateSide]:
    """The candidates of step ``index``'s group, each diffed against its parent step.

    Reads records, screenshots and files: call it off the UI thread.
    """
    parents: dict[int | None, Mapping[str, bytes]] = {}
    sides = []
    for member in candidate_group(store, index):
        step = store.step(member)
        if step.parent not in parents:
            parents[step.parent] = (store.files_of(step.parent) if step.parent
                                    else start_files(store))  # a template's, or nothing
        base = f"step {step.parent}" if step.parent else "start"
        changes = parent_changes(parents[step.parent], store.files_of(member), base,
                                 f"step {member}")
        sides.append(CandidateSide(step, load_image(store.screenshot_path(member)), changes))
    return sides


class CandidatesFlow:
    """Fills the Candidates tab when the user asks for a step's candidates.

    Args:
        window: The main window (its timeline and step details ask; its tab shows).
        ops: Runs each load as a named operation (failures reach the notice bar).
        notifier: Says when a step has no candidates.
        store: Returns the open run's store (None when none is open).
    """

    def __init__(self, window: MainWindow, ops: Ops, notifier: Notifier,
                 store: Callable[[], RunStore | None]) -> None:
        self.window, self.ops, self.notifier, self._store = window, ops, notifier, store
        self._latest = 0
        window.timeline.candidatesRequested.connect(self.show)
        window.detail.candidatesRequested.connect(self.show)

    def show(self, index: int) -> None:
        """Show the candidates of step ``index``'s group side by side."""
        store = self._store()
        if store is None:
            return
        self._latest += 1
        ticket = self._latest
        self.window.tabs.setCurrentIndex(TAB_CANDIDATES)

        async def work() -> None:
            sides = await asyncio.to_thread(candidate_sides, store, index)
            if ticket != self._latest:  # overtaken by a later request, or the run changed
                return
            if not sides:
                self.notifier.notify(NOT_CANDIDATES.format(index=index), "info")
                return
            self.window.candidates.show_candidates(sides, store.head)

        self.ops.run(f"Compare the candidates of step {index}", work())

    def run_changed(self) -> None:
        """Another run (or none) is open: forget the candidates shown."""
        self._latest += 1
        self.window.candidates.clear()
