"""Ask mode: the coder answers a question about the site with its files in view.

Nothing is applied and no step is made: the reply is never parsed for actions, the workspace
is not touched, and the run's head, steps and manifest stay as they are. The question and
the whole answer are logged as events (the streamed fragments are not), so the chat shows
them live and again when the run is reopened.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from agent_core.agent.context import estimate_tokens, files_section, prompt_budget
from agent_core.config import RoleConfig
from agent_core.errors import WebGenError
from agent_core.events import AnswerToken, Event, EventBus, QuestionAnswered, QuestionAsked
from agent_core.llm.base import ChatModel, Message, Usage
from agent_core.protocol.ask_prompt import ASK_SYSTEM_PROMPT, ask_message
from agent_core.protocol.coder_prompt import effective_instruction
from agent_core.store.run_store import RunStore
from agent_core.store.selection import parent_chain

STOPPED = "stopped before the answer was complete"
CUT = {"length": "the answer was cut off at the coder's reply limit (max tokens)",
       "repetition": "the answer was cut off because it kept repeating itself"}
"""Finish reasons that cut an answer short, and what the chat says about them."""


class EmptyQuestion(WebGenError):
    """The question has no words in it."""


@dataclass(frozen=True)
class Answer:
    """The coder's answer to one question.

    Attributes:
        question: The question as asked (stripped).
        text: The whole answer, exactly as the coder wrote it (never applied).
        step: The step whose files the coder saw (None: the empty start).
        usage: Tokens and seconds of the call.
    """

    question: str
    text: str
    step: int | None
    usage: Usage


def ask_messages(store: RunStore, question: str, coder: RoleConfig) -> list[Message]:
    """The coder's prompt for ``question`` about the run's current step (reads the store).

    The files are those of the head step, the smallest first, as many as the coder's
    context holds beside the task and the question; the rest are named with their size.
    """
    head = store.head
    steps = {s.index: s for s in store.steps()}
    chain = parent_chain(steps, head) if head else []
    task = effective_instruction(store.manifest.instruction, [s.request for s in chain])
    raw = store.files_of(head) if head else {}
    texts: dict[str, str] = {}
    binary: dict[str, int] = {}
    for path, data in raw.items():
        try:
            texts[path] = data.decode("utf-8")
        except UnicodeDecodeError:
            binary[path] = len(data)
    fixed = ask_message(task, "", question, head)
    room = prompt_budget(coder.context_length, coder.max_tokens)
    room -= estimate_tokens(ASK_SYSTEM_PROMPT) + estimate_tokens(fixed)
    files = files_section(texts, max(room, 0), binary) if raw else ""
    return [Message("system", ASK_SYSTEM_PROMPT),
            Message("user", ask_message(task, files, question, head))]


async def ask_coder(store: RunStore, coder: ChatModel, settings: RoleConfig, question: str,
                    bus: EventBus) -> Answer:
    """Ask the coder ``question`` about the run's current step and stream its answer.

    The caller makes sure no run is going on this run directory (it holds the writer's
    lock, and its own run is not running).

    Args:
        store: The run, locked by the caller.
        coder: The coder's client (closed by the caller).
        settings: The coder's settings (its context length sizes the file context).
        question: What the user wants to know.
        bus: Where ``QuestionAsked``, each ``AnswerToken`` and ``QuestionAnswered`` go; the
            question and answer are also appended to the run's event log.

    Raises:
        EmptyQuestion: ``question`` has no words; nothing is logged.
        ModelError: The coder failed; the answer so far and the reason are logged first
            (as for any other failure, and for cancellation).
    """
    question = question.strip()
    if not question:
        raise EmptyQuestion("the question is empty: write what you want to know about the site")
    run_id = store.manifest.run_id
    messages = await asyncio.to_thread(ask_messages, store, question, settings)
    head = store.head
    await _record(store, bus, QuestionAsked(run_id=run_id, question=question, head=head))
    streamed: list[str] = []

    async def on_token(text: str) -> None:
        streamed.append(text)
        await bus.emit(AnswerToken(run_id=run_id, text=text))

    started = time.monotonic()
    try:
        completion = await coder.complete(messages, on_token=on_token)
    except asyncio.CancelledError:
        await _record(store, bus, QuestionAnswered(run_id=run_id, answer="".join(streamed),
                                                   error=STOPPED))
        raise
    except Exception as exc:  # whatever went wrong, the chat must not wait for an answer
        await _record(store, bus, QuestionAnswered(run_id=run_id, answer="".join(streamed),
                                                   error=str(exc) or type(exc).__name__))
        raise
    usage = completion.usage
    answer = completion.text or "".join(streamed)
    await _record(store, bus, QuestionAnswered(
        run_id=run_id, answer=answer, error=CUT.get(completion.finish_reason or "", ""),
        tokens_in=usage.prompt_tokens, tokens_out=usage.completion_tokens,
        tokens_estimated=usage.estimated, seconds=round(time.monotonic() - started, 3)))
    return Answer(question, answer, head, usage)


async def _record(store: RunStore, bus: EventBus, event: Event) -> None:
    """Log ``event`` in the run (off the loop), then tell the subscribers."""
    await asyncio.to_thread(store.append_event, event)
    await bus.emit(event)
