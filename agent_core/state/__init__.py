"""The run state: one projection of a run's event log behind every view."""

from agent_core.state.actions import Actions, actions_for
from agent_core.state.run_state import (
    CardStatus,
    ChatItem,
    RunState,
    Status,
    StepCard,
    Usage,
    interrupted,
    reduce,
    replay,
)

__all__ = [
    "Actions",
    "CardStatus",
    "ChatItem",
    "RunState",
    "Status",
    "StepCard",
    "Usage",
    "actions_for",
    "interrupted",
    "reduce",
    "replay",
]
