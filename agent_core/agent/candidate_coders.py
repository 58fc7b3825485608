"""The coder's clients for a step's candidates: one request for all, or one each.

An OpenAI-compatible coder is first asked for all of a step's candidates in one request
(the ``n`` parameter; see ``llm.choices``), unless its ``multi_reply`` setting says never.
What the server does with ``n`` is learnt from that first request and kept for the rest of
the run, per server and model:

- honoured: every later step asks in one request again;
- ignored (one reply came back, as from llama.cpp): that reply is the first candidate's,
  and each other candidate sends its own request with its own seed (1 + N-1 requests);
  from then on every step sends N seeded requests;
- refused (HTTP 400 or 422): every candidate sends its own seeded request (the refused one
  + N); from then on N seeded requests.

The run is told once, with a :class:`~agent_core.events.CoderRequests` event, when it falls
back to seeded requests. Ollama has no ``n``: its candidates always send seeded requests.

A server that cuts a streamed reply short when another request arrives (llama-cpp-python)
is also learnt, from the first reply it cuts: from then on, for the rest of the run, its
candidates' requests go one at a time, and the run is told so once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

from agent_core.config import Provider, RoleConfig
from agent_core.events import CoderRequests, Event
from agent_core.llm.base import ChatModel
from agent_core.llm.choices import ChoiceModel, SharedRequest
from agent_core.llm.factory import make_chat_model
from agent_core.llm.openai_client import OpenAIChatModel

ONE_AT_A_TIME_TEXT = ("the coder's server cuts a reply short when another request arrives: "
                      "asking one at a time")

FALLBACK_TEXT = {
    "ignored": "the coder's server ignores n: asking {count} times with different seeds",
    "refused": "the coder's server refuses n ({detail}): asking {count} times with different "
               "seeds",
}


async def _nothing() -> None:
    return None


def seeded_coder(settings: RoleConfig, number: int) -> ChatModel:
    """The coder's client for candidate ``number``: the same settings, its own seed."""
    return make_chat_model(replace(settings, seed=(settings.seed or 0) + number), "coder")


@dataclass
class StepCoders:
    """One step's candidate clients: ``make(number)`` gives candidate ``number``'s (from 1),
    ``close()`` ends what the step started (a shared request still streaming).

    ``one_at_a_time`` says the server is known to cut a reply when another request
    arrives; ``cuts()`` tells the run it was just found to.
    """

    make: Callable[[int], Awaitable[ChatModel]]
    close: Callable[[], Awaitable[None]]
    one_at_a_time: bool = False
    cuts: Callable[[], Awaitable[None]] = _nothing


class CandidateCoders:
    """Builds each step's candidate clients and remembers what the server does with ``n``.

    Each candidate number's own client (its seed) is made once and kept until :meth:`close`
    (at the run's end): a client loads TLS certificates, about 0.1 s of CPU each.

    Args:
        run_id: The run's id, for the event.
        emit: Sends an event to the run's subscribers.
    """

    def __init__(self, run_id: str, emit: Callable[[Event], Awaitable[None]]) -> None:
        self.run_id = run_id
        self.emit = emit
        self._learnt: dict[tuple[str, str], str] = {}
        self._told: set[tuple[str, str]] = set()
        self._cutting: set[tuple[str, str]] = set()
        """The servers (and models) found to cut a reply when another request arrives."""
        self._clients: dict[int, ChatModel] = {}
        self._settings: RoleConfig | None = None

    def learnt(self, settings: RoleConfig) -> str | None:
        """What the server of ``settings`` did with ``n`` so far in this run (None: not tried)."""
        return self._learnt.get((settings.url, settings.model))

    def shares_request(self, settings: RoleConfig, count: int) -> bool:
        """Whether a step of ``count`` candidates asks for them in one request."""
        return (count > 1 and settings.provider is Provider.OPENAI
                and settings.multi_reply != "never"
                and self.learnt(settings) in (None, "honoured"))

    async def client(self, settings: RoleConfig, number: int) -> ChatModel:
        """Candidate ``number``'s own client (its seed), made on first use."""
        if settings != self._settings:  # the settings changed between runs
            await self.close()
            self._settings = settings
        client = self._clients.get(number)
        if client is None:
            client = await asyncio.to_thread(seeded_coder, settings, number)
            self._clients[number] = client
        return client

    def for_step(self, settings: RoleConfig, count: int) -> StepCoders:
        """The clients of one step of ``count`` candidates."""
        key = (settings.url, settings.model)

        async def cuts() -> None:
            await self._learn_cuts(key)

        one_at_a_time = key in self._cutting
        if not self.shares_request(settings, count):
            return StepCoders(lambda number: self.client(settings, number), _nothing,
                              one_at_a_time, cuts)

        async def learn(what: str, detail: str) -> None:
            await self._learn(key, count, what, detail)

        shared = SharedRequest(count, learn)

        async def make(number: int) -> ChatModel:
            own = await self.client(settings, number)
            assert isinstance(own, OpenAIChatModel)
            return ChoiceModel(shared, number - 1, own)

        return StepCoders(make, shared.close, one_at_a_time, cuts)

    async def close(self) -> None:
        """Close every kept client."""
        clients, self._clients = self._clients, {}
        for client in clients.values():
            await asyncio.shield(client.close())

    async def _learn_cuts(self, key: tuple[str, str]) -> None:
        if key in self._cutting:
            return
        self._cutting.add(key)
        await self.emit(CoderRequests(run_id=self.run_id, text=ONE_AT_A_TIME_TEXT))

    async def _learn(self, key: tuple[str, str], count: int, what: str, detail: str) -> None:
        self._learnt[key] = what
        if what not in FALLBACK_TEXT or key in self._told:
            return
        self._told.add(key)
        text = FALLBACK_TEXT[what].format(count=count, detail=detail[:200])
        await self.emit(CoderRequests(run_id=self.run_id, text=text))


__all__ = ["FALLBACK_TEXT", "ONE_AT_A_TIME_TEXT", "CandidateCoders", "StepCoders",
           "seeded_coder"]
