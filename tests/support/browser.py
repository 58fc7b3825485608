"""One Chromium for a whole test module, as the agent loop shares one across a run's steps.

Conftests register :func:`module_browser` under the name their tests use::

    browser = pytest_asyncio.fixture(module_browser, name="browser", **MODULE_SCOPE)
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from agent_core.browser import BrowserSession

MODULE_SCOPE: dict[str, Any] = {"scope": "module", "loop_scope": "module"}
"""The fixture lives as long as the module, on the module's event loop."""


async def module_browser() -> AsyncIterator[BrowserSession]:
    """A started browser session, closed (Chromium and all) after the module's last test."""
    session = BrowserSession()
    await session.start()
    try:
        yield session
    finally:
        await session.close()
