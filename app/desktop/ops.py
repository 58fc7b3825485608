"""User actions as small named operations with one success and one failure path.

Every failure reaches the user through ``Notifier`` (the notice bar), never a swallowed
exception; unexpected errors are also logged with their traceback.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from agent_core.errors import WebGenError
from ui.notice_bar import NoticeBar

log = logging.getLogger(__name__)
T = TypeVar("T")
Action = tuple[str, Callable[[], object]]
"""A notice's button: its label and what clicking it does (any result is dropped)."""


class Notifier:
    """The one path by which the app tells the user something needs attention."""

    def __init__(self, bar: NoticeBar) -> None:
        self.bar = bar
        self.history: list[tuple[str, str]] = []

    def notify(self, text: str, level: str = "info", actions: Sequence[Action] = ()) -> None:
        """Show ``text`` in the notice bar with optional action buttons."""
        self.history.append((level, text))
        log.log(logging.ERROR if level == "error" else logging.INFO, "%s: %s", level, text)
        self.bar.show_notice(text, level, actions)


class Ops:
    """Runs named operations as tasks on the app's loop and reports their failures."""

    def __init__(self, notifier: Notifier) -> None:
        self.notifier = notifier
        self._tasks: set[asyncio.Task[Any]] = set()

    def run(self, name: str, work: Awaitable[T], *,
            on_success: Callable[[T], None] | None = None,
            on_failure: Callable[[BaseException], None] | None = None,
            actions: Sequence[Action] = ()) -> asyncio.Task[Any]:
        """Start ``work``; ``on_success`` gets its result, failures are shown as ``name``."""
        task = asyncio.ensure_future(self._perform(name, work, on_success, on_failure, actions))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _perform(self, name: str, work: Awaitable[T],
                       on_success: Callable[[T], None] | None,
                       on_failure: Callable[[BaseException], None] | None,
                       actions: Sequence[Action]) -> None:
        try:
            result = await work
        except asyncio.CancelledError:
            raise
        except WebGenError as exc:
            self.notifier.notify(f"{name}: {exc}", "error", actions)
            if on_failure is not None:
                on_failure(exc)
            return
        except Exception as exc:
            log.exception("%s failed", name)
            self.notifier.notify(f"{name} failed unexpectedly: {type(exc).__name__}: {exc}",
                                 "error", actions)
            if on_failure is not None:
                on_failure(exc)
            return
        if on_success is not None:
            on_success(result)

    async def wait_idle(self) -> None:
        """Wait for every operation in flight (tests and shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def cancel_all(self) -> None:
        """Cancel every operation in flight and wait for them."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
