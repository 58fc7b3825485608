"""Serving a restored workspace for the preview, outside any step."""

from __future__ import annotations

import json

import httpx
import pytest

from agent_core.agent.preview import serve_workspace
from agent_core.agent.services import StepServices
from agent_core.config import RunConfig
from tests.fakes.scripted_chat import ScriptedChat
from tests.support.agent import FAST_TIMEOUTS

pytestmark = pytest.mark.slow


def services_in(tmp_path) -> StepServices:
    config = RunConfig(timeouts=FAST_TIMEOUTS)
    return StepServices.build(tmp_path / "ws", tmp_path / "state", tmp_path / "logs", config,
                              ScriptedChat([]))


async def test_serves_a_restored_static_site_and_says_why_an_empty_one_is_not(tmp_path):
    services = services_in(tmp_path)
    try:
        empty = await serve_workspace(services)
        assert empty.url is None and "no package.json or index.html" in empty.error
        services.workspace.restore({"index.html": b"<h1>restored page</h1>"})
        served = await serve_workspace(services)
        assert served.url and served.error == ""
        async with httpx.AsyncClient() as client:
            assert "restored page" in (await client.get(served.url)).text
    finally:
        await services.close()


async def test_a_server_that_crashes_gives_the_error_and_its_output(tmp_path):
    services = services_in(tmp_path)
    package = {"name": "broken", "scripts": {"dev": "node -e \"console.log('boom at start');"
                                                    " process.exit(3)\""}}
    services.workspace.restore({"package.json": json.dumps(package).encode()})
    try:
        result = await serve_workspace(services)
    finally:
        await services.close()
    assert result.url is None
    assert result.error.startswith("the dev server did not start")
    assert "boom at start" in result.log_tail
