"""Roles on one server that cuts a stream when another request arrives (llama-cpp-python).

The feedback model writes the GUI test's instruction at the start of a run. On a server of
its own it writes while the coder works on step one; on the coder's own server it writes
first, so no request of it can arrive while the coder's reply streams.
"""

from __future__ import annotations

import threading

import pytest

from agent_core.config import RunConfig
from agent_core.store.records import RunStatus
from tests.fakes.model_script import error_payload
from tests.fakes.model_server import RecordedRequest, Reply, ScriptedModelServer
from tests.support.agent import (
    CODER,
    CRITIC,
    FAST_TIMEOUTS,
    FEEDBACK,
    WRITER_SYSTEM_START,
    bakery_page,
    coder_reply,
    graded,
    make_agent,
    settings_for,
)

pytestmark = pytest.mark.slow
INSTRUCTION = "A one-page site for a bakery with its opening hours."
REPLY = coder_reply(bakery_page("Open every day from seven"))


class SlowWriter:
    """The feedback model as llama-cpp-python answers it: ``json_schema`` is refused with
    HTTP 500 (the client then asks again with another format), and only once the coder
    was asked, or after a second without it.

    Args:
        coder_asked: Set when the coder's request reaches the server.
    """

    def __init__(self, coder_asked: threading.Event) -> None:
        self.coder_asked = coder_asked
        self.refused = False

    def __call__(self, request: RecordedRequest) -> Reply | str:
        assert request.texts[0].startswith(WRITER_SYSTEM_START)
        if self.refused:
            return "Check that the opening hours are shown."
        self.refused = True
        self.coder_asked.wait(1.0)
        message = "response_format json_schema is not supported by this server"
        return Reply(status=500, error_body=error_payload("openai", 500, message))


async def test_a_feedback_model_on_the_coders_server_writes_before_the_coder_streams(
        tmp_path):
    coder_asked = threading.Event()

    def coder(request: RecordedRequest) -> Reply:
        coder_asked.set()
        return Reply(text=REPLY, chunk_delay_s=0.01)  # a reply that takes a while to stream

    scripts = {CODER: coder, CRITIC: graded(4), FEEDBACK: SlowWriter(coder_asked)}
    with ScriptedModelServer(scripts, interrupt_requests=True) as server:
        agent, _ = make_agent(tmp_path / "run", INSTRUCTION, settings_for(server, "openai"),
                              RunConfig(max_steps=1, timeouts=FAST_TIMEOUTS))
        try:
            outcome = await agent.run()
        finally:
            await agent.models.close()
        order = [r.model for r in server.chat_requests]
        cut = list(server.interrupts.cut)
    assert outcome.status is RunStatus.FINISHED, outcome.reason
    assert agent.store.step(1).reply == REPLY  # whole: no request came while it streamed
    assert cut == []
    assert order[:3] == [FEEDBACK, FEEDBACK, CODER]
    assert agent.store.manifest.test_instruction.startswith("Check that the opening hours")
