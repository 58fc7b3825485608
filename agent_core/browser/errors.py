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
