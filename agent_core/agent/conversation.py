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
from agent_core.store.records import Manifest, StepRecord
from agent_core.store.selection import parent_chain

UNLIMITED = 10**12


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
    turns = [
        Turn(s.index, s.reply, s.feedback, "", follow_up_message(s.request) if s.request else "")
        for s in chain
    ]
    requests = [s.request for s in chain] + [step.request]
    closing = reminder(effective_instruction(manifest.instruction, requests))
    pending = follow_up_message(step.request) if step.request else ""
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
    messages.append(Message("assistant", step.reply))
    if step.feedback:
        messages.append(Message("user", step.feedback))
    return messages
