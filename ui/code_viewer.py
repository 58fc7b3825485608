"""A code view with a line-number gutter and syntax colouring (read-only unless told)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QRect, QSize, Qt, Signal, Slot
from PySide6.QtGui import QFontDatabase, QPainter, QPaintEvent, QPalette, QResizeEvent
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from ui.file_diff import FileDiff
from ui.highlight import (
    CodeHighlighter,
    DiffHighlighter,
    Language,
    is_dark,
    paint_diff_backgrounds,
)
from ui.naming import named

HIGHLIGHT_LIMIT = 256 * 1024
"""Characters above which a file is shown without colouring (Python highlighting is slow)."""


def monospace_editor(editor: QPlainTextEdit) -> None:
    """Make ``editor`` a read-only, non-wrapping code view in the system fixed-width font."""
    editor.setReadOnly(True)
    editor.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
    editor.setTextInteractionFlags(
        Qt.TextInteractionFlag.TextSelectableByMouse
        | Qt.TextInteractionFlag.TextSelectableByKeyboard
    )
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    editor.setFont(font)
    editor.setTabStopDistance(4 * editor.fontMetrics().horizontalAdvance(" "))


class _LineNumberArea(QWidget):
    """The gutter; the editor does the painting so it can walk its visible blocks."""

    def __init__(self, editor: CodeViewer) -> None:
        super().__init__(editor)
        self._editor = editor
        self.setObjectName("lineNumberArea")

    def sizeHint(self) -> QSize:
        """Width of the widest line number."""
        return QSize(self._editor.line_number_area_width(), 0)

    def paintEvent(self, event: QPaintEvent) -> None:
        """Draw the line numbers of the visible lines."""
        self._editor.paint_line_numbers(event)


class CodeViewer(QPlainTextEdit):
    """Code view with line numbers in a left gutter (Qt's code-editor pattern), read-only
    until the code panel's editor lets the user edit the current step's files.

    Args:
        parent: Owning widget.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("codeViewer")
        monospace_editor(self)
        self._gutter = _LineNumberArea(self)
        self._highlighter: CodeHighlighter | None = None
        self.blockCountChanged.connect(self._update_gutter_width)
        self.updateRequest.connect(self._update_gutter)
        self._update_gutter_width()

    # -- content ---------------------------------------------------------------------

    def show_text(self, text: str, language: Language | None, *, keep_scroll: bool) -> None:
        """Replace the text, colouring it as ``language``.

        Args:
            text: What to show.
            language: How to colour it; None (or a very long text) shows plain text.
            keep_scroll: Keep the scroll position and cursor (a refresh of the same file).
        """
        if keep_scroll and text == self.toPlainText():
            return
        vertical = self.verticalScrollBar().value()
        horizontal = self.horizontalScrollBar().value()
        cursor_position = self.textCursor().position()
        self._set_highlighter(None)
        self.setPlainText(text)
        if language is not None and len(text) <= HIGHLIGHT_LIMIT:
            self._set_highlighter(language)
        if keep_scroll:
            cursor = self.textCursor()
            cursor.setPosition(min(cursor_position, len(text)))
            self.setTextCursor(cursor)
            self.verticalScrollBar().setValue(vertical)
            self.horizontalScrollBar().setValue(horizontal)

    def language(self) -> Language | None:
        """The language the text is coloured as, None for plain text."""
        return self._highlighter.language if self._highlighter else None

    def _set_highlighter(self, language: Language | None) -> None:
        if self._highlighter is not None:
            self._highlighter.setDocument(None)
            self._highlighter.deleteLater()
            self._highlighter = None
        if language is not None:
            self._highlighter = CodeHighlighter(self.document(), language, is_dark(self.palette()))
            self._highlighter.rehighlight()  # now, not on the next event-loop turn

    def changeEvent(self, event: QEvent) -> None:
        """Recolour when the palette switches between light and dark."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and self._highlighter is not None:
            self._highlighter.set_dark(is_dark(self.palette()))

    # -- gutter ----------------------------------------------------------------------

    def line_number_area_width(self) -> int:
        """Pixels the gutter needs for the largest line number (at least three digits)."""
        digits = max(3, len(str(max(1, self.blockCount()))))
        return 12 + self.fontMetrics().horizontalAdvance("9") * digits

    def gutter(self) -> QWidget:
        """The line-number widget (for tests and styling)."""
        return self._gutter

    @Slot()
    def _update_gutter_width(self) -> None:
        self.setViewportMargins(self.line_number_area_width(), 0, 0, 0)

    @Slot(QRect, int)
    def _update_gutter(self, rect: QRect, dy: int) -> None:
        if dy:
            self._gutter.scroll(0, dy)
        else:
            self._gutter.update(0, rect.y(), self._gutter.width(), rect.height())
        if rect.contains(self.viewport().rect()):
            self._update_gutter_width()

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Keep the gutter as tall as the editor."""
        super().resizeEvent(event)
        area = self.contentsRect()
        self._gutter.setGeometry(
            QRect(area.left(), area.top(), self.line_number_area_width(), area.height())
        )

    def paint_line_numbers(self, event: QPaintEvent) -> None:
        """Paint the numbers of the blocks inside ``event.rect()`` in muted text."""
        painter = QPainter(self._gutter)
        palette = self.palette()
        painter.fillRect(event.rect(), palette.color(QPalette.ColorRole.AlternateBase))
        if self.document().isEmpty():
            painter.end()
            return
        painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
        block = self.firstVisibleBlock()
        top = round(self.blockBoundingGeometry(block).translated(self.contentOffset()).top())
        height = self.fontMetrics().height()
        width = self._gutter.width() - 6
        while block.isValid() and top <= event.rect().bottom():
            bottom = top + round(self.blockBoundingRect(block).height())
            if block.isVisible() and bottom >= event.rect().top():
                painter.drawText(
                    0, top, width, height, Qt.AlignmentFlag.AlignRight, str(block.blockNumber() + 1)
                )
            block = block.next()
            top = bottom
        painter.end()


class DiffPage(QWidget):
    """The diff tab: a summary line, the "Compare with" combo and the coloured diff.

    Signals:
        compareChosen(object): The user picked a step (int) or the previous step (None).

    Args:
        parent: Owning widget.
    """

    compareChosen = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("diffPage")
        self._updating = False
        self.summary = named(QLabel(), "diffSummary")
        self.combo = named(QComboBox(), "compareCombo")
        self.combo.setToolTip("Which step to compare the selected file with")
        self.combo.currentIndexChanged.connect(self._on_index_changed)
        compare_label = QLabel("Compare with:")
        compare_label.setBuddy(self.combo)
        self.view = named(QPlainTextEdit(), "diffView")
        monospace_editor(self.view)
        self._highlighter = DiffHighlighter(self.view.document())
        row = QHBoxLayout()
        row.addWidget(self.summary, 1)
        row.addWidget(compare_label)
        row.addWidget(self.combo)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.view, 1)

    def set_choices(self, previous: str, steps: Sequence[int], chosen: int | None) -> None:
        """Fill the combo with ``previous`` then "Step N" items; select ``chosen``.

        Does not emit ``compareChosen``.
        """
        self._updating = True
        try:
            self.combo.clear()
            self.combo.addItem(previous, None)
            for step in steps:
                self.combo.addItem(f"Step {step}", step)
            index = list(steps).index(chosen) + 1 if chosen is not None and chosen in steps else 0
            self.combo.setCurrentIndex(index)
        finally:
            self._updating = False

    def show_diff(self, diff: FileDiff) -> None:
        """Show a diff (green, red and blue line tints) or a message, and its summary."""
        vertical = self.view.verticalScrollBar().value()
        self.view.setPlainText(diff.text)
        if diff.is_diff:
            paint_diff_backgrounds(self.view.document())
        self.view.verticalScrollBar().setValue(vertical)
        self.summary.setText(diff.summary)

    @Slot(int)
    def _on_index_changed(self, index: int) -> None:
        if not self._updating and index >= 0:
            self.compareChosen.emit(self.combo.itemData(index))
