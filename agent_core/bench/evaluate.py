"""Judging a served site: one GUI-agent test per case, and the benchmark's appearance grade.

Every case runs in a fresh browser context (no cookies or storage from another case) of the
bench's one browser, with the benchmark's limit of 15 agent actions and its judge settings
(``JudgeSettings``: by default those of the published runs). The appearance grade follows
the benchmark's protocol (``agent_core.bench.appearance``).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, BrowserContext, ViewportSize
from playwright.async_api import Error as PlaywrightError

from agent_core.bench.appearance import AppearanceJudge
from agent_core.bench.dataset import BenchCase, BenchTask
from agent_core.bench.prompts import case_instruction
from agent_core.bench.results import AppearanceResult, CaseResult, parse_verdict
from agent_core.browser.session import BrowserSession
from agent_core.config import RoleConfig, Timeouts
from agent_core.errors import WebGenError
from agent_core.gui.agent import GuiAgent, GuiTrajectory
from agent_core.llm.base import ChatModel

MAX_ACTIONS = 15
"""The benchmark's limit on GUI-agent actions per case."""


@dataclass(frozen=True)
class JudgeSettings:
    """How the judge model is asked; the defaults are those of the published runs.

    Attributes:
        screenshots: Screenshots attached to each GUI-agent request (the latest ones).
        temperature: Sampling temperature of every judge request.
        seed: Sampling seed of every judge request (None: none is sent); servers that do
            not honour one ignore it.
    """

    screenshots: int = 3
    temperature: float = 1.0
    seed: int | None = 42

    def role(self, base: RoleConfig) -> RoleConfig:
        """The critic role's settings with this temperature and seed: the judge's client."""
        return replace(base, temperature=self.temperature, seed=self.seed)

    def to_dict(self) -> dict[str, Any]:
        """The settings as recorded with every result."""
        return {"screenshots": self.screenshots, "temperature": self.temperature,
                "seed": self.seed}  # fmt: skip


def start_failed_case(task: BenchTask, case: BenchCase, problem: str) -> CaseResult:
    """The NO a case gets when its site could not be served."""
    return CaseResult(
        task_id=task.id,
        case_index=case.index,
        task_category=task.category,
        case_category=case.category,
        verdict="NO",
        start_failed=True,
        reason=f"the site did not start: {problem}",
    )


def start_failed_appearance(task: BenchTask, problem: str) -> AppearanceResult:
    """The appearance grade 0 of a site that could not be served (nothing to look at)."""
    return AppearanceResult(task.id, 0, read="the site did not start: counted 0",
                            start_failed=True, reason=f"the site did not start: {problem}")


class SiteJudge:
    """Runs test cases and the appearance grade against one browser.

    Args:
        model: The judge (a vision model): it browses and grades.
        browser: The bench's started browser session.
        runs_dir: The runs folder (the appearance strips are kept in it).
        settings: The judge settings (the model's temperature and seed are set by whoever
            built ``model``; they are recorded from here).
        viewport: Size of each case's browser window and of the appearance strips.
        max_turns: Actions the agent may take per case.
        timeouts: ``page_load_s`` bounds opening the start page for the strips.
        agent_options: Extra keyword arguments for ``GuiAgent`` (e.g. ``wait_s``).
    """

    def __init__(
        self,
        model: ChatModel,
        browser: BrowserSession,
        runs_dir: Path,
        *,
        settings: JudgeSettings | None = None,
        viewport: tuple[int, int] = (1024, 768),
        max_turns: int = MAX_ACTIONS,
        timeouts: Timeouts | None = None,
        agent_options: Mapping[str, Any] | None = None,
    ) -> None:
        self._browser = browser
        self._viewport: ViewportSize = {"width": viewport[0], "height": viewport[1]}
        settings = settings or JudgeSettings()
        self._settings = {**settings.to_dict(), "model": getattr(model, "description", "")}
        options = {"keep_screenshots": settings.screenshots, **dict(agent_options or {})}
        self._agent = GuiAgent(model, max_turns=max_turns, **options)
        self._appearance = AppearanceJudge(
            model, runs_dir, viewport=viewport, judge=self._settings,
            load_timeout_s=(timeouts or Timeouts()).page_load_s,
        )  # fmt: skip

    async def run_case(self, task: BenchTask, case: BenchCase, url: str) -> CaseResult:
        """Let the GUI agent try ``case`` on the site at ``url`` and read its verdict.

        Returns:
            The result; a model, page or browser failure gives NO with the reason.
        """
        started = time.perf_counter()
        try:
            trajectory = await self._browse(case_instruction(case), url)
        except (WebGenError, PlaywrightError, RuntimeError, TimeoutError) as error:
            first = (str(error).strip().splitlines() or [type(error).__name__])[0]
            return CaseResult(
                task.id, case.index, task.category, case.category, "NO",
                reason=f"the browser could not be used for the test: {first}", url=url,
                seconds=round(time.perf_counter() - started, 3), judge=self._settings,
            )  # fmt: skip
        verdict, reason = parse_verdict(trajectory.answer, trajectory.ended_because)
        return CaseResult(
            task_id=task.id,
            case_index=case.index,
            task_category=task.category,
            case_category=case.category,
            verdict=verdict,
            reason=reason,
            answer=trajectory.answer,
            turns=len(trajectory.turns),
            seconds=round(time.perf_counter() - started, 3),
            actions=[turn.action_text for turn in trajectory.turns],
            url=url,
            last_message=trajectory.turns[-1].reply if trajectory.turns else None,
            judge=self._settings,
        )

    async def grade_appearance(self, task: BenchTask, url: str) -> AppearanceResult:
        """Grade the site's looks with the benchmark's protocol.

        Raises:
            ModelError: The judge could not be asked.
            RuntimeError: The bench's browser is gone.
        """
        return await self._appearance.grade(self._pw_browser(), task, url)

    def _pw_browser(self) -> Browser:
        browser = self._browser.page.context.browser
        if browser is None:
            raise RuntimeError("the bench's browser has no window to open a test in")
        return browser

    async def _browse(self, instruction: str, url: str) -> GuiTrajectory:
        context = await self._pw_browser().new_context(
            viewport=self._viewport, device_scale_factor=1, service_workers="block"
        )
        try:
            page = await context.new_page()
            return await self._agent.run(page, instruction, url)
        finally:
            await _close_quietly(context)


async def _close_quietly(context: BrowserContext) -> None:
    with contextlib.suppress(PlaywrightError):
        await context.close()


__all__ = [
    "MAX_ACTIONS",
    "JudgeSettings",
    "SiteJudge",
    "start_failed_appearance",
    "start_failed_case",
]
