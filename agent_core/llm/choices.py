"""Several replies from one request: the OpenAI ``n``, each choice streamed to its own reader.

A :class:`SharedRequest` sends one streamed chat request with ``n`` set and sorts the chunks
by ``choices[i].index`` into one feed per reply. Each candidate holds a :class:`ChoiceModel`,
an ordinary ``ChatModel`` whose ``complete`` reads its own feed: its tokens reach only its
own callback, its own runaway guard watches them, and its reply limit is the request's
``max_tokens``, which servers apply per choice.

Whether the server honours ``n`` shows in the reply. A reply with fewer choices than asked
(llama.cpp's servers answer with one) serves the replies it has; each candidate left
without one sends its own request with its own seed. A request the server refuses (HTTP 400
or 422 about nothing else) serves none, and every candidate sends its own.

A served reply whose stream ended with no finish reason was cut short (see
``llm.stream_end``): its reader gets the cut error, and a reader asked again uses its own
request.

Usage arrives for the whole request: the prompt was read once, so its tokens go to the
first reply; the reply tokens are split in proportion to each reply's length, and the split
figures are marked ``estimated``. Summed over the candidates they are what the server said.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace

import openai

from agent_core.errors import ModelError
from agent_core.llm.base import Completion, JsonSchema, Message, TokenCallback, Usage
from agent_core.llm.failures import after_partial_stream, malformed_stream, reply_cut
from agent_core.llm.openai_client import NotHonoured, OpenAIChatModel
from agent_core.llm.retry import call_with_retries
from agent_core.llm.runaway import RepetitionGuard
from agent_core.llm.stream_end import OVERLAPPED, Visit

log = logging.getLogger(__name__)

Learnt = Callable[[str, str], Awaitable[None]]
"""Told what the server did with ``n`` (``honoured``, ``ignored`` or ``refused``) and why."""


@dataclass
class SharedOutcome:
    """What the one request gave.

    Attributes:
        texts: Each reply's text, by choice index.
        finishes: Each reply's finish reason (None: it never came).
        usages: Each reply's share of the request's usage (seconds not set).
        served: The choice indexes the server sent; the others ask again on their own.
        model: The model the server named.
        ended: Seconds from the start to each reply's last chunk.
        cut: The served replies the server cut short (no finish reason), each with how
            (``llm.stream_end``).
    """

    texts: list[str]
    finishes: list[str | None]
    usages: list[Usage]
    served: frozenset[int]
    model: str
    ended: list[float] = field(default_factory=list)
    cut: dict[int, str] = field(default_factory=dict)


def split_usage(total: Usage, texts: Sequence[str], served: frozenset[int]) -> list[Usage]:
    """``total`` shared out: the prompt to the first served reply, the rest by length.

    The reply tokens go in proportion to each served reply's characters (evenly when all
    are empty); rounding is settled on the last one so the shares add up to ``total``.
    """
    order = sorted(served)
    shares = [Usage() for _ in texts]
    if not order:
        return shares
    sizes = [len(texts[i]) for i in order]
    weight = sum(sizes) or len(order)
    left = total.completion_tokens
    for rank, index in enumerate(order):
        part = sizes[rank] if sum(sizes) else 1
        tokens = left if rank == len(order) - 1 else round(total.completion_tokens * part / weight)
        tokens = min(tokens, left)
        left -= tokens
        prompt = total.prompt_tokens if rank == 0 else 0
        shares[index] = Usage(prompt, tokens, estimated=total.estimated or len(order) > 1)
    return shares


class SharedRequest:
    """One streamed request for ``count`` replies, shared by ``count`` :class:`ChoiceModel`.

    The first reader to ask starts it; the others read what was sorted into their feeds
    meanwhile, then what follows.

    Args:
        count: Replies asked for (``n``).
        on_learnt: Told once what the server did with ``n``.
    """

    def __init__(self, count: int, on_learnt: Learnt | None = None) -> None:
        self.count = count
        self.on_learnt = on_learnt
        self.client: OpenAIChatModel | None = None
        """The client of the first reply: the request goes through it, with its seed."""
        self._feeds: list[asyncio.Queue[str | None]] = []
        self._task: asyncio.Task[SharedOutcome] | None = None
        self._dropped: set[int] = set()

    def feed(self, index: int) -> asyncio.Queue[str | None]:
        """Reply ``index``'s fragments as they come; None once it has ended."""
        return self._feeds[index]

    def start(self, messages: Sequence[Message], schema: JsonSchema | None) -> None:
        """Send the request unless a reader already did."""
        if self._task is not None:
            return
        assert self.client is not None, "the first reply's client is attached first"
        self._feeds = [asyncio.Queue() for _ in range(self.count)]
        self._task = asyncio.get_running_loop().create_task(self._run(messages, schema))

    async def outcome(self) -> SharedOutcome:
        """The request's outcome, once it has ended (raises its ModelError)."""
        assert self._task is not None
        return await asyncio.shield(self._task)

    def drop(self, index: int) -> None:
        """Reply ``index``'s reader stopped reading (it was cut, or failed)."""
        self._dropped.add(index)

    async def close(self) -> None:
        """Stop the request if it still runs (a reader still waiting is cancelled with it)."""
        task = self._task
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, ModelError):
                await task

    async def _run(self, messages: Sequence[Message], schema: JsonSchema | None
                   ) -> SharedOutcome:
        client = self.client
        assert client is not None
        try:
            outcome = await call_with_retries(
                lambda: self._attempt(client, messages, schema),
                max_retries=client.config.max_retries, policy=client._retry,
                what=client.description)
        except NotHonoured as refused:
            await self._learn("refused", str(refused))
            return SharedOutcome([""] * self.count, [None] * self.count,
                                 [Usage()] * self.count, frozenset(), client.config.model)
        finally:
            for feed in self._feeds:
                feed.put_nowait(None)
        if len(outcome.served) > 1:
            await self._learn("honoured", f"{len(outcome.served)} replies in one request")
        else:
            await self._learn("ignored", f"one reply where {self.count} were asked for")
        return outcome

    async def _learn(self, what: str, detail: str) -> None:
        log.info("%s: n=%d %s (%s)", self.client.description if self.client else "?",
                 self.count, what, detail)
        if self.on_learnt is not None:
            await self.on_learnt(what, detail)

    async def _attempt(self, client: OpenAIChatModel, messages: Sequence[Message],
                       schema: JsonSchema | None) -> SharedOutcome:
        started = time.monotonic()
        reading = _Reading(self.count, client.config.model, started)
        with client.endings.visit() as visit:
            await self._read(client, messages, schema, reading)
            cut = reading.cut(client, visit)
        return await reading.outcome(client, messages, cut)

    async def _read(self, client: OpenAIChatModel, messages: Sequence[Message],
                    schema: JsonSchema | None, reading: _Reading) -> None:
        try:
            stream = await client.open_choices(messages, schema, self.count)
            try:
                async for chunk in stream:
                    reading.take(chunk, self._feeds, self._dropped)
                    if reading.all_settled(self._dropped):
                        break  # every reader has its reply or stopped reading
            finally:
                await stream.close()
        except openai.OpenAIError as exc:
            raise reading.final(client.model_error(exc)) from exc
        except ValueError as exc:  # an event that is not JSON
            raise reading.final(malformed_stream(client.endpoint, exc)) from exc


class _Reading:
    """The chunks of one attempt, sorted by choice."""

    def __init__(self, count: int, model: str, started: float) -> None:
        self.parts: list[list[str]] = [[] for _ in range(count)]
        self.finishes: list[str | None] = [None] * count
        self.ended = [0.0] * count
        self.seen: set[int] = set()
        self.usage = Usage()
        self.model = model
        self.started = started

    def take(self, chunk: object, feeds: list[asyncio.Queue[str | None]],
             dropped: set[int]) -> None:
        self.model = getattr(chunk, "model", None) or self.model
        usage = getattr(chunk, "usage", None)
        if usage is not None:
            self.usage = Usage(usage.prompt_tokens, usage.completion_tokens)
        for choice in getattr(chunk, "choices", None) or []:
            index = choice.index
            if not 0 <= index < len(self.parts):
                continue
            self.seen.add(index)
            self.ended[index] = time.monotonic() - self.started
            text = choice.delta.content if choice.delta is not None else None
            if text and index not in dropped:
                self.parts[index].append(text)
                feeds[index].put_nowait(text)
            if choice.finish_reason:
                self.finishes[index] = choice.finish_reason

    def all_settled(self, dropped: set[int]) -> bool:
        """Every reply finished or no longer read, and at least one reader stopped early."""
        settled = all(f is not None or i in dropped for i, f in enumerate(self.finishes))
        return settled and bool(dropped)

    def final(self, error: ModelError) -> ModelError:
        """``error``, not to be retried once any reply delivered text."""
        delivered = sum(len(p) for parts in self.parts for p in parts)
        return after_partial_stream(error, delivered) if delivered else error

    def cut(self, client: OpenAIChatModel, visit: Visit) -> dict[int, str]:
        """The served replies that were cut short, each with how (``llm.stream_end``)."""
        endings = {i: client.endings.judge(self.finishes[i], visit) for i in self.served}
        return {i: how for i, how in endings.items() if how is not None}

    @property
    def served(self) -> list[int]:
        """The choice indexes the server sent (the first when it sent none)."""
        return sorted(self.seen or {0})

    async def outcome(self, client: OpenAIChatModel, messages: Sequence[Message],
                      cut: dict[int, str]) -> SharedOutcome:
        texts = ["".join(parts) for parts in self.parts]
        served = frozenset(self.served)
        total = self.usage
        if not total.reported:  # llama.cpp, LM Studio: streams carry no usage
            counted = [await client.count_usage(messages, texts[i]) for i in sorted(served)]
            total = Usage(counted[0].prompt_tokens, sum(u.completion_tokens for u in counted),
                          estimated=True)
        usages = split_usage(total, texts, served)
        return SharedOutcome(texts, self.finishes, usages, served, self.model, self.ended, cut)


class ChoiceModel:
    """One candidate's reply out of a :class:`SharedRequest`; a ChatModel like any other.

    Args:
        shared: The request it shares.
        index: Its choice index (from 0).
        own: Its own client (its own seed): the first reply's carries the shared request;
            any other is used only when the server did not send this reply.
    """

    def __init__(self, shared: SharedRequest, index: int, own: OpenAIChatModel) -> None:
        self.shared = shared
        self.index = index
        self.own = own
        self._read = False
        if index == 0:
            shared.client = own

    @property
    def description(self) -> str:
        """The server and model, as the own client says them."""
        return self.own.description

    async def list_models(self) -> list[str]:
        """The server's models."""
        return await self.own.list_models()

    async def close(self) -> None:
        """Stop the shared request if it still runs (the own client is its maker's to close:
        a run keeps its candidates' clients from step to step)."""
        await self.shared.close()

    async def complete(
        self, messages: Sequence[Message], *, on_token: TokenCallback | None = None,
        schema: JsonSchema | None = None,
    ) -> Completion:
        """This candidate's reply: its choice of the shared request, or its own request.

        Asked again (its shared reply was cut short, say), it sends its own request.

        Raises:
            ModelReplyCut: The server cut this reply short.
        """
        if self._read:
            return await self.own.complete(messages, on_token=on_token, schema=schema)
        self._read = True
        started = time.monotonic()
        self.shared.start(messages, schema)
        guard = RepetitionGuard()
        parts: list[str] = []
        cut: str | None = None
        feed = self.shared.feed(self.index)
        try:
            while (fragment := await feed.get()) is not None:
                if cut is not None:
                    continue  # the rest of a cut reply is not read
                parts.append(fragment)
                await _deliver(on_token, fragment)
                if guard.feed(fragment):
                    cut = "repetition"
                    self.shared.drop(self.index)
        except BaseException:
            self.shared.drop(self.index)
            raise
        outcome = await self.shared.outcome()
        if self.index not in outcome.served:
            return await self.own.complete(messages, on_token=on_token, schema=schema)
        if self.index in outcome.cut and cut is None:
            error = reply_cut(self.own.endpoint, outcome.cut[self.index] == OVERLAPPED)
            raise after_partial_stream(error, len("".join(parts))) if parts else error
        seconds = outcome.ended[self.index] if cut is None else time.monotonic() - started
        usage = replace(outcome.usages[self.index], seconds=seconds)
        return Completion("".join(parts), usage, outcome.model,
                          cut or outcome.finishes[self.index])


async def _deliver(on_token: TokenCallback | None, fragment: str) -> None:
    if on_token is None:
        return
    result = on_token(fragment)
    if inspect.isawaitable(result):
        await result


__all__ = ["ChoiceModel", "Learnt", "SharedOutcome", "SharedRequest", "split_usage"]
