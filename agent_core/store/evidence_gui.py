"""The GUI test of a GUI-test step, as kept in its record (see :mod:`agent_core.store.evidence`).

Each turn carries its own screenshot: while the step runs the PNG itself, in the record the
path written for that very PNG. Early records named a turn's picture by its position in a
top-level ``screenshots`` list; they read the same.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from agent_core.store.evidence_io import Fields, dump

Extra = Mapping[str, Any]


@dataclass(frozen=True)
class GuiTestSummary:
    """The feedback model's grading of a GUI test.

    Attributes:
        test_passed: Whether the tested requirements were met (None: not said).
        improvement_suggestions: What the developer should fix.
        grade: Functional grade 1-5 (None: missing).
        extra: Keys this version does not know.
    """

    test_passed: bool | None = None
    improvement_suggestions: tuple[str, ...] = ()
    grade: int | None = None
    extra: Extra = field(default_factory=dict, hash=False)

    def to_dict(self) -> dict[str, Any]:
        """The GUI test's ``summary``."""
        return dump({"test_passed": self.test_passed,
                     "improvement_suggestions": list(self.improvement_suggestions),
                     "grade": self.grade}, self.extra)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GuiTestSummary:
        """Read the GUI test's ``summary``."""
        f = Fields(data)
        return cls(test_passed=f.maybe_flag("test_passed"),
                   improvement_suggestions=f.texts("improvement_suggestions"),
                   grade=f.whole("grade"), extra=f.extra())


@dataclass(frozen=True)
class GuiTurn:
    """One turn of the GUI agent, with its own annotated screenshot.

    While the step runs the turn holds its PNG in ``png``; once the step is stored it holds
    the path written for that very PNG in ``screenshot``. A turn without a picture (it failed
    before one was taken) has neither.

    Attributes:
        index: The turn's position in the test, from 0.
        screenshot: Path of the turn's PNG relative to the run directory (None: no picture).
        url: The page's address when the screenshot was taken.
        thought: The agent's reasoning.
        action: The action as written in the agent's grammar.
        parsed: Whether the reply could be read as an action.
        status: ``done``, ``element_missing``, ``timed_out``, ``refused`` or ``error``.
        detail: What came of the action, in words.
        seconds: Time of the turn.
        timings: Seconds per part of the turn (``mark``, ``model``, ``action``).
        png: The PNG itself, only while the step runs (never written to the record).
        extra: Keys this version does not know.
    """

    index: int = 0
    screenshot: str | None = None
    url: str = ""
    thought: str = ""
    action: str = ""
    parsed: bool = False
    status: str = ""
    detail: str = ""
    seconds: float = 0.0
    timings: Mapping[str, float] = field(default_factory=dict, hash=False)
    png: bytes | None = field(default=None, repr=False)
    extra: Extra = field(default_factory=dict, hash=False)

    def to_dict(self) -> dict[str, Any]:
        """One entry of the GUI test's ``turns``."""
        return dump({
            "index": self.index, "screenshot": self.screenshot, "url": self.url,
            "thought": self.thought, "action": self.action, "parsed": self.parsed,
            "status": self.status, "detail": self.detail, "seconds": self.seconds,
            "timings": dict(self.timings),
        }, self.extra)  # fmt: skip

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], position: int = 0,
                  old_paths: tuple[Any, ...] = ()) -> GuiTurn:
        """Read one stored turn.

        Args:
            data: The turn's dict.
            position: Its place in the list (the index when the dict has none).
            old_paths: The top-level ``screenshots`` list of early records, whose turns named
                their picture by its position in that list.
        """
        f = Fields(data)
        index = f.whole("index")
        return cls(
            index=position if index is None else index,
            screenshot=_screenshot_of(f.get("screenshot"), old_paths), url=f.text("url"),
            thought=f.text("thought"), action=f.text("action"), parsed=f.flag("parsed"),
            status=f.text("status"), detail=f.text("detail"), seconds=f.number("seconds"),
            timings=f.number_map("timings"), extra=f.extra(),
        )  # fmt: skip


def _screenshot_of(value: Any, old_paths: tuple[Any, ...]) -> str | None:
    """A turn's picture: a path, or (early records) a position in ``old_paths``."""
    if isinstance(value, str):
        return value or None
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(old_paths):
        path = old_paths[value]
        return path if isinstance(path, str) and path else None
    return None


@dataclass(frozen=True)
class GuiTest:
    """A GUI-test step's test: the agent's turns, its answer and the graded summary.

    Attributes:
        available: False when GUI testing was off for the run (nothing else is set then).
        step: The step number the test ran in.
        url: The tested site's address.
        test_instruction: What the agent was asked to check.
        turns: The agent's turns, each with its own screenshot.
        answer: The agent's final answer (None: it never answered).
        ended_because: Why the test ended, in words.
        end_kind: The same as a keyword (``answered``, ``turn_limit``, ``model_error``...).
        summary: The feedback model's grading (None: none could be obtained).
        raw_summary: The feedback model's last grading reply.
        raw_summary_first: Its first reply, when it had to be asked again.
        blocked: Requests the site policy refused during the test.
        extra: Keys this version does not know.
    """

    available: bool = True
    step: int | None = None
    url: str | None = None
    test_instruction: str | None = None
    turns: tuple[GuiTurn, ...] = ()
    answer: str | None = None
    ended_because: str | None = None
    end_kind: str | None = None
    summary: GuiTestSummary | None = None
    raw_summary: str | None = None
    raw_summary_first: str | None = None
    blocked: tuple[str, ...] = ()
    extra: Extra = field(default_factory=dict, hash=False)

    def to_dict(self) -> dict[str, Any]:
        """The record's ``gui`` (``{"available": false}`` when testing was off)."""
        if not self.available:
            return dump({"available": False}, self.extra, versioned=True)
        return dump({
            "step": self.step, "url": self.url, "test_instruction": self.test_instruction,
            "turns": [turn.to_dict() for turn in self.turns], "answer": self.answer,
            "ended_because": self.ended_because, "end_kind": self.end_kind,
            "summary": self.summary.to_dict() if self.summary is not None else None,
            "raw_summary": self.raw_summary, "raw_summary_first": self.raw_summary_first,
            "blocked": list(self.blocked),
        }, self.extra, versioned=True)  # fmt: skip

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GuiTest:
        """Read a record's ``gui`` of any version."""
        f = Fields(data)
        old_paths = f.get("screenshots")
        old_paths = tuple(old_paths) if isinstance(old_paths, list) else ()
        return cls(
            available=f.flag("available", True), step=f.whole("step"), url=f.maybe_text("url"),
            test_instruction=f.maybe_text("test_instruction"),
            turns=tuple(GuiTurn.from_dict(turn, n, old_paths)
                        for n, turn in enumerate(f.items("turns"))),
            answer=f.maybe_text("answer"), ended_because=f.maybe_text("ended_because"),
            end_kind=f.maybe_text("end_kind"), summary=f.part("summary", GuiTestSummary.from_dict),
            raw_summary=f.maybe_text("raw_summary"),
            raw_summary_first=f.maybe_text("raw_summary_first"), blocked=f.texts("blocked"),
            extra=f.extra(),
        )  # fmt: skip

    def with_stored_screenshots(self, write: Callable[[str, bytes], str],
                                folder: str) -> GuiTest:
        """The test with each turn's PNG written and replaced by the path written for it.

        Turn ``n`` (counting from 1) is written as ``folder/turn-NN.png``; a turn without a
        PNG gets no file and no path, and the turns after it keep their own.

        Args:
            write: Writes bytes at a path relative to the run directory, returns that path
                (``RunStore.write_artifact``).
            folder: The step's folder for the pictures, e.g. ``gui/000003``.
        """
        turns = tuple(
            replace(turn, png=None, screenshot=write(f"{folder}/turn-{n:02d}.png", turn.png))
            if turn.png else replace(turn, png=None)
            for n, turn in enumerate(self.turns, start=1)
        )
        return replace(self, turns=turns)


__all__ = ["GuiTest", "GuiTestSummary", "GuiTurn"]
