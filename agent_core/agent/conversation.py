"""The conversation a stored step was answering, rebuilt from the run directory."""

from __future__ import annotations

from agent_core.agent.context import Turn, fit_conversation
from agent_core.llm.base import Message
from agent_core.protocol.coder_prompt import (
    effective_instruction,
    first_user_message,
    follow_up_message,
    reminder,
    system_prompt,
)
from agent_core.store.records import Manifest, StepKind, StepRecord
from agent_core.store.selection import parent_chain
from agent_core.store.step_kinds import follow_up_of

UNLIMITED = 10**12


def turn_of_step(step: StepRecord, summary: str = "") -> Turn:
    """An earlier step as the coder's conversation holds it.

    A coder step is its reply and the feedback after it, with the follow-up request sent
    before it. A user's edit has no reply: its feedback, which says what the user changed,
    is added to the user message before the coder's next reply.
    """
    request = follow_up_of(step)
    return Turn(step.index, step.reply, step.feedback, summary,
                follow_up_message(request) if request else "",
                by_user=step.kind is StepKind.USER_EDIT)


def prompt_of_step(manifest: Manifest, steps: dict[int, StepRecord], index: int) -> list[Message]:
    """The messages the coder was sent for step ``index``, without context folding.

    The chain of the step's ancestors gives the earlier replies and feedback; the step's own
    follow-up request, if any, ends the last user message, as it did in the run.

    Args:
        manifest: The run's manifest (instruction).
        steps: Every step of the run by index.
        index: The step whose prompt is wanted.
    """
    step = steps[index]
    chain = parent_chain(steps, step.parent)
    turns = [turn_of_step(s) for s in chain]
    requests = [follow_up_of(s) for s in (*chain, step)]
    closing = reminder(effective_instruction(manifest.instruction, requests))
    pending = follow_up_message(requests[-1]) if requests[-1] else ""
    reply_format = step.runtime.reply_format or "text"
    fitted = fit_conversation(system_prompt(reply_format),
                              first_user_message(manifest.instruction), turns,
                              {}, UNLIMITED, closing, pending)
    return fitted.messages


def trajectory_of_step(manifest: Manifest, steps: dict[int, StepRecord],
                       index: int) -> list[Message]:
    """The whole conversation up to and including step ``index``'s reply and feedback."""
    messages = prompt_of_step(manifest, steps, index)
    step = steps[index]
    if step.kind is StepKind.USER_EDIT:  # no reply: the edit joins the last user message
        last = messages[-1]
        messages[-1] = Message(last.role, f"{last.content}\n\n{step.feedback}")
        return messages
    messages.append(Message("assistant", step.reply))
    if step.feedback:
        messages.append(Message("user", step.feedback))
    return messages
