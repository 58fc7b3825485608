"""A streamed reply the server cut short (no finish reason) is an error, never a whole reply.

The scripted server plays llama-cpp-python's ``interrupt_requests``: a request arriving
while it streams ends that stream with ``[DONE]`` and no finish reason.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import pytest

from agent_core.errors import ModelReplyCut
from agent_core.llm.base import Message
from tests.agent_core.llm.conftest import MakeModel
from tests.fakes.model_server import RecordedRequest, Reply, ScriptedModelServer, queue

ASK = [Message("user", "Make a landing page.")]
LONG = "<h1>Bakery</h1>" + "<p>Fresh bread every morning.</p>" * 60
CUT_SAID = ("the coder's server at {url} ended the reply for model 'coder-model' without "
            "finishing it (llama-cpp-python does this when another request arrives)")


@pytest.fixture
def server() -> Iterator[ScriptedModelServer]:
    """A scripted server that interrupts its streams as llama-cpp-python does."""
    with ScriptedModelServer(interrupt_requests=True) as running:
        yield running


async def test_a_stream_cut_by_a_later_request_raises_and_the_later_one_is_whole(
        server: ScriptedModelServer, make_model: MakeModel, sleeps: list[float]) -> None:
    server.set_script("coder-model", lambda r: Reply(
        text=LONG if r.last_user_text == "long" else "<p>short</p>", chunk_delay_s=0.01))
    first, second = make_model("openai"), make_model("openai")
    shown: list[str] = []
    later: asyncio.Task | None = None

    async def on_token(text: str) -> None:
        nonlocal later
        shown.append(text)
        if later is None:  # the reply is on its way: another request arrives
            later = asyncio.create_task(second.complete([Message("user", "short")],
                                                        on_token=lambda _t: None))

    with pytest.raises(ModelReplyCut) as cut:
        await first.complete([Message("user", "long")], on_token=on_token)
    assert later is not None
    whole = await later
    said = str(cut.value)
    assert said.startswith(CUT_SAID.format(url=server.base_url_openai))
    assert f"after {len(''.join(shown))} characters" in said  # what was shown stays shown
    assert 0 < len("".join(shown)) < len(LONG)
    assert not cut.value.retryable and sleeps == []  # not asked again: it would be cut again
    assert (whole.text, whole.finish_reason) == ("<p>short</p>", "stop")
    assert server.interrupts is not None and server.interrupts.cut == [1]


async def test_a_stream_cut_before_any_text_is_not_asked_again_while_another_runs(
        server: ScriptedModelServer, make_model: MakeModel, sleeps: list[float]) -> None:
    first_arrived, other_arrived = threading.Event(), threading.Event()

    def script(request: RecordedRequest) -> Reply:
        if request.last_user_text == "first":
            first_arrived.set()
            other_arrived.wait(10)  # the second request reaches the server before it streams
            return Reply(text=LONG)
        other_arrived.set()
        return Reply(text="<p>second</p>")

    server.set_script("coder-model", script)
    first, second = make_model("openai"), make_model("openai")
    shown: list[str] = []
    asking = asyncio.create_task(first.complete([Message("user", "first")],
                                                on_token=shown.append))
    assert await asyncio.to_thread(first_arrived.wait, 10)  # the first is at the server
    whole = await second.complete([Message("user", "second")], on_token=lambda _t: None)
    with pytest.raises(ModelReplyCut):
        await asking
    assert shown == [] and sleeps == []
    assert len(server.chat_requests) == 2 and whole.text == "<p>second</p>"


async def test_a_reply_without_finish_reason_from_a_server_that_sends_them_is_cut(
        server: ScriptedModelServer, make_model: MakeModel, sleeps: list[float]) -> None:
    server.set_script("coder-model", queue("<p>whole</p>",
                                           Reply(text="<p>half", finish_reason=None)))
    model = make_model("openai")
    first = await model.complete(ASK, on_token=lambda _t: None)
    assert (first.text, first.finish_reason) == ("<p>whole</p>", "stop")
    with pytest.raises(ModelReplyCut, match="without finishing it"):
        await model.complete(ASK, on_token=lambda _t: None)
    assert sleeps == []  # its text was shown: a retry would repeat it


async def test_a_cut_reply_with_nothing_shown_is_asked_again(
        server: ScriptedModelServer, make_model: MakeModel, sleeps: list[float]) -> None:
    server.set_script("coder-model", queue("<p>one</p>", Reply(text="", finish_reason=None),
                                           "<p>two</p>"))
    model = make_model("openai")
    await model.complete(ASK, on_token=lambda _t: None)
    again = await model.complete(ASK, on_token=lambda _t: None)
    assert (again.text, again.finish_reason) == ("<p>two</p>", "stop")
    assert len(sleeps) == 1 and len(server.chat_requests) == 3


async def test_a_server_that_never_sends_a_finish_reason_gives_whole_replies(
        server: ScriptedModelServer, make_model: MakeModel) -> None:
    server.set_script("coder-model", queue(Reply(text="<p>one</p>", finish_reason=None),
                                           Reply(text="<p>two</p>", finish_reason=None)))
    model = make_model("openai")
    replies = [await model.complete(ASK, on_token=lambda _t: None) for _ in range(2)]
    assert [(r.text, r.finish_reason) for r in replies] == [("<p>one</p>", None),
                                                           ("<p>two</p>", None)]
