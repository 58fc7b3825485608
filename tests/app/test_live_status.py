"""The CLI's status line on a terminal: phase, seconds, tokens and tokens per second."""

from __future__ import annotations

import io

from agent_core.events import PhaseChanged, RunFinished, RunStarted, StepStarted, Token
from app.live_status import LiveStatus
from app.progress import ProgressPrinter


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_line_shows_tokens_so_far_and_their_rate():
    clock = Clock()
    status = LiveStatus(clock)
    status.update(StepStarted(run_id="r", index=2, parent=1))
    for _ in range(60):
        status.update(Token(run_id="r", index=2, text="ab"))
    clock.now += 3.0
    assert status.text() == "step 2 · the coder is replying · 3 s · 60 tokens · 20.0 tok/s"
    status.update(PhaseChanged(run_id="r", index=2, phase="install", detail="npm install"))
    clock.now += 12.0
    assert status.text() == "step 2 · installing dependencies (npm install) · 12 s"


def test_on_a_terminal_lines_print_above_the_status_and_it_goes_at_the_end():
    out = io.StringIO()
    printer = ProgressPrinter(out, live=True)
    printer(RunStarted(run_id="r", instruction="A bakery", run_dir="/runs/x", workspace="/w"))
    printer(StepStarted(run_id="r", index=1, parent=None))
    printer(RunFinished(run_id="r", reason="finish", best_step=1))
    text = out.getvalue()
    assert "webgen: starting run in /runs/x" in text
    assert "webgen: run finished (finish); best step 1" in text
    assert printer.live is not None and printer.live._live is None  # stopped


def test_off_a_terminal_there_is_no_status_line():
    out = io.StringIO()
    printer = ProgressPrinter(out)
    printer(StepStarted(run_id="r", index=1, parent=None))
    assert printer.live is None
    assert out.getvalue() == "step 1: asking the coder (continues from start)\n"
