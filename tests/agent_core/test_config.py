"""Ablation conditions: how they are spelled, what they set, and how a run keeps them."""

from __future__ import annotations

import pytest

from agent_core.config import PAPER_ABLATION, Condition, FeedbackLevel, RunConfig
from agent_core.errors import ConfigError


def test_a_condition_is_spelled_feedback_then_what_is_turned_off():
    condition = Condition.parse(" Execution + no-select-best+NO-BACKTRACKING ")
    assert condition == Condition(FeedbackLevel.EXECUTION, backtracking=False, select_best=False)
    assert condition.name == "execution+no-backtracking+no-select-best"
    assert Condition.parse("full") == Condition() and Condition().name == "full"
    assert [c.name for c in PAPER_ABLATION] == [
        "execution+no-backtracking+no-select-best", "full+no-backtracking+no-select-best", "full",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "must start with a feedback level (execution, screenshot, full)"),
        ("no-backtracking", "must start with a feedback level"),
        ("full+no-gui", "has 'no-gui' where only no-backtracking or no-select-best"),
        ("full+no-select-best+no-select-best", "(each at most once)"),
        ("full+candidates-2+candidates-4", "(each at most once)"),
        ("full+candidates-0", "write candidates-N with N a whole number of at least 1"),
        ("full+candidates-many", "write candidates-N"),
    ],
)
def test_a_wrong_spelling_is_refused_with_the_right_one(spec, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Condition.parse(spec)


def test_a_condition_sets_the_run_and_the_run_keeps_it():
    base = RunConfig(max_steps=7)
    config = Condition.parse("screenshot+no-select-best").apply(base)
    assert config.max_steps == 7 and not config.select_best and config.backtracking
    assert config.uses_critic and not config.uses_gui_agent
    stored = config.to_dict()
    assert stored["feedback"] == "screenshot" and stored["select_best"] is False
    assert Condition.of(RunConfig.from_dict(stored)) == Condition.parse("screenshot+no-select-best")
    # A run stored before the conditions existed ran the method as published.
    old = {k: v for k, v in RunConfig().to_dict().items()
           if k not in ("feedback", "backtracking", "select_best")}  # fmt: skip
    assert Condition.of(RunConfig.from_dict(old)) == Condition()


def test_candidates_are_part_of_a_condition_and_one_is_left_out_of_its_name():
    condition = Condition.parse("execution+candidates-4+no-backtracking")
    assert condition.name == "execution+no-backtracking+candidates-4"
    assert Condition.parse("full+candidates-1") == Condition() and Condition().candidates == 1
    config = condition.apply(RunConfig(candidates=2))
    assert config.candidates == 4 and not config.backtracking
    assert Condition.of(RunConfig.from_dict(config.to_dict())) == condition


def test_only_full_feedback_uses_the_gui_agent_and_only_execution_skips_the_critic():
    assert [(RunConfig(feedback=f).uses_critic, RunConfig(feedback=f).uses_gui_agent)
            for f in FeedbackLevel] == [(False, False), (True, False), (True, True)]  # fmt: skip
    assert not RunConfig(gui_testing=False).uses_gui_agent
