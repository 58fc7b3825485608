"""Batches of runs: every instruction x coder x sample on real static sites, compared per coder."""

from __future__ import annotations

import json
import os
import statistics
from pathlib import Path

import pytest

from agent_core.config import RoleConfig, RunConfig
from agent_core.events import RunFailed, RunFinished, RunStarted
from agent_core.experiments import (
    BATCH_FILE,
    BatchError,
    BatchItem,
    CoderRow,
    coder_slug,
    item_id_for,
    run_batch,
)
from agent_core.store.locks import take_pid_lock
from agent_core.store.records import RunStatus
from agent_core.store.run_store import RunStore
from tests.agent_core.experiments.batch_support import (
    CoderScript,
    SharedModels,
    page,
    vision,
)
from tests.fakes.model_server import ScriptedModelServer
from tests.support.agent import CRITIC, FAST_TIMEOUTS, FEEDBACK, FeedbackScript, role
from tests.support.runs import StepSpec, build_run

ITEMS = [
    BatchItem("bakery", "A one-page site for a bakery, with a welcome heading."),
    BatchItem("florist", "A one-page site for a florist, with a welcome heading."),
]
CONFIG = RunConfig(timeouts=FAST_TIMEOUTS)


def seconds_of(run_dir: Path) -> float:
    return sum(step.seconds for step in RunStore.open(run_dir).steps())


def active_runs(events) -> int:
    """The most runs that were between their start and their end at the same moment."""
    active, most = set(), 0
    for update in events:
        if isinstance(update.event, RunStarted):
            active.add(update.run_dir)
        elif isinstance(update.event, RunFinished | RunFailed):
            active.discard(update.run_dir)
        most = max(most, len(active))
    return most


@pytest.mark.slow
async def test_two_coders_two_samples_compared_by_hand_then_a_rerun_skips_everything(tmp_path):
    # coder-a: edit, GUI test, finish; its pages are graded 3, 4, 5, 5 (in whatever order the
    # runs take them) and its GUI tests 5, 4, 4, 2. coder-b: edit, finish; graded 2, 3, 4, 4.
    coder_a = CoderScript([3, 4, 5, 5], gui_test=True)
    coder_b = CoderScript([2, 3, 4, 4], gui_test=False)
    summaries = [
        {"test_passed": g >= 4, "improvement_suggestions": [], "grade": g} for g in (5, 4, 4, 2)
    ]
    scripts = {
        "coder-a": coder_a,
        "coder-b": coder_b,
        CRITIC: vision,
        FEEDBACK: FeedbackScript("Check the welcome heading.", summaries),
    }
    out = tmp_path / "out"
    events: list = []
    with ScriptedModelServer(scripts) as server:
        shared = SharedModels(server)
        coders = [role(server, "openai", "coder-a"), role(server, "ollama", "coder-b")]
        try:
            report = await run_batch(
                ITEMS,
                coders,
                2,
                out_dir=out,
                make_models=shared,
                config=CONFIG,
                concurrency=2,
                on_event=events.append,
            )
            asked = len(server.chat_requests)
            again = await run_batch(
                ITEMS, coders, 2, out_dir=out, make_models=shared, config=CONFIG, concurrency=2
            )
            assert len(server.chat_requests) == asked, "the re-run asked a model again"
        finally:
            await shared.close()

    run_dirs = sorted(p.parent for p in out.glob("*/*/sample-*/manifest.json"))
    assert [str(p.relative_to(out)) for p in run_dirs] == [
        f"{item}/{coder}/sample-{n}"
        for item in ("bakery", "florist")
        for coder in ("coder-a", "coder-b")
        for n in (1, 2)
    ]
    for run_dir in run_dirs:
        manifest = RunStore.open(run_dir).manifest
        assert manifest.status is RunStatus.FINISHED
        assert manifest.models["coder"]["model"] == run_dir.parent.name  # the coder varies
        assert manifest.models["critic"]["model"] == CRITIC  # the judges do not
    assert len(coder_a.requests) == 4 * 3 and len(coder_b.requests) == 4 * 2
    assert active_runs(events) == 2

    a_times = [seconds_of(d) for d in run_dirs if d.parent.name == "coder-a"]
    b_times = [seconds_of(d) for d in run_dirs if d.parent.name == "coder-b"]
    # Appearance of the best step: a {3,4,5,5} -> mean 4.25, median 4.5; b {2,3,4,4} ->
    # 3.25, 3.5. GUI: a {5,4,4,2} -> 3.75, b never tested. Steps: a 3 each, b 2 each.
    # Error steps: b's page graded 2 is one (a grade that low is an error), in 4 runs.
    assert report.table() == [
        CoderRow(
            "coder-a", 4, 4, 0, 4.25, 4.5, 3.75, 3.0, pytest.approx(statistics.fmean(a_times)),
            mean_error_steps=0.0,
        ),
        CoderRow(
            "coder-b", 4, 4, 0, 3.25, 3.5, None, 2.0, pytest.approx(statistics.fmean(b_times)),
            mean_error_steps=0.25,
        ),
    ]
    lines = report.format_table().splitlines()
    assert lines[0].split() == [
        "coder",
        "runs",
        "finished",
        "look",
        "mean",
        "look",
        "median",
        "GUI",
        "mean",
        "steps",
        "error",
        "steps",
        "time",
        "(s)",
        "failures",
    ]
    assert lines[1].split()[:7] == ["coder-a", "4", "4", "4.25", "4.5", "3.75", "3.0"]
    assert lines[2].split()[:7] == ["coder-b", "4", "4", "3.25", "3.5", "-", "2.0"]
    assert lines[1].split()[-1] == lines[2].split()[-1] == "0"

    saved = json.loads((out / BATCH_FILE).read_text())
    assert saved["table"] == [row.to_dict() for row in report.table()]
    assert [item["id"] for item in saved["items"]] == ["bakery", "florist"]
    assert saved["coders"] == ["coder-a", "coder-b"] and saved["samples"] == 2
    assert len(saved["runs"]) == 8 and all(r["status"] == "finished" for r in saved["runs"])
    assert report.path == out / BATCH_FILE

    assert not any(run.ran for run in again.runs) and len(again.runs) == 8
    assert again.table() == report.table()


@pytest.mark.slow
async def test_a_failing_coder_is_counted_as_failures_and_the_others_finish(tmp_path):
    working = CoderScript([4], gui_test=False)
    scripts = {"coder-ok": working, CRITIC: vision, FEEDBACK: FeedbackScript("Check it.", [])}
    out = tmp_path / "out"
    config = RunConfig(timeouts=FAST_TIMEOUTS, gui_testing=False)
    with ScriptedModelServer(scripts) as server:
        shared = SharedModels(server)
        coders = [
            role(server, "openai", "coder-ok"),
            role(server, "openai", "no-such-coder"),  # the server does not know it
            RoleConfig(provider="bogus", model="odd-coder"),  # cannot even be set up
        ]
        try:
            report = await run_batch(
                ITEMS[:1], coders, 1, out_dir=out, make_models=shared, config=config, concurrency=2
            )
        finally:
            await shared.close()

    rows = {row.coder: row for row in report.table()}
    assert (rows["coder-ok"].finished, rows["coder-ok"].failures) == (1, 0)
    assert rows["coder-ok"].mean_appearance == 4.0
    for name in ("no-such-coder", "odd-coder"):
        assert (rows[name].runs, rows[name].finished, rows[name].failures) == (1, 0, 1)
        assert rows[name].mean_appearance is None and rows[name].mean_steps is None
    runs = {run.coder: run for run in report.runs}
    missing = runs["no-such-coder"]
    assert missing.status == "failed" and "no-such-coder" in missing.reason
    assert RunStore.open(missing.run_dir).manifest.status is RunStatus.FAILED
    odd = runs["odd-coder"]
    assert odd.reason.startswith(
        "the coder odd-coder could not be set up: unknown model provider 'bogus'"
    )
    assert not odd.run_dir.exists()
    text = report.format_table()
    assert f"failed: {missing.run_dir}: " in text and f"failed: {odd.run_dir}: " in text
    saved = json.loads((out / BATCH_FILE).read_text())
    assert [r["failures"] for r in saved["table"]] == [0, 1, 1]


@pytest.mark.slow
async def test_an_unfinished_run_is_resumed_from_its_last_step(tmp_path):
    out = tmp_path / "out"
    run_dir = out / "bakery" / "coder-a" / "sample-1"
    build_run(
        run_dir,
        [StepSpec(appearance=4, files=page(4))],
        instruction=ITEMS[0].instruction,
        status=RunStatus.RUNNING,
    )
    coder = CoderScript([], gui_test=False)  # its first reply would be an error: not asked
    scripts = {"coder-a": coder, CRITIC: vision, FEEDBACK: FeedbackScript("Check it.", [])}
    config = RunConfig(timeouts=FAST_TIMEOUTS, gui_testing=False)
    notes: list = []
    with ScriptedModelServer(scripts) as server:
        shared = SharedModels(server)
        try:
            report = await run_batch(
                ITEMS[:1],
                [role(server, "openai", "coder-a")],
                1,
                out_dir=out,
                make_models=shared,
                config=config,
                concurrency=1,
                on_event=notes.append,
            )
        finally:
            await shared.close()

    (run,) = report.runs
    assert run.ran and run.finished and run.steps == 2 and run.best_appearance == 4
    (asked,) = coder.requests  # one step: the finish, continuing the stored conversation
    assert [m["role"] for m in asked.messages].count("assistant") == 1
    assert "resumed after step 1" in [n.note for n in notes]
    assert RunStore.open(run_dir).step(2).parent == 1


async def test_bad_batches_are_refused_before_anything_runs(tmp_path):
    def never(coder):  # pragma: no cover - must not be called
        raise AssertionError("no run should start")

    coder = RoleConfig(model="qwen2.5-coder:7b")
    cases = [
        ([], [coder], 1, "no instruction to run"),
        (ITEMS, [], 1, "no coder model to run"),
        (ITEMS, [coder], 0, "samples must be at least 1, not 0"),
        ([ITEMS[0], ITEMS[0]], [coder], 1, "the item bakery is given twice"),
        ([BatchItem("../up", "x")], [coder], 1, "the item id '../up' cannot name a folder"),
        (
            ITEMS,
            [coder, RoleConfig(model="qwen2.5-coder-7b")],
            1,
            "would share the folder qwen2.5-coder-7b",
        ),
    ]
    for items, coders, samples, message in cases:
        with pytest.raises(BatchError, match=message.replace(".", r"\.")):
            await run_batch(
                items,
                coders,
                samples,
                out_dir=tmp_path / "out",
                make_models=never,
                config=CONFIG,
                concurrency=1,
            )
    (tmp_path / "busy").mkdir()
    held = take_pid_lock(tmp_path / "busy" / ".batch.lock")  # held by "another batch"
    try:
        with pytest.raises(BatchError, match="is in use by another batch"):
            await run_batch(
                ITEMS,
                [coder],
                1,
                out_dir=tmp_path / "busy",
                make_models=never,
                config=CONFIG,
                concurrency=1,
            )
    finally:
        os.close(held)
    assert coder_slug("qwen2.5-coder:7b") == "qwen2.5-coder-7b"
    assert coder_slug("org/model@v1") == "org-model-v1"
    assert item_id_for("A bakery site!") == item_id_for("A bakery site!")
    assert item_id_for("A bakery site!").startswith("a-bakery-site-")
    assert item_id_for("A bakery site!") != item_id_for("A bakery site?")
