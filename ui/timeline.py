"""The step timeline: a horizontal strip of step cards, newest at the right.

The app feeds it the run state's committed step cards (``set_steps``, ``add_step``), the
progress of the running step (``step_started``, ``phase_changed``, ``step_abandoned``),
thumbnails loaded off-thread (``set_thumbnail``) and the head and best markers. A step taken
as several candidates shows as one stacked card (``ui.candidate_stack``). The user's intents
come back as ``stepSelected`` (click, Left/Right, Enter), ``restoreRequested`` (double-click
or the card's context menu) and ``candidatesRequested`` (a stack's badge, Enter on a stack,
the context menu).
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Sequence

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QImage, QKeyEvent, QResizeEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from agent_core.state import StepCard as CardState
from ui.candidate_stack import SPREAD_OUT, STACK_UP, Stack, stacks
from ui.step_card import StepCard
from ui.step_format import PHASE_LABELS, PHASES, CandidateMark

TIMELINE_HEIGHT = 232
"""Room for whole cards with their screenshots."""
COMPACT_HEIGHT = 112
"""Room for cards without screenshots (number, kind, grades, time): for short windows."""
TICK_MS = 500
FOLLOW_SLACK_PX = 8


class TimelineView(QWidget):
    """A horizontal strip of ``StepCard``s with live progress of the running step.

    Signals:
        stepSelected(int): The user picked a committed step (click, Left/Right, Enter).
        restoreRequested(int): The user asked to continue from a step (double-click or the
            context menu's "Restore this step").
        candidatesRequested(int): The user asked to see the candidates of a step side by
            side (a stack's badge, Enter on a stack, the context menu).
    """

    stepSelected = Signal(int)
    restoreRequested = Signal(int)
    candidatesRequested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        """Create an empty timeline."""
        super().__init__(parent)
        self.setObjectName("timelineView")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumHeight(COMPACT_HEIGHT)
        self.setMaximumHeight(TIMELINE_HEIGHT)
        self._compact = False
        self._cards: dict[int, StepCard] = {}
        self._order: list[int] = []
        self._head: int | None = None
        self._best: int | None = None
        self._best_reason = ""
        self._selected: int | None = None
        self._spread: set[int] = set()
        """Candidate groups the user spread out (by their first step)."""
        self._stacks: dict[int, Stack] = {}
        """The stack each stacked step is in."""
        self._follow = True
        self._build()
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self._scroll = QScrollArea(self)
        self._scroll.setObjectName("timelineScroll")
        self._scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._scroll.setFrameShape(QFrame.Shape.NoFrame)
        self._scroll.setWidgetResizable(True)
        self._scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self._strip = QWidget()
        self._strip.setObjectName("timelineStrip")
        self._row = QHBoxLayout(self._strip)
        self._row.setContentsMargins(6, 4, 6, 4)
        self._row.setSpacing(6)
        self._empty = QLabel("No steps yet: start a run to see each step here.", self._strip)
        self._empty.setObjectName("timelineEmpty")
        self._empty.setEnabled(False)
        self._row.addWidget(self._empty)
        self._end_note = QLabel(self._strip)
        self._end_note.setObjectName("timelineEndNote")
        self._end_note.setWordWrap(True)
        self._end_note.setMaximumWidth(260)
        self._end_note.setStyleSheet("color: #b25e00; padding: 4px;")
        self._end_note.setVisible(False)
        self._row.addWidget(self._end_note)
        self._row.addStretch(1)
        self._scroll.setWidget(self._strip)
        outer.addWidget(self._scroll)
        bar = self._scroll.horizontalScrollBar()
        bar.valueChanged.connect(self._on_scrolled)
        bar.rangeChanged.connect(self._on_range_changed)

    # -- committed steps ---------------------------------------------------------------------

    def set_steps(self, steps: Sequence[CardState], *, head: int | None, best: int | None) -> None:
        """Replace every card with one per committed step (thumbnails follow via
        ``set_thumbnail``)."""
        selected = self._selected
        self.setUpdatesEnabled(False)
        try:
            self.clear()
            self._head, self._best = head, best
            for step in sorted(steps, key=lambda s: s.index):
                self._insert(StepCard.for_step(step, self._strip))
            self._restack()
        finally:
            self.setUpdatesEnabled(True)
        if selected in self._cards:
            self.select(selected)

    def add_step(self, step: CardState) -> None:
        """Append a committed step, replacing the running card of the same index."""
        self._remove(step.index)
        self._insert(StepCard.for_step(step, self._strip))
        self._restack()
        self._update_timer()

    # -- the running step --------------------------------------------------------------------

    def step_started(self, index: int, parent: int | None) -> None:
        """Show a running card for step ``index`` (replacing a stopped card of that index)."""
        self._remove(index)
        self._insert(StepCard.running(index, parent, self._strip))
        self._restack()
        self._update_timer()

    def phase_changed(self, index: int, phase: str, detail: str = "") -> None:
        """Move the running card of step ``index`` to ``phase`` (one of ``PHASES``)."""
        card = self._cards.get(index)
        if card is None or (card.step is None and card.is_abandoned()):
            self.step_started(index, None)
            card = self._cards[index]
        if card.is_running():
            card.set_phase(phase, detail, time.monotonic())

    def tokens_streamed(self, index: int, count: int) -> None:
        """The running card of step ``index`` shows ``count`` tokens and their rate."""
        card = self._cards.get(index)
        if card is not None and card.is_running():
            card.set_tokens(count, time.monotonic())

    def step_abandoned(self, index: int, reason: str) -> None:
        """Grey out the running card: "stopped" (user stop) or "failed: <reason>"."""
        card = self._cards.get(index)
        if card is not None and card.is_running():
            card.set_abandoned(reason)
        self._update_timer()

    def set_thumbnail(self, index: int, image: QImage) -> None:
        """Put a screenshot (loaded by the app off the GUI thread) on a card."""
        card = self._cards.get(index)
        if card is not None and card.step is not None:
            card.set_thumbnail(image)

    # -- markers and selection ---------------------------------------------------------------

    def set_head(self, index: int | None) -> None:
        """Move the "current" marker to step ``index`` (None: no marker); a stack holding it
        brings it to the front."""
        self._head = index
        self._restack()

    def set_best(self, index: int | None, reason: str = "") -> None:
        """Move the "★ best" marker; ``reason`` (why it is best) becomes its tooltip."""
        self._best, self._best_reason = index, reason
        self._show_markers()

    def select(self, index: int | None) -> None:
        """Highlight a committed step's card (no signal); None or an unknown index clears.

        A candidate hidden in a stack is selected through the stack's card.
        """
        card = self._cards.get(index) if index is not None else None
        if card is None or not card.is_selectable():
            index = None
        self._selected = index
        shown = self._show_selection()
        if shown is not None:
            self._scroll.ensureWidgetVisible(self._cards[shown], 8, 0)

    def selected(self) -> int | None:
        """The highlighted step, if any."""
        return self._selected

    def set_end_note(self, text: str, details: str = "") -> None:
        """A note after the last card on how the run ended ("" hides it)."""
        self._end_note.setText(text)
        self._end_note.setToolTip(details)
        self._end_note.setVisible(bool(text))

    def end_note(self) -> str:
        """The shown end note ("" when none)."""
        return self._end_note.text() if self._end_note.isVisibleTo(self) else ""

    def clear(self) -> None:
        """Remove every card and marker."""
        self.set_end_note("")
        for index in list(self._order):
            self._remove(index)
        self._head = self._best = self._selected = None
        self._best_reason = ""
        self._spread.clear()
        self._stacks = {}
        self._follow = True
        self._update_timer()

    def card(self, index: int) -> StepCard | None:
        """The card of step ``index`` (committed or running), if shown."""
        return self._cards.get(index)

    def indices(self) -> list[int]:
        """The indices of all cards, left to right (running and stopped cards included, and
        the candidates hidden in a stack)."""
        return list(self._order)

    def shown_indices(self) -> list[int]:
        """The indices of the cards on the strip, left to right (a stack counts once)."""
        return [i for i in self._order if self.shown_index(i) == i]

    def stack_of(self, index: int) -> Stack | None:
        """The stack step ``index`` is drawn in, if it is in one."""
        return self._stacks.get(index)

    def shown_index(self, index: int | None) -> int | None:
        """The card that shows step ``index``: its own, or the front of its stack."""
        stack = self._stacks.get(index) if index is not None else None
        return stack.front if stack is not None else index

    def is_compact(self) -> bool:
        """Whether the cards leave out their screenshots (the timeline is too short for them)."""
        return self._compact

    def sizeHint(self) -> QSize:
        """Full height, for cards with their screenshots."""
        return QSize(super().sizeHint().width(), TIMELINE_HEIGHT)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Below full height, the cards leave out their screenshots so nothing is cut."""
        super().resizeEvent(event)
        compact = event.size().height() < TIMELINE_HEIGHT
        if compact != self._compact:
            self._compact = compact
            for card in self._cards.values():
                card.set_compact(compact)

    # -- keyboard ----------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Left/Right move the selection (and emit ``stepSelected``); Enter re-emits it, or on
        a stack asks for its candidates side by side."""
        key = event.key()
        if key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            self._move_selection(-1 if key == Qt.Key.Key_Left else 1)
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self._selected is not None:
            if self._selected in self._stacks:
                self.candidatesRequested.emit(self._selected)
            else:
                self.stepSelected.emit(self._selected)
        else:
            super().keyPressEvent(event)

    def _move_selection(self, delta: int) -> None:
        choices = [i for i in self.shown_indices() if self._cards[i].is_selectable()]
        if not choices:
            return
        current = self.shown_index(self._selected)
        if current not in choices:
            target = choices[-1] if delta < 0 else choices[0]
        else:
            position = choices.index(current) + delta
            target = choices[max(0, min(len(choices) - 1, position))]
        if target != current:
            self.select(target)
            self.stepSelected.emit(target)

    # -- internals ---------------------------------------------------------------------------

    def _insert(self, card: StepCard) -> None:
        """Put ``card`` in its place (the caller restacks, which sets its markers)."""
        position = bisect.bisect_left(self._order, card.index)
        self._order.insert(position, card.index)
        self._cards[card.index] = card
        self._row.insertWidget(position, card)
        card.set_compact(self._compact)
        card.clicked.connect(self._on_card_clicked)
        card.restoreRequested.connect(self.restoreRequested)
        card.candidatesRequested.connect(self.candidatesRequested)
        card.spreadRequested.connect(self._toggle_spread)
        self._empty.setVisible(False)

    def _restack(self) -> None:
        """Draw each candidate group that can be stacked as one card, the others one by one."""
        states = [c.step for c in self._cards.values() if c.step is not None]
        groups = stacks(states, self._head, self._spread)
        self._stacks = {m: stack for stack in groups.values() for m in stack.members}
        for index, card in self._cards.items():
            stack = self._stacks.get(index)
            mark = CandidateMark.read(card.step.candidate) if card.step is not None else None
            spread = mark is not None and mark.group in self._spread
            card.set_stack(len(stack.members) if stack and stack.front == index else 0,
                           STACK_UP if spread else SPREAD_OUT if stack else "")
            card.setHidden(stack is not None and stack.front != index)
        self._show_markers()
        self._show_selection()

    def _show_selection(self) -> int | None:
        """Draw the selection on the card showing the selected step; returns that card's index."""
        shown = self.shown_index(self._selected)
        for i, card in self._cards.items():
            card.set_selected(i == shown)
        return shown

    def _show_markers(self) -> None:
        best = self._stacks.get(self._best) if self._best is not None else None
        for i, card in self._cards.items():
            committed = card.step is not None
            card.set_head(committed and i == self._head)
            if best is not None and i == best.front and i != self._best:
                card.set_best(True, f"Step {self._best}, a candidate in this stack, is the "
                                    f"best. {self._best_reason}".strip())
            else:
                card.set_best(committed and i == self._best, self._best_reason)

    def _toggle_spread(self, index: int) -> None:
        card = self._cards.get(index)
        mark = CandidateMark.read(card.step.candidate) if card and card.step else None
        if mark is not None:
            self._spread ^= {mark.group}
            self._restack()

    def _remove(self, index: int) -> None:
        card = self._cards.pop(index, None)
        if card is None:
            return
        self._order.remove(index)
        self._row.removeWidget(card)
        card.hide()
        card.deleteLater()
        if self._selected == index:
            self._selected = None
        self._empty.setVisible(not self._order)

    def _on_card_clicked(self, index: int) -> None:
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        self.select(index)
        self.stepSelected.emit(index)

    def _update_timer(self) -> None:
        if any(card.is_running() for card in self._cards.values()):
            if not self._timer.isActive():
                self._timer.start()
        else:
            self._timer.stop()

    def _tick(self) -> None:
        now = time.monotonic()
        for card in self._cards.values():
            card.tick(now)

    def _on_scrolled(self, value: int) -> None:
        bar = self._scroll.horizontalScrollBar()
        self._follow = value >= bar.maximum() - FOLLOW_SLACK_PX

    def _on_range_changed(self, _minimum: int, maximum: int) -> None:
        if self._follow:
            self._scroll.horizontalScrollBar().setValue(maximum)


__all__ = ["PHASES", "PHASE_LABELS", "StepCard", "TimelineView"]
