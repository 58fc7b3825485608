"""Human labels on disk: kept apart from the run's own records, checked, never clobbered."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent_core.errors import RunStoreError
from agent_core.review import LABELS_FILE, LabelStore, StepLabel
from agent_core.store.records import StepKind
from agent_core.store.run_store import RunStore
from tests.support.runs import StepSpec, build_run


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    build_run(tmp_path / "run", [
        StepSpec(appearance=3),
        StepSpec(appearance=4),
        StepSpec(kind=StepKind.GUI_TEST, appearance=4, gui=3),
    ])  # fmt: skip
    return tmp_path / "run"


def _record_bytes(run_dir: Path) -> dict[str, bytes]:
    paths = [run_dir / "manifest.json", *sorted((run_dir / "steps").glob("*.json"))]
    return {p.name: p.read_bytes() for p in paths}


def test_labels_round_trip_through_a_new_store(run_dir):
    labels = LabelStore(run_dir)
    assert labels.all() == {} and labels.get(1) is None
    saved = labels.set(3, StepLabel(appearance=5, gui=2, gui_verdict_correct=False,
                                    note="search is broken", labeller="ana"))  # fmt: skip
    labels.set(1, StepLabel(appearance=0, at=1_700_000_000.0))

    again = LabelStore(run_dir)
    assert again.get(3) == saved
    assert saved.at > 1_700_000_000.0, "an unset time is stamped when the label is stored"
    assert again.get(1) == StepLabel(appearance=0, at=1_700_000_000.0)
    assert list(again.all()) == [1, 3]
    data = json.loads((run_dir / LABELS_FILE).read_text())
    assert data["schema"] == 1
    assert data["labels"]["3"]["note"] == "search is broken"
    assert data["labels"]["3"]["gui_verdict_correct"] is False

    assert again.remove(1) is True
    assert again.remove(1) is False
    assert list(LabelStore(run_dir).all()) == [3]
    leftovers = [p.name for p in (run_dir / "review").iterdir() if p.name != "labels.json"]
    assert leftovers == [], "the atomic write leaves no temporary files"


def test_labelling_never_touches_the_automatic_grades(run_dir):
    before = _record_bytes(run_dir)
    labels = LabelStore(run_dir)
    labels.set(2, StepLabel(appearance=1, note="nothing like the request"))
    labels.set(3, StepLabel(gui=5, gui_verdict_correct=True))
    labels.remove(2)

    assert _record_bytes(run_dir) == before
    store = RunStore.open(run_dir)
    assert [(s.appearance_grade, s.gui_grade) for s in store.steps()] == [
        (3, None), (4, None), (4, 3)]  # fmt: skip


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"appearance": 6}, "appearance grade must be from 0 to 5, not 6"),
    ({"appearance": -1}, "appearance grade must be from 0 to 5, not -1"),
    ({"gui": 0}, "GUI grade must be from 1 to 5, not 0"),
    ({"gui": 6}, "GUI grade must be from 1 to 5, not 6"),
    ({"gui": 3.5}, "GUI grade must be a whole number from 1 to 5, not 3.5"),
    ({"appearance": True}, "appearance grade must be a whole number from 0 to 5"),
    ({"gui_verdict_correct": "yes"}, "gui_verdict_correct must be true, false or null"),
])  # fmt: skip
def test_grades_out_of_range_are_refused_with_the_range(kwargs, message):
    with pytest.raises(ValueError, match=message):
        StepLabel(**kwargs)


def test_edges_of_the_ranges_are_accepted():
    assert StepLabel(appearance=0, gui=1).appearance == 0
    assert StepLabel(appearance=5, gui=5).gui == 5
    assert StepLabel().is_empty and not StepLabel(note="seen").is_empty


def test_a_step_the_run_does_not_have_cannot_be_labelled(run_dir):
    with pytest.raises(RunStoreError, match="step 9 does not exist"):
        LabelStore(run_dir).set(9, StepLabel(appearance=3))
    assert not (run_dir / LABELS_FILE).exists()


@pytest.mark.parametrize(("content", "reason"), [
    ('{"schema": 1, "labels": {"2": {"appearance": 4}', "Expecting"),
    ('{"schema": 1, "labels": {"2": {"appearance": 9}}}', "the label of step 2 is invalid"),
    ('{"schema": 1, "labels": {"two": {}}}', "'two' is not a step number"),
    ('["not", "labels"]', "not a JSON object"),
])  # fmt: skip
def test_a_corrupt_labels_file_is_named_and_never_overwritten(run_dir, content, reason):
    path = run_dir / LABELS_FILE
    path.parent.mkdir()
    path.write_text(content)
    labels = LabelStore(run_dir)

    with pytest.raises(RunStoreError) as info:
        labels.get(2)
    message = str(info.value)
    assert str(path) in message and reason in message
    assert "fix the JSON" in message and "move the file away" in message

    with pytest.raises(RunStoreError, match="no label is saved until it is readable"):
        labels.set(2, StepLabel(appearance=3))
    with pytest.raises(RunStoreError):
        labels.remove(2)
    assert path.read_text() == content

    path.rename(path.with_suffix(".broken"))
    labels.set(2, StepLabel(appearance=3))
    assert LabelStore(run_dir).get(2).appearance == 3


def test_labels_from_a_newer_schema_are_left_alone(run_dir):
    path = run_dir / LABELS_FILE
    path.parent.mkdir()
    path.write_text('{"schema": 2, "labels": {}}')
    with pytest.raises(
        RunStoreError, match=r"uses labels schema 2; this version .* reads schema 1"
    ):
        LabelStore(run_dir).set(1, StepLabel(appearance=3))
    assert path.read_text() == '{"schema": 2, "labels": {}}'
