"""What the agent loop asks of a functional tester, and what a test gives back.

The loop's GUI-test step and ``GuiTester`` both import this module and nothing of each other:
the loop sees only these types, and the tester is built where the run's services are
composed (``agent_core.agent.services.build_gui_tester``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from agent_core.llm.base import Usage
from agent_core.store.evidence import GuiTest


@dataclass
class GuiOutcome:
    """Result of a GUI-test step.

    Attributes:
        feedback: What the coder is told about the test.
        gui_grade: Functional grade 1-5; None when the site could not be tested.
        errors: Why the test is no test of the site (empty when it is one).
        details: The test as the step record keeps it; each turn still holds its PNG.
        usage: Model usage per role (``gui``, ``feedback``).
    """

    feedback: str
    gui_grade: int | None = None
    errors: list[str] = field(default_factory=list)
    details: GuiTest | None = None
    usage: dict[str, Usage] = field(default_factory=dict)


class FunctionalTester(Protocol):
    """Tests the running site's features with a GUI agent (the GUI agent's issue)."""

    async def test(self, url: str | None, instruction: str, index: int) -> GuiOutcome:
        """Drive the site at ``url`` and grade its functions 1-5."""
        ...


@runtime_checkable
class WritesTestInstruction(Protocol):
    """A tester that writes its test instruction ahead of the first GUI-test step."""

    async def write_test_instruction(self, instruction: str) -> str:
        """The test instruction for the user's ``instruction``, written once and reused."""
        ...

    def remember_test_instruction(self, instruction: str, test_instruction: str) -> None:
        """Reuse a test instruction written in an earlier session of the run."""
        ...


@runtime_checkable
class BrowsesElsewhere(Protocol):
    """A tester that can work in another browser (a candidate's own tab)."""

    def on_browser(self, browser_provider: Callable[[], Awaitable[Any]]
                   ) -> FunctionalTester:
        """The same tester, browsing in ``browser_provider``'s browser."""
        ...


__all__ = ["BrowsesElsewhere", "FunctionalTester", "GuiOutcome", "WritesTestInstruction"]
