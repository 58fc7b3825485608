"""The run directory: content-addressed files, atomic commits, reopening after a kill."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from agent_core.errors import RunStoreError
from agent_core.store.records import RunStatus, StepKind, StepRecord
from agent_core.store.run_store import RunStore

REPO = Path(__file__).resolve().parents[3]


def _commit(store: RunStore, index: int, files: dict[str, bytes], **kw) -> StepRecord:
    digests = store.put_files(files)
    record = StepRecord(index=index, kind=StepKind.EDIT, parent=index - 1 or None,
                        files=digests, **kw)
    return store.commit_step(record, screenshot=kw.pop("png", None))


def _blob_count(store: RunStore) -> int:
    return sum(1 for p in (store.run_dir / "objects").rglob("*") if p.is_file())


def test_disk_grows_with_changed_bytes_not_with_steps(tmp_path):
    store = RunStore.create(tmp_path / "run", "a site")
    project = {f"src/file{i}.js": (f"// file {i}\n" + "x" * 5000).encode() for i in range(50)}
    for index in range(1, 11):
        project[f"src/file{index}.js"] = f"// edited at step {index}".encode()
        _commit(store, index, dict(project))
    # 50 originals are never stored after step 1 changes one; each step adds one new blob.
    assert _blob_count(store) == 50 + 9
    reopened = RunStore.open(store.run_dir)
    assert reopened.files_of(10)["src/file10.js"] == b"// edited at step 10"
    assert reopened.files_of(3)["src/file4.js"].startswith(b"// file 4")


def test_manifest_has_no_secrets_and_records_head(tmp_path, monkeypatch):
    monkeypatch.setenv("WEBGEN_CODER_API_KEY", "sk-very-secret")
    store = RunStore.create(tmp_path / "run", "a site",
                            models={"coder": {"model": "m", "api_key_env": "X"}})
    _commit(store, 1, {"index.html": b"<h1>hi</h1>"})
    manifest = json.loads((store.run_dir / "manifest.json").read_text())
    assert manifest["head"] == 1 and manifest["schema_version"] == 1
    store.set_head(None)  # the user went back to the empty start
    assert RunStore.open(store.run_dir).head is None
    assert manifest["status"] == "running"
    for path in store.run_dir.rglob("*"):
        if path.is_file():
            assert b"sk-very-secret" not in path.read_bytes()


def test_step_record_round_trips_with_screenshot(tmp_path):
    store = RunStore.create(tmp_path / "run", "a site")
    png = b"\x89PNG\r\n\x1a\nfake"
    record = StepRecord(index=1, kind=StepKind.EDIT, parent=None, appearance_grade=4,
                        has_error=False, errors=[], files=store.put_files({"a": b"1"}))
    store.commit_step(record, screenshot=png)
    reopened = RunStore.open(store.run_dir)
    step = reopened.step(1)
    assert step.appearance_grade == 4 and step.kind is StepKind.EDIT
    assert reopened.screenshot_path(1).read_bytes() == png


def test_refuses_to_overwrite_a_run_or_a_busy_folder(tmp_path):
    RunStore.create(tmp_path / "run", "a")
    with pytest.raises(RunStoreError, match="already holds a run"):
        RunStore.create(tmp_path / "run", "b")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    with pytest.raises(RunStoreError, match="not empty"):
        RunStore.create(tmp_path / "other", "c")
    with pytest.raises(RunStoreError, match="not a WebGen run"):
        RunStore.open(tmp_path / "nowhere")


def test_unknown_schema_is_refused_with_versions(tmp_path):
    store = RunStore.create(tmp_path / "run", "a")
    data = json.loads((store.run_dir / "manifest.json").read_text())
    data["schema_version"] = 99
    (store.run_dir / "manifest.json").write_text(json.dumps(data))
    with pytest.raises(RunStoreError, match="schema 99"):
        RunStore.open(store.run_dir)


def test_second_writer_is_told_who_holds_the_run(tmp_path):
    store = RunStore.create(tmp_path / "run", "a")
    store.lock()
    other = RunStore.open(store.run_dir)
    with pytest.raises(RunStoreError, match=f"process {os.getpid()}"):
        other.lock()
    store.unlock()
    other.lock()
    other.unlock()


WRITER = """
import sys, time
from agent_core.store.run_store import RunStore
from agent_core.store.records import StepRecord, StepKind
store = RunStore.open(sys.argv[1])
index = store.next_index()
while True:
    files = {f"src/f{j}.js": (f"{index}-{j}" * 2000).encode() for j in range(40)}
    record = StepRecord(index=index, kind=StepKind.EDIT, parent=index - 1 or None,
                        files=store.put_files(files), appearance_grade=index % 6)
    store.commit_step(record, screenshot=b"png" * 20000)
    print(index, flush=True)
    index += 1
"""


@pytest.mark.parametrize("delay", [0.05, 0.2, 0.45])
def test_kill_9_while_committing_leaves_a_readable_run(tmp_path, delay):
    store = RunStore.create(tmp_path / "run", "a site")
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(store.run_dir)],
                            cwd=REPO, stdout=subprocess.PIPE, text=True)
    proc.stdout.readline()  # at least one step committed
    time.sleep(delay)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    reopened = RunStore.open(store.run_dir)
    steps = reopened.steps()
    assert steps, "committed steps must survive"
    assert [s.index for s in steps] == list(range(1, len(steps) + 1))
    for s in steps:  # every committed step is whole: files and screenshot readable
        files = reopened.files_of(s.index)
        assert files["src/f0.js"].startswith(f"{s.index}-0".encode())
        assert reopened.screenshot_path(s.index).read_bytes() == b"png" * 20000
    assert reopened.manifest.status is RunStatus.RUNNING
    assert reopened.head == steps[-1].index  # even if the manifest update was cut off
    # The run continues where it stopped.
    _commit(reopened, reopened.next_index(), {"a": b"b"})
    assert RunStore.open(store.run_dir).steps()[-1].index == len(steps) + 1


def test_events_log_skips_tokens_and_survives_a_torn_line(tmp_path):
    from agent_core.events import StepStarted, Token

    store = RunStore.create(tmp_path / "run", "a")
    store.append_event(StepStarted(run_id="r", index=1, parent=None))
    store.append_event(Token(run_id="r", index=1, text="hello"))
    with (store.run_dir / "events.jsonl").open("a") as handle:
        handle.write('{"kind": "step_fin')  # what a kill mid-write leaves
    kinds = [e["kind"] for e in store.iter_events()]
    assert kinds == ["step_started"]
