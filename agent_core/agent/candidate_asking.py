"""Asking the coder for a step's candidates, a limit at a time, and again when a reply is cut.

A server such as llama-cpp-python cuts a streamed reply short when another request arrives.
The first cut reply of a step shows it: the limit of requests in flight drops to one for the
rest of the step (and, through the run's :class:`CandidateCoders`, for the rest of the run),
the run is told once, and each cut candidate asks again, alone, from its parent's files. So
no candidate keeps a truncated reply.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from agent_core.agent.candidate_coders import StepCoders
from agent_core.agent.coder_turn import CoderTurn
from agent_core.agent.context import FittedPrompt
from agent_core.errors import ModelReplyCut
from agent_core.workspace.guard import Workspace

log = logging.getLogger(__name__)
CUT_REASON = "the coder's server cut the reply short when another request arrived"

__all__ = ["Asker", "CandidateAsking", "RequestLimit"]


class Asker(Protocol):
    """What asks the coder for one candidate (a ``StepRunner``)."""

    async def ask(self, prompt: FittedPrompt) -> CoderTurn:
        """Announce the step and ask the coder."""
        ...

    async def ask_again(self, prompt: FittedPrompt, reason: str) -> CoderTurn:
        """Ask the coder once more for the step already announced (``reason``: why)."""
        ...


class RequestLimit:
    """At most ``limit`` requests at once; the limit can drop to one while requests wait.

    Once it has dropped, a waiting request starts only when none is in flight. Leaving
    never waits, so a request cancelled in flight always frees its place.

    Args:
        limit: Requests allowed at once (at least one).
    """

    def __init__(self, limit: int) -> None:
        self.limit = max(1, limit)
        self._running = 0
        self._waiting: list[asyncio.Future[None]] = []

    async def __aenter__(self) -> None:
        while self._running >= self.limit:
            turn = asyncio.get_running_loop().create_future()
            self._waiting.append(turn)
            try:
                await turn
            finally:
                if turn in self._waiting:
                    self._waiting.remove(turn)
        self._running += 1

    async def __aexit__(self, *exc_info: object) -> None:
        self._running -= 1
        waiting, self._waiting = self._waiting, []
        for turn in waiting:  # each looks again whether its turn has come
            if not turn.done():
                turn.set_result(None)

    def one_at_a_time(self) -> None:
        """From now on one request at a time (those in flight finish first)."""
        self.limit = 1


class CandidateAsking:
    """Asks for one step's candidates' replies; see the module's docstring.

    Args:
        coders: The step's coder clients (and what the run knows of their server).
        limit: ``RunConfig.coder_requests``: requests in flight at once.
        parent_files: The files every candidate starts from (its workspace's, before asking).
    """

    def __init__(self, coders: StepCoders, limit: int, parent_files: dict[str, bytes]) -> None:
        self.coders = coders
        self.limit = RequestLimit(1 if coders.one_at_a_time else limit)
        self.parent_files = parent_files

    async def ask(self, asker: Asker, workspace: Workspace, prompt: FittedPrompt) -> CoderTurn:
        """One candidate's reply, whole: asked again, alone, if the server cut it short.

        Args:
            asker: Asks the coder for this candidate.
            workspace: The candidate's folder (its files go back to the parent's before it
                asks again).
            prompt: The step's prompt.

        Raises:
            ModelReplyCut: The reply was cut again while it was the only request.
        """
        async with self.limit:
            try:
                return await asker.ask(prompt)
            except ModelReplyCut as cut:
                log.info("a candidate's reply was cut short; asking again alone: %s", cut)
        self.limit.one_at_a_time()
        await self.coders.cuts()
        await asyncio.to_thread(workspace.restore, self.parent_files)
        async with self.limit:
            return await asker.ask_again(prompt, CUT_REASON)
