"""The GUI agent: tests the running site's features in a browser, WebVoyager style.

Pure asyncio and Playwright. ``GuiTester`` is the loop's functional tester; ``GuiAgent`` the
browsing agent; ``mark_page`` the set-of-mark screenshot; ``parse_gui_reply`` the grammar;
``ActionExecutor`` carries actions out (what each kind does to the page: ``page_actions``).
"""

from __future__ import annotations

from agent_core.gui.agent import GuiAgent, GuiTrajectory, GuiTurn
from agent_core.gui.executor import ActionExecutor
from agent_core.gui.grammar import GuiAction, ParseFailure, parse_gui_reply
from agent_core.gui.marks import (
    MarkedElement,
    MarkedPage,
    MarkingFailed,
    format_elements,
    mark_page,
)
from agent_core.gui.page_actions import ActionOutcome
from agent_core.gui.tester import GuiSummary, GuiTester, read_summary

__all__ = [
    "ActionExecutor",
    "ActionOutcome",
    "GuiAction",
    "GuiAgent",
    "GuiSummary",
    "GuiTester",
    "GuiTrajectory",
    "GuiTurn",
    "MarkedElement",
    "MarkedPage",
    "MarkingFailed",
    "ParseFailure",
    "format_elements",
    "mark_page",
    "parse_gui_reply",
    "read_summary",
]
