"""The message widgets of the chat panel: the entry base, user bubble, feedback, notice.

Each entry has a ``role`` (``user``, ``coder``, ``feedback``, ``notice``) and a
``visible_text()`` so the panel can give tests a transcript of what is on screen. The coder
reply lives in :mod:`ui.reply_bubble`.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtGui import QFont, QImage, QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ui.image_strip import ImageStrip

NOTICE_LEVELS = {
    "info": ("ℹ", "#3b7dd8"),
    "success": ("✔", "#2e9d57"),
    "warning": ("⚠", "#c98a0b"),
    "error": ("✖", "#d1453b"),
}
"""Notice level to its glyph and colour (the glyph keeps the level readable without colour)."""

SELECTABLE = Qt.TextInteractionFlag.TextSelectableByMouse


def text_label(text: str, name: str, *, selectable: bool = True) -> QLabel:
    """A word-wrapped plain-text label, selectable unless told otherwise."""
    label = QLabel(text)
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    if selectable:
        label.setTextInteractionFlags(SELECTABLE)
    label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
    return label


def small_font(widget: QWidget) -> None:
    """Make ``widget``'s font a point smaller (for headers and system lines)."""
    font = QFont(widget.font())
    font.setPointSizeF(max(font.pointSizeF() - 1.0, 7.0))
    widget.setFont(font)


class ChatEntry(QWidget):
    """A chat entry: a styled frame inside a wrapper that remembers its measured heights.

    Qt's layouts forget every child's height-for-width whenever a layout is activated, so
    without this each redraw of a streaming reply would lay out the wrapped text of every
    older message again, and a redraw would get slower the longer the chat. The wrapper
    has no layout of its own (a layout would be asked directly, bypassing the cache); it
    keeps :attr:`frame` at its own size and forgets its heights when the frame's content
    changes.

    Attributes:
        frame: The visible frame; subclasses put their layout on it.
    """

    role = ""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"{name}Entry")
        self.frame = QFrame(self)
        self.frame.setObjectName(name)
        self._heights: dict[int, int] = {}
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    def hasHeightForWidth(self) -> bool:
        """Entries wrap their text, so their height depends on their width."""
        return True

    def heightForWidth(self, width: int) -> int:
        """The frame's height at ``width``, measured once per content change."""
        height = self._heights.get(width)
        if height is None:
            height = self.frame.heightForWidth(width)
            if height < 0:  # nothing in the frame wraps (a collapsed feedback): its own height
                height = self.frame.sizeHint().height()
            self._heights[width] = height
        return height

    def sizeHint(self) -> QSize:
        """The frame's size hint."""
        return self.frame.sizeHint()

    def minimumSizeHint(self) -> QSize:
        """The frame's minimum width; no minimum height (the height follows the width).

        The frame's own minimum height is measured at its narrowest, where text wraps the
        most; reporting it would make the chat taller than its content.
        """
        return QSize(self.frame.minimumSizeHint().width(), 0)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Keep the frame covering the entry."""
        super().resizeEvent(event)
        self.frame.setGeometry(self.rect())

    def event(self, event: QEvent) -> bool:
        """The frame asks for a new layout: measure again and tell the chat's layout."""
        if event.type() == QEvent.Type.LayoutRequest:
            self.content_changed()
        elif event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._heights.clear()
        return super().event(event)

    def content_changed(self) -> None:
        """Forget the measured heights and ask the chat's layout to measure again."""
        self._heights.clear()
        self.updateGeometry()

    def visible_text(self) -> str:
        """What the entry shows, as plain text."""
        raise NotImplementedError


class UserMessage(ChatEntry):
    """The user's instruction, set off to the right."""

    role = "user"

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__("userMessage", parent)
        self._text = text
        layout = QHBoxLayout(self.frame)
        layout.setContentsMargins(48, 0, 0, 0)
        bubble = QFrame()
        bubble.setObjectName("userBubble")
        inner = QVBoxLayout(bubble)
        inner.setContentsMargins(10, 6, 10, 6)
        inner.addWidget(text_label(text, "userText"))
        self.pictures = ImageStrip(bubble, removable=False, size=96)
        inner.addWidget(self.pictures)
        layout.addWidget(bubble)

    def set_pictures(self, items: Sequence[tuple[str, QImage]]) -> None:
        """Show the pictures sent with the message (``(name, thumbnail)`` pairs)."""
        self.pictures.set_images(items)
        self.content_changed()

    def visible_text(self) -> str:
        """The instruction as shown, and the pictures' names when it has any."""
        names = self.pictures.names()
        return self._text + (f" [pictures: {', '.join(names)}]" if names else "")


class FeedbackItem(ChatEntry):
    """Feedback sent to the coder after a step; collapsed to its title until opened."""

    role = "feedback"

    def __init__(
        self, index: int, title: str, text: str, *, error: bool, parent: QWidget | None = None
    ) -> None:
        super().__init__("feedbackItem", parent)
        self.frame.setProperty("error", error)
        self.index = index
        self._error = error
        layout = QVBoxLayout(self.frame)
        layout.setContentsMargins(8, 2, 8, 4)
        layout.setSpacing(2)
        row = QHBoxLayout()
        self._button = QToolButton()
        self._button.setObjectName("feedbackToggle")
        self._button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self._button.setArrowType(Qt.ArrowType.RightArrow)
        self._button.setAutoRaise(True)
        self._button.setText(title)
        self._button.setToolTip(f"{title}: show or hide the feedback the coder received")
        # A narrow chat cuts a long title with "…" (whole in the tooltip) rather than the
        # bubble's right edge.
        self._button.setMinimumWidth(self._button.fontMetrics().horizontalAdvance("Feedback…"))
        self._button.clicked.connect(self.toggle)
        row.addWidget(self._button)
        if error:
            badge = text_label("⚠ error", "feedbackErrorBadge", selectable=False)
            small_font(badge)
            row.addWidget(badge)
        row.addStretch(1)
        layout.addLayout(row)
        self._body = text_label(text, "feedbackBody")
        self._body.setContentsMargins(20, 0, 0, 0)
        self._body.hide()
        layout.addWidget(self._body)

    def title(self) -> str:
        """The title shown next to the arrow."""
        return self._button.text()

    def is_error(self) -> bool:
        """Whether the step this feedback follows had an error."""
        return self._error

    def is_expanded(self) -> bool:
        """Whether the body is shown."""
        return not self._body.isHidden()

    def toggle(self) -> None:
        """Show the body if hidden, hide it if shown."""
        expand = not self.is_expanded()
        self._body.setVisible(expand)
        arrow = Qt.ArrowType.DownArrow if expand else Qt.ArrowType.RightArrow
        self._button.setArrowType(arrow)
        self.content_changed()

    def toggle_button(self) -> QToolButton:
        """The arrow button that opens and closes the body."""
        return self._button

    def visible_text(self) -> str:
        """The title, plus the body when expanded."""
        if self.is_expanded():
            return f"{self.title()}\n{self._body.text()}"
        return self.title()


class NoticeLine(ChatEntry):
    """A small centred system line (backtracked, run finished, errors)."""

    role = "notice"

    def __init__(self, text: str, level: str, parent: QWidget | None = None) -> None:
        if level not in NOTICE_LEVELS:
            raise ValueError(f"unknown notice level {level!r}; use one of {list(NOTICE_LEVELS)}")
        super().__init__("noticeLine", parent)
        self.level = level
        self._text = text
        glyph, colour = NOTICE_LEVELS[level]
        layout = QHBoxLayout(self.frame)
        layout.setContentsMargins(0, 0, 0, 0)
        label = text_label(f"{glyph} {text}", "noticeText")
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setStyleSheet(f"color: {colour};")
        small_font(label)
        layout.addWidget(label)

    def visible_text(self) -> str:
        """The notice's words (without the level glyph)."""
        return self._text
