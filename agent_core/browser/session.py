"""One headless Chromium per run, reused to screenshot the site after every step."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from types import TracebackType

from playwright.async_api import Browser, BrowserContext, Page, Playwright, async_playwright
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeout

from agent_core.browser.activity import PageActivity
from agent_core.browser.chromium import LAUNCH_ARGS, find_chromium
from agent_core.browser.errors import BrowserUnavailable, PageLoadFailed
from agent_core.browser.navigation import describe_navigation_error

INSTALL_HINT = (
    "no Chromium or Chrome found; install one (e.g. `apt install chromium`) "
    "or set the path in Settings / --chromium"
)
LAUNCH_TIMEOUT_S = 30.0
FRAME_TIMEOUT_S = 3.0
SCREENSHOT_TIMEOUT_S = 10.0
_TWO_FRAMES_JS = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"


@dataclass(frozen=True)
class Capture:
    """A screenshot of a page and what the page reported while it was taken.

    Attributes:
        png: The viewport as PNG bytes.
        url: The URL the page ended on (after redirects).
        title: The document title.
        console_errors: Console messages of type error, with their source location.
        page_errors: Uncaught exceptions thrown by the page's scripts.
        failed_requests: Requests that failed or answered with HTTP status 400 or above.
        seconds: Wall time of the whole capture.
        timings: Seconds per phase: ``navigate``, ``quiet``, ``frames``, ``screenshot``.
        pending_requests: URLs still in flight when the screenshot was taken (the network
            did not go quiet within ``quiet_max_s``).
    """

    png: bytes
    url: str
    title: str
    console_errors: list[str]
    page_errors: list[str]
    failed_requests: list[str]
    seconds: float
    timings: dict[str, float]
    pending_requests: list[str] = field(default_factory=list)


class BrowserSession:
    """A headless Chromium with one page, started once and reused for every capture.

    Use as ``async with BrowserSession(path) as browser: await browser.capture(url)``, or call
    ``start()`` and ``close()`` yourself. Captures on one session run one at a time.

    Args:
        executable_path: The Chromium/Chrome to launch. None looks for one with
            ``find_chromium()`` and falls back to Playwright's own browser.
        viewport: Width and height of the page in CSS pixels (screenshots are this size).
    """

    def __init__(
        self, executable_path: str | None = None, viewport: tuple[int, int] = (1024, 768)
    ) -> None:
        self._executable_path = executable_path
        self._viewport = {"width": viewport[0], "height": viewport[1]}
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None
        self._context: BrowserContext | None = None
        self._page: Page | None = None
        self._lock = asyncio.Lock()
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

    async def close(self) -> None:
        """Close the browser and stop Playwright; safe to call twice or after a failure."""
        browser, playwright = self._browser, self._playwright
        self._page = self._context = self._browser = self._playwright = None
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
                await self._relaunch()
            page = self.page
            activity = PageActivity(page)
            activity.attach()
            try:
                return await self._capture(page, activity, url, load_timeout_s, quiet_s, quiet_max_s)
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
        timings: dict[str, float] = {}
        start = mark = time.monotonic()

        def lap(name: str) -> None:
            nonlocal mark
            now = time.monotonic()
            timings[name] = now - mark
            mark = now

        await self._navigate(page, activity, url, load_timeout_s)
        lap("navigate")
        await activity.wait_quiet(quiet_s, quiet_max_s)
        pending = activity.pending()
        lap("quiet")
        await self._wait_frames(page, activity, url)
        lap("frames")
        png = await self._screenshot(page, activity, url)
        lap("screenshot")
        return Capture(
            png=png,
            url=page.url,
            title=await page.title(),
            console_errors=list(activity.console_errors),
            page_errors=list(activity.page_errors),
            failed_requests=list(activity.failed_requests),
            seconds=time.monotonic() - start,
            timings=timings,
            pending_requests=pending,
        )

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
            reason = "crashed" if activity.crashed else "unreachable"
            raise PageLoadFailed(
                describe_navigation_error(url, error.message), url=url, reason=reason
            ) from None

    async def _wait_frames(self, page: Page, activity: PageActivity, url: str) -> None:
        try:
            await asyncio.wait_for(page.evaluate(_TWO_FRAMES_JS), FRAME_TIMEOUT_S)
        except (TimeoutError, PlaywrightError) as error:
            raise self._stuck(url, activity, error) from None

    async def _screenshot(self, page: Page, activity: PageActivity, url: str) -> bytes:
        try:
            return await page.screenshot(type="png", timeout=SCREENSHOT_TIMEOUT_S * 1000)
        except PlaywrightError as error:
            raise self._stuck(url, activity, error) from None

    @staticmethod
    def _stuck(url: str, activity: PageActivity, error: BaseException) -> PageLoadFailed:
        if activity.crashed:
            return PageLoadFailed(
                f"the browser tab showing {url} crashed (out of memory or a browser bug); "
                "the page will be reopened for the next capture",
                url=url,
                reason="crashed",
            )
        detail = getattr(error, "message", "") or type(error).__name__
        return PageLoadFailed(
            f"the page at {url} loaded but then stopped responding ({detail.splitlines()[0]}); "
            "a script is probably stuck in an endless loop",
            url=url,
            reason="hung",
        )

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
        page = await self._context.new_page()
        # Files change between steps: never let the HTTP cache show an old stylesheet.
        cdp = await self._context.new_cdp_session(page)
        await cdp.send("Network.enable")
        await cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        self._page = page

    async def _reset_page(self) -> None:
        """Throw away a hung or crashed page (its renderer goes with its context)."""
        context = self._context
        self._page = self._context = None
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
        """Start a new browser after the old one died."""
        if self._browser is not None:
            try:
                await self._browser.close()
            except PlaywrightError:
                pass
        assert self._playwright is not None
        self._browser = await self._launch(self._playwright)
        await self._open_page()
