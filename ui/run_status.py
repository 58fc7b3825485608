"""Status-bar fields of a run: phase, step k of N, elapsed time, tokens in and out."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget


def format_elapsed(seconds: float) -> str:
    """``42 s``, ``3 m 05 s`` or ``1 h 02 m``."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} m {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} m"


def format_tokens(count: int) -> str:
    """``950``, ``12.3k`` or ``1.2M``."""
    if count < 1000:
        return str(count)
    if count < 1_000_000:
        return f"{count / 1000:.1f}k"
    return f"{count / 1_000_000:.1f}M"


class RunStatusWidget(QWidget):
    """The permanent fields on the right of the status bar."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(18)
        self.phase_label = QLabel("Idle")
        self.step_label = QLabel("")
        self.elapsed_label = QLabel("")
        self.tokens_label = QLabel("")
        self.tokens_label.setToolTip("Tokens sent to and received from the models in this run")
        for label in (self.phase_label, self.step_label, self.elapsed_label, self.tokens_label):
            layout.addWidget(label)

    def set_phase(self, text: str) -> None:
        """What is happening now, e.g. ``Step 3 · Installing``."""
        self.phase_label.setText(text)

    def set_step(self, current: int | None, limit: int | None) -> None:
        """``Step 3 of 20``; empty when no run is open."""
        if current is None:
            self.step_label.setText("")
        else:
            self.step_label.setText(f"Step {current} of {limit}" if limit else f"Step {current}")

    def set_elapsed(self, seconds: float | None) -> None:
        """Time the current run has been going."""
        self.elapsed_label.setText("" if seconds is None else f"Elapsed {format_elapsed(seconds)}")

    def set_tokens(self, tokens_in: int, tokens_out: int, *, estimated: bool = False) -> None:
        """Tokens in (prompts) and out (replies); ``≈`` when a server reported none."""
        mark = "≈" if estimated else ""
        self.tokens_label.setText(
            f"Tokens in {mark}{format_tokens(tokens_in)} · out {mark}{format_tokens(tokens_out)}")
        self.tokens_label.setToolTip(
            "Estimated: the model server sent no token counts (llama.cpp, LM Studio); they "
            "were counted with its tokenizer or from the text" if estimated else "")
