"""A damaged run folder: each fault gets a clear message, the rest of the run stays readable,
and ``webgen doctor RUN`` (and ``show``) name what is damaged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent_core.errors import RunStoreError
from agent_core.events import RunStarted
from agent_core.state.from_store import load_state
from agent_core.store.check import check_run
from agent_core.store.run_store import RunStore
from tests.support.cli import webgen
from tests.support.runs import StepSpec, build_run


def three_steps(tmp_path: Path) -> RunStore:
    return build_run(tmp_path / "run", [StepSpec(), StepSpec(), StepSpec()], best=3)


def test_a_truncated_step_record_costs_that_step_only(tmp_path):
    store = three_steps(tmp_path)
    path = store.run_dir / "steps" / "000002.json"
    path.write_text(path.read_text()[:40])  # a disk error cut it
    reopened = RunStore.open(store.run_dir)
    assert [s.index for s in reopened.steps()] == [1, 3]  # the others are all there
    assert reopened.files_of(3) == store.files_of(3)
    assert reopened.damaged[0].startswith("steps/000002.json cannot be read")
    assert [c.index for c in load_state(reopened).committed] == [1, 3]
    shown = webgen("show", str(store.run_dir))
    assert shown.returncode == 0
    assert "steps/000002.json cannot be read" in shown.stdout
    doctor = webgen("doctor", str(store.run_dir), "--json")
    assert doctor.returncode == 1
    report = json.loads(doctor.stdout)
    assert report["steps"] == 2
    assert report["problems"][0].startswith("steps/000002.json cannot be read (")
    assert report["problems"][0].endswith("; that step is left out")


def test_a_corrupted_manifest_says_where_the_steps_are_and_how_to_check(tmp_path):
    store = three_steps(tmp_path)
    (store.run_dir / "manifest.json").write_text('{"run_id": "abc", "instr')
    with pytest.raises(RunStoreError) as raised:
        RunStore.open(store.run_dir)
    message = str(raised.value)
    assert "cannot read" in message and "manifest.json" in message
    assert "The run's 3 step record(s) are in" in message
    assert f"`webgen doctor {store.run_dir}` lists what is damaged" in message
    shown = webgen("show", str(store.run_dir))
    assert shown.returncode == 2 and "The run's 3 step record(s)" in shown.stderr
    assert "Traceback" not in shown.stderr
    assert check_run(store.run_dir).problems[0].startswith("manifest.json: cannot read")


def test_a_missing_blob_and_screenshot_are_named_with_their_step(tmp_path):
    store = three_steps(tmp_path)
    digest = store.step(2).files["src/App.jsx"]
    (store.run_dir / "objects" / digest[:2] / digest[2:]).unlink()
    (store.run_dir / "screenshots" / "000001.png").unlink()
    reopened = RunStore.open(store.run_dir)
    with pytest.raises(RunStoreError, match=f"missing file content {digest[:12]}"):
        reopened.files_of(2)
    assert reopened.files_of(3)["src/App.jsx"].startswith(b"export default")  # others fine
    problems = check_run(store.run_dir).problems
    assert problems == [
        f"step 2: the content of src/App.jsx is missing (objects/{digest[:2]}/{digest[2:12]}…);"
        " that step cannot be restored or exported whole",
        "step 1: the picture screenshots/000001.png is missing (the step's grades and files "
        "are intact)",
    ]
    assert webgen("doctor", str(store.run_dir)).returncode == 1


def test_a_changed_blob_and_a_broken_event_line_are_named(tmp_path):
    store = three_steps(tmp_path)
    digest = store.step(1).files["index.html"]
    (store.run_dir / "objects" / digest[:2] / digest[2:]).write_bytes(b"tampered")
    started = RunStarted(run_id="r", instruction="x", run_dir="", workspace="").to_dict()
    (store.run_dir / "events.jsonl").write_text(
        json.dumps(started) + "\n{broken\n" + json.dumps(started) + '\n{"kind": "st')
    problems = check_run(store.run_dir).problems
    assert "step 1: the content of index.html is damaged (its hash does not match)" in problems
    # The torn last line is what a kill leaves, not damage: one unreadable line is counted.
    assert ("events.jsonl has 1 unreadable line(s); they are skipped when the run is "
            "reopened") in problems


def test_an_intact_run_passes(tmp_path):
    store = three_steps(tmp_path)
    done = webgen("doctor", str(store.run_dir))
    assert done.returncode == 0
    assert done.stdout.strip() == f"{store.run_dir}: 3 step(s), nothing missing or damaged"
