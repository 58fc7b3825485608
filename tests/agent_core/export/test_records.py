"""Step-GRPO and SFT records from real run directories, checked field by field.

The fixture runs (written through the real RunStore by ``build_run``)::

    run-a  "Build a bakery site"            run-b  "  Build a bakery   site\\n" (same task)
      1 edit      look 4                       1 edit  look 2, error
      2 gui_test  look 4, GUI 3                2 edit  no grade, error (npm failed)
      3 finish    look 4, GUI 3 (best 3)
    run-c  "Build a todo app"
      1 edit      look 5

Human labels: run-a step 1 look 2; run-a step 2 GUI 5 (+ note); run-b step 2 a note only.
The expected advantages are worked out in each test's comments.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from agent_core.agent.conversation import prompt_of_step, trajectory_of_step
from agent_core.errors import RunStoreError
from agent_core.export import (
    SFT_SCHEMA,
    STEP_GRPO_SCHEMA,
    sft_records,
    step_grpo_records,
    write_jsonl,
)
from agent_core.review import LabelStore, StepLabel
from agent_core.store.evidence import GuiTest, GuiTestSummary
from agent_core.store.records import StepKind
from agent_core.store.run_store import RunStore
from tests.support.runs import StepSpec, build_run

BAKERY, TODO = "Build a bakery site", "Build a todo app"
BAKERY_GROUP = hashlib.sha1(BAKERY.encode()).hexdigest()[:16]
TODO_GROUP = hashlib.sha1(TODO.encode()).hexdigest()[:16]


def _gui_test(look: int, gui: int) -> StepSpec:
    summary = GuiTestSummary(test_passed=True, grade=gui)
    return StepSpec(kind=StepKind.GUI_TEST, appearance=look, gui=gui,
                    extra={"gui": GuiTest(summary=summary)})


def build_runs(folder: Path) -> list[Path]:
    """The three runs of the module docstring, with their human labels."""
    a = build_run(folder / "run-a", [
        StepSpec(appearance=4), _gui_test(4, 3),
        StepSpec(kind=StepKind.FINISH, appearance=4, gui=3),
    ], instruction=BAKERY, best=3).run_dir  # fmt: skip
    b = build_run(folder / "run-b", [
        StepSpec(appearance=2, errors=["appearance grade 2"]),
        StepSpec(appearance=None, errors=["npm install failed"], screenshot=False),
    ], instruction="  Build a bakery   site\n").run_dir  # fmt: skip
    c = build_run(folder / "run-c", [StepSpec(appearance=5)], instruction=TODO).run_dir
    LabelStore(a).set(1, StepLabel(appearance=2, labeller="ana"))
    LabelStore(a).set(2, StepLabel(gui=5, note="search works", labeller="ana"))
    LabelStore(b).set(2, StepLabel(note="blank page", labeller="ben"))
    return [a, b, c]


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> list[Path]:
    return build_runs(tmp_path_factory.mktemp("runs"))


def by_step(records: list[dict]) -> dict[tuple[str, int], dict]:
    return {(r["run_dir"], r["step"]): r for r in records}


def column(records: list[dict], key: str) -> list:
    return [r[key] for r in records]


def test_each_step_record_holds_the_conversation_it_answered(runs):
    records = list(step_grpo_records(runs))
    assert [(r["run_dir"], r["step"]) for r in records] == [
        ("run-a", 1),
        ("run-a", 2),
        ("run-a", 3),
        ("run-b", 1),
        ("run-b", 2),
        ("run-c", 1),
    ]
    for path in runs:
        store = RunStore.open(path)
        steps = {s.index: s for s in store.steps()}
        for index, step in steps.items():
            record = by_step(records)[(path.name, index)]
            expected = prompt_of_step(store.manifest, steps, index)
            assert record["prompt"] == [{"role": m.role, "content": m.content} for m in expected]
            assert record["prompt"][0]["role"] == "system"
            assert record["response"] == step.reply
            assert record["parent"] == step.parent
            assert record["kind"] == str(step.kind)
            assert record["run_id"] == store.manifest.run_id
            assert record["instruction"] == store.manifest.instruction
    gui_step = by_step(records)[("run-a", 2)]
    assert gui_step["schema"] == STEP_GRPO_SCHEMA
    assert (gui_step["appearance_grade"], gui_step["gui_grade"]) == (4, 3)
    assert gui_step["has_error"] is False and gui_step["coder_model"] == "coder-7b"
    # The prompt of step 2 carries step 1's reply and feedback.
    assert gui_step["prompt"][-2]["content"] == by_step(records)[("run-a", 1)]["response"]
    assert by_step(records)[("run-b", 2)]["has_error"] is True


def test_runs_of_the_same_instruction_share_a_group(runs):
    records = list(step_grpo_records(runs))
    assert set(column(records[:5], "group_id")) == {BAKERY_GROUP}
    assert records[5]["group_id"] == TODO_GROUP
    per_run = list(step_grpo_records(runs, group_by="run"))
    assert len({r["group_id"] for r in per_run}) == 3


def test_both_grades_make_the_reward_and_advantages_span_the_group(runs):
    records = list(step_grpo_records(runs))
    # Bakery group rewards: run-a 4, 4+3, 4+3; run-b 2, 0 (missing grade counts 0).
    # mean 20/5 = 4; deviations 0, 3, 3, -2, -4; variance 38/5 = 7.6, std 2.75681;
    # advantages 0, 1.0882, 1.0882, -0.7255, -1.4510. Todo: one reward -> advantage 0.
    assert column(records, "reward") == [4.0, 7.0, 7.0, 2.0, 0.0, 5.0]
    assert column(records, "advantage") == pytest.approx(
        [0.0, 1.0882, 1.0882, -0.7255, -1.4510, 0.0], abs=1e-4
    )
    assert set(column(records, "reward_source")) == {"auto"}


def test_appearance_only_and_gui_only_rewards(runs):
    look = list(step_grpo_records(runs, reward="appearance"))
    # 4, 4, 4 | 2, 0: mean 2.8; deviations 1.2 x3, -0.8, -2.8; variance 12.8/5 = 2.56, std 1.6.
    assert column(look, "reward") == [4.0, 4.0, 4.0, 2.0, 0.0, 5.0]
    assert column(look, "advantage") == pytest.approx([0.75, 0.75, 0.75, -0.5, -1.75, 0.0])
    gui = list(step_grpo_records(runs, reward="gui"))
    # 0, 3, 3 | 0, 0 (edit steps have no GUI grade): mean 1.2; deviations -1.2, 1.8, 1.8,
    # -1.2, -1.2; variance 10.8/5 = 2.16, std 1.46969; advantages -0.8165 and 1.2247.
    assert column(gui, "reward") == [0.0, 3.0, 3.0, 0.0, 0.0, 0.0]
    assert column(gui, "advantage") == pytest.approx(
        [-0.8165, 1.2247, 1.2247, -0.8165, -0.8165, 0.0], abs=1e-4
    )


def test_human_labels_are_shown_but_change_rewards_only_when_asked(runs):
    auto = by_step(list(step_grpo_records(runs)))
    assert auto[("run-a", 1)]["human"] == {
        "appearance": 2, "gui": None, "gui_verdict_correct": None, "note": "",
        "labeller": "ana", "at": LabelStore(runs[0]).get(1).at}  # fmt: skip
    assert auto[("run-a", 2)]["human"]["gui"] == 5
    assert auto[("run-a", 3)]["human"] is None
    assert auto[("run-a", 1)]["reward"] == 4.0 and auto[("run-a", 1)]["reward_source"] == "auto"

    human = list(step_grpo_records(runs, use_human_labels=True))
    # run-a: step 1 look 2 (person); step 2 keeps step 1's files, so look 2 (person) + GUI 5
    # (person) = 7; the finish step keeps both: 7. run-b step 2's label has no grade: auto 0.
    # 2, 7, 7 | 2, 0: mean 3.6; deviations -1.6, 3.4, 3.4, -1.6, -3.6; variance 41.2/5 = 8.24,
    # std 2.87054; advantages -0.5574, 1.1844, 1.1844, -0.5574, -1.2541.
    assert column(human, "reward") == [2.0, 7.0, 7.0, 2.0, 0.0, 5.0]
    assert column(human, "reward_source") == ["human"] * 3 + ["auto"] * 3
    assert column(human, "advantage") == pytest.approx(
        [-0.5574, 1.1844, 1.1844, -0.5574, -1.2541, 0.0], abs=1e-4
    )
    # The automatic grades stay in their own fields.
    assert (human[0]["appearance_grade"], human[1]["gui_grade"]) == (4, 3)


def test_human_gui_grade_is_not_given_to_an_edit_step(runs):
    gui = list(step_grpo_records(runs, reward="gui", use_human_labels=True))
    # Edit step 1 has no GUI grade of any kind: 0 (auto). Steps 2 and 3: the person's 5.
    # 0, 5, 5 | 0, 0: mean 2; deviations -2, 3, 3, -2, -2; variance 30/5 = 6, std 2.44949.
    assert column(gui, "reward") == [0.0, 5.0, 5.0, 0.0, 0.0, 0.0]
    assert column(gui, "reward_source")[:3] == ["auto", "human", "human"]
    assert column(gui, "advantage")[:3] == pytest.approx([-0.8165, 1.2247, 1.2247], abs=1e-4)


def test_sft_records_follow_the_chain_to_the_best_step(runs):
    records = list(sft_records(runs))
    assert [(r["run_dir"], r["best_step"]) for r in records] == [
        ("run-a", 3),
        ("run-b", 1),
        ("run-c", 1),
    ]  # run-b has no best_step: select_best_step
    for path, record in zip(runs, records, strict=True):
        store = RunStore.open(path)
        steps = {s.index: s for s in store.steps()}
        expected = trajectory_of_step(store.manifest, steps, record["best_step"])
        assert record["messages"] == [{"role": m.role, "content": m.content} for m in expected]
        assert record["schema"] == SFT_SCHEMA
        assert record["run_id"] == store.manifest.run_id
    a = records[0]
    assert (a["appearance_grade"], a["gui_grade"], a["group_id"]) == (4, 3, BAKERY_GROUP)
    assert 'type="finish"' in a["messages"][-2]["content"]
    assert a["messages"][-1] == {"role": "user", "content": "Feedback after step 3."}
    assert records[1]["appearance_grade"] == 2 and records[1]["gui_grade"] is None


def test_runs_without_steps_give_no_records_and_do_not_shift_advantages(runs, tmp_path):
    empty = build_run(tmp_path / "empty", [], instruction=BAKERY).run_dir
    records = list(step_grpo_records([*runs, empty]))
    assert len(records) == 6
    assert column(records, "advantage")[:2] == pytest.approx([0.0, 1.0882], abs=1e-4)
    assert [r["run_dir"] for r in sft_records([empty, runs[2]])] == ["run-c"]


def test_a_copied_run_is_refused_instead_of_counted_twice(runs, tmp_path):
    copy = tmp_path / "copy-of-a"
    shutil.copytree(runs[0], copy)
    with pytest.raises(RunStoreError, match=r"hold the same run .* pass only one of them"):
        step_grpo_records([runs[0], copy])
    # The same folder given twice is simply read once.
    assert len(list(step_grpo_records([runs[2], runs[2]]))) == 1


def test_bad_arguments_are_explained(runs, tmp_path):
    with pytest.raises(RunStoreError, match="is not a WebGen run"):
        step_grpo_records([tmp_path])
    with pytest.raises(RunStoreError, match="is not a WebGen run"):
        sft_records([tmp_path / "missing"])
    with pytest.raises(ValueError, match="reward must be one of both, appearance, gui"):
        step_grpo_records(runs, reward="looks")
    with pytest.raises(ValueError, match="group_by must be one of"):
        step_grpo_records(runs, group_by="model")


def test_a_broken_labels_file_stops_the_export_with_its_fix(tmp_path):
    run = build_run(tmp_path / "run", [StepSpec(appearance=3)]).run_dir
    (run / "review").mkdir()
    (run / "review" / "labels.json").write_text("{not json")
    with pytest.raises(RunStoreError, match="cannot read the human labels"):
        step_grpo_records([run])


def test_no_key_setting_or_machine_path_is_exported(tmp_path, monkeypatch):
    secret, query_key = "sk-live-4f9a1c7e", "QUERYKEY123"
    monkeypatch.setenv("WEBGEN_TEST_CODER_KEY", secret)
    role = {
        "provider": "openai",
        "model": "coder-7b",
        "api_key_env": "WEBGEN_TEST_CODER_KEY",
        "base_url": f"http://127.0.0.1:9/v1?key={query_key}",
        "temperature": 0.3,
    }
    run = build_run(
        tmp_path / "runs" / "secret-run",
        [StepSpec(appearance=4), _gui_test(4, 4)],
        models={"coder": role, "critic": role, "feedback": role},
    ).run_dir
    out = tmp_path / "out"
    write_jsonl(step_grpo_records([run]), out / "grpo.jsonl")
    write_jsonl(sft_records([run]), out / "sft.jsonl")
    for name in ("grpo.jsonl", "sft.jsonl"):
        text = (out / name).read_text()
        for forbidden in (
            secret,
            query_key,
            "WEBGEN_TEST_CODER_KEY",
            "127.0.0.1:9",
            "temperature",
            str(tmp_path),
        ):
            assert forbidden not in text, (name, forbidden)
        first = json.loads(text.splitlines()[0])
        assert first["coder_model"] == "coder-7b" and first["run_dir"] == "secret-run"
