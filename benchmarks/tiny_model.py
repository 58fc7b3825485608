"""A real small model as the coder: tokens per second, and how many replies parse.

Asks SmolLM2-135M-Instruct (llama.cpp's server, started here) for the first reply of a run,
N times per reply format, through the real client and the real prompts, and counts the
replies that hold at least one action.

    .venv/bin/python -m benchmarks.tiny_model [--replies 5] [--max-tokens 320]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
from pathlib import Path

from agent_core.config import Provider, RoleConfig
from agent_core.llm.base import Message
from agent_core.llm.factory import make_chat_model
from agent_core.protocol.coder_prompt import first_user_message, system_prompt
from agent_core.protocol.parser import parse_reply
from agent_core.protocol.structured import coder_schema, parse_structured
from tests.support.tiny_model import TinyModelServer

INSTRUCTIONS = ("A one-page site for a bakery with its opening hours.",
                "A todo list where tasks can be added and ticked off.",
                "A landing page for a bicycle repair shop with a contact form.")


async def ask(config: RoleConfig, reply_format: str, n: int) -> dict[str, float]:
    model = make_chat_model(config, "coder")
    parsed, rates, tokens = 0, [], []
    try:
        for i in range(n):
            instruction = INSTRUCTIONS[i % len(INSTRUCTIONS)]
            messages = [Message("system", system_prompt(reply_format)),
                        Message("user", first_user_message(instruction))]
            schema = coder_schema() if reply_format == "structured" else None
            reply = await model.complete(messages, on_token=lambda _t: None, schema=schema)
            read = parse_structured(reply.text) if schema else parse_reply(reply.text)
            parsed += bool(read.actions)
            tokens.append(reply.usage.completion_tokens)
            rates.append(reply.usage.completion_tokens / max(reply.usage.seconds, 1e-6))
    finally:
        await model.close()
    return {"replies": n, "with_actions": parsed, "share": parsed / n,
            "median_tokens": statistics.median(tokens),
            "median_tokens_per_s": round(statistics.median(rates), 1)}


def main() -> None:
    """Command-line entry."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replies", type=int, default=5)
    parser.add_argument("--max-tokens", type=int, default=320)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server = TinyModelServer(Path(tmp) / "server.log").start()
        try:
            config = RoleConfig(provider=Provider.OPENAI, model=server.model,
                                base_url=server.base_url, temperature=0.2,
                                max_tokens=args.max_tokens, context_length=8192, max_retries=0)
            results = {fmt: asyncio.run(ask(config, fmt, args.replies))
                       for fmt in ("text", "structured")}
        finally:
            server.stop()
    for fmt, r in results.items():
        print(f"{fmt:>10}: {r['with_actions']}/{r['replies']} replies with an action, "
              f"median {r['median_tokens']} tokens at {r['median_tokens_per_s']} tokens/s")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
