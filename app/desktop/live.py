"""What the window shows while a run streams in: bridge signals to panel updates."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

from agent_core.events import (
    Backtracked,
    BestSelected,
    ContextTrimmed,
    FileWritten,
    PhaseChanged,
    ReplyFormatChanged,
    RunCancelled,
    RunFailed,
    RunFinished,
    RunStarted,
    SandboxPrepared,
    ServerReady,
    StepFinished,
    StepStarted,
)
from agent_core.store.run_store import RunStore
from app.desktop.bridge import EventBridge
from app.desktop.ops import Notifier
from app.desktop.views import end_note, feedback_title, load_thumbnails, show_files_of_step
from ui.main_window import MainWindow
from ui.step_format import phase_label

CHARS_PER_TOKEN = 4


class LiveRunView(QObject):
    """Connects the bridge's signals to the panels for the run that is open.

    Args:
        window: The main window.
        bridge: The event bridge of the session.
        notifier: The notice bar path.
        store: Returns the open run's store (None when no run is open).
        step_limit: Returns the step limit of the run in flight.
    """

    def __init__(self, window: MainWindow, bridge: EventBridge, notifier: Notifier,
                 store: Callable[[], RunStore | None], step_limit: Callable[[], int]) -> None:
        super().__init__(window)
        self.window = window
        self._bridge = bridge
        self.notifier = notifier
        self._store = store
        self._step_limit = step_limit
        self._started: float | None = None
        self._streamed_chars = 0
        self._stored_tokens = (0, 0)
        self._estimated = False
        self.running_step: int | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._clock = QTimer(self)
        self._clock.setInterval(1000)
        self._clock.timeout.connect(self._tick)
        for name, slot in (("runStarted", self._run_started), ("stepStarted", self._step_started),
                           ("sandboxPrepared", self._sandbox),
                           ("replyFormatChanged", self._format_changed),
                           ("fileWritten", self._file_written), ("phaseChanged", self._phase),
                           ("serverReady", self._server_ready), ("stepFinished", self._finished),
                           ("backtracked", self._backtracked), ("bestSelected", self._best),
                           ("contextTrimmed", self._trimmed), ("runEnded", self._run_ended)):
            getattr(bridge, name).connect(slot)
        bridge.tokens.connect(self._tokens)

    # -- run ---------------------------------------------------------------------------

    def _run_started(self, event: RunStarted) -> None:
        self._started = time.monotonic()
        self._streamed_chars = 0
        self._clock.start()
        self.window.run_status.set_phase("Starting")
        self.update_tokens()

    def _sandbox(self, event: SandboxPrepared) -> None:
        """Say plainly, in the notice bar and the chat, when model code runs unconfined."""
        if event.warning:
            self.notifier.notify(event.warning, "warning")
            self.window.chat.add_notice(event.warning, "warning")

    def _format_changed(self, event: ReplyFormatChanged) -> None:
        self.window.chat.add_notice(
            f"From step {event.index}: {event.reply_format} replies ({event.reason}).", "warning")

    def _tick(self) -> None:
        if self._started is not None:
            self.window.run_status.set_elapsed(time.monotonic() - self._started)

    def _run_ended(self, event: RunFinished | RunFailed | RunCancelled) -> None:
        self._clock.stop()
        self._tick()
        self._started = None
        status = self.window.run_status
        if self.running_step is not None:
            reason = "stopped" if isinstance(event, RunCancelled) else getattr(event, "error", "")
            self.window.timeline.step_abandoned(self.running_step, reason or "stopped")
            self.window.chat.end_reply(self.running_step)
            self.running_step = None
        chat = self.window.chat
        if isinstance(event, RunFinished) and event.message:  # no working site
            self.window.timeline.set_end_note(end_note(event.reason), event.message)
            chat.add_notice(event.message, "warning")
            self._notify_ending(event.message)
            status.set_phase("Finished without a working site")
        elif isinstance(event, RunFinished):
            why = "the coder sent finish" if event.reason == "finish" else "the step limit"
            best = f"; best step {event.best_step}" if event.best_step else ""
            chat.add_notice(f"Run finished ({why}){best}.", "success")
            status.set_phase("Finished")
        elif isinstance(event, RunCancelled):
            chat.add_notice("Stopped. Continue picks up from the current step.", "warning")
            status.set_phase("Stopped")
        else:
            chat.add_notice(f"The run stopped on an error: {event.error}", "error")
            status.set_phase("Failed")

    # -- steps -------------------------------------------------------------------------

    def _step_started(self, event: StepStarted) -> None:
        self.running_step = event.index
        window = self.window
        window.timeline.step_started(event.index, event.parent)
        window.chat.begin_reply(event.index)
        window.code.begin_live_step(event.index)
        window.run_status.set_step(event.index, self._step_limit())

    def _tokens(self, index: int, text: str) -> None:
        self.window.chat.append_reply(index, text)
        self._streamed_chars += len(text)
        self.window.timeline.tokens_streamed(index, self._bridge.fragments.get(index, 0))
        self._show_tokens()

    def _file_written(self, event: FileWritten) -> None:
        store = self._store()
        if event.refused:
            self.window.chat.add_notice(f"Refused to write {event.path}: {event.refused}",
                                        "warning")
            return
        if store is None:
            return
        path = store.workspace / event.path
        try:
            data = path.read_bytes()
        except OSError:
            return
        self.window.code.file_written(event.path, data)

    def _phase(self, event: PhaseChanged) -> None:
        self.window.timeline.phase_changed(event.index, event.phase, event.detail)
        label = phase_label(event.phase, current=True)
        self.window.run_status.set_phase(f"Step {event.index} · {label}")

    def _server_ready(self, event: ServerReady) -> None:
        self.window.preview.set_url(event.url)

    def _finished(self, event: StepFinished) -> None:
        store = self._store()
        if store is None:
            return
        step = store.step(event.index)
        window = self.window
        self.running_step = None
        window.chat.end_reply(step.index)
        if step.feedback:
            window.chat.add_feedback(step.index, step.feedback, title=feedback_title(step),
                                     error=step.has_error)
        window.timeline.add_step(step)
        window.timeline.set_head(store.head)
        show_files_of_step(window, store, step.index)
        self._streamed_chars = 0
        self.update_tokens()
        self._spawn(load_thumbnails(window, store, [step.index]))
        self._warn_runtime_failure(step.index, step.runtime)

    def _notify_ending(self, message: str) -> None:
        """The ending in the notice bar, keeping the last step's problem and a way to it."""
        store = self._store()
        steps = store.steps() if store else []
        last = steps[-1] if steps else None
        if last is None or not last.errors:
            self.notifier.notify(message, "warning")
            return
        self.notifier.notify(
            f"{message} Step {last.index}: {last.errors[0]}.", "warning",
            [("Show step", lambda: self.window.timeline.stepSelected.emit(last.index))])

    def _warn_runtime_failure(self, index: int, runtime: dict) -> None:
        for part, what in (("install", "dependency installation failed"),
                           ("serve", "the dev server did not start")):
            info = runtime.get(part) or {}
            if info.get("ok") is False:
                tail = (info.get("log_tail") or "").strip().splitlines()[-3:]
                last = f" Last output: {' / '.join(tail)}" if tail else ""
                self.notifier.notify(
                    f"Step {index}: {what}. The agent sees the error and will try to fix it."
                    f"{last}", "warning",
                    [("Show step", lambda: self.window.timeline.stepSelected.emit(index))])
                return

    def _backtracked(self, event: Backtracked) -> None:
        if event.consecutive_errors:
            target = f"step {event.to_index}" if event.to_index else "an empty project"
            self.window.chat.add_notice(
                f"{event.consecutive_errors} error steps in a row: going back to {target}.",
                "warning")
        self.window.timeline.set_head(event.to_index)

    def _best(self, event: BestSelected) -> None:
        self.window.timeline.set_best(event.index)
        self.window.timeline.set_head(event.index)

    def _trimmed(self, event: ContextTrimmed) -> None:
        self.window.chat.add_notice(
            f"Step {event.index}: the {event.dropped_turns} oldest step(s) were folded into a "
            "summary so the prompt fits the coder's context.", "info")

    # -- helpers -----------------------------------------------------------------------

    def update_tokens(self) -> None:
        """Recount the stored usage of the open run (after a step, on open), then show it."""
        store = self._store()
        self._stored_tokens = (0, 0)
        self._estimated = False
        for step in store.steps() if store else ():
            for usage in step.usage.values():
                self._stored_tokens = (
                    self._stored_tokens[0] + int(usage.get("prompt_tokens", 0)),
                    self._stored_tokens[1] + int(usage.get("completion_tokens", 0)))
                self._estimated |= bool(usage.get("estimated"))
        self._show_tokens()

    def _show_tokens(self) -> None:
        """Stored usage plus an estimate of the reply streaming now (no store reads)."""
        tokens_in, tokens_out = self._stored_tokens
        self.window.run_status.set_tokens(
            tokens_in, tokens_out + self._streamed_chars // CHARS_PER_TOKEN,
            estimated=self._estimated)

    def _spawn(self, work) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
