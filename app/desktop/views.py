"""Putting a stored run into the window's panels (on open, after restore, per step)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from agent_core.agent.reply_format import UNSUCCESSFUL_ENDINGS
from agent_core.store.records import StepKind, StepRecord
from agent_core.store.run_store import RunStore
from agent_core.store.selection import parent_chain
from ui.main_window import MainWindow
from ui.step_format import grade_text

THUMB_SIZE = (320, 240)


def feedback_title(step: StepRecord) -> str:
    """``Feedback after step 3 — Look 4/5 · GUI 5/5``, with the errors flagged."""
    grades = [grade_text("Look", step.appearance_grade)]
    if step.kind is StepKind.GUI_TEST or step.gui_grade is not None:
        grades.append(grade_text("GUI", step.gui_grade))
    flag = " · error" if step.has_error else ""
    return f"Feedback after step {step.index} — {' · '.join(grades)}{flag}"


def load_image(path: Path | None, size: tuple[int, int] | None = None) -> QImage | None:
    """Read (and scale) a screenshot; meant to run in a worker thread."""
    if path is None or not path.is_file():
        return None
    image = QImage(str(path))
    if image.isNull():
        return None
    if size is not None:
        image = image.scaled(*size, Qt.AspectRatioMode.KeepAspectRatio,
                             Qt.TransformationMode.SmoothTransformation)
    return image


async def load_thumbnails(window: MainWindow, store: RunStore, indices: list[int]) -> None:
    """Fill the timeline's thumbnails, newest first, decoding off the event loop."""
    for index in sorted(indices, reverse=True):
        image = await asyncio.to_thread(load_image, store.screenshot_path(index), THUMB_SIZE)
        if image is not None and window.timeline.card(index) is not None:
            window.timeline.set_thumbnail(index, image)


def show_conversation(window: MainWindow, store: RunStore, head: int | None) -> None:
    """The chat as the coder sees it at ``head``: instruction, then each step on the branch."""
    chat = window.chat
    chat.clear()
    chat.add_user_message(store.manifest.instruction)
    steps = {s.index: s for s in store.steps()}
    for step in parent_chain(steps, head):
        show_step_in_chat(window, step)
    if store.manifest.pending_request:
        chat.add_user_message(store.manifest.pending_request)


def show_step_in_chat(window: MainWindow, step: StepRecord) -> None:
    """One stored step in the chat: the user's request, the reply, the feedback."""
    chat = window.chat
    if step.request:
        chat.add_user_message(step.request)
    chat.begin_reply(step.index)
    chat.append_reply(step.index, step.reply)
    chat.end_reply(step.index)
    if step.feedback:
        chat.add_feedback(step.index, step.feedback, title=feedback_title(step),
                          error=step.has_error)


def show_files_of_step(window: MainWindow, store: RunStore, index: int | None) -> None:
    """The code panel shows step ``index``'s files, marked against its parent's."""
    code = window.code
    if index is None:
        code.set_files({}, step=None)
        return
    step = store.step(index)
    base = store.files_of(step.parent) if step.parent else {}
    code.set_file_loader(store.files_of)
    code.set_step_choices([s.index for s in store.steps()])
    code.set_files(store.files_of(index), step=index, base=base)


def end_note(reason: str) -> str:
    """The timeline's note for a run that built no working site."""
    return {"model_not_following_format": "Ended: the coder did not follow the reply format",
            "no_working_step": "Ended: no step produced a working site"}.get(reason, "")


def show_run(window: MainWindow, store: RunStore) -> None:
    """Timeline, chat and code of a run as stored."""
    manifest = store.manifest
    window.timeline.set_steps(store.steps(), head=store.head, best=manifest.best_step)
    if manifest.end_reason in UNSUCCESSFUL_ENDINGS:
        window.timeline.set_end_note(end_note(manifest.end_reason), manifest.end_reason)
    show_conversation(window, store, store.head)
    show_files_of_step(window, store, store.head)
    window.detail.clear()
