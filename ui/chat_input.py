"""The chat panel's input area: the instruction box, its pictures and element, Send and Ask.

The area emits :attr:`ChatInput.submitted` when the user sends an instruction, or
:attr:`ChatInput.asked` when the Ask toggle beside Send is on; the app decides what the
input may do now (``set_input_mode``) and which pictures are attached (``set_attachments``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from PySide6.QtCore import QKeyCombination, QMimeData, QRect, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QImage, QKeyEvent, QKeySequence, QResizeEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QPlainTextEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ui.element_chip import ElementChip
from ui.image_strip import ImageStrip, images_in, open_image_picker
from ui.shortcuts_dialog import declare_keys

_MIN_LINES, _MAX_LINES = 3, 6
SEND_KEYS = ("Ctrl+Return", "Ctrl+Enter")
"""Send keys: the main keyboard's Enter and the keypad's (see ``InstructionEdit``)."""

_MODES: dict[str, tuple[str, str, str]] = {
    "first": ("Describe the website you want…", "Start", "Start the run (Ctrl+Enter)"),
    "follow_up": (
        "Ask for a change to the current step…",
        "Send",
        "Send the instruction to the coder (Ctrl+Enter)",
    ),
}
_BUSY_TIP = "A run is in progress; you can draft your next instruction meanwhile"
_ASK = ("Ask a question about the site or its code (nothing is changed)…", "Ask",
        "Ask the coder about the current step; the answer changes nothing (Ctrl+Enter)")
_ASK_TIP = "Ask instead of send: the coder answers about the site and its code, changing nothing"
_ASK_OFF_TIP = "Ask works on an open run while nothing is running"


class InstructionEdit(QPlainTextEdit):
    """A multi-line instruction box: Ctrl+Enter sends, Enter starts a new line.

    It grows with its text from three to six lines, then scrolls; while empty it grows to
    show its whole placeholder (up to six lines too).
    """

    submitted = Signal(str)
    """The box's whole text, on Ctrl+Enter (the receiver decides whether to accept it)."""
    imagesOffered = Signal(list)
    """Pictures pasted or dropped into the box: image file paths, or one ``QImage``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("instructionEdit")
        self.setTabChangesFocus(True)
        self.document().contentsChanged.connect(self._fit_height)
        self._fit_height()
        declare_keys(self, SEND_KEYS, "Send what you typed: start the run, or ask for a change")

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Send on ``SEND_KEYS``; everything else edits as usual."""
        modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        pressed = QKeySequence(QKeyCombination(modifiers, Qt.Key(event.key())))
        if any(pressed.matches(QKeySequence(keys)) == QKeySequence.SequenceMatch.ExactMatch
               for keys in SEND_KEYS):
            event.accept()
            self.submitted.emit(self.toPlainText())
            return
        super().keyPressEvent(event)

    def canInsertFromMimeData(self, source: QMimeData) -> bool:
        """Text as usual, and pictures: image files or a copied bitmap."""
        return bool(images_in(source)) or super().canInsertFromMimeData(source)

    def insertFromMimeData(self, source: QMimeData) -> None:
        """A pasted or dropped picture is offered as an attachment; text is inserted."""
        pictures = images_in(source)
        if pictures and not self.isReadOnly():
            self.imagesOffered.emit(pictures)
            return
        super().insertFromMimeData(source)

    def setPlaceholderText(self, text: str) -> None:
        """Show ``text`` while the box is empty, at a height that shows all of it."""
        super().setPlaceholderText(text)
        self._fit_height()

    def resizeEvent(self, event: QResizeEvent) -> None:
        """A new width wraps the placeholder differently: fit the height again."""
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            # Not from inside this event: the scroll area would not lay out its viewport
            # for the nested resize. The box is the timer's context: a box deleted before
            # the loop runs again is not fitted.
            QTimer.singleShot(0, self, self._fit_height)

    def _placeholder_lines(self) -> int:
        text = self.placeholderText()
        if not text or not self.document().isEmpty():
            return 0
        width = self.viewport().width() - 2 * int(self.document().documentMargin())
        flags = int(Qt.TextFlag.TextWordWrap)
        rect = self.fontMetrics().boundingRect(QRect(0, 0, max(1, width), 10_000), flags, text)
        return math.ceil(rect.height() / self.fontMetrics().lineSpacing())

    @Slot()
    def _fit_height(self) -> None:
        lines = int(self.document().size().height())  # lines, for a plain-text layout
        lines = max(_MIN_LINES, min(_MAX_LINES, max(lines, self._placeholder_lines())))
        margins = self.contentsMargins()
        chrome = margins.top() + margins.bottom() + 2 * int(self.document().documentMargin())
        self.setFixedHeight(lines * self.fontMetrics().lineSpacing() + chrome + 2)


class ChatInput(QWidget):
    """What the user sends next: the element chip, attached pictures, the box and its buttons.

    The box takes the whole width; Attach, the Ask toggle and Start/Send sit under it.
    """

    submitted = Signal(str)
    """A stripped instruction the user sent (the box is cleared); empty only when pictures
    are attached."""
    asked = Signal(str)
    """A non-empty, stripped question the user asked with Ask on (the box is cleared)."""
    imagesOffered = Signal(list)
    """Pictures to attach: file paths (picked, pasted or dropped files) or one ``QImage``."""
    attachmentRemoved = Signal(int)
    """The user removed the attached picture at this position."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chatInput")
        self._mode = "first"
        self._build()
        self.set_input_mode("first")

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self._element_chip = ElementChip()
        layout.addWidget(self._element_chip)
        self._strip = ImageStrip(self)
        self._strip.setContentsMargins(8, 0, 8, 0)
        self._strip.removeRequested.connect(self.attachmentRemoved)
        layout.addWidget(self._strip)
        self._edit = InstructionEdit()
        self._edit.submitted.connect(self._submit)
        self._edit.imagesOffered.connect(self.imagesOffered)
        self._button = QPushButton()
        self._button.setObjectName("sendButton")
        self._button.clicked.connect(lambda: self._submit(self._edit.toPlainText()))
        self._ask = QCheckBox("Ask")
        self._ask.setObjectName("askToggle")
        self._ask.toggled.connect(self._apply_ask)
        self._attach = QToolButton()
        self._attach.setObjectName("attachButton")
        self._attach.setText("Attach…")
        self._attach.setToolTip("Attach pictures (PNG, JPEG, WebP): a screenshot or mockup to "
                                "build from. You can also paste or drop them into the box.")
        self._attach.clicked.connect(self._pick_images)
        layout.addLayout(self._box_with_buttons())

    def _box_with_buttons(self) -> QVBoxLayout:
        box = QVBoxLayout()
        box.setContentsMargins(8, 0, 8, 8)
        box.setSpacing(4)
        row = QHBoxLayout()
        row.addWidget(self._attach)
        row.addWidget(self._ask)
        row.addStretch(1)
        row.addWidget(self._button)
        box.addWidget(self._edit, 1)
        box.addLayout(row)
        return box

    def set_input_mode(self, mode: str, hint: str = "") -> None:
        """Switch the input between ``first``, ``follow_up``, ``busy`` and ``locked``.

        Args:
            mode: ``first`` (start a run), ``follow_up`` (ask for a change), ``busy`` (a
                run is going: the box stays editable for drafting, sending is off) or
                ``locked`` (this run cannot take instructions: the box is read-only and
                shows ``hint``, sending is off).
            hint: Why the input is locked and what to do instead (``locked`` only).

        Raises:
            ValueError: For any other mode.
        """
        if mode not in (*_MODES, "busy", "locked"):
            raise ValueError(
                f"unknown input mode {mode!r}; use 'first', 'follow_up', 'busy' or 'locked'")
        self._edit.setReadOnly(mode == "locked")
        self._attach.setEnabled(mode != "locked")
        if mode == "locked":
            self._edit.setPlaceholderText(hint)
            self._edit.viewport().update()
            self._edit.setToolTip(hint)
            self._button.setText(_MODES["follow_up"][1])
            self._button.setEnabled(False)
            self._button.setToolTip(hint)
        elif mode == "busy":
            self._button.setEnabled(False)
            self._button.setToolTip(_BUSY_TIP)
            self._edit.setToolTip(_BUSY_TIP)
        else:
            placeholder, label, tip = _MODES[mode]
            self._edit.setPlaceholderText(placeholder)
            self._edit.viewport().update()  # a shown, empty box keeps the old text otherwise
            self._edit.setToolTip("")
            self._button.setText(label)
            self._button.setToolTip(tip)
            self._button.setEnabled(True)
        self._mode = mode
        self._apply_ask()

    @Slot()
    def _apply_ask(self) -> None:
        """Ask works only where a follow-up could be sent; when on, Send becomes Ask."""
        available = self._mode == "follow_up"
        self._ask.setEnabled(available)
        self._ask.setToolTip(_ASK_TIP if available else _ASK_OFF_TIP)
        if available:
            placeholder, label, tip = _ASK if self._ask.isChecked() else _MODES["follow_up"]
            self._edit.setPlaceholderText(placeholder)
            self._edit.viewport().update()
            self._button.setText(label)
            self._button.setToolTip(tip)
        elif self._button.text() == _ASK[1]:  # busy after a question: Send, as for a request
            self._edit.setPlaceholderText(_MODES["follow_up"][0])
            self._button.setText(_MODES["follow_up"][1])

    def input_mode(self) -> str:
        """The current input mode."""
        return self._mode

    def instruction_edit(self) -> InstructionEdit:
        """The instruction box."""
        return self._edit

    def send_button(self) -> QPushButton:
        """The Start/Send button."""
        return self._button

    def ask_toggle(self) -> QCheckBox:
        """The Ask toggle beside Send."""
        return self._ask

    def element_chip(self) -> ElementChip:
        """The chip naming the element the next request is about (hidden when none)."""
        return self._element_chip

    def attach_button(self) -> QToolButton:
        """The button that opens the picture picker."""
        return self._attach

    def image_strip(self) -> ImageStrip:
        """The pictures attached to the next message."""
        return self._strip

    def set_attachments(self, items: Sequence[tuple[str, QImage]]) -> None:
        """Show the pictures attached to the next message (``(name, thumbnail)`` pairs)."""
        self._strip.set_images(items)

    @Slot()
    def _pick_images(self) -> QFileDialog:
        dialog = open_image_picker(self)
        dialog.filesSelected.connect(lambda paths: self.imagesOffered.emit(list(paths)))
        return dialog

    @Slot(str)
    def _submit(self, text: str) -> None:
        instruction = text.strip()
        if self._mode in ("busy", "locked") or not (instruction or self._strip.count()):
            return
        self._edit.clear()
        if self._ask.isChecked() and self._ask.isEnabled():
            self.asked.emit(instruction)
        else:
            self.submitted.emit(instruction)
