"""The scripted model server itself: error shapes, prompt shutdown, and its CLI form."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

import httpx
import pytest

from agent_core.config import Provider, RoleConfig
from agent_core.errors import ModelServerError, ModelUnreachable
from agent_core.llm import Message, make_chat_model
from tests.agent_core.llm.conftest import PROVIDERS, MakeModel
from tests.fakes.model_server import Reply, ScriptedModelServer, queue

REPO_ROOT = Path(__file__).resolve().parents[3]
ASK = [Message("user", "hi")]


async def test_unknown_model_gets_each_protocols_real_404_shape(
    server: ScriptedModelServer,
) -> None:
    chat = {"model": "ghost", "messages": [{"role": "user", "content": "hi"}]}
    async with httpx.AsyncClient() as http:
        openai_reply = await http.post(f"{server.base_url_openai}/chat/completions", json=chat)
        ollama_reply = await http.post(f"{server.base_url_ollama}/api/chat", json=chat)
        show_reply = await http.post(f"{server.base_url_ollama}/api/show", json={"model": "x"})

    assert openai_reply.status_code == ollama_reply.status_code == show_reply.status_code == 404
    assert openai_reply.json()["error"]["message"] == "The model `ghost` does not exist."
    assert openai_reply.json()["error"]["code"] == "model_not_found"
    assert ollama_reply.json() == {"error": 'model "ghost" not found, try pulling it first'}


async def test_ollama_version_and_show_answer_for_known_models(
    server: ScriptedModelServer,
) -> None:
    server.set_script("coder-model", queue())
    async with httpx.AsyncClient(base_url=server.base_url_ollama) as http:
        version = await http.get("/api/version")
        show = await http.post("/api/show", json={"model": "coder-model"})

    assert version.json()["version"]
    assert show.status_code == 200 and "vision" in show.json()["capabilities"]


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_stop_cuts_a_stream_in_progress_promptly(
    provider: str, server: ScriptedModelServer, make_model: MakeModel
) -> None:
    # Sent whole, this reply would take 250 s: it can only end now if stop cuts it.
    server.set_script("coder-model", queue(Reply(text="x" * 50, chunk_size=1, chunk_delay_s=5)))
    tokens: list[str] = []
    first = asyncio.Event()

    def on_token(token: str) -> None:
        tokens.append(token)
        first.set()

    task = asyncio.create_task(make_model(provider).complete(ASK, on_token=on_token))
    await asyncio.wait_for(first.wait(), 5)

    await asyncio.to_thread(server.stop)

    with pytest.raises(ModelUnreachable, match="not retried"):
        await asyncio.wait_for(task, 5)
    assert 0 < len("".join(tokens)) < 50


def _read_if_present(path: Path) -> str:
    return path.read_text() if path.exists() else ""


async def _wait_for_port(port_file: Path, proc: asyncio.subprocess.Process) -> int:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        text = await asyncio.to_thread(_read_if_present, port_file)
        if text:
            return int(text)
        if proc.returncode is not None:
            raise AssertionError(f"model server exited early with {proc.returncode}")
        await asyncio.sleep(0.05)
    raise AssertionError(f"model server wrote no port to {port_file} within 15 s")


async def test_cli_serves_a_json_script_until_terminated(tmp_path: Path) -> None:
    script = tmp_path / "script.json"
    script.write_text(json.dumps({"coder-model": ["first", {"text": "second", "chunk_size": 2}]}))
    port_file, log = tmp_path / "port", tmp_path / "requests.jsonl"
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.fakes.serve_script",
        "--script",
        str(script),
        "--port-file",
        str(port_file),
        "--requests-log",
        str(log),
        cwd=REPO_ROOT,
    )
    try:
        port = await _wait_for_port(port_file, proc)
        replies = []
        for provider, url in (
            ("openai", f"http://127.0.0.1:{port}/v1"),
            ("ollama", f"http://127.0.0.1:{port}"),
        ):
            config = RoleConfig(
                provider=Provider(provider), model="coder-model", base_url=url, max_retries=0
            )
            model = make_chat_model(config, "coder")
            try:
                replies.append((await model.complete(ASK, on_token=lambda _: None)).text)
                if provider == "ollama":
                    with pytest.raises(ModelServerError, match="script exhausted"):
                        await model.complete(ASK)
            finally:
                await model.close()
    finally:
        proc.terminate()
        returncode = await asyncio.wait_for(proc.wait(), 10)

    assert replies == ["first", "second"]
    assert returncode == 0
    logged = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(e["protocol"], e["model"], e["texts"]) for e in logged] == [
        ("openai", "coder-model", ["hi"]),
        ("ollama", "coder-model", ["hi"]),
        ("ollama", "coder-model", ["hi"]),
    ]
