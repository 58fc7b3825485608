"""Replay of a GUI-agent test, turn by turn: the annotated screenshot, the agent's thought,
its action and what came of it, and at the end the agent's answer and the graded summary.

The app calls ``show_test`` with a GUI-test ``StepRecord`` and a function that reads a turn's
screenshot (a path relative to the run directory) into a ``QImage``. Images are read when a
turn is first shown and kept for the rest of the replay.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtGui import QHideEvent, QImage, QKeySequence, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QBoxLayout,
    QFrame,
    QHBoxLayout,
    QPushButton,
    QScrollArea,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from agent_core.store.evidence import GuiTest, GuiTurn
from agent_core.store.records import StepRecord
from ui.labels import plain_label, tint
from ui.step_detail_parts import FittedImage, full_size_viewer
from ui.step_format import ERROR, SUCCESS, WARNING, grade_colour, grade_text

ImageLoader = Callable[[str], QImage | None]
PLAY_INTERVAL_MS = 1500
SIDE_BY_SIDE_RATIO = 1.2
"""Wider than this times its height, the replay puts the texts beside the picture."""
COLUMN_MIN_WIDTH = 280
NO_TEST = "This step has no GUI test."
GUI_OFF = "GUI testing was off for this run: no GUI agent was configured."
NO_TURNS = "The GUI agent took no turns."
_STATUS_COLOURS = {
    "done": SUCCESS, "ok": SUCCESS, "answered": SUCCESS,
    "element_missing": WARNING, "timed_out": WARNING,
    "refused": ERROR, "error": ERROR,
}  # fmt: skip


def outcome_line(turn: GuiTurn) -> str:
    """'Outcome: element missing: no element [7] on the page'."""
    status = turn.status.strip().replace("_", " ") or "unknown"
    detail = turn.detail.strip()
    return f"Outcome: {status}" + (f": {detail}" if detail else "")


def final_lines(gui: GuiTest) -> list[str]:
    """The agent's answer, the summary's verdict and grade, suggestions and why it ended."""
    lines = [f"Answer: {(gui.answer or '').strip() or '(the agent gave no answer)'}"]
    summary = gui.summary
    if summary is None:
        lines.append("Summary: none could be obtained.")
    else:
        verdict = "passed" if summary.test_passed else "not passed"
        lines.append(f"Summary: {grade_text('GUI', summary.grade)} · {verdict}")
        lines.extend(f"• {s.strip()}" for s in summary.improvement_suggestions if s.strip())
    ended = (gui.ended_because or "").strip()
    if ended:
        lines.append(f"Ended because: {ended}")
    return lines




class GuiReplay(QWidget):
    """Steps through the turns of one GUI test, by hand or playing one turn every 1.5 s.

    Keys: Left/Right go to the previous/next turn, Space plays or pauses.

    Attributes:
        play_interval_ms: Milliseconds each turn is shown while playing.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        """Create an empty replay."""
        super().__init__(parent)
        self.setObjectName("guiReplay")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.play_interval_ms = PLAY_INTERVAL_MS
        self._turns: tuple[GuiTurn, ...] = ()
        self._images: dict[int, QImage | None] = {}
        self._load: ImageLoader | None = None
        self._current = -1
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._on_tick)
        self.screenshot = FittedImage("", self)
        self.screenshot.setObjectName("guiTurnScreenshot")
        self.screenshot.clicked.connect(self._open_screenshot)
        self._layout = QBoxLayout(QBoxLayout.Direction.LeftToRight, self)
        self._layout.setContentsMargins(6, 6, 6, 6)
        self._layout.addWidget(self.screenshot, 3)
        self._layout.addWidget(self._build_column(), 2)
        for key, slot in ((Qt.Key.Key_Left, self.previous_turn), (Qt.Key.Key_Right,
                          self.next_turn), (Qt.Key.Key_Space, self.toggle_play)):  # fmt: skip
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
        self.clear()

    def _build_column(self) -> QWidget:
        """Position and controls on top; the turn's texts, the test and its result below
        (they scroll on their own when long, the controls stay put)."""
        column = QWidget(self)
        column.setObjectName("guiTurnColumn")
        column.setMinimumWidth(COLUMN_MIN_WIDTH)
        layout = QVBoxLayout(column)
        layout.setContentsMargins(0, 0, 0, 0)
        self.position_label = plain_label(column, "guiTurnPosition", bold=True)
        layout.addWidget(self.position_label)
        layout.addLayout(self._build_controls(column))
        body = QWidget()
        texts = QVBoxLayout(body)
        texts.setContentsMargins(0, 0, 4, 0)
        self.thought_label = plain_label(body, "guiTurnThought")
        self.action_label = plain_label(body, "guiTurnAction")
        self.outcome_label = plain_label(body, "guiTurnOutcome")
        self.url_label = plain_label(body, "guiTurnUrl")
        self.url_label.setEnabled(False)
        self.instruction_label = plain_label(body, "guiTestInstruction")
        self._result_heading = heading = plain_label(body, "guiResultHeading", bold=True)
        heading.setText("Result")
        self.final_label = plain_label(body, "guiResult")
        for widget in (self.thought_label, self.action_label, self.outcome_label,
                       self.url_label, self.instruction_label, heading, self.final_label):
            texts.addWidget(widget)
        texts.addStretch(1)
        self.text_scroll = QScrollArea(column)
        self.text_scroll.setObjectName("guiTurnTexts")
        self.text_scroll.setWidgetResizable(True)
        self.text_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.text_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.text_scroll.setWidget(body)
        layout.addWidget(self.text_scroll, 1)
        return column

    def _build_controls(self, body: QWidget) -> QVBoxLayout:
        self.previous_button = QPushButton("Previous", body)
        self.previous_button.setObjectName("previousTurnButton")
        self.previous_button.setToolTip("Show the previous turn (Left)")
        self.previous_button.clicked.connect(self.previous_turn)
        self.next_button = QPushButton("Next", body)
        self.next_button.setObjectName("nextTurnButton")
        self.next_button.setToolTip("Show the next turn (Right)")
        self.next_button.clicked.connect(self.next_turn)
        self.play_button = QPushButton("Play", body)
        self.play_button.setObjectName("playTurnsButton")
        self.play_button.setToolTip("Show the turns one after another, 1.5 s each (Space)")
        self.play_button.clicked.connect(self.toggle_play)
        self.slider = QSlider(Qt.Orientation.Horizontal, body)
        self.slider.setObjectName("turnSlider")
        self.slider.setToolTip("Drag to a turn")
        self.slider.setPageStep(1)
        self.slider.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.slider.valueChanged.connect(self.go_to)
        buttons = QHBoxLayout()
        for button in (self.previous_button, self.next_button, self.play_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        controls = QVBoxLayout()
        controls.addLayout(buttons)
        controls.addWidget(self.slider)
        return controls

    # -- public API ------------------------------------------------------------------

    def show_test(self, step: StepRecord, load_image: ImageLoader) -> None:
        """Replay the GUI test of ``step`` from its first turn.

        Args:
            step: A GUI-test step (any other step shows that it has no GUI test).
            load_image: Reads a turn's screenshot path (relative to the run directory);
                returns None (or a null image) when it cannot.
        """
        self.clear()
        gui = step.gui
        if gui is None or not gui.available:
            self._show_message(NO_TEST if gui is None else GUI_OFF)
            return
        self._turns, self._load = gui.turns, load_image
        test = (gui.test_instruction or "").strip()
        self.instruction_label.setText(f"Test: {test}" if test else "")
        self.instruction_label.setVisible(bool(test))
        self.final_label.setText("\n".join(final_lines(gui)))
        self._result_heading.setVisible(True)
        tint(self.final_label, grade_colour(gui.summary.grade if gui.summary else None))
        if not self._turns:
            ended = (gui.ended_because or "").strip()
            self._show_message(NO_TURNS + (f" It stopped because: {ended}" if ended else ""))
            return
        self.slider.blockSignals(True)
        self.slider.setRange(0, len(self._turns) - 1)
        self.slider.blockSignals(False)
        self._set_controls_enabled(True)
        self.play_button.setEnabled(len(self._turns) > 1)
        self.go_to(0)

    def clear(self) -> None:
        """Stop playing, forget the test and show that there is nothing to replay."""
        self.pause()
        self._turns, self._images, self._load, self._current = (), {}, None, -1
        self.instruction_label.clear()
        self.final_label.clear()
        self._result_heading.setVisible(False)
        self._show_message(NO_TEST)

    def go_to(self, n: int) -> None:
        """Show turn ``n`` (0-based; clamped to the turns there are)."""
        if not self._turns:
            return
        n = max(0, min(int(n), len(self._turns) - 1))
        self._current = n
        turn = self._turns[n]
        self.slider.blockSignals(True)
        self.slider.setValue(n)
        self.slider.blockSignals(False)
        self.position_label.setText(f"Turn {n + 1} of {len(self._turns)}")
        self.url_label.setText(turn.url.strip())
        self.thought_label.setText(f"Thought: {turn.thought.strip() or '(none)'}")
        self.action_label.setText(f"Action: {turn.action.strip() or '(none)'}")
        self.outcome_label.setText(outcome_line(turn))
        tint(self.outcome_label, _STATUS_COLOURS.get(turn.status.strip()))
        self.screenshot.set_image(*self._image_of(n))
        self.text_scroll.verticalScrollBar().setValue(0)
        self.previous_button.setEnabled(n > 0)
        self.next_button.setEnabled(n < len(self._turns) - 1)

    @Slot()
    def next_turn(self) -> None:
        """Show the next turn (nothing at the last)."""
        if self._current < len(self._turns) - 1:
            self.go_to(self._current + 1)

    @Slot()
    def previous_turn(self) -> None:
        """Show the previous turn (nothing at the first)."""
        if self._current > 0:
            self.go_to(self._current - 1)

    @Slot()
    def toggle_play(self) -> None:
        """Play from the current turn (from the first when at the end), or pause."""
        if self._timer.isActive():
            self.pause()
            return
        if len(self._turns) < 2:
            return
        if self._current >= len(self._turns) - 1:
            self.go_to(0)
        self._timer.start(self.play_interval_ms)
        self.play_button.setText("Pause")

    def pause(self) -> None:
        """Stop playing."""
        self._timer.stop()
        self.play_button.setText("Play")

    # -- read-only accessors ---------------------------------------------------------

    def is_playing(self) -> bool:
        """Whether the turns are being played."""
        return self._timer.isActive()

    def current_turn(self) -> int:
        """The shown turn, 0-based (-1 when there is none)."""
        return self._current

    def turn_count(self) -> int:
        """How many turns the test has."""
        return len(self._turns)

    def position_text(self) -> str:
        """'Turn 2 of 5'."""
        return self.position_label.text()

    def thought_text(self) -> str:
        """'Thought: …' of the shown turn."""
        return self.thought_label.text()

    def action_text(self) -> str:
        """'Action: …' of the shown turn."""
        return self.action_label.text()

    def outcome_text(self) -> str:
        """'Outcome: …' of the shown turn."""
        return self.outcome_label.text()

    def final_text(self) -> str:
        """The answer and the summary shown under the turns."""
        return self.final_label.text()

    # -- behaviour -------------------------------------------------------------------

    def _image_of(self, n: int) -> tuple[QImage | None, str]:
        path = self._turns[n].screenshot
        if not path:
            return None, f"No screenshot was kept for turn {n + 1}."
        if n not in self._images and self._load is not None:
            try:
                self._images[n] = self._load(path)
            except (OSError, ValueError) as exc:
                return None, f"Could not read the screenshot of turn {n + 1} ({path}): {exc}"
        image = self._images.get(n)
        if image is None or image.isNull():
            return None, f"The screenshot of turn {n + 1} ({path}) is missing or unreadable."
        return image, ""

    def _show_message(self, message: str) -> None:
        self.pause()
        self.screenshot.set_image(None, message)
        for label in (self.position_label, self.url_label, self.thought_label,
                      self.action_label, self.outcome_label):  # fmt: skip
            label.clear()
        self.position_label.setText(message)
        self._set_controls_enabled(False)

    def _set_controls_enabled(self, on: bool) -> None:
        for widget in (self.slider, self.previous_button, self.next_button, self.play_button):
            widget.setEnabled(on)

    @Slot()
    def _on_tick(self) -> None:
        self.next_turn()
        if self._current >= len(self._turns) - 1:
            self.pause()

    @Slot()
    def _open_screenshot(self) -> None:
        pixmap = self.screenshot.pixmap()
        if pixmap is not None:
            full_size_viewer(pixmap, self.position_text(), self).show()

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Put the turn's texts beside the picture when wide, below it when tall."""
        super().resizeEvent(event)
        wide = event.size().width() >= event.size().height() * SIDE_BY_SIDE_RATIO
        direction = QBoxLayout.Direction.LeftToRight if wide else QBoxLayout.Direction.TopToBottom
        if self._layout.direction() != direction:
            self._layout.setDirection(direction)

    def is_side_by_side(self) -> bool:
        """Whether the turn's texts are beside the picture (not below it)."""
        return self._layout.direction() == QBoxLayout.Direction.LeftToRight

    def hideEvent(self, event: QHideEvent) -> None:
        """Stop playing when the replay is hidden."""
        self.pause()
        super().hideEvent(event)
