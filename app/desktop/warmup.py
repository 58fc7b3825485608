"""Keeping garbage collection from freezing the window: warm-up, frozen heap, run policy.

Clients import their HTTP stack, TLS and keyring backends on first use. Done during a run,
that work and the full garbage collections it provokes froze the window for 60-120 ms
(benchmarks/ui_responsiveness.py). Here it happens once at start-up, off the UI thread
where possible, and the resulting heap is frozen so later collections skip it.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging

from agent_core.config import Provider, RoleConfig
from agent_core.llm.base import ChatModel
from agent_core.llm.factory import make_chat_model, stored_api_key

log = logging.getLogger(__name__)
NOWHERE = "http://127.0.0.1:9"
"""The discard port on loopback: a request there fails at once without leaving the host."""


def _build_clients() -> list[ChatModel]:
    stored_api_key("coder")  # imports and probes the keyring backend
    import playwright.async_api  # noqa: F401 - the browser session's import, loaded early

    return [
        make_chat_model(RoleConfig(provider=Provider.OPENAI, model="warm-up",
                                   base_url=f"{NOWHERE}/v1", max_retries=0, timeout_s=2),
                        "coder", api_key="warm-up"),
        make_chat_model(RoleConfig(provider=Provider.OLLAMA, model="warm-up",
                                   base_url=NOWHERE, max_retries=0, timeout_s=2),
                        "coder", api_key="warm-up"),
    ]


def freeze_heap() -> None:
    """Collect once, then keep every object alive now out of later full collections."""
    gc.collect()
    gc.freeze()


async def warm_up() -> None:
    """Load the clients' lazy modules (one refused loopback request each), then freeze."""
    try:
        clients = await asyncio.to_thread(_build_clients)
        try:
            await asyncio.gather(*(c.list_models() for c in clients), return_exceptions=True)
        finally:
            for client in clients:
                with contextlib.suppress(Exception):
                    await client.close()
    except Exception:  # a warm-up must never stop the app
        log.debug("warm-up failed", exc_info=True)
    freeze_heap()


class RunCollector:
    """During a run, only young objects are collected, in small slices between events.

    A full collection scans every object and took 60-270 ms on a 2-core machine during GUI
    tests; the slices take about a millisecond. The full collection happens once the run
    has ended, when nothing is streaming.
    """

    def __init__(self, interval_s: float = 0.5) -> None:
        self.interval_s = interval_s
        self._task: asyncio.Task[None] | None = None

    @property
    def active(self) -> bool:
        """Whether a run is being collected in slices."""
        return self._task is not None

    def begin(self) -> None:
        """A run starts: no automatic full collections until ``end``."""
        if self._task is None:
            gc.disable()
            self._task = asyncio.ensure_future(self._slices())

    def end(self) -> None:
        """The run ended: collect everything once and go back to automatic collection."""
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        gc.enable()
        gc.collect()

    async def _slices(self) -> None:
        while True:
            await asyncio.sleep(self.interval_s)
            gc.collect(1)
