"""The shared retry loop: which errors it retries, how long it waits, how it gives up."""

from __future__ import annotations

import pytest

from agent_core.errors import ModelAuthError, ModelError, ModelRateLimited, ModelServerError
from agent_core.llm.retry import RetryPolicy, call_with_retries


class Flaky:
    """Fails with the given errors in turn, then answers 'ok'."""

    def __init__(self, *errors: ModelError) -> None:
        self.errors = list(errors)
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


def recording_policy(waits: list[float], **fields) -> RetryPolicy:
    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    return RetryPolicy(sleep=sleep, **fields)


async def test_backoff_doubles_with_jitter_and_stays_under_the_cap() -> None:
    waits: list[float] = []
    flaky = Flaky(*[ModelServerError("boom")] * 7)

    assert await call_with_retries(flaky, max_retries=7, policy=recording_policy(waits)) == "ok"

    ceilings = [0.5, 1, 2, 4, 8, 8, 8]
    assert len(waits) == 7
    for wait, ceiling in zip(waits, ceilings, strict=True):
        assert ceiling / 2 <= wait <= ceiling


async def test_retry_after_is_used_and_capped() -> None:
    waits: list[float] = []
    short, long = ModelRateLimited("slow down"), ModelRateLimited("slow down a lot")
    short.retry_after_s, long.retry_after_s = 1.5, 120.0  # type: ignore[attr-defined]

    await call_with_retries(Flaky(short, long), max_retries=3, policy=recording_policy(waits))

    assert waits == [1.5, 8.0]


async def test_errors_that_are_not_retryable_are_raised_at_once() -> None:
    waits: list[float] = []
    rejected = ModelAuthError("bad key")
    flaky = Flaky(rejected)

    with pytest.raises(ModelAuthError) as caught:
        await call_with_retries(flaky, max_retries=3, policy=recording_policy(waits))

    assert caught.value is rejected
    assert (flaky.calls, waits) == (1, [])


async def test_an_instance_marked_final_is_not_retried() -> None:
    final = ModelServerError("after tokens")
    final.retryable = False

    with pytest.raises(ModelServerError):
        await call_with_retries(Flaky(final), max_retries=3, policy=recording_policy([]))


async def test_zero_retries_raises_the_first_error_unchanged() -> None:
    first = ModelServerError("down")

    with pytest.raises(ModelServerError) as caught:
        await call_with_retries(Flaky(first), max_retries=0, policy=recording_policy([]))

    assert caught.value is first


async def test_giving_up_keeps_the_type_and_says_how_often_it_tried() -> None:
    errors = [ModelRateLimited("rate limited by X (HTTP 429)") for _ in range(3)]
    notices: list[tuple[int, float]] = []
    policy = recording_policy([], on_retry=lambda n, delay, _err: notices.append((n, delay)))

    with pytest.raises(ModelRateLimited) as caught:
        await call_with_retries(Flaky(*errors), max_retries=2, policy=policy)

    assert str(caught.value) == "rate limited by X (HTTP 429); gave up after 2 retries"
    assert caught.value.__cause__ is errors[2]
    assert [n for n, _ in notices] == [1, 2]
