"""The benchmark's appearance protocol on real Chromium: scrolled strips, one judge request."""

from __future__ import annotations

import socket
from urllib.parse import quote

import pytest

from agent_core.bench import BenchCase, BenchTask, JudgeSettings
from agent_core.bench.appearance import AppearanceJudge, capture_strips
from agent_core.browser import BrowserSession
from agent_core.config import Provider, RoleConfig
from agent_core.llm.factory import make_chat_model
from tests.fakes.model_server import ScriptedModelServer, queue
from tests.support.agent import CRITIC, FAST_RETRY
from tests.support.png import png_pixel, png_size

pytestmark = pytest.mark.slow
RED, GREEN, BLUE = (220, 30, 30), (30, 160, 60), (40, 60, 200)
TASK = BenchTask("000007", "A stock report site with a navy header.", "Data Management", "",
                 (BenchCase(0, "t", "e", "Functional Testing"),))  # fmt: skip


def banded(*bands: tuple[tuple[int, int, int], int]) -> str:
    """A page of stacked colour bands (colour, height in pixels), as a data URL."""
    divs = "".join(f"<div style='height:{h}px;background:rgb{c}'></div>" for c, h in bands)
    return "data:text/html," + quote(f"<!doctype html><body style='margin:0'>{divs}</body>")


TALL = banded((RED, 768), (GREEN, 768), (BLUE, 768), (RED, 300))  # four windows high


def near(colour: tuple[int, int, int], expected: tuple[int, int, int]) -> bool:
    return all(abs(a - b) <= 8 for a, b in zip(colour, expected, strict=True))


async def test_strips_are_one_window_apart_and_at_most_three():
    async with BrowserSession() as session:
        browser = session.page.context.browser
        assert browser is not None
        tall = await capture_strips(browser, TALL, (1024, 768))
        medium = await capture_strips(browser, banded((RED, 1000)), (1024, 768))
        short = await capture_strips(browser, banded((GREEN, 500)), (1024, 768))
    # 2604 px: four windows, so the limit of three; each strip starts one window lower.
    assert tall.page_height == 2604 and len(tall.pngs) == 3
    assert [near(png_pixel(png, 10, 10), c) for png, c in zip(tall.pngs, (RED, GREEN, BLUE),
                                                              strict=True)] == [True] * 3
    assert {png_size(png) for png in tall.pngs} == {(1024, 768)}
    assert (len(medium.pngs), len(short.pngs)) == (2, 1)  # 1000 px: two windows; 500 px: one


async def test_the_judge_sees_every_strip_in_one_request_and_its_grade_is_read(tmp_path):
    reply = "Analysis: the bands are bold but the page has no content.\n\nGrade: 2"
    with ScriptedModelServer({CRITIC: queue(reply)}) as server:
        base = RoleConfig(provider=Provider.OPENAI, model=CRITIC,
                          base_url=server.base_url_openai, max_retries=0)  # fmt: skip
        model = make_chat_model(JudgeSettings().role(base), "critic", retry=FAST_RETRY)
        judge = AppearanceJudge(model, tmp_path, judge={"seed": 42})
        try:
            async with BrowserSession() as session:
                browser = session.page.context.browser
                assert browser is not None
                result = await judge.grade(browser, TASK, TALL)
                with socket.socket() as spare:  # a port nothing listens on
                    spare.bind(("127.0.0.1", 0))
                    dead = f"http://127.0.0.1:{spare.getsockname()[1]}/"
                unreachable = await judge.grade(browser, TASK, dead)
        finally:
            await model.close()
        (request,) = server.chat_requests  # the unreachable site asked no model
    assert len(request.images) == 3
    assert [m["role"] for m in request.messages] == ["system", "user"]
    assert TASK.instruction in request.last_user_text
    assert "scale from 1 to 5" in request.last_user_text
    assert (request.temperature, request.body.get("seed")) == (1.0, 42)
    assert (result.grade, result.judge_text, result.judge) == (2, reply, {"seed": 42})
    assert result.screenshots == [f"bench-shots/000007/strip-{n}.png" for n in (1, 2, 3)]
    assert [(tmp_path / path).read_bytes() for path in result.screenshots] == request.images
    assert unreachable.grade == 0 and unreachable.read == "no screenshot: counted 0"
    assert unreachable.reason.startswith("no screenshot could be taken: the page did not load")
