"""``build_run`` (tests/support/runs.py) writes only runs the real store reads back unchanged."""

from __future__ import annotations

import pytest

from agent_core.store.evidence import GuiTest
from agent_core.store.records import StepKind
from tests.support.runs import StepSpec, build_run


def test_evidence_given_as_a_dict_is_refused_before_anything_is_written(tmp_path):
    gui = {"test_instruction": "Press Order.", "answer": "YES"}
    specs = [StepSpec(), StepSpec(kind=StepKind.GUI_TEST, extra={"gui": gui})]
    with pytest.raises(TypeError, match=r"StepSpec.extra\['gui'\] must be a GuiTest, not dict"):
        build_run(tmp_path / "run", specs)
    assert not (tmp_path / "run").exists()


def test_a_field_the_record_does_not_have_is_named(tmp_path):
    with pytest.raises(TypeError, match=r"StepSpec.extra\['grade'\]: not a StepRecord field"):
        build_run(tmp_path / "run", [StepSpec(extra={"grade": 4})])


def test_a_value_that_comes_back_different_from_disk_fails_the_build(tmp_path):
    # JSON has no tuples: the action would read back as a list, so readers would see another
    # value than the test meant.
    odd = [{"type": "file", "path": ("src", "App.jsx")}]
    with pytest.raises(AssertionError, match="step 1 changed when read back, in: actions"):
        build_run(tmp_path / "run", [StepSpec(extra={"actions": odd})])


def test_typed_evidence_is_what_the_reopened_run_shows(tmp_path):
    gui = GuiTest(test_instruction="Press Order.", answer="YES")
    store = build_run(tmp_path / "run", [StepSpec(), StepSpec(kind=StepKind.GUI_TEST, gui=4,
                                                              extra={"gui": gui})])
    assert store.step(2).gui == gui and store.step(2).gui_grade == 4
    assert store.step(1).screenshot == "screenshots/000001.png"
