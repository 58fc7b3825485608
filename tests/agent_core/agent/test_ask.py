"""Ask mode in the engine: the coder answers with the files in view, and nothing changes."""

from __future__ import annotations

import pytest

from agent_core.agent.ask import EmptyQuestion, ask_coder
from agent_core.errors import ModelError
from agent_core.events import AnswerToken, EventBus, QuestionAnswered, QuestionAsked
from agent_core.state.from_store import load_state
from agent_core.store.run_store import RunStore
from tests.fakes.model_server import Reply, ScriptedModelServer, queue
from tests.support.agent import CODER, make_models, settings_for
from tests.support.ask import ANSWER, QUESTION, files_but_log, run_to_ask_about
from tests.support.runs import StepSpec, build_run


async def ask(server: ScriptedModelServer, store: RunStore, question: str, **coder_kw):
    """Ask through the real client of ``server``; returns the answer and the events seen."""
    models = make_models(settings_for(server, "ollama", **coder_kw))
    events: list = []
    bus = EventBus()
    bus.subscribe(events.append)
    store.lock()
    try:
        answer = await ask_coder(store, models.coder, models.settings.coder, question, bus)
    finally:
        store.unlock()
        await models.close()
    return answer, events


async def test_the_coder_sees_the_files_and_question_and_its_actions_are_not_applied(tmp_path):
    with ScriptedModelServer({CODER: queue(Reply(text=ANSWER, chunk_size=16))}) as server:
        store = run_to_ask_about(tmp_path / "run", settings_for(server, "ollama"))
        before = files_but_log(tmp_path / "run")
        answer, events = await ask(server, store, f"  {QUESTION}\n")
        request = server.chat_requests[-1]

    prompt = request.last_user_text
    assert QUESTION in prompt and "Build a bakery site" in prompt
    assert "--- src/App.jsx ---" in prompt and "<h1>Step 2</h1>" in prompt  # the head's files
    assert "after step 2" in prompt
    assert "nothing in this conversation is executed" in request.texts[0].lower()
    assert answer.text == ANSWER and answer.step == 2
    # Nothing was applied: no file, no step, no manifest change; only the log grew.
    assert files_but_log(tmp_path / "run") == before
    reopened = RunStore.open(tmp_path / "run")
    assert [s.index for s in reopened.steps()] == [1, 2] and reopened.head == 2
    kinds = [type(e) for e in events]
    assert kinds[0] is QuestionAsked and kinds[-1] is QuestionAnswered
    assert kinds.count(AnswerToken) > 1  # streamed
    assert "".join(e.text for e in events if isinstance(e, AnswerToken)) == ANSWER
    # The chat of the reopened run holds the question and the whole answer, as text.
    chat = load_state(reopened).chat
    assert [(c.kind, c.text, c.done) for c in chat[-2:]] == [
        ("question", QUESTION, True), ("answer", ANSWER, True)]
    assert chat[-2].step == 2


async def test_files_that_do_not_fit_the_context_are_named_not_sent(tmp_path):
    big = "// filler line of a large module\n" * 400
    files = {"src/App.jsx": "export default () => <h1>Hi</h1>;\n", "src/big.js": big}
    with ScriptedModelServer({CODER: queue("The heading is in src/App.jsx.")}) as server:
        store = build_run(tmp_path / "run", [StepSpec(files=files)],
                          models=settings_for(server, "ollama").to_public_dict())
        await ask(server, store, QUESTION, context_length=2048, max_tokens=512)
        prompt = server.chat_requests[-1].last_user_text
    assert "--- src/App.jsx ---" in prompt
    assert f"- src/big.js ({len(big)} characters, not shown)" in prompt
    assert "filler line" not in prompt


async def test_a_failing_coder_leaves_the_question_and_why_in_the_chat(tmp_path):
    broken = Reply(status=500, error_body={"error": "model crashed"})
    with ScriptedModelServer({CODER: queue(broken, broken, broken)}) as server:
        store = run_to_ask_about(tmp_path / "run", settings_for(server, "ollama"))
        before = files_but_log(tmp_path / "run")
        with pytest.raises(ModelError):
            await ask(server, store, QUESTION)
    assert files_but_log(tmp_path / "run") == before
    state = load_state(RunStore.open(tmp_path / "run"))
    assert not state.asking
    assert state.chat[-2].kind == "question" and state.chat[-2].text == QUESTION
    assert state.chat[-1].kind == "notice" and state.chat[-1].level == "warning"
    assert state.chat[-1].text.startswith("No complete answer:")
    assert "HTTP 500" in state.chat[-1].text and "model crashed" in state.chat[-1].text


async def test_an_empty_question_is_refused_and_nothing_is_logged(tmp_path):
    with ScriptedModelServer({CODER: queue("never asked")}) as server:
        store = run_to_ask_about(tmp_path / "run", settings_for(server, "ollama"))
        with pytest.raises(EmptyQuestion, match="the question is empty"):
            await ask(server, store, "  \n ")
        assert server.chat_requests == []
    assert not (tmp_path / "run" / "events.jsonl").exists()
