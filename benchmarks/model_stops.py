"""How quickly a model call ends when it has to: Stop pressed, server gone, no first byte.

For each protocol (OpenAI-compatible and Ollama), with the real client against the scripted
model server on loopback, while a reply streams one character every 0.5 s:
- cancel: from cancelling the call's task until the task has ended;
- server stop: from the server stopping (connections cut) until the client's call fails;
- first byte: how long a call with ``timeout_s=0.2`` takes to give up on a server that
  answers after 2 s (the time out itself included).

    .venv/bin/python -m benchmarks.model_stops [--repeat 5]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import time
from collections.abc import Awaitable, Callable

from agent_core.config import Provider, RoleConfig
from agent_core.errors import ModelTimeout, ModelUnreachable
from agent_core.llm import Message, make_chat_model
from agent_core.llm.base import ChatModel
from tests.fakes.model_server import Reply, ScriptedModelServer, queue
from tests.support.agent import FAST_RETRY

ASK = [Message("user", "Make a landing page.")]
MODEL = "coder-model"
SLOW = Reply(text="a" * 40, chunk_size=1, chunk_delay_s=0.5)


def client(server: ScriptedModelServer, provider: str, **fields: float) -> ChatModel:
    """The real client of ``provider`` aimed at ``server``."""
    url = server.base_url_openai if provider == "openai" else server.base_url_ollama
    config = RoleConfig(provider=Provider(provider), model=MODEL, base_url=url,
                        **{"timeout_s": 10.0, "max_retries": 0, **fields})
    return make_chat_model(config, "coder", api_key=None, retry=FAST_RETRY)


async def streaming(model: ChatModel) -> asyncio.Task[object]:
    """A call whose reply has begun to stream."""
    first = asyncio.Event()
    task = asyncio.create_task(model.complete(ASK, on_token=lambda _: first.set()))
    await asyncio.wait_for(first.wait(), 10)
    return task


async def cancel_s(provider: str) -> float:
    with ScriptedModelServer({MODEL: queue(SLOW)}) as server:
        model = client(server, provider)
        task = await streaming(model)
        started = time.perf_counter()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        seconds = time.perf_counter() - started
        await model.close()
    return seconds


async def server_stop_s(provider: str) -> float:
    server = ScriptedModelServer({MODEL: queue(SLOW)}).start()
    model = client(server, provider)
    task = await streaming(model)
    started = time.perf_counter()
    await asyncio.to_thread(server.stop)
    with contextlib.suppress(ModelUnreachable):
        await task
    seconds = time.perf_counter() - started
    await model.close()
    return seconds


async def first_byte_s(provider: str) -> float:
    with ScriptedModelServer({MODEL: queue(Reply(text="late", delay_s=2.0))}) as server:
        model = client(server, provider, timeout_s=0.2)
        started = time.perf_counter()
        with contextlib.suppress(ModelTimeout):
            await model.complete(ASK, on_token=lambda _: None)
        seconds = time.perf_counter() - started
        await model.close()
    return seconds


async def measure(repeat: int) -> dict[str, dict[str, float]]:
    """Median seconds per case and protocol."""
    cases: dict[str, Callable[[str], Awaitable[float]]] = {
        "cancel": cancel_s, "server stop": server_stop_s, "first byte (0.2 s limit)": first_byte_s,
    }
    results: dict[str, dict[str, float]] = {}
    for name, case in cases.items():
        for provider in ("openai", "ollama"):
            samples = [await case(provider) for _ in range(repeat)]
            results.setdefault(name, {})[provider] = statistics.median(samples)
    return results


def main() -> None:
    """Command-line entry."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    results = asyncio.run(measure(args.repeat))
    print(f"{'case':<26} {'openai s':>9} {'ollama s':>9}")
    for name, by_provider in results.items():
        print(f"{name:<26} {by_provider['openai']:>9.3f} {by_provider['ollama']:>9.3f}")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
