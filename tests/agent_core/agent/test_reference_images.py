"""Pictures the user attaches: what the coder and the critic receive, and what is kept.

The models are scripted servers speaking the real OpenAI and Ollama protocols; the site is
served and photographed for real.
"""

from __future__ import annotations

import base64
import json

import pytest

from agent_core.config import RunConfig
from agent_core.events import ImagesAttached, ReferenceCompared
from agent_core.protocol.images import prepare_image
from agent_core.state.from_store import load_state
from agent_core.store.inputs import attach_to_instruction, save_input_images
from agent_core.store.run_store import RunStore
from tests.fakes.model_server import ScriptedModelServer, queue
from tests.support.agent import (
    CODER,
    CRITIC,
    DESCRIPTION,
    FAST_TIMEOUTS,
    ReferenceCritic,
    bakery_page,
    coder_reply,
    make_agent,
    settings_for,
)
from tests.support.pictures import mockup, size_and_format

pytestmark = pytest.mark.slow
INSTRUCTION = "A one-page site for a bakery, laid out like the attached mockup."
CONFIG = RunConfig(gui_testing=False, timeouts=FAST_TIMEOUTS)


def _attach(store: RunStore, *pictures: bytes) -> list[str]:
    prepared = [prepare_image(p, f"mock{n}.png") for n, p in enumerate(pictures)]
    return attach_to_instruction(store, [(p.file_name, p.data) for p in prepared])


async def test_a_vision_coder_gets_the_picture_and_the_critic_grades_the_match(tmp_path):
    critic = ReferenceCritic(1, {"note": "Header colour matches; the logo is missing.",
                                 "match": 3})
    coder = queue(coder_reply(bakery_page("Crumb & Co")), coder_reply(signal="finish"))
    with ScriptedModelServer({CODER: coder, CRITIC: critic}) as server:
        agent, events = make_agent(tmp_path / "run", INSTRUCTION,
                                   settings_for(server, "openai", vision="yes"), CONFIG)
        paths = _attach(agent.store, mockup(2400, 1200))
        await agent.run()
        await agent.models.close()
        first = next(r for r in server.chat_requests if r.model == CODER)

    stored = (agent.store.run_dir / paths[0]).read_bytes()
    # Stored scaled to the limit, and sent as an OpenAI image part: a PNG data URL.
    assert paths[0].startswith("inputs/") and size_and_format(stored) == (1568, 784, "PNG")
    opening = first.messages[1]["content"]
    assert opening[0]["type"] == "text" and "Build the following website" in opening[0]["text"]
    url = opening[1]["image_url"]["url"]
    assert url.startswith("data:image/png;base64,")
    assert base64.b64decode(url.split(",", 1)[1]) == stored
    # The critic saw the reference first and the screenshot last.
    sent = critic.compared[0].images
    assert sent[0] == stored and sent[-1] == agent.store.screenshot_path(1).read_bytes()
    # The note is stored with the step (on disk) and announced after it.
    record = json.loads((agent.store.run_dir / "steps" / "000001.json").read_text())
    assert record["reference"]["match_grade"] == 3
    assert record["reference"]["match_note"] == "Header colour matches; the logo is missing."
    assert record["reference"]["images"] == paths and record["reference"]["sent_as"] == "images"
    compared = [e for e in events if isinstance(e, ReferenceCompared)]
    assert [(e.index, e.grade) for e in compared] == [(1, 3)]
    # The event log names the picture and never holds it.
    log = (agent.store.run_dir / "events.jsonl").read_text()
    assert '"images_attached"' in log and paths[0] in log
    assert base64.b64encode(stored[:60]).decode()[:40] not in log
    # A reopened run shows the same: the picture with the instruction, the note on the card.
    state = load_state(RunStore.open(agent.store.run_dir))
    assert state.chat[0].images == tuple(paths)
    assert state.card(1).reference_grade == 3
    assert "logo is missing" in state.card(1).reference_note


async def test_a_text_only_coder_gets_the_critics_description_once(tmp_path):
    critic = ReferenceCritic(1, "not json at all")
    coder = queue(coder_reply(bakery_page("Crumb & Co")), coder_reply(signal="finish"))
    with ScriptedModelServer({CODER: coder, CRITIC: critic}) as server:
        agent, _ = make_agent(tmp_path / "run", INSTRUCTION,
                              settings_for(server, "ollama", vision="no"), CONFIG)
        paths = _attach(agent.store, mockup(800, 500))
        await agent.run()
        await agent.models.close()
        prompts = [r for r in server.chat_requests if r.model == CODER]

    stored = (agent.store.run_dir / paths[0]).read_bytes()
    # The critic was asked once, with the picture as Ollama base64 ``images``.
    assert len(critic.described) == 1
    asked = critic.described[0].messages[-1]
    assert base64.b64decode(asked["images"][0]) == stored
    # The coder never got the picture, but the description, in both steps.
    assert all(not r.images for r in prompts)
    assert all(DESCRIPTION in r.messages[1]["content"] for r in prompts)
    assert "You cannot see it" in prompts[0].messages[1]["content"]
    # The description is recorded with the step that needed it.
    step1 = agent.store.step(1)
    assert step1.reference is not None and step1.reference.sent_as == "descriptions"
    assert [(d.image, d.text) for d in step1.reference.descriptions] == [(paths[0], DESCRIPTION)]
    assert agent.store.step(2).reference.descriptions == ()
    # An unreadable match answer (asked twice) leaves the grade out and says why.
    assert step1.reference.match_grade is None
    assert any("reference match could not be read" in p for p in step1.reference.problems)


async def test_pictures_sent_with_a_follow_up_reach_the_coder_with_the_request(tmp_path):
    critic = ReferenceCritic(2, {"note": "Close.", "match": 4})
    coder = queue(coder_reply(bakery_page("bakery")), coder_reply(signal="finish"),
                  coder_reply(bakery_page("bakery, green")), coder_reply(signal="finish"))
    with ScriptedModelServer({CODER: coder, CRITIC: critic}) as server:
        agent, events = make_agent(tmp_path / "run", "A bakery page.",
                                   settings_for(server, "ollama", vision="yes"), CONFIG)
        await agent.run()
        green = prepare_image(mockup(600, 400, band=(30, 160, 60)), "green.png")
        paths = list(save_input_images(agent.store, [(green.file_name, green.data)]))
        await agent.run("Make the header like this.", images=paths)
        await agent.models.close()
        prompts = [r for r in server.chat_requests if r.model == CODER]

    assert [len(r.images) for r in prompts] == [0, 0, 1, 1]
    last = prompts[2].messages[-1]
    assert "Make the header like this." in last["content"]
    assert base64.b64decode(last["images"][0]) == green.data
    answered = agent.store.step(3)
    assert answered.request == "Make the header like this." and answered.images == paths
    assert answered.reference.match_grade == 4
    assert agent.store.manifest.pending_images == []
    attached = [e for e in events if isinstance(e, ImagesAttached)]
    assert [(e.images, e.request) for e in attached] == [(tuple(paths),
                                                          "Make the header like this.")]
