"""The bench on real sites: real dev server, Chromium and OpenAI client, scripted models.

One test resumes an interrupted evaluation; the other generates a site with the loop first.
"""

from __future__ import annotations

import json

import pytest

from agent_core.bench import BenchOptions, BenchRunner, load_tasks
from agent_core.config import Provider, RoleConfig, RunConfig
from agent_core.llm.factory import make_chat_model
from tests.agent_core.bench.helpers import (
    COUNTER_SITE,
    VisionScript,
    make_run,
    write_fixture,
)
from tests.fakes.model_server import ScriptedModelServer, queue
from tests.support.agent import (
    CODER,
    CRITIC,
    FAST_AGENT,
    FAST_RETRY,
    FEEDBACK,
    coder_reply,
    make_models,
    settings_for,
)

pytestmark = pytest.mark.slow


def vision_client(server: ScriptedModelServer):
    config = RoleConfig(provider=Provider.OPENAI, model=CRITIC, base_url=server.base_url_openai,
                        timeout_s=20.0, max_retries=0)  # fmt: skip
    return make_chat_model(config, "critic", retry=FAST_RETRY)


def options(runs_dir, **changes) -> BenchOptions:
    return BenchOptions(runs_dir=runs_dir, agent_options=FAST_AGENT, **changes)


async def test_an_interrupted_evaluation_runs_only_the_missing_cases(tmp_path):
    written = write_fixture(tmp_path / "tasks.jsonl", {"000002": [0, 1, 3]})
    (task,) = load_tasks(tmp_path / "tasks.jsonl")
    runs = tmp_path / "runs"
    make_run(runs / task.id, task.instruction, COUNTER_SITE)
    done = {
        "kind": "case",
        "task_id": task.id,
        "case_index": 0,
        "task_category": task.category,
        "case_category": "Data Display Testing",
        "verdict": "YES",
        "reason": "YES - seen",
        "answer": "YES - seen",  # written before the last message was kept
    }
    graded = {"kind": "appearance", "task_id": task.id, "grade": 3, "protocol": "webgen-bench"}
    (runs / "bench-cases.jsonl").write_text(
        json.dumps(done) + "\n" + '{"kind": "case", "task_id": "000002", "case_index": 1, "ver'
    )  # the second case was being written when the bench was killed
    (runs / "bench-appearance.jsonl").write_text(json.dumps(graded) + "\n")
    cases = written[0]["ui_instruct"]
    vision = VisionScript({cases[1]["task"][:40]: "Partially: the button works, the text is odd",
                           cases[2]["task"][:40]: "I could not decide"})  # fmt: skip
    with ScriptedModelServer({CRITIC: vision}) as server:
        model = vision_client(server)
        try:
            report = await BenchRunner([task], options(runs, evaluate_only=True),
                                       critic=model).run()  # fmt: skip
        finally:
            await model.close()

    # Only cases 1 and 2 were tried, each with its own task text; the grade was kept.
    assert vision.gui_tasks == [cases[1]["task"], cases[2]["task"]]
    assert vision.appearance_requests == [] and vision.grades == vision.checks == 0
    assert report.evaluated_cases == 2
    lines = [json.loads(line) for line in (runs / "bench-cases.jsonl").read_text().splitlines()]
    assert [(r["case_index"], r["verdict"]) for r in lines] == [(0, "YES"), (1, "PARTIAL"),
                                                                (2, "NO")]  # fmt: skip
    assert lines[1]["actions"] == [
        "Click [0]",
        "ANSWER; Partially: the button works, the text is odd",
    ]
    assert lines[2]["reason"] == (
        "the answer 'I could not decide' does not start with YES, PARTIAL or NO"
    )
    assert lines[2]["answer"] == "I could not decide" and lines[2]["turns"] == 2
    assert lines[1]["last_message"] == (
        "Thought: The counter shows 1 now.\nAction: ANSWER; Partially: the button works, the "
        "text is odd"
    )
    summary = report.summary.to_json()
    assert summary["cases"] == 3 and summary["strict"] == {"yes": 1, "partial": 1, "no": 1,
                                                           "start_failed": 0}  # fmt: skip
    # Published: case 0 (an older record) is read from its answer, YES; "Partially" is not
    # "PARTIAL", so case 1 is a NO; "I could not decide" is a NO.
    assert summary["published"] == {"yes": 1, "partial": 0, "no": 2, "start_failed": 0}
    assert summary["accuracy_strict"] == 0.5 and summary["accuracy"] == 1 / 3
    assert summary["appearance"] == 3.0
    results = json.loads((runs / "bench-results.json").read_text())
    assert results["accuracy_strict"] == 0.5 and results["missing_cases"] == 0


async def test_generation_builds_missing_runs_then_a_second_bench_does_nothing(tmp_path):
    write_fixture(tmp_path / "tasks.jsonl", {"000005": [2]})
    (task,) = load_tasks(tmp_path / "tasks.jsonl")
    runs = tmp_path / "runs"
    coder = queue(coder_reply(COUNTER_SITE), coder_reply(signal="finish"))
    vision = VisionScript({task.cases[0].task[:40]: "YES - the counter counts"}, grade=5)
    writer = queue("Click the counter and check that it counts.")  # the test instruction
    with ScriptedModelServer({CODER: coder, CRITIC: vision, FEEDBACK: writer}) as server:
        models = make_models(settings_for(server, "openai"))
        try:
            runner = BenchRunner([task], options(runs, run_config=RunConfig(max_steps=4)),
                                 critic=models.critic, agent_models=models)  # fmt: skip
            first = await runner.run()
            requests = len(server.chat_requests)
            again = await BenchRunner([task], options(runs), critic=models.critic,
                                      agent_models=models).run()  # fmt: skip
        finally:
            await models.close()
        assert len(server.chat_requests) == requests, "the second bench asked a model"

    manifest = json.loads((runs / task.id / "manifest.json").read_text())
    assert manifest["status"] == "finished" and manifest["instruction"] == task.instruction
    assert (runs / task.id / "workspace" / "index.html").read_text() == COUNTER_SITE["index.html"]
    # The in-loop critic looked at step 1 during generation; the judge graded the final site
    # once, with the benchmark's protocol (its reply ends with "Grade: 4").
    assert vision.checks == 1 and vision.grades == 1 and len(vision.appearance_requests) == 1
    assert first.summary.to_json()["strict"]["yes"] == 1 and first.summary.appearance == 4.0
    assert first.summary.condition == "full"
    assert again.evaluated_cases == 0 and again.summary.to_json() == first.summary.to_json()
