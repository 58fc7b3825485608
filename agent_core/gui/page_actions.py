"""What each kind of GUI action does to the page, and the sentence the agent reads about it.

The executor (:mod:`agent_core.gui.executor`) bounds an action in time, watches the tab while
it runs (dialogs, new tabs, leaving the site) and lets the page settle afterwards. This module
is the part in between: find the marked element, then click it, type into it, pick one of its
options, scroll, wait or go back. The rules each kind follows:

- Click scrolls the element into view and clicks it. A disabled element is not clicked.
- Type clears the field and types the text key by key (date, time, colour and range inputs
  are filled at once; a ``select`` picks the option with that label or value). Enter is
  pressed afterwards only for a single-line text input that is a search field, or the only
  text field of its form (submitting it is what a user would do), or that sits outside any
  form with no button near it (Enter is then the only way to send it). Never for a textarea,
  a contenteditable or an input among several fields of a form: the agent clicks the form's
  button itself once every field is filled.
- Scroll moves the window, or the element (or its nearest scrollable ancestor), by 2/3 of
  its visible height, instantly.
- Wait pauses ~2 s; GoBack goes one entry back in the tab's history.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from playwright.async_api import Locator, Page
from playwright.async_api import TimeoutError as PlaywrightTimeout

from agent_core.gui.grammar import GuiAction
from agent_core.gui.marks import MARK_ATTRIBUTE, MarkedElement
from agent_core.gui.pagetools import (
    DISABLED_JS,
    FIELD_JS,
    PICK_OPTION_JS,
    SCROLL_JS,
    why_not_clickable,
)

__all__ = ["ActionOutcome", "ActionTimes", "OutcomeStatus", "perform_action"]

OutcomeStatus = Literal["done", "element_missing", "timed_out", "refused", "error"]


@dataclass(frozen=True)
class ActionOutcome:
    """What came of one action.

    Attributes:
        status: ``done``; ``element_missing`` (no such number on the page); ``timed_out``
            (the page did not respond in time); ``refused`` (it would have left the site);
            ``error`` (anything else, e.g. a crashed tab or a field that takes no text).
        detail: One or two sentences for the agent and the user.
    """

    status: OutcomeStatus
    detail: str


@dataclass(frozen=True)
class ActionTimes:
    """How long the page work of one action may take.

    Attributes:
        element_ms: How long a click, a key press or a scroll into view may wait for its
            element, in milliseconds.
        wait_s: Length of the Wait action.
        load_s: Longest wait for the page GoBack returns to.
    """

    element_ms: float
    wait_s: float
    load_s: float


async def perform_action(
    action: GuiAction, elements: Sequence[MarkedElement], page: Page, times: ActionTimes
) -> ActionOutcome:
    """Carry out one Click, Type, Scroll, Wait or GoBack on ``page``.

    Args:
        action: The parsed action (not an ANSWER: that never touches the page).
        elements: The elements marked on the screenshot the model saw.
        page: The tab to act in.
        times: The time bounds of the page work.

    Returns:
        The outcome. A fault of the element comes back as one; Playwright's other errors
        propagate to the executor, which words them.
    """
    if action.kind == "wait":
        await asyncio.sleep(times.wait_s)
        return ActionOutcome("done", f"waited {times.wait_s:g} s")
    if action.kind == "go_back":
        return await _go_back(page, times.load_s)
    if action.kind == "scroll" and action.target is None:
        return await _scroll(page, None, action)
    found = await _locate(page, action.target, elements)
    if isinstance(found, ActionOutcome):
        return found
    locator, element, disabled = found
    if action.kind == "click":
        return await _click(locator, element, disabled, times.element_ms)
    if action.kind == "type":
        return await _type(locator, element, action.text, times.element_ms)
    return await _scroll(page, (locator, element), action)


async def _locate(
    page: Page, number: int | None, elements: Sequence[MarkedElement]
) -> tuple[Locator, MarkedElement, bool] | ActionOutcome:
    """The marked element ``number`` and whether it is disabled (one page round trip)."""
    element = next((e for e in elements if e.number == number), None)
    if element is None:
        span = (
            f"the numbers go from 0 to {len(elements) - 1}"
            if elements
            else ("no element is numbered on this screenshot")
        )
        return ActionOutcome("element_missing", f"there is no element [{number}]; {span}")
    selector = f'[{MARK_ATTRIBUTE}="{number}"]'
    disabled = await page.evaluate(DISABLED_JS, selector)
    if disabled is None:
        return ActionOutcome(
            "element_missing",
            f"{element.describe()} is no longer on the page (it changed after the "
            "screenshot); look at the new screenshot",
        )
    return page.locator(selector).first, element, bool(disabled)


async def _click(
    locator: Locator, element: MarkedElement, disabled: bool, element_ms: float
) -> ActionOutcome:
    if disabled:
        return ActionOutcome("done", f"{element.describe()} is disabled; clicking did nothing")
    try:
        await locator.click(timeout=element_ms)  # scrolls it into view first
    except PlaywrightTimeout as error:
        seconds = element_ms / 1000
        return ActionOutcome(
            "timed_out",
            f"{element.describe()} could not be clicked within {seconds:g} s: "
            f"{why_not_clickable(error)}",
        )
    return ActionOutcome("done", f"clicked {element.describe()}")


async def _type(
    locator: Locator, element: MarkedElement, text: str, element_ms: float
) -> ActionOutcome:
    info: dict[str, Any] = await locator.evaluate(FIELD_JS)
    name = element.describe()
    if info["kind"] == "other":
        return ActionOutcome(
            "error",
            f"{name} does not take text; Type into an input, textarea or select, or Click it",
        )
    if info["disabled"] or info["readOnly"]:
        state = "disabled" if info["disabled"] else "read-only"
        return ActionOutcome("error", f"{name} is {state}; nothing was typed")
    try:
        await locator.scroll_into_view_if_needed(timeout=element_ms)
        if info["kind"] == "select":
            return await _select(locator, name, text, element, element_ms)
        if info["kind"] == "fill":
            await locator.fill(text, timeout=element_ms)
        else:
            await locator.fill("", timeout=element_ms)
            await locator.press_sequentially(text, timeout=element_ms)
        enter = info["kind"] == "text" and (
            info["search"]
            or (info["inForm"] and info["onlyField"])
            or (not info["inForm"] and not info["buttonNear"])
        )
        if enter:
            await locator.press("Enter", timeout=element_ms)
    except PlaywrightTimeout as error:
        return ActionOutcome(
            "timed_out", f"typing into {name} did not finish: {why_not_clickable(error)}"
        )
    then = " and pressed Enter" if enter else " (Enter was not pressed)"
    return ActionOutcome("done", f"typed {text!r} into {name}{then}")


async def _select(
    locator: Locator, name: str, text: str, element: MarkedElement, element_ms: float
) -> ActionOutcome:
    value = await locator.evaluate(PICK_OPTION_JS, text.strip())
    if value is None:
        choices = ", ".join(element.options) or "none"
        return ActionOutcome("error", f"{name} has no option {text!r}; its options: {choices}")
    await locator.select_option(value=value, timeout=element_ms)
    return ActionOutcome("done", f"selected {text!r} in {name}")


async def _scroll(
    page: Page, target: tuple[Locator, MarkedElement] | None, action: GuiAction
) -> ActionOutcome:
    sign = -1 if action.direction == "up" else 1
    if target is None:
        result = await page.evaluate(f"(sign) => ({SCROLL_JS})(null, sign)", sign)
        what = "the window"
    else:
        locator, element = target
        result = await locator.evaluate(SCROLL_JS, sign)
        what = {
            "element": element.describe(),
            "container": f"the area around {element.describe()}",
            "window": "the window",
        }[result["what"]]
    moved = int(result["moved"])
    if moved == 0:
        edge = "top" if sign < 0 else "bottom"
        return ActionOutcome("done", f"{what} is already at the {edge}; nothing moved")
    return ActionOutcome("done", f"scrolled {what} {action.direction} by {abs(moved)} px")


async def _go_back(page: Page, load_s: float) -> ActionOutcome:
    start = page.url
    try:
        response = await page.go_back(timeout=load_s * 1000, wait_until="load")
    except PlaywrightTimeout:
        return ActionOutcome("timed_out", f"going back did not finish within {load_s:g} s")
    if response is None and page.url == start:
        return ActionOutcome("done", "there is no earlier page in this tab; nothing changed")
    return ActionOutcome("done", "went back one page")
