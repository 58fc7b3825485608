"""Screenshots of loopback pages through one shared Chromium."""

from __future__ import annotations

import asyncio

import pytest

from agent_core.browser import BrowserSession
from tests.support.procs import cmdline, descendants

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]

GREEN_PAGE = """<!doctype html><html><head><title>Green shop</title></head>
<body style="margin:0;background:#00c000"><h1>Fresh vegetables</h1></body></html>"""

ERROR_PAGE = """<!doctype html><html><head><title>Broken</title>
<script>console.error("custom console failure");</script>
<script src="/missing.js"></script>
<script>throw new Error("boom from the page");</script>
</head><body><p>half a page</p></body></html>"""

# Two chained calls to a slow API (300 ms each): the data arrives well after the load event.
SLOW_API_PAGE = """<!doctype html><html><head><title>Dashboard</title></head>
<body style="margin:0;background:#ffffff"><div id="out">Loading...</div>
<script>
window.addEventListener("load", async () => {
  const first = await (await fetch("/api/slow")).json();
  const second = await (await fetch("/api/slow?page=2")).json();
  document.getElementById("out").textContent = first.text + " " + second.text;
  document.body.style.background = "#0000ff";
});
</script></body></html>"""


def browser_main_processes() -> list[int]:
    """Chromium browser processes (not renderers or helpers) started by this test process."""
    return [
        pid
        for pid in descendants()
        if "--remote-debugging-pipe" in cmdline(pid) and "--type=" not in cmdline(pid)
    ]


def report(name: str, capture) -> None:
    phases = ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in capture.timings.items())
    print(f"\n[timing] {name}: {capture.seconds * 1000:.0f} ms ({phases})")


async def test_screenshot_is_a_1024x768_png_of_the_page(site, browser, png_tools, route):
    png_size, png_pixel = png_tools
    site.routes["/"] = route(GREEN_PAGE)
    capture = await browser.capture(site.url("/"))
    report("first capture", capture)
    assert png_size(capture.png) == (1024, 768)
    assert png_pixel(capture.png, 1000, 10) == (0, 192, 0)
    assert capture.title == "Green shop"
    assert capture.url == site.url("/")
    assert capture.console_errors == capture.page_errors == capture.failed_requests == []
    assert set(capture.timings) == {"navigate", "quiet", "frames", "screenshot"}


async def test_reloading_a_small_page_is_fast(site, browser, route):
    site.routes["/"] = route(GREEN_PAGE)
    for attempt in range(3):
        capture = await browser.capture(site.url("/"))
        report(f"reload {attempt + 1}", capture)
    assert capture.title == "Green shop"  # timings are printed, not asserted


async def test_console_errors_thrown_errors_and_404_script_are_collected(site, browser, route):
    site.routes["/errors.html"] = route(ERROR_PAGE)
    capture = await browser.capture(site.url("/errors.html"))
    assert any("custom console failure" in line for line in capture.console_errors)
    assert any("boom from the page" in line for line in capture.page_errors)
    missing = [line for line in capture.failed_requests if "/missing.js" in line]
    assert missing and "404" in missing[0], capture.failed_requests
    # Errors belong to the capture that saw them: a clean page afterwards reports none.
    site.routes["/"] = route(GREEN_PAGE)
    clean = await browser.capture(site.url("/"))
    assert clean.console_errors == clean.page_errors == clean.failed_requests == []


async def test_slow_api_data_is_in_the_screenshot(site, browser, png_tools, route):
    _size, png_pixel = png_tools
    site.routes["/dash.html"] = route(SLOW_API_PAGE)
    site.routes["/api/slow"] = route('{"text": "Revenue 42k"}', delay_s=0.3, json=True)
    capture = await browser.capture(site.url("/dash.html"))
    report("slow API page", capture)
    assert await browser.page.inner_text("#out") == "Revenue 42k Revenue 42k"
    assert png_pixel(capture.png, 1000, 10) == (0, 0, 255)
    assert capture.pending_requests == []


async def test_cancelled_capture_leaves_the_session_usable(site, browser, route):
    site.routes["/dash.html"] = route(SLOW_API_PAGE)
    site.routes["/api/slow"] = route('{"text": "late"}', delay_s=0.3, json=True)
    site.routes["/"] = route(GREEN_PAGE)
    task = asyncio.create_task(browser.capture(site.url("/dash.html")))
    await asyncio.sleep(0.2)  # inside the quiet-network wait
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    capture = await browser.capture(site.url("/"))
    assert capture.title == "Green shop"
    assert capture.failed_requests == []  # the abandoned fetches are not this capture's


async def test_quiet_wait_is_bounded_for_a_request_that_never_ends(site, browser, route):
    site.routes["/poll.html"] = route(
        "<title>Poll</title><p>live</p><script>fetch('/api/stuck')</script>"
    )
    site.routes["/api/stuck"] = route("{}", delay_s=2.0, json=True)
    capture = await browser.capture(site.url("/poll.html"), quiet_max_s=0.5)
    assert capture.title == "Poll"
    # Taken while the request was still open: the wait gave up instead of waiting it out.
    assert capture.pending_requests == [site.url("/api/stuck")]


async def test_edited_stylesheet_shows_on_the_next_capture(site, browser, png_tools, route):
    _size, png_pixel = png_tools
    site.routes["/styled.html"] = route(
        '<link rel="stylesheet" href="/style.css"><title>Styled</title><p>x</p>'
    )
    cached = {"Cache-Control": "max-age=3600"}  # a server that invites caching
    site.routes["/style.css"] = route("body{background:#ff0000}", css=True, headers=cached)
    first = await browser.capture(site.url("/styled.html"))
    site.routes["/style.css"] = route("body{background:#00ff00}", css=True, headers=cached)
    second = await browser.capture(site.url("/styled.html"))
    assert png_pixel(first.png, 900, 10) == (255, 0, 0)
    assert png_pixel(second.png, 900, 10) == (0, 255, 0)


async def test_cannot_get_page_is_captured_with_its_404(site, browser):
    capture = await browser.capture(site.url("/no-such-page"))
    assert "Cannot GET /no-such-page" in await browser.page.content()
    assert any("/no-such-page" in line and "404" in line for line in capture.failed_requests)


async def test_three_captures_reuse_one_browser(site, browser: BrowserSession, route):
    site.routes["/"] = route(GREEN_PAGE)
    before = browser_main_processes()
    titles = [(await browser.capture(site.url("/"))).title for _ in range(3)]
    assert titles == ["Green shop"] * 3
    assert len(before) == 1 and browser_main_processes() == before
