"""Errors of the browser part, each with a message a user can act on."""

from __future__ import annotations

from agent_core.errors import BrowserUnavailable, WebGenError

__all__ = ["BrowserUnavailable", "PageLoadFailed"]


class PageLoadFailed(WebGenError):
    """A page could not be loaded or screenshotted.

    Raised when the URL does not answer, the page does not finish loading in time, or the page
    stops responding (for example a script stuck in an endless loop).

    Attributes:
        url: The URL that was being captured.
        reason: A short machine-friendly cause: ``unreachable``, ``timeout``, ``hung`` or
            ``crashed``.
    """

    def __init__(self, message: str, *, url: str, reason: str) -> None:
        super().__init__(message)
        self.url = url
        self.reason = reason


def stuck_error(url: str, detail: str, *, browser_alive: bool,
                page_crashed: bool) -> PageLoadFailed:
    """The error for a page that stopped answering: the browser died, the tab crashed, or a
    script hangs (``detail`` is what Playwright said)."""
    if not browser_alive:
        return PageLoadFailed(
            f"the browser closed unexpectedly while showing {url}; it will be restarted "
            "for the next capture",
            url=url,
            reason="crashed",
        )
    if page_crashed:
        return PageLoadFailed(
            f"the browser tab showing {url} crashed (out of memory or a browser bug); "
            "the page will be reopened for the next capture",
            url=url,
            reason="crashed",
        )
    first_line = (detail.strip().splitlines() or ["no answer"])[0]
    return PageLoadFailed(
        f"the page at {url} loaded but then stopped responding ({first_line}); "
        "a script is probably stuck in an endless loop",
        url=url,
        reason="hung",
    )
