"""Several coder replies for one step, each a real site; the best continues, the rest are kept.

The first candidate works in the run's own workspace; each other one in a slot kept for the
whole run: a copy of the parent step's files (``node_modules`` hard-linked), its own install
state, dev server and port, and its own tab in the run's browser, so screenshots are taken
side by side. Coder requests run at most ``RunConfig.coder_requests`` at once (one at a time
once the server is seen to cut a reply when another arrives: see ``candidate_asking``); at
most ``RunConfig.candidates_served`` candidates
install, serve and are graded at once, in candidate order. A page that fails the render gate
goes to no critic; a candidate that asks for a GUI test is tested in its own tab, its
folder served first if it was idle. The chosen one (no error, then the higher grade, then
the earlier candidate) is committed last, so it becomes the head; its siblings share its
parent. Its files become the run's, with the dependencies it added installed there.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from agent_core.agent.candidate_asking import CandidateAsking
from agent_core.agent.candidate_coders import StepCoders
from agent_core.agent.coder_turn import CoderTurn
from agent_core.agent.context import FittedPrompt
from agent_core.agent.services import StepServices
from agent_core.agent.steps import StepContext, StepResult, StepRunner
from agent_core.config import RunConfig
from agent_core.gui.interface import BrowsesElsewhere
from agent_core.llm.base import ChatModel
from agent_core.runtime.dep_store import REWRITTEN
from agent_core.runtime.linktree import link_tree, remove_tree
from agent_core.store.records import StepRecord
from agent_core.workspace.guard import Workspace


@dataclass
class _Candidate:
    number: int
    runner: StepRunner
    services: StepServices
    coder: ChatModel
    turn: CoderTurn | None = None
    result: StepResult | None = None


def choose(results: Sequence[StepResult]) -> int:
    """The position of the candidate to continue from.

    No error first, then the higher GUI grade, then the higher appearance grade, then the
    earlier candidate.
    """
    def rank(pos: int) -> tuple[int, int, int, int]:
        r = results[pos]
        gui = r.gui if r.gui is not None else -1
        look = r.appearance if r.appearance is not None else -1
        return (0 if r.errors else 1, gui, look, -pos)

    return max(range(len(results)), key=rank)


def _make_site(source: Workspace, files: dict[str, bytes], state_dir: Path, root: Path
               ) -> Path:
    """A candidate's folder: the parent's ``files``, ``source``'s dependencies linked, its
    install state."""
    if root.exists():
        remove_tree(root)
    site = root / "site"
    site.mkdir(parents=True)
    Workspace(site, max_file_bytes=source.max_file_bytes).restore(files)
    modules = source.root / "node_modules"
    if modules.is_dir():
        link_tree(modules, site / "node_modules", copy=REWRITTEN)
    (root / "state").mkdir()
    recorded = state_dir / "install-state.json"
    if recorded.is_file():
        shutil.copy2(recorded, root / "state" / "install-state.json")
    return site


class CandidateSlots:
    """Candidates' folders and services, kept across a run's steps so their servers stay warm.

    Slot ``k`` serves candidate ``k`` of every step (from 2; the first candidate uses the run's
    own workspace). At each step its files are made equal to the parent's again; its dev
    server keeps running and picks the change up like the run's own. ``close()`` (at the end
    of the run) stops the servers and removes the folders.

    Args:
        state_dir: The run's private folder (``.webgen``); slots live under it.
        logs_dir: The run's log folder.
    """

    def __init__(self, state_dir: Path, logs_dir: Path) -> None:
        self.state_dir = state_dir
        self.logs_dir = logs_dir
        self._slots: dict[int, StepServices] = {}

    async def services(self, number: int, run: StepServices, config: RunConfig,
                       files: dict[str, bytes]) -> StepServices:
        """Candidate ``number``'s services, its files ``files`` (the run's workspace's now)."""
        slot = self._slots.get(number)
        if slot is not None:
            await asyncio.to_thread(slot.workspace.restore, files)
        else:
            root = self.state_dir / "candidates" / str(number)
            site = await asyncio.to_thread(_make_site, run.workspace, files, self.state_dir,
                                           root)
            slot = StepServices.build(site, root / "state", self.logs_dir / f"candidate-{number}",
                                      config, run.critic.model)
            slot.share_browser(run)
            self._slots[number] = slot
        slot.start_request = run.start_request
        return slot

    async def close(self) -> None:
        """Stop every slot's dev server, close its browser tab and remove its folder."""
        slots, self._slots = self._slots, {}
        for slot in slots.values():
            await asyncio.shield(slot.close())
            await asyncio.to_thread(remove_tree, slot.workspace.root.parent)


class CandidateStep:
    """Takes step ``index`` as ``count`` candidates continuing from ``parent``.

    Args:
        context: The run's step context (its services are the run's own).
        config: The run's settings as they are now (how many candidates, and the limits).
        slots: The run's candidate folders and services.
        coders: The coder's clients for this step's candidates.
    """

    def __init__(self, context: StepContext, config: RunConfig, slots: CandidateSlots,
                 coders: StepCoders) -> None:
        self.context = context
        self.config = config
        self.slots = slots
        self.coders = coders

    async def run(self, prompt: FittedPrompt, index: int, parent: int | None,
                  backtracked_from: int | None, started_at: float) -> StepRecord:
        """Draft every candidate, commit the others, then the chosen one (the new head)."""
        config = self.config
        try:  # every candidate starts from the run's files as they are now, read once
            files = await asyncio.to_thread(self.context.services.workspace.snapshot)
            candidates = list(await asyncio.gather(*(
                self._prepare(index, k, parent, backtracked_from, started_at, files)
                for k in range(1, config.candidates + 1))))
            asking = CandidateAsking(self.coders, config.coder_requests, files)
            serving = asyncio.Semaphore(config.candidates_served)
            # the replies, a limit at a time; then served in candidate order, a budget at a time
            await asyncio.gather(*(self._ask(c, prompt, asking) for c in candidates))
            await asyncio.gather(*(self._carry_out(c, serving) for c in candidates))
            return await self._commit_all(candidates, prompt.trimmed, index)
        finally:
            await asyncio.shield(self.coders.close())

    async def _prepare(self, index: int, number: int, parent: int | None,
                       backtracked_from: int | None, started_at: float,
                       files: dict[str, bytes]) -> _Candidate:
        run = self.context.services
        services = run  # the first candidate keeps the run's workspace and running server
        if number > 1:
            services = await self.slots.services(number, run, self.config, files)
        coder = await self.coders.make(number)
        tester = self.context.tester
        if number > 1 and isinstance(tester, BrowsesElsewhere):
            tester = tester.on_browser(services.browser)  # its own tab, not the run's page
        context = replace(self.context, services=services, coder=coder, tester=tester)
        runner = StepRunner(context, index + number - 1, parent, backtracked_from, started_at,
                            gated=True)
        return _Candidate(number, runner, services, coder)

    @staticmethod
    async def _ask(candidate: _Candidate, prompt: FittedPrompt, asking: CandidateAsking) -> None:
        candidate.turn = await asking.ask(candidate.runner, candidate.services.workspace, prompt)

    @staticmethod
    async def _carry_out(candidate: _Candidate, serving: asyncio.Semaphore) -> None:
        assert candidate.turn is not None
        async with serving:
            candidate.result = await candidate.runner.carry_out(candidate.turn)

    async def _commit_all(self, candidates: list[_Candidate], trimmed: bool,
                          first: int) -> StepRecord:
        results = [c.result for c in candidates if c.result is not None]
        chosen = choose(results)
        order = [c for k, c in enumerate(candidates) if k != chosen] + [candidates[chosen]]
        record: StepRecord | None = None
        for candidate in order:
            assert candidate.turn is not None and candidate.result is not None
            is_chosen = candidate is candidates[chosen]
            mark = {"group": first, "number": candidate.number, "of": len(candidates),
                    "chosen": is_chosen}
            result = candidate.result
            result.runtime = replace(result.runtime, candidate=mark)
            record = await candidate.runner.commit(candidate.turn, result, trimmed,
                                                   settles_request=is_chosen)
        assert record is not None
        await self._adopt(candidates[chosen], record)
        return record

    async def _adopt(self, candidate: _Candidate, record: StepRecord) -> None:
        """The chosen candidate's files become the run's (the next step continues there)."""
        run = self.context.services  # candidate 1 may have written there: always restore
        files = await asyncio.to_thread(self.context.store.files_of, record.index)
        await asyncio.to_thread(run.workspace.restore, files)
        run.start_request = candidate.services.start_request
        if candidate.number > 1 and run.server.alive:
            await run.serve_current()  # its new dependencies too, so the preview shows it
