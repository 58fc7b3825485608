"""Where the runs of a cluster invocation stand, per node: one pure reducer over updates.

The dispatcher reports each run's state as it changes (``RunUpdate``); ``ClusterProgress``
folds them into counts of runs queued, running, done and failed, overall and per node, for
the command line to draw.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

RunState = Literal["queued", "running", "done", "failed", "note"]


@dataclass(frozen=True)
class RunUpdate:
    """A run changed state, or has something to say.

    Attributes:
        key: The run.
        label: The run in words.
        state: ``queued``, ``running`` (on ``node``), ``done``, ``failed`` or ``note``.
        node: The node it runs or ran on ('' before it started).
        text: Why it failed, or the note.
    """

    key: str
    label: str
    state: RunState
    node: str = ""
    text: str = ""


@dataclass
class NodeCounts:
    """Runs of one node.

    Attributes:
        running: Running now.
        done: Finished with a result.
        failed: Ended without one.
    """

    running: int = 0
    done: int = 0
    failed: int = 0


@dataclass
class ClusterProgress:
    """Counts of the invocation's runs, folded from updates with ``apply``.

    Attributes:
        states: Each run's last state (notes left out).
        nodes: Each run's node, once it started.
    """

    states: dict[str, RunState] = field(default_factory=dict)
    nodes: dict[str, str] = field(default_factory=dict)

    def apply(self, update: RunUpdate) -> None:
        """Take one update into account."""
        if update.node:
            self.nodes[update.key] = update.node
        if update.state != "note":
            self.states[update.key] = update.state

    def count(self, state: RunState) -> int:
        """Runs whose last state is ``state``."""
        return sum(1 for s in self.states.values() if s == state)

    @property
    def total(self) -> int:
        """Runs sent so far."""
        return len(self.states)

    def per_node(self) -> dict[str, NodeCounts]:
        """Running, done and failed runs per node, nodes in the order they first appeared."""
        table: dict[str, NodeCounts] = {}
        for key, node in self.nodes.items():
            counts = table.setdefault(node, NodeCounts())
            state = self.states.get(key)
            if state == "running":
                counts.running += 1
            elif state == "done":
                counts.done += 1
            elif state == "failed":
                counts.failed += 1
        return table


__all__ = ["ClusterProgress", "NodeCounts", "RunState", "RunUpdate"]
