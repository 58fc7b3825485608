"""The CLI's progress output: one subscriber of the engine's events, writing to stderr."""

from __future__ import annotations

import sys
from typing import TextIO

from agent_core.events import (
    Backtracked,
    BestSelected,
    CoderContext,
    CoderRequests,
    ContextTrimmed,
    Event,
    FileWritten,
    ImagesAttached,
    PhaseChanged,
    ReferenceCompared,
    ReplyFormatChanged,
    ReplyRestarted,
    RunCancelled,
    RunFailed,
    RunFinished,
    RunStarted,
    SandboxPrepared,
    StepFinished,
    StepRolledBack,
    StepStarted,
    TestInstructionWritten,
    Token,
)
from app.live_status import LiveLine


def _grade(value: int | None) -> str:
    return "-" if value is None else f"{value}/5"


class ProgressPrinter:
    """Prints one line per meaningful event; with ``stream_tokens`` also the coder's text.

    On a terminal (and without ``stream_tokens``) a status line below the printed lines
    shows the phase, seconds, tokens so far and tokens per second (:mod:`app.live_status`).

    Args:
        out: Where to write (stderr by default).
        stream_tokens: Also print the coder's streamed text.
        live: Draw the status line; None decides by whether ``out`` is a terminal.
    """

    def __init__(self, out: TextIO | None = None, *, stream_tokens: bool = False,
                 live: bool | None = None) -> None:
        self.out = out or sys.stderr
        self.stream_tokens = stream_tokens
        if live is None:
            live = not stream_tokens and bool(getattr(self.out, "isatty", lambda: False)())
        self.live = LiveLine(self.out, force_terminal=True) if live else None

    def __call__(self, event: Event) -> None:
        """Handle one event."""
        line = self._format(event)
        if self.live is not None:
            if line is not None:
                self.live.print(line)
            self.live(event)
        elif line is not None:
            print(line, file=self.out, flush=True)

    def close(self) -> None:
        """Take the status line down (the run ended, or was interrupted)."""
        if self.live is not None:
            self.live.stop()

    def _format(self, event: Event) -> str | None:
        match event:
            case Token(text=text) if self.stream_tokens:
                self.out.write(text)
                return None
            case RunStarted(instruction=text, run_dir=run_dir, resumed=resumed):
                verb = "resuming" if resumed else "starting"
                return f"webgen: {verb} run in {run_dir}\n  instruction: {text[:200]}"
            case SandboxPrepared(confined=True, detail=detail):
                return f"  sandbox: model-written code runs confined (bubblewrap {detail})"
            case SandboxPrepared(warning=warning):
                return f"webgen: WARNING: {warning}"
            case StepStarted(index=index, parent=parent):
                return f"step {index}: asking the coder (continues from {parent or 'start'})"
            case PhaseChanged(index=index, phase=phase, detail=detail) if phase != "coding":
                return f"  step {index}: {phase}{' ' + detail if detail else ''}"
            case FileWritten(path=path, size=size, refused=None):
                return f"  wrote {path} ({size} bytes)"
            case FileWritten(path=path, refused=reason):
                return f"  refused {path}: {reason}"
            case TestInstructionWritten(text=text):
                return f"  GUI test instruction: {text[:300]}"
            case ContextTrimmed(index=index, dropped_turns=n):
                return f"  step {index}: folded {n} older turn(s) to fit the coder's context"
            case StepFinished() as e:
                flag = "  ERROR" if e.has_error else ""
                return (f"step {e.index} {e.step_kind}: appearance {_grade(e.appearance_grade)}"
                        f", GUI {_grade(e.gui_grade)}, {e.files_changed} file(s) changed, "
                        f"{e.seconds:.1f} s{flag}")
            case Backtracked(from_index=a, to_index=b, consecutive_errors=n):
                target = f"step {b}" if b else "an empty project"
                return f"backtracking after {n} error steps: from step {a} to {target}"
            case BestSelected(index=index):
                return f"best step: {index}" if index else "no step to select"
            case RunFinished(reason=reason, best_step=best, message=message) if message:
                return f"webgen: run finished ({reason}); best step {best}\n{message}"
            case RunFinished(reason=reason, best_step=best):
                return f"webgen: run finished ({reason}); best step {best}"
            case ReplyFormatChanged(index=index, reply_format=fmt, reason=reason):
                return f"  from step {index}: {fmt} replies ({reason})"
            case CoderRequests(text=text):
                return f"  coder requests: {text}"
            case ReplyRestarted(index=index, reason=reason):
                return f"  step {index}: {reason}; asking again"
            case CoderContext(context_length=n, source=source):
                return f"  coder context: {n} tokens ({source})"
            case RunFailed(error=error):
                return f"webgen: run failed: {error}"
            case RunCancelled():
                return "webgen: run cancelled"
            case ImagesAttached(images=images):
                return f"  attached: {', '.join(images)}"
            case ReferenceCompared(index=index, grade=grade, note=note):
                return f"  step {index}: reference match {_grade(grade)}: {note[:300]}"
            case StepRolledBack(index=index, to_index=to, files=n):
                where = f"step {to}" if to else "the empty start"
                return f"webgen: step {index} did not finish; {n} file(s) put back as at {where}"
        return None


def print_warnings(event: Event, out: TextIO | None = None) -> None:
    """With ``--quiet``: still say, on stderr, when the model's code runs unconfined and why a
    run built no working site."""
    if isinstance(event, SandboxPrepared) and event.warning:
        print(f"webgen: WARNING: {event.warning}", file=out or sys.stderr, flush=True)
    if isinstance(event, RunFinished) and event.message:
        print(f"webgen: {event.message}", file=out or sys.stderr, flush=True)
