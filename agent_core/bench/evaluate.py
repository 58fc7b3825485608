"""Judging a served site: one GUI-agent test per case, and the critic's appearance grade.

Every case runs in a fresh browser context (no cookies or storage from another case) of the
bench's one browser, with the benchmark's limit of 15 agent actions. The appearance grade is
taken from a fresh screenshot of the site's start page.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Mapping
from typing import Any

from playwright.async_api import BrowserContext, ViewportSize
from playwright.async_api import Error as PlaywrightError

from agent_core.bench.dataset import BenchCase, BenchTask
from agent_core.bench.prompts import case_instruction
from agent_core.bench.results import AppearanceResult, CaseResult, parse_verdict
from agent_core.browser.errors import PageLoadFailed
from agent_core.browser.session import BrowserSession
from agent_core.config import Timeouts
from agent_core.critic.screenshot_critic import ScreenshotCritic
from agent_core.errors import ModelError, WebGenError
from agent_core.gui.agent import GuiAgent, GuiTrajectory
from agent_core.llm.base import ChatModel

MAX_ACTIONS = 15
"""The benchmark's limit on GUI-agent actions per case."""


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
    reason = f"the site did not start: {problem}"
    return AppearanceResult(task.id, 0, start_failed=True, reason=reason)


class SiteJudge:
    """Runs test cases and the appearance grade against one browser.

    Args:
        model: The vision model (the critic role) that browses and grades.
        browser: The bench's started browser session.
        viewport: Size of each case's browser window.
        max_turns: Actions the agent may take per case.
        timeouts: ``page_load_s`` and the network-quiet times bound the screenshot.
        agent_options: Extra keyword arguments for ``GuiAgent`` (e.g. ``wait_s``).
    """

    def __init__(
        self,
        model: ChatModel,
        browser: BrowserSession,
        *,
        viewport: tuple[int, int] = (1024, 768),
        max_turns: int = MAX_ACTIONS,
        timeouts: Timeouts | None = None,
        agent_options: Mapping[str, Any] | None = None,
    ) -> None:
        self._browser = browser
        self._viewport: ViewportSize = {"width": viewport[0], "height": viewport[1]}
        self._agent = GuiAgent(model, max_turns=max_turns, **dict(agent_options or {}))
        self._critic = ScreenshotCritic(model)
        self._timeouts = timeouts or Timeouts()

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
                seconds=round(time.perf_counter() - started, 3),
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
        )

    async def grade_appearance(self, task: BenchTask, url: str) -> AppearanceResult:
        """Screenshot the site's start page and have the critic grade it 0-5.

        Returns:
            The grade: 0 when the page could not be loaded, None (with the reason) when the
            critic failed or gave no usable grade.
        """
        timeouts = self._timeouts
        try:
            capture = await self._browser.capture(
                url, load_timeout_s=timeouts.page_load_s, quiet_s=timeouts.network_quiet_s,
                quiet_max_s=timeouts.network_quiet_max_s,
            )  # fmt: skip
        except PageLoadFailed as error:
            return AppearanceResult(task.id, 0, reason=f"no screenshot: {error}", url=url)
        console = [*capture.page_errors, *capture.console_errors]
        try:
            review = await self._critic.review(
                capture.png, task.instruction, console_errors=console
            )
        except ModelError as error:
            return AppearanceResult(task.id, None, reason=f"the critic failed: {error}", url=url)
        return AppearanceResult(
            task.id,
            review.appearance_grade,
            reason="; ".join(review.problems),
            analysis=review.grade_analysis,
            url=url,
        )

    async def _browse(self, instruction: str, url: str) -> GuiTrajectory:
        browser = self._browser.page.context.browser
        if browser is None:
            raise RuntimeError("the bench's browser has no window to open a test in")
        context = await browser.new_context(
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


__all__ = ["MAX_ACTIONS", "SiteJudge", "start_failed_appearance", "start_failed_case"]
