"""The benchmark's appearance protocol: scrolled screenshots, one judge request, its grade.

The start page is opened in a fresh browser window (1024x768 by default) and photographed
from the top, then scrolled down one window height and photographed again, up to three
strips (fewer when the page is shorter). All strips go to the judge in one request with the
1-5 rubric. The grade is read the way the published scorer reads it: the first digit after
the word "Grade" (any case), 0 when there is none.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, Page, ViewportSize
from playwright.async_api import Error as PlaywrightError

from agent_core.bench.dataset import BenchTask
from agent_core.bench.prompts import APPEARANCE_SYSTEM, appearance_prompt
from agent_core.bench.results import AppearanceResult
from agent_core.browser.activity import PageActivity
from agent_core.gui.pagetools import settle_page
from agent_core.llm.base import ChatModel, Message

MAX_STRIPS = 3
"""Screenshots the benchmark takes of a page at most."""
SHOTS_DIR = "bench-shots"
"""Folder of the runs folder holding each task's strips (``bench-shots/<task id>/``)."""
_GRADE = re.compile(r"grade.*?(\d)", re.IGNORECASE | re.DOTALL)
_PAGE_HEIGHT_JS = "() => document.body ? document.body.scrollHeight : 0"


def read_grade(text: str) -> tuple[int, str]:
    """The grade in a judge's reply by the published rule, and how it was read.

    The rule: find the word "grade" (any case, also inside a word such as "upgrade"), then
    take the first digit anywhere after it, across lines; no such digit gives 0.

    Returns:
        ``(grade, read)``: the digit (0-9, counted as it is) and a sentence saying where it
        came from.
    """
    match = _GRADE.search(text)
    if match is None:
        why = "no digit after it" if re.search("grade", text, re.IGNORECASE) else "no 'Grade'"
        return 0, f"{why} in the judge's reply: counted 0"
    grade = int(match.group(1))
    shown = " ".join(match.group(0).split())
    shown = shown if len(shown) <= 60 else shown[:28] + " ... " + shown[-27:]
    note = "" if 1 <= grade <= 5 else " (outside 1-5: counted as read, as the benchmark does)"
    return grade, f"the first digit after 'Grade' in {shown!r}: {grade}{note}"


@dataclass
class Strips:
    """The screenshots of one page, top first, and what stopped them (if anything).

    Attributes:
        pngs: The strips.
        page_height: The page's height in CSS pixels when it had loaded.
        problem: Why no screenshot could be taken ('' when there are some).
    """

    pngs: list[bytes] = field(default_factory=list)
    page_height: int = 0
    problem: str = ""


async def capture_strips(
    browser: Browser,
    url: str,
    viewport: tuple[int, int],
    *,
    max_strips: int = MAX_STRIPS,
    load_timeout_s: float = 20.0,
    settle_max_s: float = 3.0,
) -> Strips:
    """Photograph ``url`` from the top, one window height apart, in a fresh browser window.

    The number of strips is the page height divided by the window height, rounded up, at
    most ``max_strips`` and at least one.

    Returns:
        The strips; none (with the problem) when the page did not load or the browser failed.
    """
    size: ViewportSize = {"width": viewport[0], "height": viewport[1]}
    try:
        context = await browser.new_context(
            viewport=size, device_scale_factor=1, service_workers="block"
        )
    except PlaywrightError as error:
        return Strips(problem=f"no browser window could be opened: {_first_line(error)}")
    try:
        page = await context.new_page()
        activity = PageActivity(page)
        activity.attach()
        try:
            await page.goto(url, wait_until="load", timeout=load_timeout_s * 1000)
        except PlaywrightError as error:
            return Strips(problem=f"the page did not load: {_first_line(error)}")
        strips = Strips()
        try:
            await _photograph(page, activity, viewport[1], max_strips, settle_max_s, strips)
        except PlaywrightError as error:
            if not strips.pngs:
                strips.problem = f"the browser failed on the page: {_first_line(error)}"
        return strips
    finally:
        with contextlib.suppress(PlaywrightError):
            await context.close()


async def _photograph(page: Page, activity: PageActivity, height: int, max_strips: int,
                      settle_max_s: float, strips: Strips) -> None:
    """Add the strips to ``strips`` as they are taken (a failure keeps those taken)."""
    await settle_page(page, activity, settle_max_s)
    strips.page_height = int(await page.evaluate(_PAGE_HEIGHT_JS) or 0)
    wanted = min(max_strips, max(1, math.ceil(strips.page_height / height)))
    for number in range(wanted):
        if number:
            await page.evaluate("(dy) => window.scrollBy(0, dy)", height)
            await settle_page(page, activity, settle_max_s)
        strips.pngs.append(await page.screenshot(type="png"))


class AppearanceJudge:
    """Grades a served site's looks with the benchmark's protocol.

    Args:
        model: The judge (a vision model).
        runs_dir: The runs folder; strips go to ``bench-shots/<task id>/`` in it.
        viewport: Size of the window and of each strip.
        judge: The judge settings, kept in every record.
        load_timeout_s: Longest wait for the page's load event.
    """

    def __init__(self, model: ChatModel, runs_dir: Path, *,
                 viewport: tuple[int, int] = (1024, 768),
                 judge: Mapping[str, Any] | None = None,
                 load_timeout_s: float = 20.0) -> None:  # fmt: skip
        self._model = model
        self._runs_dir = Path(runs_dir)
        self._viewport = viewport
        self._judge = dict(judge or {})
        self._load_timeout_s = load_timeout_s

    async def grade(self, browser: Browser, task: BenchTask, url: str) -> AppearanceResult:
        """Photograph the site at ``url`` in ``browser``, ask the judge once, read its grade.

        Returns:
            The result; grade 0 with the reason when no screenshot could be taken.

        Raises:
            ModelError: The judge could not be asked (nothing is recorded: a later bench
                asks again).
        """
        strips = await capture_strips(browser, url, self._viewport,
                                      load_timeout_s=self._load_timeout_s)  # fmt: skip
        if not strips.pngs:
            return AppearanceResult(
                task.id, 0, read="no screenshot: counted 0", url=url, judge=self._judge,
                reason=f"no screenshot could be taken: {strips.problem}",
            )  # fmt: skip
        paths = await asyncio.to_thread(self._save, task.id, strips.pngs)
        messages = [
            Message("system", APPEARANCE_SYSTEM),
            Message("user", appearance_prompt(task.instruction, self._viewport),
                    images=tuple(strips.pngs)),
        ]  # fmt: skip
        completion = await self._model.complete(messages)
        grade, read = read_grade(completion.text)
        return AppearanceResult(task.id, grade, read=read, judge_text=completion.text,
                                screenshots=paths, url=url, judge=self._judge)  # fmt: skip

    def _save(self, task_id: str, pngs: list[bytes]) -> list[str]:
        folder = self._runs_dir / SHOTS_DIR / task_id
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("strip-*.png"):
            old.unlink()
        paths = []
        for number, png in enumerate(pngs, start=1):
            target = folder / f"strip-{number}.png"
            target.write_bytes(png)
            paths.append(str(target.relative_to(self._runs_dir)))
        return paths


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


__all__ = [
    "MAX_STRIPS",
    "SHOTS_DIR",
    "AppearanceJudge",
    "Strips",
    "capture_strips",
    "read_grade",
]
