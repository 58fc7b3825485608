"""Reference Step-GRPO advantages against values worked out by hand."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agent_core.export import (
    EPSILON,
    cumulative_advantages,
    outcome_advantages,
    standardise,
    step_advantages,
)


def close(actual, expected, tol=1e-4):
    """Nested lists of floats equal to ``tol``."""
    if isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), (actual, expected)
        for a, e in zip(actual, expected, strict=True):
            close(a, e, tol)
    else:
        assert actual == pytest.approx(expected, abs=tol), (actual, expected)


def test_every_step_is_standardised_against_the_whole_group():
    # rewards 3, 7, 5: mean 5; deviations -2, 2, 0; population variance (4+4+0)/3 = 8/3,
    # std sqrt(8/3) = 1.63299; advantages -2/1.63299 = -1.2247, 1.2247, 0.
    close(step_advantages([[3, 7], [5]]), [[-1.2247, 1.2247], [0.0]])


def test_trajectories_of_different_lengths_keep_their_shape():
    # rewards 1, 2, 3, 4, 5: mean 3; deviations -2..2; variance (4+1+0+1+4)/5 = 2,
    # std 1.41421; advantages -1.4142, -0.7071, 0, 0.7071, 1.4142.
    close(step_advantages([[1, 2, 3], [4, 5]]), [[-1.4142, -0.7071, 0.0], [0.7071, 1.4142]])


def test_sample_std_reproduces_the_released_trainer():
    # Same rewards with ddof=1: variance 10/4 = 2.5, std 1.58114;
    # advantages -2/1.58114 = -1.2649, -0.6325, 0, 0.6325, 1.2649.
    close(step_advantages([[1, 2, 3], [4, 5]], ddof=1), [[-1.2649, -0.6325, 0.0], [0.6325, 1.2649]])


def test_a_single_reward_gives_advantage_zero_unless_kept():
    assert step_advantages([[8]]) == [[0.0]]
    assert outcome_advantages([8]) == [0.0]
    # METHOD.md's "mean 0, std 1": the reward itself, divided by 1 + EPSILON.
    assert step_advantages([[8]], keep_single_reward=True) == [[8 / (1 + EPSILON)]]
    assert outcome_advantages([8], keep_single_reward=True)[0] == pytest.approx(8.0)


def test_equal_rewards_give_zero_not_a_division_error():
    assert step_advantages([[4, 4], [4]]) == [[0.0, 0.0], [0.0]]
    assert outcome_advantages([3, 3, 3]) == [0.0, 0.0, 0.0]
    assert cumulative_advantages([[2, 2], [2]]) == [[0.0, 0.0], [0.0]]


def test_empty_groups_and_trajectories():
    assert step_advantages([]) == []
    # A trajectory with no steps stays empty; the other one holds the single reward.
    assert step_advantages([[], [6]]) == [[], [0.0]]
    assert cumulative_advantages([[], []]) == [[], []]
    assert outcome_advantages([]) == []


def test_outcome_grpo_uses_one_reward_per_trajectory():
    # 2, 4: mean 3, population std 1 -> -1, 1.
    close(outcome_advantages([2, 4]), [-1.0, 1.0])
    # 2, 4, 9: mean 5; deviations -3, -1, 4; variance (9+1+16)/3 = 26/3, std 2.94392;
    # advantages -1.0190, -0.3397, 1.3587.
    close(outcome_advantages([2, 4, 9]), [-1.0190, -0.3397, 1.3587])


def test_cumulative_sums_the_standardised_rewards_to_the_end():
    # Standardised [[-1.2247, 1.2247], [0]] -> from each step to the end: [0, 1.2247], [0].
    close(cumulative_advantages([[3, 7], [5]]), [[0.0, 1.2247], [0.0]])
    # Standardised [[-1.4142, -0.7071, 0], [0.7071, 1.4142]]
    # -> [-2.1213, -0.7071, 0], [2.1213, 1.4142].
    close(cumulative_advantages([[1, 2, 3], [4, 5]]), [[-2.1213, -0.7071, 0.0], [2.1213, 1.4142]])


def test_a_non_finite_reward_is_named():
    with pytest.raises(ValueError, match="step 2 of trajectory 1 is nan"):
        step_advantages([[1.0, math.nan], [2.0]])
    with pytest.raises(ValueError, match="reward 2 of the group is inf"):
        outcome_advantages([1.0, math.inf])
    with pytest.raises(ValueError, match="ddof must be 0"):
        standardise([1, 2], ddof=2)


rewards = st.lists(st.integers(min_value=0, max_value=10), min_size=1, max_size=6)


@given(st.lists(rewards, min_size=1, max_size=5))
def test_standardised_rewards_have_mean_zero_and_unit_spread(group):
    flat = [r for trajectory in group for r in trajectory]
    advantages = [a for trajectory in step_advantages(group) for a in trajectory]
    assert len(advantages) == len(flat)
    assert math.fsum(advantages) == pytest.approx(0.0, abs=1e-9)
    if len(set(flat)) > 1:
        spread = math.fsum(a * a for a in advantages) / len(advantages)
        assert spread == pytest.approx(1.0, rel=1e-5)
        # Order is kept: a larger reward never gets a smaller advantage.
        pairs = sorted(zip(flat, advantages, strict=True))
        assert all(a1 <= a2 for (_, a1), (_, a2) in itertools.pairwise(pairs))
    else:
        assert advantages == [0.0] * len(flat)
