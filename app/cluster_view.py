"""What ``--ray`` shows on stderr: runs done, running and failed, per node, with a bar.

On a terminal a ``rich`` live display redraws a bar over all runs and a table with a row
per node; notes (a run's steps, its failures) are printed above it. Elsewhere (a log, a
pipe) one line is printed each time the counts change. stdout is never touched, so
``--json`` stays clean.
"""

from __future__ import annotations

from typing import TextIO

from rich.console import Console, Group
from rich.live import Live
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from agent_core.distributed import ClusterProgress, RunUpdate


class ClusterView:
    """Draws a ``ClusterProgress`` as updates come (call it with each ``RunUpdate``).

    Args:
        out: The stream (stderr).
        where: The cluster's address in words, for the title.
        notes: Whether to print the runs' notes.
    """

    def __init__(self, out: TextIO, where: str, *, notes: bool = True) -> None:
        self.progress = ClusterProgress()
        self._console = Console(file=out, highlight=False)
        self._where = where
        self._notes = notes
        self._bar = Progress(TextColumn("[bold]runs[/]"), BarColumn(), MofNCompleteColumn(),
                             TextColumn("{task.description}"), console=self._console)
        self._task = self._bar.add_task("", total=0)
        self._live: Live | None = None
        self._last_line = ""

    def __enter__(self) -> ClusterView:
        if self._console.is_terminal:
            self._live = Live(self._render(), console=self._console, refresh_per_second=4)
            self._live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._live is not None:
            self._live.update(self._render())
            self._live.__exit__(None, None, None)
            self._live = None

    def __call__(self, update: RunUpdate) -> None:
        """Take one update and redraw."""
        self.progress.apply(update)
        if update.state == "note" and self._notes:
            self._say(f"{update.label}: {update.text}")
        elif update.state == "failed":
            self._say(f"{update.label}: failed: {update.text}")
        if self._live is not None:
            self._live.update(self._render())
        else:
            self._print_line()

    def summary(self) -> str:
        """One line: done, running, failed and queued runs of the total."""
        p = self.progress
        queued = p.count("queued")
        return (f"{p.count('done')}/{p.total} runs done, {p.count('running')} running, "
                f"{p.count('failed')} failed, {queued} waiting on {self._where}")  # fmt: skip

    def _print_line(self) -> None:
        nodes = "; ".join(
            f"{node}: {c.done} done, {c.running} running, {c.failed} failed"
            for node, c in self.progress.per_node().items()
        )
        line = self.summary() + (f" | {nodes}" if nodes else "")
        if line != self._last_line:
            self._say(line)
            self._last_line = line

    def _say(self, text: str) -> None:
        """Print a line as it is: no markup, no wrapping (logs are read by programs too)."""
        self._console.print(text, markup=False, highlight=False, soft_wrap=True)

    def _render(self) -> Group:
        p = self.progress
        finished = p.count("done") + p.count("failed")
        self._bar.update(self._task, total=max(p.total, 1), completed=finished,
                         description=self.summary())  # fmt: skip
        table = Table(title=None, box=None, pad_edge=False)
        for title in ("node", "running", "done", "failed"):
            table.add_column(title, justify="left" if title == "node" else "right")
        for node, counts in p.per_node().items():
            table.add_row(node, str(counts.running), str(counts.done), str(counts.failed))
        return Group(self._bar, table)


__all__ = ["ClusterView"]
