"""``webgen ask RUN "question"``: the coder answers about a run's site and code; nothing changes."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from agent_core.agent.ask import Answer, ask_coder
from agent_core.config import RoleConfig
from agent_core.errors import RunStoreError
from agent_core.events import AnswerToken, Event, EventBus
from agent_core.llm.base import ChatModel
from agent_core.llm.factory import make_chat_model
from agent_core.store.run_store import RunStore
from app import settings
from app.flags import add_role_flags, role_flags

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_CANCELLED = 0, 1, 2, 130
MODELS_TITLE = "models (flags beat the run's stored settings)"


def add_ask_parser(sub: Any) -> None:
    """Add ``webgen ask`` to the subcommands."""
    ask = sub.add_parser(
        "ask", help="ask the coder about a run's site and code (nothing is changed)",
        description="The coder answers with the files of the run's current step in view. "
        "Nothing is applied and no step is made; the question and answer are kept in the "
        "run's chat. Refused while the run is being run.")
    ask.add_argument("run_dir", type=Path, metavar="RUN_DIR")
    ask.add_argument("question", help="what you want to know about the site or its code")
    ask.add_argument("--json", action="store_true",
                     help="print one JSON object (question, answer, step, tokens) at the end "
                     "instead of streaming the answer")
    add_role_flags(ask, MODELS_TITLE)


def run_ask(args: argparse.Namespace) -> int:
    """Answer the question; exit 0 answered, 1 the coder failed, 2 bad input, 130 Ctrl-C."""
    question = args.question.strip()
    if not question:
        print("webgen: the question is empty: write what you want to know about the site",
              file=sys.stderr)
        return EXIT_USAGE
    store = RunStore.open(args.run_dir)
    stored = settings.model_settings_from_dict(store.manifest.models)
    model_settings = settings.resolve_model_settings(role_flags(args), env={}, file_data={},
                                                     base=stored)
    try:
        store.lock()  # a run going on in this folder (or a window holding it) refuses
    except RunStoreError as exc:
        raise RunStoreError(f"cannot ask now: {exc}") from None
    coder = make_chat_model(model_settings.coder, "coder")
    try:
        answer = asyncio.run(_ask(store, coder, model_settings.coder, question, args.json))
    except KeyboardInterrupt:
        print("\nwebgen: stopped; the answer so far is kept in the run's chat", file=sys.stderr)
        return EXIT_CANCELLED
    finally:
        store.unlock()
    if args.json:
        print(json.dumps({"question": answer.question, "answer": answer.text,
                          "step": answer.step, "prompt_tokens": answer.usage.prompt_tokens,
                          "completion_tokens": answer.usage.completion_tokens}, indent=2))
    return EXIT_OK


async def _ask(store: RunStore, coder: ChatModel, role: RoleConfig, question: str,
               quiet: bool) -> Answer:
    bus = EventBus()
    if not quiet:
        bus.subscribe(_print_fragment)
    try:
        return await ask_coder(store, coder, role, question, bus)
    finally:
        await coder.close()
        if not quiet:
            print(flush=True)  # the answer's last line (or the part that came) ends


def _print_fragment(event: Event) -> None:
    if isinstance(event, AnswerToken):
        print(event.text, end="", flush=True)
