"""The user's own edit as a committed step: written, graded, seen by the coder, restorable."""

from __future__ import annotations

import asyncio
import json

import pytest

from agent_core.agent.head import restore_step_files
from agent_core.agent.services import StepServices
from agent_core.agent.user_edit import commit_user_edit
from agent_core.config import RunConfig
from agent_core.errors import WebGenError, WorkspaceViolation
from agent_core.events import Event, EventBus, PhaseChanged
from agent_core.store.records import StepKind, StepRecord
from agent_core.store.run_store import RunStore
from tests.fakes.model_server import Reply, ScriptedModelServer, queue
from tests.support.agent import (
    CODER,
    CRITIC,
    FAST_TIMEOUTS,
    CriticScript,
    bakery_page,
    coder_reply,
    graded,
    make_agent,
    make_models,
    settings_for,
)

INSTRUCTION = "A one-page site for a bakery."
OLD = bakery_page("Fresh bread")["index.html"]
NEW = OLD.replace("Fresh bread", "Fresh bread and cakes")
NO_GUI = RunConfig(gui_testing=False, timeouts=FAST_TIMEOUTS)


@pytest.mark.slow
async def test_a_graded_user_edit_is_a_step_the_coder_sees_and_restore_undoes(tmp_path):
    coder = queue(coder_reply(bakery_page("Fresh bread")), coder_reply(signal="finish"),
                  coder_reply(signal="finish"))
    with ScriptedModelServer({CODER: coder, CRITIC: graded(4, 5)}) as server:
        agent, _ = make_agent(tmp_path / "run", INSTRUCTION, settings_for(server, "openai"),
                              NO_GUI)
        store = agent.store
        try:
            await agent.run()
            assert store.head == 2  # the finish step, best with step 1's grade
            bus = EventBus()
            bus.subscribe(store.append_event)
            edit = await commit_user_edit(store, agent.services, 2, {"index.html": NEW},
                                          bus.emit, agent.models.critic)
            workspace_after_edit = (store.workspace / "index.html").read_text()
            agent.config = RunConfig(max_steps=10, gui_testing=False, timeouts=FAST_TIMEOUTS)
            await agent.run("Add a price list.")
        finally:
            await agent.services.close()
            await agent.models.close()
        prompts = [r for r in server.chat_requests if r.model == CODER]

    assert edit == store.step(3)
    assert edit.kind is StepKind.USER_EDIT and edit.parent == 2 and edit.reply == ""
    assert edit.request == "Your edit of index.html"
    assert edit.files_changed == ["index.html"]
    assert set(edit.files) == set(store.step(2).files)
    assert store.files_of(3)["index.html"] == NEW.encode()
    assert workspace_after_edit == NEW
    assert edit.appearance_grade == 5 and edit.critic is not None and not edit.has_error
    assert (store.run_dir / edit.screenshot).is_file()
    assert "Appearance grade: 5/5." in edit.feedback
    logged = [e for e in store.iter_events() if e.get("index") == 3]
    assert logged[0]["kind"] == "user_edit_started" and logged[-1]["kind"] == "step_finished"
    assert [e["phase"] for e in logged if e["kind"] == "phase_changed"] == [
        "write", "serve", "screenshot", "critic", "commit"]
    # The coder's next turn (step 4, after the follow-up) sees the user's change.
    assert store.step(4).parent == 3
    last_user = prompts[2].messages[-1]["content"]
    assert "The user edited the project's files by hand" in last_user
    assert "-<!doctype html><title>Bakery</title><h1>Fresh bread</h1>" in last_user
    assert "+<!doctype html><title>Bakery</title><h1>Fresh bread and cakes</h1>" in last_user
    assert "New request from the user:\nAdd a price list." in last_user
    # Restoring the step before the edit undoes it.
    await restore_step_files(store, agent.services.workspace, 2)
    assert (store.workspace / "index.html").read_text() == OLD


def one_step_run(tmp_path) -> tuple[RunStore, StepServices]:
    store = RunStore.create(tmp_path / "run", INSTRUCTION)
    files = {"index.html": OLD.encode(), "style.css": b"h1 { color: brown; }\n"}
    store.commit_step(StepRecord(1, StepKind.EDIT, None, appearance_grade=4, reply="R",
                                 files=store.put_files(files), files_changed=sorted(files)))
    store.workspace.joinpath("index.html").write_text(OLD)
    store.workspace.joinpath("style.css").write_text("h1 { color: brown; }\n")
    services = StepServices.build(store.workspace, store.run_dir / ".webgen", store.logs_dir,
                                  NO_GUI, None)  # type: ignore[arg-type]  # no critic here
    return store, services


async def test_without_a_critic_the_edit_is_kept_ungraded_and_says_so(tmp_path):
    store, services = one_step_run(tmp_path)
    events: list[Event] = []

    async def emit(event: Event) -> None:
        events.append(event)

    edit = await commit_user_edit(store, services, 1, {"style.css": "h1 { color: red; }\n",
                                                       "index.html": OLD}, emit)

    assert edit.index == 2 and edit.kind is StepKind.USER_EDIT
    assert edit.appearance_grade is None and edit.screenshot is None
    assert edit.files_changed == ["style.css"]  # index.html was saved unchanged
    assert edit.request == "Your edit of style.css"
    assert "The edit was not graded: no critic is configured." in edit.feedback
    assert "-h1 { color: brown; }\n+h1 { color: red; }" in edit.feedback
    assert [e.kind for e in events] == ["user_edit_started", "phase_changed", "file_written",
                                        "phase_changed", "step_finished"]
    assert store.head == 2
    record = json.loads((store.run_dir / "steps" / "000002.json").read_text())
    assert record["kind"] == "user_edit"


@pytest.mark.parametrize(("base", "changes", "error", "said"), [
    (1, {"../outside.txt": "x"}, WorkspaceViolation, "leaves the project folder"),
    (1, {"node_modules/a.js": "x"}, WorkspaceViolation, "node_modules"),
    (3, {"index.html": NEW}, WebGenError, "you edited the files of step 3, but the current "
                                          "step is 1"),
    (1, {"index.html": OLD}, WebGenError, "nothing to save: the files are as they are in "
                                          "step 1"),
])
async def test_a_refused_save_says_why_and_changes_nothing(tmp_path, base, changes, error, said):
    store, services = one_step_run(tmp_path)
    events: list[Event] = []

    async def emit(event: Event) -> None:
        events.append(event)

    with pytest.raises(error, match=said):
        await commit_user_edit(store, services, base, changes, emit)

    assert [s.index for s in store.steps()] == [1] and events == []
    assert (store.workspace / "index.html").read_text() == OLD
    assert not (tmp_path / "run" / "outside.txt").exists()


@pytest.mark.slow
async def test_a_stop_while_the_critic_grades_keeps_the_edit_ungraded(tmp_path):
    slow = Reply(text=json.dumps(CriticScript.check("a bakery page")), delay_s=30)
    with ScriptedModelServer({CRITIC: queue(slow)}) as server:
        models = make_models(settings_for(server, "openai"))
        store, services = one_step_run(tmp_path)
        grading = asyncio.Event()

        async def emit(event: Event) -> None:
            if isinstance(event, PhaseChanged) and event.phase == "critic":
                grading.set()

        save = asyncio.create_task(commit_user_edit(
            store, services, 1, {"index.html": NEW}, emit, models.critic))
        try:
            await asyncio.wait_for(grading.wait(), 60)
            save.cancel()
            with pytest.raises(asyncio.CancelledError):
                await save
        finally:
            await services.close()
            await models.close()

    edit = store.step(2)
    assert edit.kind is StepKind.USER_EDIT and edit.appearance_grade is None
    assert "The edit was not graded: stopped." in edit.feedback
    assert store.head == 2 and (store.workspace / "index.html").read_text() == NEW
