"""Pictures the user attaches in the chat: prepared off the GUI thread, kept until sent.

Picked, pasted and dropped pictures are checked, scaled to the run's limit and re-encoded
(:mod:`agent_core.protocol.images`) in a worker thread; the chat's strip shows their
thumbnails. Sending takes them; a start that does not happen gives them back.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import shiboken6
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject, Qt
from PySide6.QtGui import QImage

from agent_core.protocol.images import (
    ImageInputError,
    PreparedImage,
    prepare_image,
    read_image_file,
)
from app.desktop.ops import Notifier, Ops
from ui.chat_input import ChatInput
from ui.chat_messages import UserMessage

MAX_ATTACHED = 8
"""Pictures one message may carry."""
THUMB_PX = 128
PASTED = "pasted image"


@dataclass(frozen=True)
class Attached:
    """A picture ready to send, and its thumbnail."""

    image: PreparedImage
    thumbnail: QImage


class Attachments(QObject):
    """The pictures attached to the next message of the chat.

    Args:
        chat: The chat's input area (its picker, paste and drop offer pictures; its strip
            shows them).
        ops: Runs the preparation as a named operation.
        notifier: Says which pictures were refused and why.
        max_side: The longest side pictures are scaled to (the run config's).
    """

    def __init__(self, chat: ChatInput, ops: Ops, notifier: Notifier,
                 max_side: Callable[[], int]) -> None:
        super().__init__(chat)
        self.chat, self.ops, self.notifier = chat, ops, notifier
        self._max_side = max_side
        self._items: list[Attached] = []
        chat.imagesOffered.connect(self.offer)
        chat.attachmentRemoved.connect(self.remove)

    @property
    def items(self) -> list[Attached]:
        """The attached pictures, in order."""
        return list(self._items)

    def offer(self, sources: Sequence[str | QImage]) -> None:
        """Attach pictures: file paths, or bitmaps (a paste); prepared in a worker thread."""
        copies = [s.copy() if isinstance(s, QImage) else s for s in sources]
        self.ops.run("Attach pictures", self._add(copies))

    async def _add(self, sources: list[str | QImage]) -> None:
        room = MAX_ATTACHED - len(self._items)
        results = await asyncio.to_thread(_prepare_all, sources[:max(room, 0)], self._max_side())
        added = [r for r in results if isinstance(r, Attached)]
        problems = [r for r in results if isinstance(r, str)]
        if len(sources) > room:
            problems.append(f"a message takes at most {MAX_ATTACHED} pictures; "
                            f"{len(sources) - max(room, 0)} were left out")
        known = {a.image.digest for a in self._items}
        self._items += [a for a in added if a.image.digest not in known]
        self._show()
        if problems:
            self.notifier.notify("Not attached: " + "; ".join(problems) + ".", "warning")

    def remove(self, position: int) -> None:
        """Drop the picture at ``position``."""
        if 0 <= position < len(self._items):
            del self._items[position]
            self._show()

    def take(self) -> list[Attached]:
        """The pictures to send with a message; the strip empties."""
        taken, self._items = self._items, []
        self._show()
        return taken

    def give_back(self, taken: Sequence[Attached]) -> None:
        """A message that was not sent keeps its pictures (put back in front)."""
        if taken:
            self._items = [*taken, *self._items][:MAX_ATTACHED]
            self._show()

    def _show(self) -> None:
        self.chat.set_attachments([(a.image.source, a.thumbnail) for a in self._items])


def _prepare_all(sources: Sequence[str | QImage], max_side: int) -> list[Attached | str]:
    """Each source prepared with its thumbnail, or why it was refused (worker thread)."""
    results: list[Attached | str] = []
    for source in sources:
        try:
            if isinstance(source, QImage):
                image = prepare_image(_png_of(source), PASTED, max_side)
            else:
                image = read_image_file(Path(source), max_side)
        except ImageInputError as exc:
            results.append(str(exc))
            continue
        results.append(Attached(image, _thumbnail(image.data)))
    return results


def _png_of(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")  # type: ignore[call-overload]  # the stubs want bytes; Qt a str
    buffer.close()
    return bytes(data.data())


def _thumbnail(data: bytes) -> QImage:
    image = QImage.fromData(data)
    return image.scaled(THUMB_PX, THUMB_PX, Qt.AspectRatioMode.KeepAspectRatio,
                        Qt.TransformationMode.SmoothTransformation)


def load_pictures(run_dir: Path, paths: Sequence[str]) -> list[tuple[str, QImage]]:
    """Thumbnails of a run's attached pictures (worker thread); unreadable ones are skipped."""
    found = []
    for rel in paths:
        image = QImage(str(run_dir / rel))
        if not image.isNull():
            found.append((Path(rel).name, image.scaled(
                THUMB_PX, THUMB_PX, Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation)))
    return found


async def show_pictures(message: UserMessage, run_dir: Path, paths: Sequence[str]) -> None:
    """Load the pictures of a sent message off the GUI thread, then show them on it."""
    items = await asyncio.to_thread(load_pictures, run_dir, paths)
    if shiboken6.isValid(message):  # the chat may have been redrawn meanwhile
        message.set_pictures(items)


__all__ = ["MAX_ATTACHED", "Attached", "Attachments", "load_pictures", "show_pictures"]
