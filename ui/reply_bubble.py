"""The coder's reply in the chat: folded prose and one-line action chips, drawn while it streams."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QFontDatabase, QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from ui.chat_messages import SELECTABLE, ChatEntry, small_font, text_label
from ui.reply_folding import Segment, fold_reply

RENDER_DELAY_MS = 50
"""How long streamed fragments are gathered before a reply bubble is drawn again."""


def chip_text(segment: Segment) -> str:
    """The one-line text of an action chip, e.g. ``"✎ wrote src/App.jsx (42 lines)"``.

    Args:
        segment: A segment of any kind but ``prose``.

    Returns:
        The chip's text.
    """
    detail = f" ({segment.detail})" if segment.detail else ""
    one_line = " ".join(segment.text.split())
    if segment.kind == "wrote":
        return f"✎ wrote {one_line}{detail}"
    if segment.kind == "writing":
        return f"✎ writing {one_line}…{detail}"
    suffix = "…" if segment.detail == "incomplete" else ""
    if segment.kind == "shell":
        return f"$ {one_line}{suffix}"
    if segment.kind == "start":
        return f"▶ {one_line}{suffix}"
    return f"✔ {one_line}"


class ChipLabel(QLabel):
    """A one-line action chip that elides its text when the bubble is narrow.

    The full text stays available as :meth:`full_text` and as the tooltip.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("replyChip")
        self._full = ""
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setTextInteractionFlags(SELECTABLE)
        self.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)

    def set_full_text(self, text: str, tooltip: str) -> None:
        """Show ``text`` (elided to fit) with ``tooltip``."""
        if text != self._full:
            self._full = text
            self.updateGeometry()
            self._elide()
        self.setToolTip(tooltip)

    def full_text(self) -> str:
        """The chip's text before eliding."""
        return self._full

    def sizeHint(self) -> QSize:
        """Wide enough for the whole text on one line."""
        margins = self.contentsMargins()
        width = self.fontMetrics().horizontalAdvance(self._full) + 2 * self.margin()
        return QSize(width + margins.left() + margins.right() + 2, super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:
        """Narrow: the chip elides rather than widening the chat."""
        return QSize(min(self.sizeHint().width(), 48), super().minimumSizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Elide again for the new width."""
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        width = self.contentsRect().width() - 2 * self.margin()
        metrics = self.fontMetrics()
        self.setText(metrics.elidedText(self._full, Qt.TextElideMode.ElideRight, max(width, 0)))


class ReplyBubble(ChatEntry):
    """A coder reply, folded: prose as text, every action as a compact chip.

    Streamed fragments are only collected by :meth:`append`; a single-shot timer redraws
    the bubble at most every :data:`RENDER_DELAY_MS`, reusing its labels.

    Attributes:
        render_count: How many times the content was rebuilt (for tests of coalescing).
    """

    role = "coder"

    def __init__(self, index: int, parent: QWidget | None = None) -> None:
        super().__init__("coderReply", parent)
        self.index = index
        self.render_count = 0
        self._chunks: list[str] = []
        self._segments: list[Segment] = []
        self._labels: list[QLabel] = []
        self._finished = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(RENDER_DELAY_MS)
        self._timer.timeout.connect(self.flush)
        self._build()

    def _build(self) -> None:
        layout = QVBoxLayout(self.frame)
        layout.setContentsMargins(10, 6, 10, 8)
        layout.setSpacing(4)
        header = QHBoxLayout()
        self._header = text_label(f"Step {self.index} · coder", "replyHeader", selectable=False)
        small_font(self._header)
        self._status = text_label("writing…", "replyStatus", selectable=False)
        small_font(self._status)
        header.addWidget(self._header, 1)
        header.addWidget(self._status)
        layout.addLayout(header)
        self._content = QVBoxLayout()
        self._content.setSpacing(3)
        layout.addLayout(self._content)

    def text(self) -> str:
        """The raw reply received so far."""
        if len(self._chunks) > 1:
            self._chunks = ["".join(self._chunks)]
        return self._chunks[0] if self._chunks else ""

    def append(self, fragment: str) -> None:
        """Add a streamed fragment; the bubble is redrawn shortly after."""
        self._chunks.append(fragment)
        if not self._timer.isActive():
            self._timer.start()

    def finish(self) -> None:
        """The reply is complete: draw it now and drop the "writing…" mark."""
        self._finished = True
        self._status.hide()
        self.content_changed()
        self.flush()

    def is_finished(self) -> bool:
        """Whether :meth:`finish` was called."""
        return self._finished

    def segments(self) -> list[Segment]:
        """The segments currently drawn."""
        return list(self._segments)

    def flush(self) -> None:
        """Draw pending text now (the timer does this by itself)."""
        self._timer.stop()
        segments = fold_reply(self.text())
        if self._finished and not segments:
            segments = [Segment("prose", "(The coder sent no text.)")]
        if segments == self._segments:
            return
        self.render_count += 1
        for i, segment in enumerate(segments):
            self._show_segment(i, segment)
        for label in self._labels[len(segments) :]:
            self._content.removeWidget(label)
            label.deleteLater()
        del self._labels[len(segments) :]
        self._segments = segments
        self.content_changed()

    def _show_segment(self, i: int, segment: Segment) -> None:
        chip = segment.kind != "prose"
        label = self._labels[i] if i < len(self._labels) else None
        if label is None or isinstance(label, ChipLabel) != chip:
            label = self._replace_label(i, ChipLabel() if chip else text_label("", "replyProse"))
        if isinstance(label, ChipLabel):
            label.set_full_text(chip_text(segment), segment.text)
            if label.property("kind") != segment.kind:
                label.setProperty("kind", segment.kind)
                label.style().unpolish(label)
                label.style().polish(label)
        elif label.text() != segment.text:
            label.setText(segment.text)

    def _replace_label(self, i: int, label: QLabel) -> QLabel:
        if i < len(self._labels):
            old = self._labels[i]
            self._content.removeWidget(old)
            old.deleteLater()
            self._labels[i] = label
        else:
            self._labels.append(label)
        align = Qt.AlignmentFlag.AlignLeft if isinstance(label, ChipLabel) else Qt.AlignmentFlag(0)
        self._content.insertWidget(i, label, 0, align)
        return label

    def visible_text(self) -> str:
        """The header line, then one line per drawn segment (chips unelided)."""
        lines = [self._header.text()]
        lines += [_full_text(label) for label in self._labels]
        return "\n".join(lines)


def _full_text(label: QLabel) -> str:
    return label.full_text() if isinstance(label, ChipLabel) else label.text()
