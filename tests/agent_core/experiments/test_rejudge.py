"""Re-judging a stored run with other models: new grades beside the run, the run untouched."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from agent_core.errors import RunStoreError
from agent_core.experiments import (
    RejudgeError,
    StepComparison,
    judgements_path,
    load_judgements,
    rejudge_run,
)
from agent_core.llm.factory import make_chat_model
from tests.agent_core.experiments.rejudge_support import (
    CONSOLE_ERROR,
    FOLLOW_UP,
    INSTRUCTION,
    NEW_SUMMARY,
    TEST_INSTRUCTION,
    BandCritic,
    SummaryScript,
    stored_run,
)
from tests.fakes.model_server import ScriptedModelServer
from tests.support.agent import FAST_RETRY, role

NEW_CRITIC, NEW_FEEDBACK = "vl-72b", "judge-7b"


def snapshot(run_dir: Path) -> dict[str, bytes]:
    """Every file of the run except the judgements folder."""
    return {
        str(p.relative_to(run_dir)): p.read_bytes()
        for p in sorted(run_dir.rglob("*"))
        if p.is_file() and p.relative_to(run_dir).parts[0] != "judgements"
    }


def clients(server: ScriptedModelServer):
    critic = make_chat_model(role(server, "openai", NEW_CRITIC), "critic", retry=FAST_RETRY)
    feedback = make_chat_model(role(server, "ollama", NEW_FEEDBACK), "feedback", retry=FAST_RETRY)
    return critic, feedback


async def test_rejudges_every_screenshot_and_trajectory_and_leaves_the_run_alone(tmp_path):
    run_dir = tmp_path / "run"
    stored_run(run_dir)
    before = snapshot(run_dir)
    critic_script = BandCritic({1: 3, 2: 2, 4: None, 5: 3})  # step 4: the server fails
    feedback_script = SummaryScript(json.dumps(NEW_SUMMARY))
    progress = []
    started = time.time()
    with ScriptedModelServer({NEW_CRITIC: critic_script, NEW_FEEDBACK: feedback_script}) as server:
        critic, feedback = clients(server)
        try:
            report = await rejudge_run(
                run_dir,
                critic=critic,
                feedback=feedback,
                label="vl-72b",
                concurrency=2,
                on_progress=progress.append,
            )
        finally:
            await critic.close()
            await feedback.close()

    assert snapshot(run_dir) == before  # steps, manifest, screenshots: byte for byte
    data = json.loads(judgements_path(run_dir, "vl-72b").read_text())
    assert set(data) == {"schema", "label", "models", "created_at", "steps"}
    assert data["schema"] == 1 and data["label"] == "vl-72b"
    assert data["models"] == {"critic": NEW_CRITIC, "feedback": NEW_FEEDBACK}
    assert started <= data["created_at"] <= time.time()
    assert sorted(data["steps"], key=int) == ["1", "2", "3", "4", "5"]  # not 6 (no picture), 7
    first = data["steps"]["1"]
    assert first["appearance_grade"] == 3
    assert first["critic"] == {
        "version": 1,
        "is_error": False,
        "error_message": "",
        "description": "bakery page of step 1",
        "suggestions": ["suggestion for step 1"],
        "grade_analysis": "analysis of step 1",
        "raw_replies": first["critic"]["raw_replies"],
        "problems": [],
    }
    assert set(first["critic"]["raw_replies"]) == {"check", "grade"}
    assert json.loads(first["critic"]["raw_replies"]["grade"])["grade"] == 3
    assert (first["gui_grade"], first["gui_summary"], first["error"]) == (None, None, None)
    assert data["steps"]["2"]["appearance_grade"] == 2
    gui = data["steps"]["3"]
    assert (gui["appearance_grade"], gui["critic"], gui["error"]) == (None, None, None)
    assert gui["gui_grade"] == 2
    assert gui["gui_summary"] == {**NEW_SUMMARY, "raw_summary": json.dumps(NEW_SUMMARY)}
    failed = data["steps"]["4"]
    assert failed["appearance_grade"] is None and failed["critic"] is None
    assert failed["error"].startswith("the critic failed on step 4: ")
    assert "500" in failed["error"] and NEW_CRITIC in failed["error"]
    assert data["steps"]["5"]["appearance_grade"] == 3 and data["steps"]["5"]["error"] is None

    # What the models were shown: the run's instruction, its browser errors, its trajectory.
    assert all(INSTRUCTION in text for texts in critic_script.prompts.values() for text in texts)
    assert any(CONSOLE_ERROR in text for text in critic_script.prompts[2])
    assert not any(CONSOLE_ERROR in text for text in critic_script.prompts[1])
    assert all(FOLLOW_UP in text for text in critic_script.prompts[5])
    assert not any(FOLLOW_UP in text for text in critic_script.prompts[4])
    (asked,) = feedback_script.requests
    summary_prompt = asked.last_user_text
    for piece in (
        TEST_INSTRUCTION,
        "I see a cream page with a Menu link.",
        "Click [2]",
        "Turn 2 at http://127.0.0.1:5173/menu",
        "clicked the link 'Menu'",
        "Final verdict of the tester: PARTIAL - the menu shows",
    ):
        assert piece in summary_prompt

    assert report.steps == (
        StepComparison(1, "edit", 4, 3, None, None),
        StepComparison(2, "edit", 2, 2, None, None),
        StepComparison(3, "gui_test", None, None, 4, 2),
        StepComparison(4, "edit", 3, None, None, None, failed["error"]),
        StepComparison(5, "edit", 5, 3, None, None),
    )
    # Appearance pairs (4,3) (2,2) (5,3): differences 1, 0, 2 -> exact 1/3, within one 2/3,
    # mean 1.0. Step 4 has no new grade and is not compared. GUI: (4,2) -> difference 2.
    assert report.appearance.labelled == 3
    assert report.appearance.exact == pytest.approx(1 / 3)
    assert report.appearance.within_one == pytest.approx(2 / 3)
    assert report.appearance.mae == pytest.approx(1.0)
    assert (report.gui.labelled, report.gui.exact, report.gui.within_one, report.gui.mae) == (
        1,
        0.0,
        0.0,
        2.0,
    )
    assert report.not_judged == {6: "edit step without a screenshot"}
    assert sorted(p.index for p in progress) == [1, 2, 3, 4, 5]
    assert [p.done for p in progress] == [1, 2, 3, 4, 5] and progress[-1].total == 5
    assert [p.index for p in progress if p.error] == [4]

    loaded = load_judgements(run_dir)
    assert list(loaded) == ["vl-72b"]
    assert loaded["vl-72b"].steps[3].gui_grade == 2
    assert loaded["vl-72b"].steps[1].critic.suggestions == ("suggestion for step 1",)
    assert loaded["vl-72b"].steps[4].error == failed["error"]


async def test_two_partial_passes_fill_one_label_and_an_unreadable_summary_is_an_error(tmp_path):
    run_dir = tmp_path / "run"
    stored_run(run_dir)
    feedback_script = SummaryScript("The site is fine, I think.", "Still no JSON, sorry.")
    scripts = {NEW_CRITIC: BandCritic({1: 5, 2: 1, 4: 3, 5: 5}), NEW_FEEDBACK: feedback_script}
    with ScriptedModelServer(scripts) as server:
        critic, feedback = clients(server)
        try:
            looks = await rejudge_run(run_dir, critic=critic, feedback=None, label="mixed")
            tests = await rejudge_run(run_dir, critic=None, feedback=feedback, label="mixed")
        finally:
            await critic.close()
            await feedback.close()

    assert [s.index for s in looks.steps] == [1, 2, 4, 5]
    assert looks.gui.labelled == 0 and "GUI: nothing compared" in looks.format_table()
    assert [s.index for s in tests.steps] == [3]
    assert tests.steps[0].new_gui is None
    assert "answered twice without a readable JSON object" in tests.steps[0].error
    assert len(feedback_script.requests) == 2  # asked once more, then given up
    assert "could not read your answer" in feedback_script.requests[1].last_user_text

    (mixed,) = load_judgements(run_dir).values()
    assert mixed.models == {"critic": NEW_CRITIC, "feedback": NEW_FEEDBACK}
    assert sorted(mixed.steps) == [1, 2, 3, 4, 5]  # the second pass kept the first's steps
    assert mixed.steps[1].appearance_grade == 5
    assert mixed.steps[3].gui_summary == {
        "test_passed": None,
        "improvement_suggestions": [],
        "grade": None,
        "raw_summary": "Still no JSON, sorry.",
    }


async def test_a_bad_label_no_model_or_no_run_is_refused_with_a_message(tmp_path):
    run_dir = tmp_path / "run"
    stored_run(run_dir)
    with pytest.raises(RejudgeError, match=r"the label '\.\./x' cannot name a judgements file"):
        await rejudge_run(run_dir, critic=None, feedback=None, label="../x")
    with pytest.raises(RejudgeError, match="give a critic model, a feedback model or both"):
        await rejudge_run(run_dir, critic=None, feedback=None, label="ok")
    with ScriptedModelServer({}) as server:
        critic, feedback = clients(server)
        try:
            with pytest.raises(RunStoreError, match="is not a WebGen run"):
                await rejudge_run(tmp_path / "nothing", critic=critic, feedback=None, label="x")
        finally:
            await critic.close()
            await feedback.close()
    assert not (run_dir / "judgements").exists()
    assert load_judgements(run_dir) == {}
