"""The open run's state in the window: every engine event folded in, as it arrives."""

from __future__ import annotations

from collections.abc import Callable

from agent_core.events import Event
from agent_core.state import RunState, Status, reduce


class RunModel:
    """Holds the ``RunState`` of the open run (None: no run is open).

    The session's event bus calls ``apply`` for every event, tokens included, before the
    bridge turns the event into a Qt signal; the views then draw ``state``.
    """

    def __init__(self) -> None:
        self.state: RunState | None = None
        self.status_listeners: list[Callable[[Status | None], None]] = []

    def apply(self, event: Event) -> None:
        """Fold ``event`` into the state (a run that is not open starts from empty)."""
        self._set(reduce(self.state or RunState(), event))

    def reset(self, state: RunState | None) -> None:
        """Show another run (None: none)."""
        self._set(state)

    @property
    def status(self) -> Status | None:
        """The open run's status, None when no run is open."""
        return self.state.status if self.state is not None else None

    def _set(self, state: RunState | None) -> None:
        before = self.status
        self.state = state
        if self.status != before:
            for listener in list(self.status_listeners):
                listener(self.status)
