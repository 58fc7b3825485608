"""One headless Chromium per run, reused to screenshot the site after every step."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import time
from types import TracebackType

from playwright.async_api import (
    Browser,
    BrowserContext,
    CDPSession,
    Page,
    Playwright,
    Route,
    ViewportSize,
    WebSocketRoute,
    async_playwright,
)
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeout

from agent_core.browser.activity import PageActivity
from agent_core.browser.capture import Capture, Stopwatch
from agent_core.browser.chromium import LAUNCH_ARGS, find_chromium
from agent_core.browser.errors import BrowserUnavailable, PageLoadFailed, stuck_error
from agent_core.browser.navigation import describe_navigation_error
from agent_core.browser.network_policy import SitePolicy
from agent_core.browser.page_reads import cancelled, title, visible_text

INSTALL_HINT = (
    "no Chromium or Chrome found; install one (e.g. `apt install chromium`) "
    "or set the path in Settings / --chromium"
)
LAUNCH_TIMEOUT_S = 30.0
FRAME_TIMEOUT_S = 3.0
SCREENSHOT_TIMEOUT_S = 5.0
_SCREENSHOT_PARAMS = {"format": "png", "optimizeForSpeed": True, "captureBeyondViewport": False}
_TWO_FRAMES_JS = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"


class BrowserSession:
    """A headless Chromium with one page, started once and reused for every capture.

    Use as ``async with BrowserSession(path) as browser: await browser.capture(url)``, or call
    ``start()`` and ``close()`` yourself. Captures on one session run one at a time;
    ``open_tab()`` gives another session on the same browser (its own page, context and
    policy) whose captures run alongside this one's.

    Args:
        executable_path: The Chromium/Chrome to launch. None looks for one with
            ``find_chromium()`` and falls back to Playwright's own browser.
        viewport: Width and height of the page in CSS pixels (screenshots are this size).
        policy: What the site's pages may request (default: their own server and the public
            internet, never another loopback or private address); blocks are logged in it.
    """

    def __init__(
        self,
        executable_path: str | None = None,
        viewport: tuple[int, int] = (1024, 768),
        policy: SitePolicy | None = None,
    ) -> None:
        self.policy = policy or SitePolicy()
        self._executable_path = executable_path
        self._viewport: ViewportSize = {"width": viewport[0], "height": viewport[1]}
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None
        self._context: BrowserContext | None = None
        self._page: Page | None = None
        self._cdp: CDPSession | None = None
        self._lock = asyncio.Lock()
        self._owner: BrowserSession | None = None
        """The session that launched the browser, for a tab (None: this one did)."""
        self._launching = asyncio.Lock()
        self.executable: str | None = None
        """The executable actually launched (None: Playwright's own browser)."""

    @property
    def page(self) -> Page:
        """The session's page, for a GUI agent. It is replaced after a page hangs or crashes."""
        if self._page is None:
            raise RuntimeError("BrowserSession.start() has not been called")
        return self._page

    @property
    def started(self) -> bool:
        """Whether the browser is running."""
        return self._browser is not None

    async def __aenter__(self) -> BrowserSession:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def start(self) -> None:
        """Launch the browser and open the page (does nothing when already started).

        Raises:
            BrowserUnavailable: No browser was found, or it failed to start.
        """
        if self._browser is not None:
            return
        self.executable = find_chromium(self._executable_path)
        self._playwright = await async_playwright().start()
        try:
            self._browser = await self._launch(self._playwright)
            await self._open_page()
        except BaseException:
            await self.close()
            raise

    async def open_tab(self) -> BrowserSession:
        """Another page of this (started) browser, with its own context, lock and policy.

        Its captures run at the same time as this session's and other tabs'. Closing the tab
        closes its page only; closing this session closes the browser with every tab.
        """
        if self._browser is None:
            raise RuntimeError("BrowserSession.start() has not been called")
        width, height = self._viewport["width"], self._viewport["height"]
        tab = BrowserSession(self._executable_path, (width, height),
                             SitePolicy(allow_internet=self.policy.allow_internet))
        tab._owner = self._owner or self
        tab._playwright, tab._browser, tab.executable = (
            self._playwright, self._browser, self.executable)
        await tab._open_page()
        return tab

    async def close(self) -> None:
        """Close the browser and stop Playwright; safe to call twice or after a failure.

        A tab closes its own page only.
        """
        if self._owner is not None:
            context = self._context
            self._page = self._context = self._browser = self._playwright = self._cdp = None
            if context is not None:
                with contextlib.suppress(PlaywrightError):
                    await context.close()
            return
        browser, playwright = self._browser, self._playwright
        self._page = self._context = self._browser = self._playwright = self._cdp = None
        try:
            if browser is not None:
                try:
                    await browser.close()
                except PlaywrightError:
                    pass  # already gone (crashed or killed): nothing left to close
        finally:
            if playwright is not None:
                await playwright.stop()

    async def capture(
        self,
        url: str,
        *,
        load_timeout_s: float = 20.0,
        quiet_s: float = 0.1,
        quiet_max_s: float = 3.0,
    ) -> Capture:
        """Load ``url`` in the session's page and screenshot the viewport.

        Navigates and waits for the load event, then for a quiet network (no request in
        flight for ``quiet_s``, giving up after ``quiet_max_s``), then for two animation frames
        so that a framework has painted what the data changed, then takes a PNG screenshot.

        Args:
            url: The page to load, usually the dev server's address.
            load_timeout_s: How long the load event may take.
            quiet_s: Length of the quiet network window.
            quiet_max_s: Longest wait for that window.

        Returns:
            The screenshot with the errors the page reported during this capture.

        Raises:
            PageLoadFailed: The URL did not answer, did not load in time, or the page hung or
                crashed.
            RuntimeError: The session was not started.
        """
        async with self._lock:
            if self._browser is not None and not self._browser.is_connected():
                await self._relaunch()  # it crashed or was killed since the last capture
            self.policy.site_url = url
            self.policy.drain()
            page = self.page
            activity = PageActivity(page)
            activity.attach()
            try:
                return await self._capture(
                    page, activity, url, load_timeout_s, quiet_s, quiet_max_s
                )
            except PageLoadFailed as failure:
                if failure.reason != "unreachable":
                    await self._reset_page()
                raise
            finally:
                activity.detach()

    async def _capture(
        self,
        page: Page,
        activity: PageActivity,
        url: str,
        load_timeout_s: float,
        quiet_s: float,
        quiet_max_s: float,
    ) -> Capture:
        watch = Stopwatch()
        await self._navigate(page, activity, url, load_timeout_s)
        watch.lap("navigate")
        pending = await self._settle(page, activity, url, quiet_s, quiet_max_s, watch)
        png = await self._screenshot(page, activity, url)
        watch.lap("screenshot")
        return Capture(
            png=png,
            url=page.url,
            title=await title(page),
            text=await visible_text(page),
            console_errors=list(activity.console_errors),
            page_errors=list(activity.page_errors),
            failed_requests=list(activity.failed_requests),
            blocked_requests=self.policy.drain(),
            seconds=watch.total(),
            timings=watch.laps,
            pending_requests=pending,
        )

    async def _settle(
        self,
        page: Page,
        activity: PageActivity,
        url: str,
        quiet_s: float,
        quiet_max_s: float,
        watch: Stopwatch,
    ) -> list[str]:
        """Wait for a quiet network and two painted frames; return requests still pending."""
        # Count two frames while the network settles; count again if a request started or
        # ended after that count began, so the frames drawn show what the data changed.
        frames_from = time.monotonic()
        frames = asyncio.ensure_future(self._wait_frames(page, activity, url))
        try:
            await activity.wait_quiet(quiet_s, quiet_max_s)
            pending = activity.pending()
            watch.lap("quiet")
            if activity.last_change > frames_from:
                await cancelled(frames)
                frames = asyncio.ensure_future(self._wait_frames(page, activity, url))
            await frames
        finally:
            await cancelled(frames)
        watch.lap("frames")
        return pending

    async def _navigate(
        self, page: Page, activity: PageActivity, url: str, timeout_s: float
    ) -> None:
        try:
            await page.goto(url, wait_until="load", timeout=timeout_s * 1000)
        except PlaywrightTimeout:
            waiting = activity.pending()
            detail = f"; still waiting for: {', '.join(waiting[:5])}" if waiting else ""
            raise PageLoadFailed(
                f"{url} did not finish loading within {timeout_s:g} s{detail}. A request may be "
                "hanging, or a script may be stuck before the page's load event.",
                url=url,
                reason="timeout",
            ) from None
        except PlaywrightError as error:
            if activity.crashed or not self._browser_alive():
                raise self._stuck(url, activity, error.message) from None
            raise PageLoadFailed(
                describe_navigation_error(url, error.message), url=url, reason="unreachable"
            ) from None

    def _browser_alive(self) -> bool:
        return self._browser is not None and self._browser.is_connected()

    async def _wait_frames(self, page: Page, activity: PageActivity, url: str) -> None:
        try:
            await asyncio.wait_for(page.evaluate(_TWO_FRAMES_JS), FRAME_TIMEOUT_S)
        except TimeoutError:
            raise self._stuck(url, activity, f"no frame drawn in {FRAME_TIMEOUT_S:g} s") from None
        except PlaywrightError as error:
            raise self._stuck(url, activity, error.message) from None

    async def _screenshot(self, page: Page, activity: PageActivity, url: str) -> bytes:
        # Straight through the DevTools protocol: about twice as fast as page.screenshot().
        assert self._cdp is not None
        request = self._cdp.send("Page.captureScreenshot", _SCREENSHOT_PARAMS)
        try:
            reply = await asyncio.wait_for(request, SCREENSHOT_TIMEOUT_S)
        except TimeoutError:
            detail = f"no screenshot in {SCREENSHOT_TIMEOUT_S:g} s"
            raise self._stuck(url, activity, detail) from None
        except PlaywrightError as error:
            raise self._stuck(url, activity, error.message) from None
        return base64.b64decode(reply["data"])

    def _stuck(self, url: str, activity: PageActivity, detail: str) -> PageLoadFailed:
        return stuck_error(url, detail, browser_alive=self._browser_alive(),
                           page_crashed=activity.crashed)

    async def _launch(self, playwright: Playwright) -> Browser:
        where = self.executable or "Playwright's own Chromium"
        try:
            return await playwright.chromium.launch(
                executable_path=self.executable,
                args=LAUNCH_ARGS,
                headless=True,
                timeout=LAUNCH_TIMEOUT_S * 1000,
            )
        except PlaywrightError as error:
            if "Executable doesn't exist" in error.message:
                raise BrowserUnavailable(INSTALL_HINT) from None
            first = error.message.strip().splitlines()[0] if error.message.strip() else "?"
            raise BrowserUnavailable(
                f"{where} failed to start: {first}. Check that it runs from a terminal, or "
                "set another browser in Settings / --chromium"
            ) from None

    async def _open_page(self) -> None:
        assert self._browser is not None
        self._context = await self._browser.new_context(
            viewport=self._viewport, device_scale_factor=1, service_workers="block"
        )
        await self._context.route(self._blocked, self._block)
        await self._context.route_web_socket(self._blocked, self._block_socket)
        page = await self._context.new_page()
        # Files change between steps: never let the HTTP cache show an old stylesheet.
        cdp = await self._context.new_cdp_session(page)
        await cdp.send("Network.enable")
        await cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        self._page, self._cdp = page, cdp

    def _blocked(self, url: str) -> bool:
        return self.policy.check(url, log=False) is not None

    async def _block(self, route: Route) -> None:
        self.policy.check(route.request.url)  # logs it
        try:
            await route.abort("blockedbyclient")
        except PlaywrightError:
            pass  # the page went away meanwhile

    async def _block_socket(self, socket: WebSocketRoute) -> None:
        self.policy.check(socket.url)
        try:
            await socket.close(code=1008, reason="blocked by WebGen Studio")
        except PlaywrightError:
            pass

    async def _reset_page(self) -> None:
        """Throw away a hung or crashed page (its renderer goes with its context)."""
        if self._playwright is None:
            return  # the session was closed meanwhile
        context = self._context
        self._page = self._context = self._cdp = None
        if context is not None:
            try:
                await context.close()
            except PlaywrightError:
                pass
        if self._browser is not None and self._browser.is_connected():
            await self._open_page()
        else:
            await self._relaunch()

    async def _relaunch(self) -> None:
        """Start a new browser after the old one died (a tab has its owner start it)."""
        if self._owner is not None:
            owner = self._owner
            if owner._playwright is None:
                return  # the browser was closed meanwhile
            async with owner._launching:
                if owner._browser is None or not owner._browser.is_connected():
                    await owner._relaunch_browser()
            self._browser = owner._browser
            await self._open_page()
            return
        async with self._launching:
            if self._browser is None or not self._browser.is_connected():
                await self._relaunch_browser()

    async def _relaunch_browser(self) -> None:
        if self._playwright is None:
            return  # the session was closed meanwhile
        if self._browser is not None:
            try:
                await self._browser.close()
            except PlaywrightError:
                pass
        self._browser = await self._launch(self._playwright)
        await self._open_page()
