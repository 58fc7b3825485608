"""`webgen run` as a user sees a run that built nothing: exit code 3, the message, the JSON."""

from __future__ import annotations

import json

import pytest

from tests.fakes.model_server import Reply, ScriptedModelServer, queue
from tests.support.agent import CODER, CRITIC, graded
from tests.support.cli import webgen
from tests.support.env import cli_env

PROSE = "I would build a bakery site with React. First, create a component..."


def test_help_documents_the_exit_codes():
    done = webgen("run", "--help")
    assert "3    the run ended without a working site" in done.stdout
    assert "model_not_following_format" in done.stdout
    assert "--coder-reply-format FORMAT" in done.stdout


@pytest.mark.slow
def test_a_coder_that_only_chats_exits_3_with_what_to_try(tmp_path):
    chat = [Reply(text=PROSE, stream_usage=False)] * 3
    with ScriptedModelServer({CODER: queue(*chat), CRITIC: graded()}) as server:
        env = cli_env(server, tmp_path)
        done = webgen("run", "A bakery site", "--out", str(tmp_path / "run"), "--json",
                      "--quiet", "--coder-reply-format", "text", "--no-gui-testing", env=env)
    assert done.returncode == 3, done.stderr
    assert "sent 3 replies in a row without a single action" in done.stderr  # even --quiet
    summary = json.loads(done.stdout)
    assert summary["end_reason"] == "model_not_following_format"
    coder = summary["steps"][0]["usage"]["coder"]
    assert coder["estimated"] is True and coder["completion_tokens"] > 0
    assert set(coder) == {"prompt_tokens", "completion_tokens", "estimated", "tokens_per_second"}
    assert [s["reply_format"] for s in summary["steps"]] == ["text"] * 3
