"""Drawing the open run's state: one path for a run streaming in and a run reopened.

The view keeps the state it drew last and, whenever the model changed, draws only the
difference: new chat entries, the streamed part of a reply, changed cards and markers. A
reopened run is the same difference, taken from an empty state.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from typing import Any

from PySide6.QtCore import QObject, QTimer

from agent_core.events import FileWritten, RunFinished, SandboxPrepared, StepFinished
from agent_core.state import CardStatus, ChatItem, RunState, Status, StepCard
from agent_core.store.run_store import RunStore
from app.desktop.attachments import show_pictures
from app.desktop.bridge import EventBridge
from app.desktop.ops import Notifier
from app.desktop.run_model import RunModel
from app.desktop.views import (
    end_note,
    feedback_title,
    load_thumbnails,
    read_workspace_file,
    show_files_of_step,
)
from ui.chat_messages import UserMessage
from ui.main_window import MainWindow
from ui.step_format import phase_label

CHARS_PER_TOKEN = 4
EMPTY = RunState()
_FAILED_STAGE = {"install": "dependency installation failed",
                 "serve": "the dev server did not start"}


class RunView(QObject):
    """Draws ``model.state`` into the chat, timeline, status bar, code and preview.

    Args:
        window: The main window.
        model: The open run's state.
        bridge: Signals that the model changed (tokens are coalesced there).
        notifier: The notice bar, for what needs the user's attention now.
        store: Returns the open run's store (None when no run is open).
        step_limit: Returns the step limit of the run in flight.
    """

    def __init__(self, window: MainWindow, model: RunModel, bridge: EventBridge,
                 notifier: Notifier, store: Callable[[], RunStore | None],
                 step_limit: Callable[[], int]) -> None:
        super().__init__(window)
        self.window, self.model, self.notifier = window, model, notifier
        self._store, self._step_limit = store, step_limit
        self._drawn = EMPTY
        self._started: float | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._clock = QTimer(self)
        self._clock.setInterval(1000)
        self._clock.timeout.connect(self._tick)
        for name in ("runStarted", "elementScoped", "stepStarted", "userEditStarted",
                     "replyFormatChanged", "phaseChanged", "backtracked", "bestSelected",
                     "stepRestored", "stepRolledBack", "contextTrimmed", "runEnded",
                     "imagesAttached", "referenceCompared"):
            getattr(bridge, name).connect(lambda _e: self.render())
        bridge.tokens.connect(lambda _i, _t: self.render())
        for signal in (bridge.questionAsked, bridge.answerStreamed, bridge.questionAnswered):
            signal.connect(lambda _e: self.render())
        bridge.sandboxPrepared.connect(self._sandbox)
        bridge.fileWritten.connect(self._file_written)
        bridge.serverReady.connect(self._server_ready)
        bridge.stepFinished.connect(self._step_finished)
        bridge.runEnded.connect(self._run_ended)

    # -- drawing ---------------------------------------------------------------------------

    def show(self) -> None:
        """Draw the model's state from scratch (a run opened, a new run, none)."""
        w = self.window
        for panel in (w.chat, w.timeline):
            panel.clear()
        self._drawn = EMPTY
        self._clock.stop()
        self._started = None
        w.run_status.set_elapsed(None)
        self.render(force=True)
        state = self.model.state
        store = self._store()
        if state is not None and store is not None:
            self._spawn(load_thumbnails(w, store, [c.index for c in state.committed]))

    def render(self, *, force: bool = False) -> None:
        """Draw what changed since the last drawing (``force``: the status line as well)."""
        state = self.model.state or EMPTY
        old, self._drawn = self._drawn, state
        if old is state and not force:
            return
        self._draw_chat(old.chat, state)
        self._draw_cards(old, state)
        self._draw_status(old, state)

    def _draw_chat(self, old: tuple[ChatItem, ...], state: RunState) -> None:
        new = state.chat
        if len(new) < len(old) or not all(_extends(a, b) for a, b in zip(old, new, strict=False)):
            self.window.chat.clear()
            old = ()
        chat = self.window.chat
        for position, (before, after) in enumerate(zip(old, new, strict=False)):
            if before is not after and after.kind == "reply":
                chat.append_reply(after.step or 0, after.text[len(before.text):])
                if after.done and not before.done:
                    chat.end_reply(after.step or 0)
            elif before != after and after.kind == "answer":
                draw_answer(chat, after, after.text[len(before.text):])
            elif before.images != after.images:
                self._show_pictures(chat.entry_at(position), after.images)
        for item in new[len(old):]:
            self._add_item(item, state)

    def _show_pictures(self, message: object, images: tuple[str, ...]) -> None:
        """Thumbnails of a sent message's pictures, read from the run folder off the loop."""
        if images and isinstance(message, UserMessage):
            self._spawn(self._load_pictures(message, images))

    async def _load_pictures(self, message: UserMessage, images: tuple[str, ...]) -> None:
        store = self._store()  # looked up once drawn: a reopened run's store is set by then
        if store is not None:
            await show_pictures(message, store.run_dir, images)

    def _add_item(self, item: ChatItem, state: RunState) -> None:
        chat = self.window.chat
        if item.kind == "user":
            self._show_pictures(chat.add_user_message(item.text), item.images)
        elif item.kind == "reply":
            chat.begin_reply(item.step or 0)
            chat.append_reply(item.step or 0, item.text)
            if item.done:
                chat.end_reply(item.step or 0)
        elif item.kind == "feedback":
            card = state.card(item.step or 0)
            title = feedback_title(card) if card else f"Feedback after step {item.step}"
            chat.add_feedback(item.step or 0, item.text, title=title,
                              error=item.level == "error")
        elif item.kind == "question":
            chat.add_question(item.text, item.step)
        elif item.kind == "answer":
            draw_answer(chat, item, item.text)
        else:
            chat.add_notice(item.text, item.level)

    def _draw_cards(self, old: RunState, state: RunState) -> None:
        timeline = self.window.timeline
        before = {c.index: c for c in old.steps}
        if set(before) - {c.index for c in state.steps}:
            timeline.clear()
            before = {}
        for card in state.steps:
            _draw_card(timeline, before.get(card.index), card)
        if old.head != state.head or not before:
            timeline.set_head(state.head)
            self.window.candidates.set_head(state.head)
        if old.best != state.best or old.best_reason != state.best_reason or not before:
            timeline.set_best(state.best, state.best_reason)
        note = end_note(state.end_reason) if state.status is Status.FINISHED else ""
        timeline.set_end_note(note, state.end_message)

    def _draw_status(self, old: RunState, state: RunState) -> None:
        status = self.window.run_status
        running = state.status is Status.RUNNING
        if running and self._started is None:
            self._started = time.monotonic()
            self._clock.start()
        elif not running and self._started is not None:
            self._tick()
            self._clock.stop()
            self._started = None
        status.set_phase(_phase_text(state))
        if running and state.running_step is not None:
            status.set_step(state.running_step, self._step_limit())
        elif not running:
            status.set_step(None, None)
        usage = state.usage
        status.set_tokens(usage.prompt_tokens,
                          usage.completion_tokens + state.streamed_chars // CHARS_PER_TOKEN,
                          estimated=usage.estimated)
        if state.running_step is not None and state.running_step != old.running_step:
            self.window.code.begin_live_step(state.running_step)

    def _tick(self) -> None:
        if self._started is not None:
            self.window.run_status.set_elapsed(time.monotonic() - self._started)

    # -- what a live run does beside drawing ----------------------------------------------

    def _sandbox(self, event: SandboxPrepared) -> None:
        self.render()
        if event.warning:
            self.notifier.notify(event.warning, "warning")

    def _file_written(self, event: FileWritten) -> None:
        self.render()
        store = self._store()
        if not event.refused and store is not None:
            self._spawn(self._show_written(store, event.path))

    async def _show_written(self, store: RunStore, path: str) -> None:
        data = await asyncio.to_thread(read_workspace_file, store, path)
        if data is not None:
            self.window.code.file_written(path, data)

    def _server_ready(self, event: Any) -> None:
        self.render()
        self.window.preview.set_url(event.url)

    def _step_finished(self, event: StepFinished) -> None:
        self.render()
        store = self._store()
        if store is None:
            return
        self._spawn(show_files_of_step(self.window, store, store.head))
        self._spawn(load_thumbnails(self.window, store, [event.index]))
        self._spawn(self._warn_runtime_failure(store, event.index))

    def _run_ended(self, event: Any) -> None:
        if isinstance(event, RunFinished) and event.message:  # no working site
            state = self.model.state
            last = state.committed[-1] if state and state.committed else None
            if last is None or not last.errors:
                self.notifier.notify(event.message, "warning")
            else:
                self.notifier.notify(f"{event.message} Step {last.index}: {last.errors[0]}.",
                                     "warning", [("Show step", self._show_step(last.index))])

    async def _warn_runtime_failure(self, store: RunStore, index: int) -> None:
        step = await asyncio.to_thread(store.step, index)
        for stage, log_tail in step.runtime.failures()[:1]:
            what = _FAILED_STAGE[stage]
            tail = log_tail.strip().splitlines()[-3:]
            last = f" Last output: {' / '.join(tail)}" if tail else ""
            self.notifier.notify(
                f"Step {index}: {what}. The agent sees the error and will try to fix it."
                f"{last}", "warning", [("Show step", self._show_step(index))])

    def _show_step(self, index: int) -> Callable[[], None]:
        return lambda: self.window.timeline.stepSelected.emit(index)

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def _extends(before: ChatItem, after: ChatItem) -> bool:
    """``after`` is ``before``, the same reply grown, or the same message with more pictures
    (drawn by appending)."""
    if before is after or before == after:
        return True
    if before.kind == after.kind == "user" and before.text == after.text:
        return after.images[:len(before.images)] == before.images
    return (before.kind == after.kind and after.kind in ("reply", "answer")
            and before.step == after.step
            and after.text.startswith(before.text) and (after.done or not before.done))


def draw_answer(chat: Any, item: ChatItem, new_text: str) -> None:
    """Draw the part of an answer not drawn yet, and its end once it came."""
    chat.append_answer(new_text)
    if item.done:
        chat.end_answer(cut=item.level == "error")


def _draw_card(timeline: Any, before: StepCard | None, card: StepCard) -> None:
    if before is card:
        return
    if card.status is CardStatus.DONE:
        if before is None or before != card:
            timeline.add_step(card)
        return
    if before is None or before.status is not CardStatus.RUNNING:
        timeline.step_started(card.index, card.parent)
        before = None
    if card.status is CardStatus.ABANDONED:
        timeline.step_abandoned(card.index, card.abandoned_reason)
        return
    if before is None or (before.phase, before.phase_detail) != (card.phase, card.phase_detail):
        timeline.phase_changed(card.index, card.phase, card.phase_detail)
    if before is None or before.fragments != card.fragments:
        timeline.tokens_streamed(card.index, card.fragments)


def _phase_text(state: RunState) -> str:
    if state.asking:
        return "Answering your question"
    if state.status is Status.RUNNING:
        if state.running_step is None:
            return "Starting"
        return f"Step {state.running_step} · {phase_label(state.phase, current=True)}"
    return {
        Status.NEW: "Idle",
        Status.FINISHED: "Finished without a working site" if state.end_message else "Finished",
        Status.FAILED: "Failed",
        Status.STOPPED: "Stopped",
        Status.INTERRUPTED: "Interrupted",
    }[state.status]
