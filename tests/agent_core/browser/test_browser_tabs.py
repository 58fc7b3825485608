"""Tabs: other pages of one browser, for candidates whose screenshots are taken side by side."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest

from agent_core.browser import BrowserSession
from tests.support.procs import cmdline, descendants

pytestmark = pytest.mark.slow


def _main_chromium() -> int:
    (main,) = [p for p in descendants() if "chrom" in cmdline(p)
               and "--type=" not in cmdline(p) and "crashpad" not in cmdline(p)]
    return main


async def test_a_tab_captures_while_the_owner_waits_on_a_slow_page(site, route):
    site.routes["/slow"] = route("<title>Slow</title>", delay_s=2.0)
    site.routes["/fast"] = route("<title>Fast</title><p>candidate two</p>")
    async with BrowserSession() as owner:
        tab = await owner.open_tab()
        finished: list[str] = []

        async def shoot(session: BrowserSession, path: str) -> None:
            capture = await session.capture(site.url(path))
            finished.append(capture.title)

        await asyncio.gather(shoot(owner, "/slow"), shoot(tab, "/fast"))
        assert finished == ["Fast", "Slow"]  # the tab did not queue behind the owner's page
        assert tab.page is not owner.page
        await tab.close()
        assert (await owner.capture(site.url("/fast"))).title == "Fast"  # the browser stays


async def test_a_tabs_blocks_are_logged_in_its_own_policy(site, route):
    page = "<title>Probe</title><script>fetch('http://127.0.0.1:9/secret').catch(() => {})</script>"
    site.routes["/probe"] = route(page)
    site.routes["/plain"] = route("<title>Plain</title>")
    async with BrowserSession() as owner:
        tab = await owner.open_tab()
        probed, plain = await asyncio.gather(tab.capture(site.url("/probe")),
                                             owner.capture(site.url("/plain")))
        assert any("127.0.0.1:9/secret" in line for line in probed.blocked_requests)
        assert plain.blocked_requests == []


async def test_a_tab_brings_the_browser_back_after_it_was_killed(site, route):
    site.routes["/"] = route("<title>Again</title>")
    async with BrowserSession() as owner:
        tab = await owner.open_tab()
        await tab.capture(site.url("/"))
        gone = asyncio.Event()
        browser = tab.page.context.browser
        assert browser is not None
        browser.once("disconnected", lambda _browser: gone.set())
        os.kill(_main_chromium(), signal.SIGKILL)
        await asyncio.wait_for(gone.wait(), 10)
        assert (await tab.capture(site.url("/"))).title == "Again"
        assert (await owner.capture(site.url("/"))).title == "Again"  # one new browser for both
        assert tab.page.context.browser is owner.page.context.browser


async def test_a_tab_of_a_session_not_started_is_refused():
    with pytest.raises(RuntimeError, match="start"):
        await BrowserSession().open_tab()
