"""Starting, failing and closing browser sessions (each test owns its browser)."""

from __future__ import annotations

import asyncio
import os
import signal
import stat

import pytest

from agent_core.browser import BrowserSession, BrowserUnavailable, PageLoadFailed, chromium
from tests.support.net import closed_port_url
from tests.support.procs import cmdline, descendants, wait_until_gone

pytestmark = pytest.mark.slow


def chromium_processes() -> list[int]:
    return [pid for pid in descendants() if "chrom" in cmdline(pid)]


async def test_close_leaves_no_chromium_process(site, route):
    site.routes["/"] = route("<title>Hi</title><p>hello</p>")
    session = BrowserSession()
    await session.start()
    capture = await session.capture(site.url("/"))
    assert capture.title == "Hi"
    assert chromium_processes(), "the browser should be running while the session is open"
    await session.close()
    assert not session.started
    assert wait_until_gone(chromium_processes(), timeout_s=5.0) == []
    await session.close()  # closing twice is harmless


async def test_context_manager_starts_and_closes(site, route):
    site.routes["/"] = route("<title>Ctx</title>")
    async with BrowserSession(viewport=(640, 480)) as session:
        assert session.started and session.executable
        assert session.page.viewport_size == {"width": 640, "height": 480}
        assert (await session.capture(site.url("/"))).title == "Ctx"
    assert not session.started
    with pytest.raises(RuntimeError, match="start"):
        _ = session.page


async def test_missing_executable_names_the_path():
    session = BrowserSession("/opt/nowhere/chrome")
    with pytest.raises(BrowserUnavailable) as caught:
        await session.start()
    assert "/opt/nowhere/chrome" in str(caught.value)
    assert "does not exist" in str(caught.value)
    assert not session.started


async def test_no_browser_anywhere_says_how_to_fix_it(tmp_path, monkeypatch):
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setattr(chromium, "KNOWN_PATHS", ())
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(empty))  # nor Playwright's own
    session = BrowserSession()
    with pytest.raises(BrowserUnavailable) as caught:
        await session.start()
    message = str(caught.value)
    assert "no Chromium or Chrome found" in message
    assert "apt install chromium" in message and "--chromium" in message


async def test_browser_that_fails_to_start_is_reported(tmp_path):
    fake = tmp_path / "chrome"
    fake.write_text("#!/bin/sh\necho 'error while loading shared libraries: libnss3.so' >&2\n")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    with pytest.raises(BrowserUnavailable) as caught:
        await BrowserSession(str(fake)).start()
    assert str(fake) in str(caught.value) and "failed to start" in str(caught.value)


async def test_load_timeout_names_the_hanging_request(site, route):
    site.routes["/heavy.html"] = route('<title>Heavy</title><img src="/huge.png">')
    site.routes["/huge.png"] = route("", delay_s=2.0)
    async with BrowserSession() as session:
        with pytest.raises(PageLoadFailed) as caught:
            await session.capture(site.url("/heavy.html"), load_timeout_s=0.5)
        assert caught.value.reason == "timeout"
        assert "did not finish loading within 0.5 s" in str(caught.value)
        assert "/huge.png" in str(caught.value)


async def test_page_stuck_in_a_loop_fails_and_the_next_capture_works(site, route):
    site.routes["/loop.html"] = route(
        "<title>Loop</title><script>"
        "addEventListener('load', () => setTimeout(() => { for (;;) {} }, 0))</script>"
    )
    site.routes["/"] = route("<title>Fine</title>")
    async with BrowserSession() as session:
        with pytest.raises(PageLoadFailed) as caught:
            await session.capture(site.url("/loop.html"))
        assert caught.value.reason == "hung"
        assert "stopped responding" in str(caught.value)
        assert "endless loop" in str(caught.value)
        assert (await session.capture(site.url("/"))).title == "Fine"


async def test_unreachable_url_raises_page_load_failed():
    url = closed_port_url("/")
    async with BrowserSession() as session:
        with pytest.raises(PageLoadFailed) as caught:
            await session.capture(url)
    message = str(caught.value)
    assert url in message and "connection refused" in message and "dev server running" in message
    assert caught.value.reason == "unreachable"


async def test_browser_killed_between_captures_is_restarted(site, route):
    site.routes["/"] = route("<title>Back</title>")
    async with BrowserSession() as session:
        await session.capture(site.url("/"))
        browser = session.page.context.browser
        assert browser is not None
        gone = asyncio.Event()
        browser.once("disconnected", lambda _browser: gone.set())
        # Its crash handler is no child of the browser but, adopted, a descendant of ours.
        (main,) = [p for p in chromium_processes()
                   if "--type=" not in cmdline(p) and "crashpad" not in cmdline(p)]
        os.kill(main, signal.SIGKILL)  # the browser this test started
        await asyncio.wait_for(gone.wait(), 10)
        assert (await session.capture(site.url("/"))).title == "Back"
        assert session.page.context.browser is not browser
