"""The run's limits in the toolbar: steps, errors in a row, and candidates per step.

The spin boxes only show and take values; the app decides what a run gets from them and
remembers the candidates count.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSpinBox, QWidget

from agent_core.config import CANDIDATES_OFFERED

MAX_STEPS_TIP = "Steps the agent may take in this run (20 in the paper)"
ERROR_LIMIT_TIP = "Consecutive error steps before going back to the best step"
CANDIDATES_TIP = (
    "<p><b>Coder replies tried at each edit step</b> (1: one reply per step).</p>"
    "<p>Each candidate is a whole site of its own: its own coder reply, its own dev server and "
    "a page of the browser, about 250 MB of memory each. N candidates cost N coder replies and "
    "N sites served per step, so a step takes longer.</p>"
    "<p>What you get: the best of N attempts continues (graded by the critic, broken or blank "
    "pages left out); the others are kept beside it, as a stack on the timeline and side by "
    "side in the Candidates tab, and any of them can be continued instead.</p>")
LOCAL_CODER_TIP = (
    "<p><b>Your coder is an OpenAI-compatible server on this computer.</b> If it is "
    "llama-cpp-python, it cuts a streamed reply short when another request arrives; the run "
    "then asks the cut candidates again, one at a time. To avoid the first cut, start it "
    "with <code>--interrupt_requests False</code>, or put <code>\"coder_requests\": 1</code> "
    "in the settings file.</p>")


def _spin(low: int, high: int, value: int, tip: str, name: str) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(low, high)
    spin.setValue(value)
    spin.setToolTip(tip)
    spin.setAccessibleName(name)
    return spin


class RunLimits(QWidget):
    """Max steps, error limit and candidates per step, side by side.

    ``candidatesChosen`` is emitted when the user changes the candidates count, never when
    :meth:`show_candidates` sets it (a reopened run's count).

    Attributes:
        max_steps: Steps a start or continue may take.
        error_limit: Error steps in a row before going back to the best step.
        candidates: Coder replies tried at each edit step (1 to ``CANDIDATES_OFFERED``).
    """

    candidatesChosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("runLimits")
        self.max_steps = _spin(1, 200, 20, MAX_STEPS_TIP, "Max steps")
        self.error_limit = _spin(1, 50, 5, ERROR_LIMIT_TIP, "Error limit")
        self.candidates = _spin(1, CANDIDATES_OFFERED, 1, CANDIDATES_TIP, "Candidates per step")
        self.candidates.setObjectName("candidatesPerStep")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        for text, spin in (("Max steps", self.max_steps), ("Error limit", self.error_limit),
                           ("Candidates per step", self.candidates)):
            label = QLabel(text)
            label.setBuddy(spin)
            label.setToolTip(spin.toolTip())
            layout.addSpacing(6)
            layout.addWidget(label)
            layout.addWidget(spin)
        layout.addSpacing(4)  # before the toolbar's next separator
        self._candidates_label = label
        self._showing = False
        self.candidates.valueChanged.connect(self._candidates_changed)

    def show_candidates(self, count: int) -> None:
        """Show ``count`` (clamped to the range) without it counting as the user's choice."""
        self._showing = True
        try:
            self.candidates.setValue(count)
        finally:
            self._showing = False

    def set_local_coder(self, local: bool) -> None:
        """Whether the coder is an OpenAI-compatible server on loopback (the tooltip warns
        about llama-cpp-python cutting replies short when several requests arrive)."""
        tip = CANDIDATES_TIP + (LOCAL_CODER_TIP if local else "")
        self.candidates.setToolTip(tip)
        self._candidates_label.setToolTip(tip)

    def _candidates_changed(self, count: int) -> None:
        if not self._showing:
            self.candidatesChosen.emit(count)


__all__ = ["CANDIDATES_TIP", "LOCAL_CODER_TIP", "RunLimits"]
