"""Page helpers of the GUI executor: origin checks, error wording and in-page scripts."""

from __future__ import annotations

import asyncio
import time
from typing import Literal
from urllib.parse import urlsplit

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page

from agent_core.browser.activity import PageActivity
from agent_core.browser.page_reads import cancelled

TWO_FRAMES_JS = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"
"""Resolves once the page has painted two more frames."""
_LOOPBACK = {"localhost", "127.0.0.1", "::1"}
QUIET_S = 0.1
"""The network must be idle this long after an action before the page counts as settled."""

DISABLED_JS = r"""
(selector) => {
  const el = document.querySelector(selector);
  if (!el) return null;
  return el.matches(':disabled') || el.getAttribute('aria-disabled') === 'true';
}
"""
"""Whether the element matching ``selector`` is disabled; null when there is none."""

FIELD_JS = r"""
(el) => {
  const tag = el.tagName.toLowerCase();
  const type = (el.getAttribute('type') || 'text').toLowerCase();
  const TEXT = ['text', 'search', 'email', 'password', 'tel', 'url', 'number'];
  const FILL = ['date', 'time', 'datetime-local', 'month', 'week', 'color', 'range'];
  const textField = (f) => (f.tagName === 'INPUT' &&
      TEXT.includes((f.getAttribute('type') || 'text').toLowerCase())) ||
    f.tagName === 'TEXTAREA';
  let kind = 'other';
  if (tag === 'input' && TEXT.includes(type)) kind = 'text';
  else if (tag === 'input' && FILL.includes(type)) kind = 'fill';
  else if (tag === 'textarea') kind = 'textarea';
  else if (tag === 'select') kind = 'select';
  else if (el.isContentEditable) kind = 'editable';
  const form = el.form || el.closest('form');
  const fields = form ? Array.from(form.elements).filter(
    (f) => textField(f) && f.getClientRects().length > 0) : [];
  const words = [el.name, el.id, el.placeholder, el.getAttribute('aria-label')].join(' ');
  const search = type === 'search' || el.getAttribute('role') === 'searchbox' ||
    /search/i.test(words) || !!el.closest('[role=search]');
  let near = el.parentElement, button = false;
  for (let level = 0; near && level < 2 && !button; level++, near = near.parentElement) {
    button = !!near.querySelector('button, [type=submit], [role=button]');
  }
  return {tag, type: tag === 'input' ? type : '', kind, inForm: !!form,
          onlyField: fields.length <= 1, search, buttonNear: button,
          disabled: el.matches(':disabled'), readOnly: !!el.readOnly};
}
"""
"""Describes a field for Type: its kind, its form, whether it is a search box, buttons near."""

PICK_OPTION_JS = r"""
(el, text) => {
  const options = Array.from(el.options);
  const lower = text.toLowerCase();
  const found = options.find((o) => o.label.trim() === text || o.value === text) ||
    options.find((o) => o.label.trim().toLowerCase() === lower);
  return found ? found.value : null;
}
"""
"""The value of a select's option whose label (or value) is ``text``, case-insensitively
as a fallback; null when there is none."""

SCROLL_JS = r"""
(el, sign) => {
  const scrollable = (n) => {
    if (!n || n === document.body || n === document.documentElement) return false;
    const s = getComputedStyle(n);
    return /(auto|scroll|overlay)/.test(s.overflowY) && n.scrollHeight > n.clientHeight + 1;
  };
  let box = el;
  while (box && !scrollable(box)) box = box.parentElement;
  if (!box) {
    const before = window.scrollY;
    window.scrollBy({top: sign * window.innerHeight * 2 / 3, behavior: 'instant'});
    return {what: 'window', moved: Math.round(window.scrollY - before)};
  }
  const before = box.scrollTop;
  box.scrollBy({top: sign * box.clientHeight * 2 / 3, behavior: 'instant'});
  return {what: box === el ? 'element' : 'container', moved: Math.round(box.scrollTop - before)};
}
"""
"""Scrolls an element (or its nearest scrollable ancestor, else the window) by 2/3 of its
height; ``el`` may be null for the window. Returns what moved and by how many pixels."""


def same_origin(url: str, site_url: str) -> bool:
    """Whether ``url`` is on the site's origin (loopback names count as one host).

    Args:
        url: The URL to check.
        site_url: Any URL of the site under test.

    Returns:
        True for the same scheme, host and port.
    """
    a, b = urlsplit(url), urlsplit(site_url)
    if a.scheme not in ("http", "https") or a.scheme != b.scheme:
        return False
    host_a, host_b = (a.hostname or "").lower(), (b.hostname or "").lower()
    same_host = host_a == host_b or (host_a in _LOOPBACK and host_b in _LOOPBACK)
    return same_host and _port(a.port, a.scheme) == _port(b.port, b.scheme)


def _port(port: int | None, scheme: str) -> int:
    return port if port is not None else (443 if scheme == "https" else 80)


def first_line(error: BaseException) -> str:
    """The first non-empty line of an error's message (Playwright's carry a call log)."""
    text = getattr(error, "message", None) or str(error)
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__


def why_not_clickable(error: PlaywrightError) -> str:
    """Why Playwright gave up on an element, in a few words, from its call log."""
    text = error.message or ""
    for clue, meaning in (
        ("intercepts pointer events", "another element covers it"),
        ("not visible", "it is not visible"),
        ("not enabled", "it is disabled"),
        ("not stable", "it keeps moving"),
        ("detached", "it was removed from the page"),
    ):
        if clue in text:
            return meaning
    if "performing click action" in text or "Timeout" in text:
        return "the page did not respond (a script may be stuck)"
    return first_line(error)


def crash_aware(error: PlaywrightError) -> str:
    """A Playwright failure in words: a crashed or closed tab is named as such."""
    text = error.message or ""
    if "crash" in text.lower():
        return "the browser tab crashed"
    if "closed" in text.lower():
        return "the tab was closed"
    return first_line(error)


async def close_page_quietly(page: Page) -> None:
    """Close ``page`` without waiting for unload handlers; ignore a page already gone."""
    try:
        await asyncio.wait_for(page.close(run_before_unload=False), 5.0)
    except (TimeoutError, PlaywrightError):
        pass  # already closed or the browser is gone


async def settle_page(
    page: Page, activity: PageActivity, max_s: float
) -> Literal["settled", "loading", "busy"]:
    """Let the page finish what an action started: its load event, a quiet network, and two
    painted frames (counted while the network settles, again if a request came or went).

    Args:
        page: The tab the action ran in.
        activity: Listening to ``page`` since before the action.
        max_s: Longest wait for the load event and for the network (waited for together).

    Returns:
        ``settled``; ``loading`` when the load event had not come within ``max_s`` (the next
        screenshot shows what has arrived so far); ``busy`` when the page loaded but requests
        the action started were still running.
    """
    started = time.monotonic()
    frames = asyncio.ensure_future(_two_frames(page, max_s))
    try:
        loaded, quiet = await asyncio.gather(
            _loaded(page, max_s), activity.wait_quiet(QUIET_S, max_s)
        )
        if activity.last_change > started:
            await cancelled(frames)
            frames = asyncio.ensure_future(_two_frames(page, max_s))
        await frames
    finally:
        await cancelled(frames)
    if not loaded:
        return "loading"
    return "settled" if quiet else "busy"


async def _loaded(page: Page, max_s: float) -> bool:
    try:
        await page.wait_for_load_state("load", timeout=max_s * 1000)
    except PlaywrightError:
        return False  # still loading (or gone): the next marking shows or reports it
    return True


async def _two_frames(page: Page, max_s: float) -> None:
    try:
        await asyncio.wait_for(page.evaluate(TWO_FRAMES_JS), max_s)
    except (TimeoutError, PlaywrightError):
        pass  # stuck, navigating or crashed: the next marking reports it
