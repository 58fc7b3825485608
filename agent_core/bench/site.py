"""Serving the best step of a run directory so that the bench can test it.

The run's best step (the manifest's choice, else the method's rule) is put in the run's
workspace - where a finished run already left it - its dependencies are installed when they
changed, and its dev server is started on a free loopback port as during generation.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from agent_core.config import RunConfig
from agent_core.errors import CommandRefused, RunStoreError, RuntimeFailure, WorkspaceViolation
from agent_core.runtime.devserver import DevServer
from agent_core.runtime.installer import DependencyInstaller
from agent_core.runtime.plans import choose_start_command
from agent_core.runtime.sandbox import Sandbox
from agent_core.store.records import StepRecord
from agent_core.store.run_store import MANIFEST, RunStore
from agent_core.store.selection import parent_chain, select_best_step
from agent_core.workspace.commands import CommandPolicy
from agent_core.workspace.guard import Workspace


@dataclass(frozen=True)
class ServedSite:
    """Where a run's site answers, or why it does not.

    Attributes:
        url: The site's address; None when it could not be served.
        problem: Why it could not be served ('' when it is).
        best_step: The step whose files are served (None: no step).
    """

    url: str | None
    problem: str = ""
    best_step: int | None = None


class RunSite:
    """Serves one run directory's best step until ``stop()``.

    Args:
        run_dir: The run directory.
        config: Timeouts and the command policy (for the coder's start command).
    """

    def __init__(self, run_dir: Path, config: RunConfig | None = None) -> None:
        self.run_dir = Path(run_dir)
        self.config = config or RunConfig()
        self._store: RunStore | None = None
        self._server: DevServer | None = None

    async def start(self) -> ServedSite:
        """Put the best step's files in place, install, and start the dev server.

        Returns:
            The URL, or the problem that kept the site from starting (a missing run or step,
            a failed install, a dev server that exits or never answers).

        Raises:
            RunStoreError: Another process holds the run (e.g. ``webgen resume``).
        """
        if not (self.run_dir / MANIFEST).exists():
            return ServedSite(None, f"there is no run in {self.run_dir}")
        try:
            store = await asyncio.to_thread(RunStore.open, self.run_dir)
        except RunStoreError as error:
            return ServedSite(None, str(error))
        best = _best_step(store)
        if best is None:
            return ServedSite(None, f"the run in {self.run_dir} has no committed step")
        store.lock()
        self._store = store
        try:
            await asyncio.to_thread(_put_files_in_place, store, best.index)
        except (WorkspaceViolation, RunStoreError) as error:
            return ServedSite(None, f"the files of step {best.index} cannot be restored: {error}")
        problem = await self._install(store)
        if problem:
            return ServedSite(None, problem, best.index)
        return await self._serve(store, best)

    async def stop(self) -> None:
        """Stop the dev server and release the run."""
        server, self._server = self._server, None
        store, self._store = self._store, None
        try:
            if server is not None:
                await server.stop()
        finally:
            if store is not None:
                store.unlock()

    def _sandbox(self, store: RunStore) -> Sandbox:
        return Sandbox.for_run(store.workspace, store.run_dir / ".webgen", self.config.sandbox)

    async def _install(self, store: RunStore) -> str:
        installer = DependencyInstaller(
            store.workspace,
            store.run_dir / ".webgen" / "install-state.json",
            self._sandbox(store),
            log_file=store.logs_dir / "npm.log",
            scripts=self.config.sandbox.dependency_scripts,
        )
        if not installer.needs_install():
            return ""
        result = await installer.install(timeout_s=self.config.timeouts.install_s)
        if result.ok:
            return ""
        tail = result.log_tail.strip().splitlines()[-5:]
        details = ("; npm said: " + " | ".join(tail)) if tail else ""
        return f"dependency installation failed: {result.message}{details}"

    async def _serve(self, store: RunStore, best: StepRecord) -> ServedSite:
        requested = _start_request(store, best, self.config)
        self._server = DevServer(
            store.workspace, self._sandbox(store), self.config.timeouts,
            log_file=store.logs_dir / "server.log",
        )
        try:
            plan = choose_start_command(store.workspace, requested)
            result = await self._server.ensure_running(plan)
        except RuntimeFailure as error:
            tail = error.log_tail.strip().splitlines()[-5:]
            details = ("; its output ended with: " + " | ".join(tail)) if tail else ""
            return ServedSite(None, f"{error}{details}", best.index)
        return ServedSite(result.url, "", best.index)


def _best_step(store: RunStore) -> StepRecord | None:
    steps = {step.index: step for step in store.steps()}
    chosen = store.manifest.best_step
    if chosen in steps:
        return steps[chosen]
    return select_best_step(steps.values())


def _put_files_in_place(store: RunStore, index: int) -> None:
    """Make the workspace hold exactly the files of step ``index`` (dependencies stay)."""
    workspace = Workspace(store.workspace)
    files = store.files_of(index)
    if workspace.snapshot() != files:
        workspace.restore(files)


def _start_request(store: RunStore, best: StepRecord, config: RunConfig) -> list[str] | None:
    """The coder's last start command on the way to ``best``, as the loop would run it."""
    steps = {step.index: step for step in store.steps()}
    policy = CommandPolicy(config.allowed_commands, allow_any=config.allow_any_command)
    for step in reversed(parent_chain(steps, best.index)):
        for action in reversed(step.actions):
            if action.get("type") != "start" or not isinstance(action.get("command"), str):
                continue
            try:
                planned = policy.plan(action["command"])
            except CommandRefused:
                continue
            starts = [c for c in planned if c.kind == "start"]
            if starts:
                return list(starts[-1].argv)
    return None


__all__ = ["RunSite", "ServedSite"]
