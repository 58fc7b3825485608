"""The Step tab: the selected step's details, with the person's review of it at the right.

The review needs about a third of a small window, room the screenshot wants more. So it is
shown by itself only when the tab is at least ``REVIEW_AUTO_WIDTH`` wide; the "Review" button
in the step's header shows or hides it at any width, and that choice then holds.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QResizeEvent, QShowEvent
from PySide6.QtWidgets import QFrame, QScrollArea, QSplitter, QToolButton, QVBoxLayout, QWidget

from ui.review_form import ReviewForm
from ui.step_detail import StepDetailPanel

REVIEW_AUTO_WIDTH = 900
"""From this width on the review is shown beside the details unless the user hid it."""
REVIEW_WIDTH = 330
"""The review's share of the width when the tab opens (the user can drag the divider)."""


class StepPage(QWidget):
    """The step's details and the review form side by side, the review hideable.

    Args:
        detail: The step detail panel (it gets the "Review" button in its header).
        review: The review form (put in a scroll area of its own for short windows).
        parent: Parent widget.

    Attributes:
        review_button: The checkable "Review" button that shows and hides the review.
        split: The splitter between details and review.
    """

    def __init__(self, detail: StepDetailPanel, review: ReviewForm,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stepPage")
        self._choice: bool | None = None
        self._has_step = detail.step() is not None
        self._review_box = QScrollArea(self)
        self._review_box.setObjectName("reviewScroll")
        self._review_box.setWidgetResizable(True)
        self._review_box.setFrameShape(QFrame.Shape.NoFrame)
        self._review_box.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._review_box.setWidget(review)
        bar = self._review_box.verticalScrollBar().sizeHint().width()
        self._review_box.setMinimumWidth(review.minimumSizeHint().width() + bar)
        self.split = QSplitter(Qt.Orientation.Horizontal, self)
        self.split.setObjectName("stepSplit")
        self.split.addWidget(detail)
        self.split.addWidget(self._review_box)
        self.split.setStretchFactor(0, 1)
        self.split.setStretchFactor(1, 0)
        self.split.setCollapsible(0, False)
        self.split.setCollapsible(1, False)
        self.split.setSizes([800, REVIEW_WIDTH])
        self.review_button = QToolButton(self)
        self.review_button.setObjectName("reviewToggle")
        self.review_button.setText("Review")
        self.review_button.setCheckable(True)
        self.review_button.setToolTip("Show or hide your review of this step")
        self.review_button.toggled.connect(self.set_review_shown)
        detail.add_header_widget(self.review_button)
        detail.stepShown.connect(self._step_shown)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.split)
        self._apply()

    @Slot(bool)
    def set_review_shown(self, shown: bool) -> None:
        """Show or hide the review, whatever the width (the user's choice holds)."""
        self._choice = shown
        self._apply()

    @Slot(bool)
    def _step_shown(self, shown: bool) -> None:
        """No step, no review: an empty, disabled form says nothing (a second launch)."""
        self._has_step = shown
        self._apply()

    def review_shown(self) -> bool:
        """Whether the review is beside the details."""
        return not self._review_box.isHidden()

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Show or hide the review by the new width, unless the user chose."""
        super().resizeEvent(event)
        self._apply()

    def showEvent(self, event: QShowEvent) -> None:
        """Decide by the width the tab has when it is first seen."""
        super().showEvent(event)
        self._apply()

    def _apply(self) -> None:
        shown = self._choice if self._choice is not None else self.width() >= REVIEW_AUTO_WIDTH
        shown = shown and self._has_step
        self._review_box.setHidden(not shown)
        self.review_button.setEnabled(self._has_step)
        self.review_button.blockSignals(True)
        self.review_button.setChecked(shown)
        self.review_button.blockSignals(False)
