"""Ask mode in the chat: the user's question and the coder's answer, which changes nothing.

The answer is shown as the plain text the coder wrote: action tags in it are words on the
screen, never folded into "wrote a file" chips, because nothing of it is applied.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ui.chat_messages import ChatEntry, small_font, text_label

ANSWER_TITLE = "Answer · nothing was changed"
RENDER_DELAY_MS = 50
"""How long streamed fragments are gathered before an answer is drawn again."""

STYLE = """
#questionBubble { background: palette(alternate-base); border: 1px dashed palette(highlight);
  border-radius: 8px; }
#answerBubble { background: palette(base); border: 1px dashed palette(mid); border-radius: 8px; }
#answerBubble[error="true"] { border-color: #c98a0b; }
#questionCaption, #answerHeader { color: palette(placeholder-text); }
"""


class QuestionMessage(ChatEntry):
    """A question the user asked about the site, set off to the right like a request."""

    role = "question"

    def __init__(self, text: str, step: int | None, parent: QWidget | None = None) -> None:
        super().__init__("questionMessage", parent)
        self._text = text
        layout = QHBoxLayout(self.frame)
        layout.setContentsMargins(48, 0, 0, 0)
        bubble = QFrame()
        bubble.setObjectName("questionBubble")
        inner = QVBoxLayout(bubble)
        inner.setContentsMargins(10, 6, 10, 6)
        where = f"about step {step}" if step else "about the empty start"
        caption = text_label(f"Question {where}", "questionCaption", selectable=False)
        small_font(caption)
        inner.addWidget(caption)
        inner.addWidget(text_label(text, "questionText"))
        layout.addWidget(bubble)

    def visible_text(self) -> str:
        """The question as shown."""
        return self._text


class AnswerBubble(ChatEntry):
    """The coder's answer as plain text, drawn while it streams."""

    role = "answer"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("answerEntry", parent)
        self._text = ""
        self._done = False
        layout = QVBoxLayout(self.frame)
        layout.setContentsMargins(0, 0, 48, 0)
        bubble = QFrame()
        bubble.setObjectName("answerBubble")
        self._bubble = bubble
        inner = QVBoxLayout(bubble)
        inner.setContentsMargins(10, 6, 10, 6)
        self._header = text_label(f"{ANSWER_TITLE} · answering…", "answerHeader",
                                  selectable=False)
        small_font(self._header)
        inner.addWidget(self._header)
        self._body: QLabel = text_label("", "answerText")
        inner.addWidget(self._body)
        layout.addWidget(bubble)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(RENDER_DELAY_MS)
        self._timer.timeout.connect(self._draw)

    def append(self, text: str) -> None:
        """Add streamed text; it is drawn a moment later, with whatever else came."""
        self._text += text
        if not self._timer.isActive():
            self._timer.start()

    def finish(self, *, cut: bool = False) -> None:
        """The answer is complete (``cut``: it ended early; the chat says why)."""
        self._done = True
        self._bubble.setProperty("error", cut)
        self._bubble.style().polish(self._bubble)
        end = " · incomplete" if cut else ""
        self._header.setText(f"{ANSWER_TITLE}{end}")
        self._draw()

    def is_done(self) -> bool:
        """Whether the whole answer has come."""
        return self._done

    def header_text(self) -> str:
        """The line above the answer."""
        return self._header.text()

    def _draw(self) -> None:
        self._timer.stop()
        if self._body.text() != self._text:
            self._body.setText(self._text)
            self.content_changed()

    def visible_text(self) -> str:
        """The answer as drawn now."""
        return self._body.text()
