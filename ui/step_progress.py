"""The running step's progress inside its timeline card: phases done, the current one, timing."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ui.step_format import phase_label


def _label(text: str, parent: QWidget, name: str) -> QLabel:
    label = QLabel(text, parent)
    label.setObjectName(name)
    label.setWordWrap(True)
    return label


class StepProgress(QWidget):
    """Where a running step is: "✓ Generating ✓ Installing", "Starting server · 4 s", a detail.

    Args:
        size: The box's size (the card's thumbnail area).
        started: When the step started (``time.monotonic()``).
        parent: The card.

    Attributes:
        progress_label: The phases done, each with a tick.
        phase_label: The current phase, its seconds and the coder's token rate.
        detail_label: What the phase is doing (e.g. the command), cut in the middle.
    """

    def __init__(self, size: tuple[int, int], started: float, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("runningBox")
        self.setFixedSize(*size)
        self._height = size[1]
        self.started = started
        self._phase_started = started
        self._phases: list[str] = []
        self.tokens = 0
        inner = QVBoxLayout(self)
        inner.setContentsMargins(2, 2, 2, 2)
        self.progress_label = _label("", self, "phaseProgress")
        self.phase_label = _label("Waiting for the coder", self, "phaseLabel")
        font = self.phase_label.font()
        font.setBold(True)
        self.phase_label.setFont(font)
        self.detail_label = _label("", self, "phaseDetail")
        self.detail_label.setWordWrap(False)
        small = self.detail_label.font()
        small.setPointSizeF(max(6.0, small.pointSizeF() - 1))
        self.detail_label.setFont(small)
        for label in (self.progress_label, self.phase_label, self.detail_label):
            inner.addWidget(label)
        inner.addStretch(1)

    def set_phase(self, phase: str, detail: str, now: float) -> None:
        """Enter ``phase``: earlier phases get a tick, this one is shown bold with its time."""
        if not self._phases or self._phases[-1] != phase:
            self._phases.append(phase)
        self._phase_started = now
        done = [phase_label(p) for p in self._phases[:-1]]
        self.progress_label.setText("  ".join(f"✓\u00a0{name}" for name in done))
        width = self.width() - 8
        metrics = self.detail_label.fontMetrics()
        self.detail_label.setText(metrics.elidedText(detail, Qt.TextElideMode.ElideMiddle, width))
        self.detail_label.setToolTip(detail)
        self.tick(now)

    def tick(self, now: float) -> None:
        """Refresh the seconds spent in the current phase (and the coder's token rate)."""
        if not self._phases:
            return
        name = phase_label(self._phases[-1], current=True)
        seconds = now - self._phase_started
        text = f"{name} · {int(seconds)} s"
        if self._phases[-1] == "coding" and self.tokens:
            rate = self.tokens / seconds if seconds > 0.5 else 0.0
            text += f" · {self.tokens} tokens · {rate:.1f} tok/s"
        self.phase_label.setText(text)

    def set_compact(self, on: bool) -> None:
        """Keep only the phase line (a short timeline), or show everything again."""
        for label in (self.progress_label, self.detail_label):
            label.setVisible(not on)
        lines = self.fontMetrics().lineSpacing() * 2 + 4
        self.setFixedHeight(lines if on else self._height)
