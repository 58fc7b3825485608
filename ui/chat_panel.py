"""The chat panel: the conversation with the coder, folded for reading, above the input area.

The panel only renders what the app tells it (user messages, streamed coder replies,
feedback, notices, questions and answers). What the user sends comes from its input area,
:attr:`ChatPanel.input` (see :mod:`ui.chat_input`).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QFrame, QScrollArea, QVBoxLayout, QWidget

from ui.ask_messages import STYLE as ASK_STYLE
from ui.ask_messages import AnswerBubble, QuestionMessage
from ui.chat_input import ChatInput
from ui.chat_messages import ChatEntry, FeedbackItem, NoticeLine, UserMessage
from ui.reply_bubble import ReplyBubble

_BOTTOM_SLACK_PX = 8  # this close to the bottom still counts as "at the bottom"

_STYLE = """
#userBubble { background: palette(alternate-base); border: 1px solid palette(highlight);
  border-radius: 8px; }
#coderReply { background: palette(base); border: 1px solid palette(mid); border-radius: 8px; }
#replyHeader, #replyStatus { color: palette(placeholder-text); }
#replyChip { background: palette(alternate-base); border: 1px solid palette(midlight);
  border-radius: 4px; padding: 1px 6px; }
#replyChip[kind="signal"] { color: #2e9d57; border-color: #2e9d57; }
#feedbackItem { border-left: 3px solid palette(mid); }
#feedbackItem[error="true"] { border-left: 3px solid #d1453b; }
#feedbackErrorBadge { color: #d1453b; }
"""


class ChatPanel(QWidget):
    """The conversation of a run, with the input area at the bottom.

    Coder replies are folded (see :mod:`ui.reply_folding`); feedback is collapsed to its
    title; the view follows new content while the user is at the bottom and stays put when
    they scrolled up to read.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chatPanel")
        self.setStyleSheet(_STYLE + ASK_STYLE)
        self._entries: list[ChatEntry] = []
        self._replies: dict[int, ReplyBubble] = {}
        self._feedback: dict[int, FeedbackItem] = {}
        self._answer: AnswerBubble | None = None
        self._follow = True
        self._build()

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self._scroll = QScrollArea()
        self._scroll.setObjectName("chatScroll")
        self._scroll.setWidgetResizable(True)
        self._scroll.setFrameShape(QFrame.Shape.NoFrame)
        self._scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        container = QWidget()
        container.setObjectName("chatMessages")
        self._list = QVBoxLayout(container)
        self._list.setContentsMargins(8, 8, 8, 8)
        self._list.setSpacing(8)
        self._list.addStretch(1)
        self._scroll.setWidget(container)
        bar = self._scroll.verticalScrollBar()
        bar.rangeChanged.connect(self._on_range_changed)
        bar.valueChanged.connect(self._on_scrolled)
        layout.addWidget(self._scroll, 1)
        self.input = ChatInput()
        """The instruction box with its pictures, element chip, Ask toggle and Send button;
        it emits what the user sends or asks."""
        layout.addWidget(self.input)

    # -- messages -------------------------------------------------------------------------

    def add_user_message(self, text: str) -> UserMessage:
        """Show an instruction the user sent; the view jumps to the bottom."""
        self._follow = True
        message = UserMessage(text)
        self._add(message)
        return message

    def entry_at(self, position: int) -> ChatEntry | None:
        """The entry at ``position`` in the conversation, if there is one."""
        return self._entries[position] if 0 <= position < len(self._entries) else None

    def begin_reply(self, index: int) -> None:
        """Open the coder bubble of step ``index`` ("Step 3 · coder")."""
        bubble = ReplyBubble(index)
        self._replies[index] = bubble
        self._add(bubble)

    def append_reply(self, index: int, text: str) -> None:
        """Add streamed text to the reply of step ``index`` (opened if needed).

        Cheap: the bubble is redrawn by a timer, so many small fragments cost few redraws.
        """
        bubble = self._replies.get(index)
        if bubble is None:
            self.begin_reply(index)
            bubble = self._replies[index]
        bubble.append(text)

    def end_reply(self, index: int) -> None:
        """The reply of step ``index`` is complete: draw it in full now."""
        bubble = self._replies.get(index)
        if bubble is not None:
            bubble.finish()

    def add_feedback(self, index: int, text: str, *, title: str, error: bool = False) -> None:
        """Show the feedback sent after step ``index``, collapsed to ``title``.

        Args:
            index: The step the feedback follows.
            text: The full feedback message (shown when expanded).
            title: E.g. "Feedback after step 3 — Look 4/5".
            error: The step had an error: the item gets a red accent and an "error" badge.
        """
        item = FeedbackItem(index, title, text, error=error)
        self._feedback[index] = item
        self._add(item)

    def add_notice(self, text: str, level: str = "info") -> None:
        """Show a small centred system line.

        Args:
            text: E.g. "Backtracked to step 2".
            level: ``info``, ``success``, ``warning`` or ``error``.

        Raises:
            ValueError: For an unknown level.
        """
        self._add(NoticeLine(text, level))

    def add_question(self, text: str, step: int | None) -> None:
        """Show a question the user asked about step ``step``; the view jumps to the bottom."""
        self._follow = True
        self._add(QuestionMessage(text, step))

    def append_answer(self, text: str) -> None:
        """Add streamed text to the answer in progress (a new answer opens if none is)."""
        if self._answer is None or self._answer.is_done():
            self._answer = AnswerBubble()
            self._add(self._answer)
        self._answer.append(text)

    def end_answer(self, *, cut: bool = False) -> None:
        """The answer in progress is complete (``cut``: it ended early)."""
        if self._answer is not None and not self._answer.is_done():
            self._answer.finish(cut=cut)

    def clear(self) -> None:
        """Remove every message (the input box keeps its text)."""
        for widget in self._entries:
            self._list.removeWidget(widget)
            widget.hide()
            widget.deleteLater()
        self._entries.clear()
        self._replies.clear()
        self._feedback.clear()
        self._answer = None
        self._follow = True

    def _add(self, widget: ChatEntry) -> None:
        self._entries.append(widget)
        self._list.insertWidget(self._list.count() - 1, widget)

    # -- reading back ---------------------------------------------------------------------

    def transcript(self) -> list[tuple[str, str]]:
        """``(role, visible text)`` per entry, in order.

        Roles: user, coder, feedback, notice, question and answer.
        """
        return [(w.role, w.visible_text()) for w in self._entries]

    def reply_widget(self, index: int) -> ReplyBubble | None:
        """The coder bubble of step ``index``, if any."""
        return self._replies.get(index)

    def feedback_widget(self, index: int) -> FeedbackItem | None:
        """The feedback item after step ``index``, if any."""
        return self._feedback.get(index)

    def scroll_area(self) -> QScrollArea:
        """The scrolling message list."""
        return self._scroll

    # -- following the bottom -------------------------------------------------------------

    @Slot(int, int)
    def _on_range_changed(self, _minimum: int, maximum: int) -> None:
        if self._follow:
            self._scroll.verticalScrollBar().setValue(maximum)

    @Slot(int)
    def _on_scrolled(self, value: int) -> None:
        self._follow = value >= self._scroll.verticalScrollBar().maximum() - _BOTTOM_SLACK_PX
