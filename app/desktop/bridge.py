"""The one place where engine events become Qt signals.

The engine runs on the same (qasync) loop as the widgets, so events arrive on the GUI
thread; the bridge only sorts them into typed signals and coalesces streamed tokens so
the chat re-renders a few dozen times per reply instead of once per fragment.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from agent_core.events import (
    AnswerToken,
    Backtracked,
    BestSelected,
    ContextTrimmed,
    ElementScoped,
    Event,
    FileWritten,
    ImagesAttached,
    PhaseChanged,
    QuestionAnswered,
    QuestionAsked,
    ReferenceCompared,
    ReplyFormatChanged,
    RunCancelled,
    RunFailed,
    RunFinished,
    RunStarted,
    SandboxPrepared,
    ServerReady,
    StepFinished,
    StepRestored,
    StepRolledBack,
    StepStarted,
    TestInstructionWritten,
    Token,
    UserEditStarted,
)

TOKEN_FLUSH_MS = 40

_SIGNAL_OF: dict[type[Event], str] = {
    RunStarted: "runStarted",
    ElementScoped: "elementScoped",
    SandboxPrepared: "sandboxPrepared",
    ReplyFormatChanged: "replyFormatChanged",
    StepStarted: "stepStarted",
    UserEditStarted: "userEditStarted",
    FileWritten: "fileWritten",
    PhaseChanged: "phaseChanged",
    ServerReady: "serverReady",
    StepFinished: "stepFinished",
    Backtracked: "backtracked",
    BestSelected: "bestSelected",
    StepRestored: "stepRestored",
    StepRolledBack: "stepRolledBack",
    ContextTrimmed: "contextTrimmed",
    TestInstructionWritten: "testInstructionWritten",
    RunFinished: "runEnded",
    RunFailed: "runEnded",
    RunCancelled: "runEnded",
    QuestionAsked: "questionAsked",
    AnswerToken: "answerStreamed",
    QuestionAnswered: "questionAnswered",
    ImagesAttached: "imagesAttached",
    ReferenceCompared: "referenceCompared",
}


class EventBridge(QObject):
    """Re-emits engine events as Qt signals; subscribe ``sink`` to the run's EventBus.

    Every signal carries the frozen event object, except ``tokens`` which carries the step
    index and the text streamed since the last flush.
    """

    runStarted = Signal(object)
    elementScoped = Signal(object)
    sandboxPrepared = Signal(object)
    replyFormatChanged = Signal(object)
    stepStarted = Signal(object)
    userEditStarted = Signal(object)
    tokens = Signal(int, str)
    fileWritten = Signal(object)
    phaseChanged = Signal(object)
    serverReady = Signal(object)
    stepFinished = Signal(object)
    backtracked = Signal(object)
    bestSelected = Signal(object)
    stepRestored = Signal(object)
    stepRolledBack = Signal(object)
    contextTrimmed = Signal(object)
    testInstructionWritten = Signal(object)
    runEnded = Signal(object)
    questionAsked = Signal(object)
    answerStreamed = Signal(object)
    """A fragment of an answer (the chat draws it with the others from the run state)."""
    questionAnswered = Signal(object)
    imagesAttached = Signal(object)
    referenceCompared = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pending: dict[int, list[str]] = {}
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(TOKEN_FLUSH_MS)
        self._timer.timeout.connect(self.flush_tokens)
        self.events_seen = 0
        self.token_flushes = 0
        self.fragments: dict[int, int] = {}
        """Streamed fragments per step, about one token each (as the CLI counts them)."""

    def sink(self, event: Event) -> None:
        """The EventBus subscriber: tokens are batched, everything else goes out at once.

        Pending tokens are flushed before any other event, so the order the user sees is
        the order of the engine.
        """
        self.events_seen += 1
        if isinstance(event, Token):
            self._pending.setdefault(event.index, []).append(event.text)
            self.fragments[event.index] = self.fragments.get(event.index, 0) + 1
            if not self._timer.isActive():
                self._timer.start()
            return
        self.flush_tokens()
        name = _SIGNAL_OF.get(type(event))
        if name is not None:
            getattr(self, name).emit(event)

    def flush_tokens(self) -> None:
        """Emit the text streamed since the last flush, per step."""
        self._timer.stop()
        pending, self._pending = self._pending, {}
        for index, parts in pending.items():
            self.token_flushes += 1
            self.tokens.emit(index, "".join(parts))
