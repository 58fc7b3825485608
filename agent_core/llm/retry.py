"""One retry loop for every model call: bounded exponential backoff with jitter."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from agent_core.errors import ModelError

T = TypeVar("T")

log = logging.getLogger(__name__)

RetryNotice = Callable[[int, float, ModelError], None]
"""Called before each retry with (retry number from 1, delay in seconds, the error)."""


@dataclass(frozen=True)
class RetryPolicy:
    """How long to wait between attempts. How many attempts comes from ``RoleConfig``.

    Attributes:
        base_delay_s: Wait before the first retry; it doubles on each further retry.
        max_delay_s: Upper bound on one wait, also applied to a server's Retry-After.
        sleep: The sleep function (injectable so tests need not wait).
        on_retry: Told about each retry, e.g. to show "retrying in 2 s" to the user.
    """

    base_delay_s: float = 0.5
    max_delay_s: float = 8.0
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    on_retry: RetryNotice | None = None

    def delay_for(self, retry: int, error: ModelError) -> float:
        """Seconds to wait before retry number ``retry`` (0-based) after ``error``.

        A Retry-After sent with a 429 is honoured up to ``max_delay_s``; otherwise the
        wait is drawn between half and all of ``base * 2**retry`` (capped).
        """
        retry_after = getattr(error, "retry_after_s", None)
        if retry_after is not None:
            return min(max(0.0, float(retry_after)), self.max_delay_s)
        backoff = min(self.max_delay_s, self.base_delay_s * (2**retry))
        return random.uniform(backoff / 2, backoff)


async def call_with_retries(
    call: Callable[[], Awaitable[T]],
    *,
    max_retries: int,
    policy: RetryPolicy | None = None,
    what: str = "model call",
) -> T:
    """Await ``call()``, retrying up to ``max_retries`` times on retryable ModelErrors.

    Errors whose ``retryable`` is False are raised at once. When the retries run out the
    last error is raised again, of the same type, with "gave up after N retries" added.

    Args:
        call: Makes one attempt; must raise a ModelError subclass on failure.
        max_retries: Retries after the first attempt (0 disables retrying).
        policy: Backoff settings; the defaults when omitted.
        what: Short name of the call, for log lines.

    Returns:
        The result of the first successful attempt.
    """
    policy = policy or RetryPolicy()
    retry = 0
    while True:
        try:
            return await call()
        except ModelError as error:
            if not error.retryable:
                raise
            if retry >= max_retries:
                if retry == 0:
                    raise
                plural = "retry" if retry == 1 else "retries"
                raise type(error)(f"{error}; gave up after {retry} {plural}") from error
            delay = policy.delay_for(retry, error)
            retry += 1
            log.warning(
                "%s failed (%s); retry %d/%d in %.1f s", what, error, retry, max_retries, delay
            )
            if policy.on_retry is not None:
                policy.on_retry(retry, delay, error)
            await policy.sleep(delay)
