"""Small reads of a loaded page (title, visible text) and task clean-up for the session."""

from __future__ import annotations

import asyncio

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page

_VISIBLE = """() => {
  const overlay = document.querySelector("vite-error-overlay");
  if (overlay) {
    const root = overlay.shadowRoot || overlay;
    const message = root.querySelector(".message") || root;
    return "[build error] " + (message.textContent || "").trim().slice(0, 2000);
  }
  const body = document.body;
  if (!body) return "";
  const shown = [...body.querySelectorAll("img, svg, canvas, video, iframe")]
    .some((el) => { const r = el.getBoundingClientRect(); return r.width > 8 && r.height > 8; });
  return (shown ? "[media] " : "") + (body.innerText || "").slice(0, 2000);
}"""


async def visible_text(page: Page) -> str:
    """The page's visible text, for the gate: ``[media] `` first when it shows pictures;
    ``[build error] `` and the message when the dev server's error overlay covers it."""
    try:
        return str(await page.evaluate(_VISIBLE))
    except PlaywrightError:
        return ""


async def title(page: Page) -> str:
    """The page's title, or '' when the page cannot say."""
    try:
        return await page.title()
    except PlaywrightError:
        return ""  # the screenshot is what matters; a title is a nicety


async def cancelled(task: asyncio.Future[None]) -> None:
    """Cancel ``task`` if it still runs and wait for it to end, discarding its outcome.

    A cancellation of the caller itself still propagates.
    """
    if not task.done():
        task.cancel()
        await asyncio.wait([task])
    if not task.cancelled():
        task.exception()  # mark the outcome as seen so asyncio does not log it
