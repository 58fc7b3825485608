"""Set-of-mark: number the visible interactive elements of a page and screenshot them boxed.

``mark_page`` runs a script in the page that finds what a user could click or type into in
the viewport, tags each element with ``data-webgen-mark="N"`` (so an action can find it
again), draws numbered boxes over them, takes the screenshot and removes the boxes again.
The tags stay until the next marking, which clears them first.

Which elements count as interactive: ``a``, ``button``, ``input`` (not hidden), ``textarea``,
``select``, ``summary``, ``label[for]``, ``[contenteditable]``, ``[onclick]``, the ARIA
widget roles (button, link, checkbox, radio, tab, menuitem, switch, option), any element with
``tabindex >= 0``, and any element whose computed cursor is ``pointer`` while its parent's is
not (frameworks attach click handlers that leave no attribute, but such elements are styled
with a pointer; children that merely inherit the cursor are left out).

An element is marked only when a sighted user could see and click it right now:

- its box is at least 2x2 px, and not hidden by style: ``display:none`` (also the ``hidden``
  attribute or a closed ``details``), ``visibility:hidden`` or ``opacity:0`` - its own or an
  ancestor's;
- part of it lies in the viewport and inside every ancestor that clips its overflow (a row
  scrolled out of a list is not marked; a half visible one is, with its visible part boxed);
- the browser hits the element (or one of its children) at the centre of that visible part,
  so elements covered by another one (a modal's backdrop, an overlapping box), ``inert``
  ones and ``pointer-events:none`` ones are left out.

Only the viewport is marked: on a long page the agent scrolls, and the next marking numbers
what came into view. Decisions on the borderline cases:

- Disabled controls (``disabled``, inside a disabled ``fieldset``, ``aria-disabled=true``)
  are listed but flagged ``(disabled)``: a user sees them, and a tester should notice and
  report that e.g. a submit button stays disabled. Clicking one reports that nothing
  happened, typing into one is refused.
- ``aria-hidden="true"`` alone does not hide an element: it is for screen readers, and a
  sighted user still sees and clicks it.
"""

from __future__ import annotations

import asyncio
import base64
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from playwright.async_api import CDPSession, Frame, Page
from playwright.async_api import Error as PlaywrightError

from agent_core.errors import WebGenError
from agent_core.gui.markscript import MARK_JS, UNMARK_JS

MARK_ATTRIBUTE = "data-webgen-mark"
"""Attribute set on every marked element; its value is the element's number."""
OVERLAY_ID = "__webgen_marks__"
MAX_MARKS = 200
"""At most this many elements are numbered (in document order)."""
MARK_TIMEOUT_S = 5.0
SCREENSHOT_TIMEOUT_S = 10.0
TEXT_LIMIT = 80
_MARK_ATTEMPTS = 3
_NAVIGATED = ("Execution context was destroyed", "because of a navigation")
_SCREENSHOT_PARAMS = {"format": "png", "optimizeForSpeed": True, "captureBeyondViewport": False}
_CDP_SESSIONS: weakref.WeakKeyDictionary[Page, CDPSession] = weakref.WeakKeyDictionary()
"""One DevTools session per marked tab, for screenshots; it goes away with its tab."""


class MarkingFailed(WebGenError):
    """The page could not be marked or screenshotted (it hung, crashed or was closed)."""


@dataclass(frozen=True)
class MarkedElement:
    """One numbered interactive element.

    Attributes:
        number: The number drawn on the screenshot (0..N-1); the element carries
            ``data-webgen-mark="number"``.
        tag: Lower-case tag name, e.g. ``button``.
        type: The ``type`` of an input (``text`` when unset), else ``""``.
        text: Visible text (or a button input's value, an image's alt), at most 80 chars.
        placeholder: The placeholder attribute.
        aria_label: The ``aria-label`` attribute.
        href: The absolute link target of an ``a``.
        center: Centre of the element's visible part, in viewport pixels.
        box: Visible part as (left, top, width, height), in viewport pixels.
        role: The ``role`` attribute.
        value: Current value of a field (passwords as asterisks, ``checked`` for a ticked box).
        disabled: Whether the element is disabled.
        options: Labels of a select's first options.
    """

    number: int
    tag: str
    type: str = ""
    text: str = ""
    placeholder: str = ""
    aria_label: str = ""
    href: str = ""
    center: tuple[float, float] = (0.0, 0.0)
    box: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    role: str = ""
    value: str = ""
    disabled: bool = False
    options: tuple[str, ...] = ()

    def describe(self) -> str:
        """Short form for action outcomes, e.g. ``[3] <button> "Search"``."""
        label = self.text or self.placeholder or self.aria_label
        kind = f"<{self.tag} type={self.type}>" if self.type else f"<{self.tag}>"
        return f'[{self.number}] {kind} "{label}"' if label else f"[{self.number}] {kind}"


@dataclass(frozen=True)
class MarkedPage:
    """A screenshot with numbered boxes, and the elements the numbers stand for.

    Attributes:
        png: The annotated screenshot of the viewport.
        elements: The numbered elements, in number order.
        url: The page's URL when it was marked.
    """

    png: bytes
    elements: list[MarkedElement]
    url: str = ""


async def mark_page(page: Page, *, timeout_s: float = MARK_TIMEOUT_S) -> MarkedPage:
    """Number the page's visible interactive elements and take the annotated screenshot.

    The overlay is removed again before returning (also when the screenshot fails). When the
    page navigates while it is being marked, the new document is marked instead (twice at
    most, after its DOM has loaded).

    Args:
        page: The page to mark.
        timeout_s: Longest wait for the marking script (a hung page never answers).

    Returns:
        The annotated screenshot and the elements.

    Raises:
        MarkingFailed: The page did not answer in time, crashed, was closed or kept
            navigating.
    """
    watch = _Navigations(page)
    last = _Navigated("")
    try:
        for _attempt in range(_MARK_ATTEMPTS):
            try:
                return await _mark_once(page, timeout_s, watch)
            except _Navigated as navigated:
                last = navigated
            try:
                await page.wait_for_load_state("domcontentloaded", timeout=timeout_s * 1000)
            except PlaywrightError:
                pass  # the next attempt reports what is wrong
    finally:
        watch.detach()
    raise MarkingFailed(
        f"the page at {page.url} kept navigating while it was being marked ({last})"
    )


class _Navigated(Exception):
    """The page navigated while it was being marked; try again on the new document."""


class _Navigations:
    """Counts the main frame's navigations while a marking runs."""

    def __init__(self, page: Page) -> None:
        self._page = page
        self.count = 0
        self.changed = asyncio.Event()
        page.on("framenavigated", self._on_navigated)

    def _on_navigated(self, frame: Frame) -> None:
        if frame.parent_frame is None:
            self.count += 1
            self.changed.set()

    def detach(self) -> None:
        self._page.remove_listener("framenavigated", self._on_navigated)


async def _mark_once(page: Page, timeout_s: float, watch: _Navigations) -> MarkedPage:
    url, before = page.url, watch.count
    watch.changed.clear()
    try:
        raw = await asyncio.wait_for(
            page.evaluate(MARK_JS, [MARK_ATTRIBUTE, OVERLAY_ID, MAX_MARKS, TEXT_LIMIT]), timeout_s
        )
    except TimeoutError:
        raise MarkingFailed(
            f"the page at {url} did not answer within {timeout_s:g} s; a script is probably "
            "stuck in an endless loop"
        ) from None
    except PlaywrightError as error:
        if watch.count != before or any(c in (error.message or "") for c in _NAVIGATED):
            raise _Navigated(_first_line(error)) from None
        raise MarkingFailed(f"could not read the page at {url}: {_first_line(error)}") from None
    try:
        png = await _screenshot_unless_navigating(page, watch)
    except PlaywrightError as error:
        # Chromium refuses to capture while a navigation swaps the document.
        raise _Navigated(_first_line(error)) from None
    finally:
        await _remove_overlay(page)
    if watch.count != before:
        raise _Navigated(f"it went to {page.url}")
    return MarkedPage(png=png, elements=[_element(item) for item in raw or []], url=url)


async def _screenshot_unless_navigating(page: Page, watch: _Navigations) -> bytes:
    """The screenshot; ``_Navigated`` when a navigation comes first (a capture can hang then)."""
    capture = asyncio.ensure_future(_screenshot(page))
    navigated = asyncio.ensure_future(watch.changed.wait())
    try:
        await asyncio.wait(
            {capture, navigated}, timeout=SCREENSHOT_TIMEOUT_S, return_when="FIRST_COMPLETED"
        )
        if capture.done():
            return capture.result()
        if navigated.done():
            raise _Navigated(f"it went to {page.url}")
        raise MarkingFailed(
            f"could not take a screenshot of {page.url}: no answer within "
            f"{SCREENSHOT_TIMEOUT_S:g} s"
        )
    finally:
        for task in (capture, navigated):
            task.cancel()
        await asyncio.gather(capture, navigated, return_exceptions=True)


async def _screenshot(page: Page) -> bytes:
    """The viewport as PNG, through the DevTools protocol when possible (faster, and it does
    not wait for web fonts the way ``page.screenshot`` does)."""
    cdp = _CDP_SESSIONS.get(page)
    if cdp is None:
        try:
            cdp = await page.context.new_cdp_session(page)
        except PlaywrightError:
            # Not Chromium: Playwright's own screenshot.
            return await page.screenshot(type="png", timeout=SCREENSHOT_TIMEOUT_S * 1000)
        _CDP_SESSIONS[page] = cdp
    try:
        reply = await cdp.send("Page.captureScreenshot", _SCREENSHOT_PARAMS)
    except BaseException:
        _CDP_SESSIONS.pop(page, None)  # detached or interrupted: a new session next time
        raise
    return base64.b64decode(reply["data"])


async def _remove_overlay(page: Page) -> None:
    try:
        await asyncio.wait_for(page.evaluate(UNMARK_JS, OVERLAY_ID), 2.0)
    except (TimeoutError, PlaywrightError):
        pass  # a dead or stuck page: nothing to clean up that anyone will see


def _element(item: dict[str, Any]) -> MarkedElement:
    box = item.get("box") or {}

    def px(key: str) -> float:
        return round(float(box.get(key, 0)), 1)

    return MarkedElement(
        number=int(item["number"]),
        tag=str(item.get("tag") or ""),
        type=str(item.get("type") or ""),
        text=str(item.get("text") or ""),
        placeholder=str(item.get("placeholder") or ""),
        aria_label=str(item.get("aria_label") or ""),
        href=str(item.get("href") or ""),
        center=(px("cx"), px("cy")),
        box=(px("left"), px("top"), px("width"), px("height")),
        role=str(item.get("role") or ""),
        value=str(item.get("value") or ""),
        disabled=bool(item.get("disabled")),
        options=tuple(str(o) for o in item.get("options") or ()),
    )


def _first_line(error: PlaywrightError) -> str:
    lines = (error.message or "").strip().splitlines()
    return lines[0] if lines else "unknown browser error"


def format_element(element: MarkedElement) -> str:
    """One line of the element list, e.g. ``[4] <input type=text> placeholder="Stock code"``."""
    kind = f"<{element.tag} type={element.type}>" if element.type else f"<{element.tag}>"
    parts = [f"[{element.number}] {kind}"]
    if element.role and element.role != element.tag:
        parts.append(f"role={element.role}")
    if element.text:
        parts.append(f'"{element.text}"')
    if element.placeholder:
        parts.append(f'placeholder="{element.placeholder}"')
    if element.aria_label and element.aria_label != element.text:
        parts.append(f'aria-label="{element.aria_label}"')
    if element.value:
        parts.append(f'value="{element.value}"')
    if element.options:
        parts.append("options: " + " | ".join(element.options))
    if element.href:
        parts.append(f"href={element.href}")
    if element.disabled:
        parts.append("(disabled)")
    return " ".join(parts)


def format_elements(elements: Sequence[MarkedElement]) -> str:
    """The element list shown to the model, one element a line.

    Args:
        elements: The marked elements.

    Returns:
        Lines such as ``[3] <button> "Search"``, or a note when nothing is interactive.
    """
    if not elements:
        return "(no interactive elements are visible in the viewport)"
    return "\n".join(format_element(element) for element in elements)
