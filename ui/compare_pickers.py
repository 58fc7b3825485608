"""The Compare tab's two step pickers: which steps of the open run are shown side by side.

Each picker lists the run's steps with their kind and grades ("Step 4 · Edit · Look 4/5 ·
GUI 3/5 · current"). Choosing a step emits ``pairChosen``; setting the choice from code
(``choose``, ``show_choice``) emits only when asked to.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QWidget

from agent_core.store.records import StepRecord
from ui.step_format import grade_text, kind_label

NO_RUN = "Open a run to compare its steps."
ONE_STEP = "This run has one step so far: a second one can be compared with it."
CHOOSE_TWO = "Choose two steps to compare."
CHOOSE = "choose a step"


def picker_hint(step_count: int) -> str:
    """What the Compare tab says while it shows no pair, given the open run's step count."""
    if step_count >= 2:
        return CHOOSE_TWO
    return ONE_STEP if step_count else NO_RUN


def step_choice_text(step: StepRecord, *, head: int | None, best: int | None) -> str:
    """How a step is listed: number, kind, grades, and whether it is current or best."""
    parts = [f"Step {step.index}", kind_label(step.kind), grade_text("Look", step.appearance_grade),
             grade_text("GUI", step.gui_grade)]
    if step.has_error:
        parts.append("error")
    if step.index == head:
        parts.append("current")
    if step.index == best:
        parts.append("★ best")
    return " · ".join(parts)


class StepPickers(QWidget):
    """"Compare [step] with [step]" above the comparison.

    Signals:
        pairChosen(int, int): The user chose a pair: left step, right step.
    """

    pairChosen = Signal(int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stepPickers")
        self.left_combo = self._combo("leftStepPicker", "The step shown on the left")
        self.right_combo = self._combo("rightStepPicker",
                                       "The step shown on the right; the diff goes towards it")
        self.swap_button = QPushButton("⇄ Swap", self)
        self.swap_button.setObjectName("swapSteps")
        self.swap_button.setToolTip("Put the right step on the left and the left one on the right")
        self.swap_button.clicked.connect(self._swap)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Compare", self))
        layout.addWidget(self.left_combo, 1)
        layout.addWidget(QLabel("with", self))
        layout.addWidget(self.right_combo, 1)
        layout.addWidget(self.swap_button)
        self.set_steps([])

    def _combo(self, name: str, tip: str) -> QComboBox:
        combo = QComboBox(self)
        combo.setObjectName(name)
        combo.setToolTip(tip)
        combo.setPlaceholderText(CHOOSE)
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(8)  # the tab must not widen the window
        combo.activated.connect(self._chosen)
        return combo

    # -- what is listed ---------------------------------------------------------------

    def set_steps(self, steps: Sequence[StepRecord], *, head: int | None = None,
                  best: int | None = None) -> None:
        """List ``steps`` in both pickers; a chosen step still listed stays chosen."""
        chosen = self.chosen()
        for combo, keep in zip((self.left_combo, self.right_combo), chosen, strict=True):
            combo.blockSignals(True)
            combo.clear()
            for step in steps:
                combo.addItem(step_choice_text(step, head=head, best=best), step.index)
            combo.setCurrentIndex(combo.findData(keep) if keep is not None else -1)
            combo.blockSignals(False)
        for widget in (self.left_combo, self.right_combo, self.swap_button):
            widget.setEnabled(len(steps) >= 2)

    def step_count(self) -> int:
        """How many steps the pickers list."""
        return self.left_combo.count()

    def items(self) -> list[str]:
        """The listed steps' texts, in order (both pickers list the same)."""
        return [self.left_combo.itemText(i) for i in range(self.left_combo.count())]

    # -- the choice -------------------------------------------------------------------

    def chosen(self) -> tuple[int | None, int | None]:
        """The chosen left and right steps (None where nothing is chosen)."""
        return self.left_combo.currentData(), self.right_combo.currentData()

    def show_choice(self, left: int | None, right: int | None) -> None:
        """Show ``left`` and ``right`` as chosen, without emitting (None: no choice)."""
        for combo, index in ((self.left_combo, left), (self.right_combo, right)):
            combo.setCurrentIndex(combo.findData(index) if index is not None else -1)

    def choose(self, left: int, right: int) -> None:
        """Choose a pair as the user would: shown, then ``pairChosen`` when both are listed."""
        self.show_choice(left, right)
        self._chosen()

    @Slot()
    def _chosen(self, _index: int = -1) -> None:
        left, right = self.chosen()
        if left is not None and right is not None:
            self.pairChosen.emit(left, right)

    @Slot()
    def _swap(self) -> None:
        left, right = self.chosen()
        self.show_choice(right, left)
        self._chosen()
