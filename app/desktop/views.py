"""Putting a stored run into the window's panels (on open, after restore, per step)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from agent_core.state import StepCard
from agent_core.store.records import StepKind, StepRecord
from agent_core.store.run_store import RunStore
from ui.main_window import MainWindow
from ui.step_format import grade_text

THUMB_SIZE = (320, 240)


def feedback_title(step: StepRecord | StepCard) -> str:
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


async def show_files_of_step(window: MainWindow, store: RunStore, index: int | None) -> None:
    """The code panel shows step ``index``'s files, marked against its parent's.

    The blobs are read in a worker thread; the panel is filled back on the event loop.
    """
    code = window.code
    if index is None:
        code.set_files({}, step=None)
        return
    step = store.step(index)
    files, base, choices = await asyncio.to_thread(_step_files, store, step)
    code.diff.set_file_loader(store.files_of)
    code.diff.set_step_choices(choices)
    code.set_files(files, step=index, base=base, base_step=step.parent)
    shown = code.selected_path()
    changed = [path for path in step.files_changed if path in files]
    if changed and (shown is None or shown not in files):
        code.select_file(changed[0])  # open on what the step changed, not on nothing


def _step_files(store: RunStore, step: StepRecord) -> tuple[dict[str, bytes],
                                                             dict[str, bytes], list[int]]:
    choices = [s.index for s in store.steps()]
    # A parent whose record is damaged (left out) gives no base: the files still show.
    base = store.files_of(step.parent) if step.parent in choices else {}
    return store.files_of(step.index), base, choices


def read_workspace_file(store: RunStore, path: str) -> bytes | None:
    """A file the coder just wrote, read from the workspace (None when it is gone)."""
    try:
        return (store.workspace / path).read_bytes()
    except OSError:
        return None


def end_note(reason: str) -> str:
    """The timeline's note for a run that built no working site."""
    return {"model_not_following_format": "Ended: the coder did not follow the reply format",
            "no_working_step": "Ended: no step produced a working site"}.get(reason, "")
