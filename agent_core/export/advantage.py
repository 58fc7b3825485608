"""Reference advantages of Step-GRPO and of the two variants the paper compares.

A *group* is every rollout of one instruction; a *trajectory* is one rollout, given as the
list of its step rewards. Step-GRPO (METHOD.md, "Step-GRPO") standardises every step reward
against the mean and the standard deviation of all step rewards in its group, and each token
of the reply that produced a step gets that step's standardised reward (no KL term)::

    A[i][t] = (r[i][t] - mean(R)) / (std(R) + EPSILON),   R = every r[j][k] of the group

Two edge cases are settled here, because the sources disagree:

- METHOD.md says "a group with a single reward: mean 0, std 1", which makes a lone reward
  its own advantage (``r / (1 + EPSILON)``); that is what the released training code does.
  The export issue says "a single reward gives advantage 0": a value standardised against
  itself carries no signal relative to the group, and a raw 0-10 grade would be on a
  different scale from every standardised advantage. The default follows the issue (0.0);
  ``keep_single_reward=True`` gives the METHOD.md / released-code behaviour.
- When every reward of the group is equal, the standard deviation is 0 and the advantages
  are 0 (the numerator is 0; ``EPSILON`` keeps the division defined).

The standard deviation is the population one (``ddof=0``) by default; the released training
code used the sample one (``ddof=1``), selectable with ``ddof=1``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

EPSILON = 1e-6


def standardise(
    values: Sequence[float], *, ddof: int = 0, keep_single_reward: bool = False
) -> list[float]:
    """Standardise ``values`` against their own mean and standard deviation.

    Args:
        values: The rewards of one group, flattened.
        ddof: 0 for the population standard deviation, 1 for the sample one.
        keep_single_reward: With a single value, use mean 0 and std 1 (the value is kept)
            instead of giving 0.0.

    Returns:
        ``(v - mean) / (std + EPSILON)`` for every value, in order.

    Raises:
        ValueError: ``ddof`` is not 0 or 1, or a value is not a finite number.
    """
    if ddof not in (0, 1):
        raise ValueError(f"ddof must be 0 (population) or 1 (sample), not {ddof!r}")
    values = [float(v) for v in values]
    for position, value in enumerate(values):
        if not math.isfinite(value):
            raise ValueError(f"reward {position + 1} of the group is {value}, not a finite number")
    if not values:
        return []
    if len(values) == 1:
        return [values[0] / (1.0 + EPSILON)] if keep_single_reward else [0.0]
    mean = math.fsum(values) / len(values)
    variance = math.fsum((v - mean) ** 2 for v in values) / (len(values) - ddof)
    std = math.sqrt(variance)
    return [(v - mean) / (std + EPSILON) for v in values]


def step_advantages(
    group: Sequence[Sequence[float]], *, ddof: int = 0, keep_single_reward: bool = False
) -> list[list[float]]:
    """Step-GRPO: every step reward standardised against all step rewards of the group.

    Example (worked by hand): rewards ``[[3, 7], [5]]`` have mean 5 and population std
    ``sqrt(8/3) = 1.633``, so the advantages are ``[[-1.2247, 1.2247], [0.0]]``.

    Args:
        group: One list of step rewards per trajectory of the group.
        ddof: 0 for the population standard deviation, 1 for the sample one.
        keep_single_reward: See ``standardise`` (a group holding one step reward).

    Returns:
        The advantages, shaped like ``group``.

    Raises:
        ValueError: A reward is not a finite number (the message names where it is).
    """
    _check_finite(group)
    flat = [reward for trajectory in group for reward in trajectory]
    standard = standardise(flat, ddof=ddof, keep_single_reward=keep_single_reward)
    result: list[list[float]] = []
    start = 0
    for trajectory in group:
        result.append(standard[start : start + len(trajectory)])
        start += len(trajectory)
    return result


def outcome_advantages(
    group_final_rewards: Sequence[float], *, ddof: int = 0, keep_single_reward: bool = False
) -> list[float]:
    """Outcome-only GRPO: one reward per trajectory, standardised within the group.

    Every token of a trajectory gets its trajectory's advantage. Example (by hand): final
    rewards ``[2, 4]`` have mean 3 and population std 1, so the advantages are ``[-1, 1]``.

    Args:
        group_final_rewards: One reward per trajectory of the group.
        ddof: 0 for the population standard deviation, 1 for the sample one.
        keep_single_reward: See ``standardise`` (a group of one trajectory).

    Returns:
        One advantage per trajectory.

    Raises:
        ValueError: A reward is not a finite number.
    """
    return standardise(group_final_rewards, ddof=ddof, keep_single_reward=keep_single_reward)


def cumulative_advantages(
    group: Sequence[Sequence[float]], *, ddof: int = 0, keep_single_reward: bool = False
) -> list[list[float]]:
    """Cumulative step rewards: the sum of the standardised rewards from each step to the end.

    The step rewards are standardised exactly as in ``step_advantages``; step ``t`` of a
    trajectory then gets ``A[t] + A[t+1] + ... + A[last]``. Example (by hand): ``[[3, 7],
    [5]]`` standardises to ``[[-1.2247, 1.2247], [0.0]]``, so the cumulative advantages are
    ``[[0.0, 1.2247], [0.0]]``.

    Args:
        group: One list of step rewards per trajectory, in step order.
        ddof: 0 for the population standard deviation, 1 for the sample one.
        keep_single_reward: See ``standardise``.

    Returns:
        The advantages, shaped like ``group``.

    Raises:
        ValueError: A reward is not a finite number.
    """
    result = []
    for standard in step_advantages(group, ddof=ddof, keep_single_reward=keep_single_reward):
        running = 0.0
        sums = []
        for value in reversed(standard):
            running += value
            sums.append(running)
        result.append(sums[::-1])
    return result


def _check_finite(group: Sequence[Sequence[float]]) -> None:
    for i, trajectory in enumerate(group, start=1):
        for t, reward in enumerate(trajectory, start=1):
            if not math.isfinite(float(reward)):
                raise ValueError(
                    f"the reward of step {t} of trajectory {i} is {reward}, not a finite number"
                )
