"""Which run actions a window offers, decided from the run's status alone."""

from __future__ import annotations

from dataclasses import dataclass

from agent_core.state.run_state import RunState, Status

START, CONTINUE = "▶ Start", "▶ Continue"


@dataclass(frozen=True)
class Situation:
    """What the window knows beside the run's events.

    Attributes:
        read_only: Another process writes the open run.
        example: The open run is the shipped example (scripted models: browse only).
        stopping: A stop was asked and the run has not ended yet.
        selected: A step is selected in the timeline.
    """

    read_only: bool = False
    example: bool = False
    stopping: bool = False
    selected: bool = False


@dataclass(frozen=True)
class Actions:
    """The enabled actions and the chat input's mode (see ``ChatPanel.set_input_mode``)."""

    start: bool
    stop: bool
    restore: bool
    best: bool
    serve: bool
    start_label: str
    input_mode: str


def actions_for(state: RunState | None, situation: Situation = Situation()) -> Actions:
    """The actions for a run in ``state`` (None: no run is open)."""
    if state is None:
        return Actions(True, False, False, False, False, START, "first")
    if situation.read_only or situation.stopping:
        return Actions(False, False, False, False, False, CONTINUE, "busy")
    if state.status is Status.RUNNING:
        return Actions(False, True, False, False, False, CONTINUE, "busy")
    label = START if state.status is Status.NEW else CONTINUE
    if state.asking:  # Stop ends the answer; nothing else may start until it is in
        return Actions(False, True, False, False, False, label, "busy")
    if not state.committed:
        return Actions(not situation.example, False, False, False, False, label,
                       "locked" if situation.example else "follow_up")
    selected = situation.selected
    if situation.example:  # browse, restore and serve; its scripted models cannot continue
        return Actions(False, False, selected, True, True, CONTINUE, "locked")
    return Actions(True, False, selected, True, True, CONTINUE, "follow_up")
