"""A stored run's state: its log replayed, or its records when it has no log."""

from __future__ import annotations

import json
from pathlib import Path

from agent_core.events import RunStarted, StepStarted
from agent_core.state import CardStatus, Status
from agent_core.state.from_store import load_state, step_finished_event
from agent_core.store.records import RunStatus, StepKind
from agent_core.store.run_store import RunStore
from tests.support.runs import StepSpec, build_run


def test_a_run_without_a_log_is_read_from_its_records(tmp_path: Path) -> None:
    store = build_run(tmp_path / "run", [
        StepSpec(appearance=3), StepSpec(appearance=1, errors=["blank page"]),
        StepSpec(parent=1, appearance=4, extra={"backtracked_from": 2, "request": "bigger"}),
    ], best=3)
    assert not (store.run_dir / "events.jsonl").exists()  # as imported runs are
    state = load_state(RunStore.open(store.run_dir))
    assert state.status is Status.FINISHED and (state.head, state.best) == (3, 3)
    assert [(c.index, c.status, c.appearance_grade) for c in state.steps] == [
        (1, CardStatus.DONE, 3), (2, CardStatus.DONE, 1), (3, CardStatus.DONE, 4)]
    assert state.card(3).backtracked_from == 2 and state.card(2).errors == ("blank page",)
    kinds = [item.kind for item in state.chat]
    assert kinds[:3] == ["user", "reply", "feedback"]
    assert ("user", "bigger") in [(i.kind, i.text) for i in state.chat]
    assert state.chat[1].text == store.step(1).reply


def test_an_old_log_without_replies_gets_them_from_the_records(tmp_path: Path) -> None:
    store = build_run(tmp_path / "run", [StepSpec(), StepSpec()])
    run_id = store.manifest.run_id
    lines = [RunStarted(run_id=run_id, instruction="Build a bakery site", run_dir="",
                        workspace="").to_dict()]
    for record in store.steps():
        lines.append(StepStarted(run_id=run_id, index=record.index,
                                 parent=record.parent).to_dict())
        old = step_finished_event(run_id, record).to_dict()
        for key in ("reply", "request", "errors", "tokens_in", "tokens_out"):
            old.pop(key)  # what version 0.1 wrote
        lines.append(old)
    lines.append({"kind": "from_a_newer_version", "run_id": run_id})
    (store.run_dir / "events.jsonl").write_text(
        "".join(json.dumps(line) + "\n" for line in lines) + '{"kind": "step_sta')  # torn
    state = load_state(RunStore.open(store.run_dir))
    replies = [item.text for item in state.chat if item.kind == "reply"]
    assert replies == [store.step(1).reply, store.step(2).reply]
    assert state.status is Status.INTERRUPTED  # the log has no ending (killed after step 2)
    assert "Continue picks up from step 2" in state.notices[-1].text


def test_a_step_committed_but_missing_from_the_log_still_shows(tmp_path: Path) -> None:
    store = build_run(tmp_path / "run", [StepSpec(), StepSpec()], status=RunStatus.RUNNING)
    store.append_event(RunStarted(run_id=store.manifest.run_id, instruction="x", run_dir="",
                                  workspace=""))
    state = load_state(RunStore.open(store.run_dir))
    assert [c.index for c in state.committed] == [1, 2]
    assert state.card(2).kind is StepKind.EDIT


def test_a_run_another_process_is_running_is_not_called_interrupted(tmp_path: Path) -> None:
    store = build_run(tmp_path / "run", [StepSpec()], status=RunStatus.RUNNING)
    store.append_event(RunStarted(run_id=store.manifest.run_id, instruction="x", run_dir="",
                                  workspace=""))
    store.append_event(StepStarted(run_id=store.manifest.run_id, index=2, parent=1))
    writer = RunStore.open(store.run_dir)
    writer.lock()
    try:
        reader = RunStore.open(store.run_dir)
        assert reader.is_being_run()
        state = load_state(reader, running_elsewhere=reader.is_being_run())
        assert state.status is Status.RUNNING and state.running_step == 2
    finally:
        writer.unlock()
    assert not RunStore.open(store.run_dir).is_being_run()
