"""The browser: one headless Chromium per run that loads the site and screenshots it."""

from __future__ import annotations

from agent_core.browser.capture import Capture
from agent_core.browser.chromium import LAUNCH_ARGS, find_chromium
from agent_core.browser.errors import BrowserUnavailable, PageLoadFailed
from agent_core.browser.session import BrowserSession

__all__ = [
    "LAUNCH_ARGS",
    "BrowserSession",
    "BrowserUnavailable",
    "Capture",
    "PageLoadFailed",
    "find_chromium",
]
