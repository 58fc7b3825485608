"""A step taken as several candidates, drawn on the timeline as one stacked card.

The candidates of a step are committed one by one (the siblings first, the chosen one last).
Once the chosen one is in, the timeline shows the group as one card: the step the run
continues from in front (the current step when it is one of them, else the chosen one), the
edges of the others peeking out behind it, and a badge that opens them side by side. The
user may spread a group out again, one card per candidate.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QPainter, QPalette, QPen
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QWidget

from agent_core.state import CardStatus
from agent_core.state import StepCard as CardState
from ui.step_format import CandidateMark, candidate_text

LAYERS = 2
"""Cards drawn behind the front one, whatever the group's size."""
LAYER_STEP = 5
"""How far each card behind peeks out at the right, and how much shorter it is at each end."""
STACK_WIDTH = LAYERS * LAYER_STEP
"""The width a stack takes beside its front card."""
SPREAD_OUT = "Show each candidate on the timeline"
STACK_UP = "Stack the candidates"


@dataclass(frozen=True)
class Stack:
    """A candidate group drawn as one card.

    Attributes:
        group: The index of the group's first step.
        front: The step whose card is in front.
        members: Every candidate's step index, in order.
        chosen: The step the run continued from when the group was taken.
    """

    group: int
    front: int
    members: tuple[int, ...]
    chosen: int


def stacks(cards: Iterable[CardState], head: int | None,
           spread: Collection[int] = ()) -> dict[int, Stack]:
    """The candidate groups to draw stacked, by group.

    A group is stacked once its chosen candidate is committed (it comes last), unless the
    user spread it out (``spread`` holds such groups). The current step is in front when it
    is one of the group, else the chosen candidate.
    """
    members: dict[int, list[int]] = {}
    chosen: dict[int, int] = {}
    for card in cards:
        mark = CandidateMark.read(card.candidate)
        if mark is None or card.status is not CardStatus.DONE:
            continue
        members.setdefault(mark.group, []).append(card.index)
        if mark.chosen:
            chosen[mark.group] = card.index
    result = {}
    for group, indices in members.items():
        if group in spread or group not in chosen or len(indices) < 2:
            continue
        front = head if head in indices else chosen[group]
        result[group] = Stack(group, front, tuple(sorted(indices)), chosen[group])
    return result


def stack_text(count: int) -> str:
    """The badge of a stack: '❐ 4 candidates' (a glyph common fonts have, unlike '⧉')."""
    return f"❐ {count} candidates"


def paint_layers(painter: QPainter, rect: QRectF, palette: QPalette) -> QRectF:
    """Draw the edges of the cards behind a stack's front card; returns the front's rect.

    Args:
        painter: The card's painter (antialiased).
        rect: The whole card's outline, stack included.
        palette: The card's palette (the edges follow light and dark themes).
    """
    painter.setPen(QPen(palette.color(QPalette.ColorRole.Dark), 1.0))
    painter.setBrush(palette.color(QPalette.ColorRole.AlternateBase))
    width = rect.width() - STACK_WIDTH
    for layer in range(LAYERS, 0, -1):  # the farthest first: each nearer one covers it
        shift = layer * LAYER_STEP
        back = QRectF(rect.left() + shift, rect.top() + shift, width, rect.height() - 2 * shift)
        painter.drawRoundedRect(back, 6, 6)
    return rect.adjusted(0, 0, -STACK_WIDTH, 0)


class StackBadge(QToolButton):
    """The badge of a stacked card, "❐ 4 candidates": a click opens them side by side.

    It takes no keyboard focus: the timeline has it, and Enter on a stack does the same.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        """Create a hidden badge."""
        super().__init__(parent)
        self.setObjectName("stackBadge")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setAutoRaise(True)
        self.setStyleSheet("QToolButton { border: 1px solid palette(mid); border-radius: 3px;"
                           " padding: 0px 4px; }")
        self.hide()

    def show_count(self, count: int, front: str) -> None:
        """Show the group's size; ``front`` says which candidate is in front."""
        self.setText(stack_text(count))
        tip = (f"{count} candidate replies for this step; {front} is in front. Click, or "
               "press Enter on the card, to compare them side by side.")
        self.setToolTip(tip)
        self.setAccessibleName(f"Compare the {count} candidates")
        self.setAccessibleDescription(tip)
        self.show()


class CandidateRow(QWidget):
    """A card's line about its candidate: "❐ 2 of 4 · sibling", or a stack's badge.

    Signals:
        compareClicked(): The user clicked the stack's badge.

    Attributes:
        label: The candidate's place in its group (hidden for a plain step or a stack).
        badge: The stack's "❐ 4 candidates" badge (hidden unless stacked).
    """

    compareClicked = Signal()

    def __init__(self, card: CardState, parent: QWidget | None = None) -> None:
        """The line of committed step ``card``."""
        super().__init__(parent)
        self._mark = CandidateMark.read(card.candidate)
        text, tip = candidate_text(card)
        self.label = QLabel(text, self)
        self.label.setObjectName("candidateNote")
        self.label.setToolTip(tip)
        self.label.setVisible(bool(text))
        self.badge = StackBadge(self)
        self.badge.clicked.connect(self.compareClicked)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.label)
        row.addWidget(self.badge)
        row.addStretch(1)
        self.setVisible(self._mark is not None)

    def set_stack(self, count: int, index: int) -> str:
        """Show the badge of a stack of ``count`` (0: the label); returns the card's
        accessible name ("" for a card alone)."""
        mark = self._mark
        self.label.setVisible(not count and mark is not None)
        if not count or mark is None:
            self.badge.hide()
            return ""
        front = f"candidate {mark.number} (step {index})"
        self.badge.show_count(count, front)
        return f"Step {index}: a stack of {count} candidates, {front} in front"


__all__ = [
    "LAYERS",
    "SPREAD_OUT",
    "STACK_UP",
    "STACK_WIDTH",
    "CandidateRow",
    "Stack",
    "StackBadge",
    "paint_layers",
    "stack_text",
    "stacks",
]
