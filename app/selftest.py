"""``webgen --self-test``: does this installation work, packaged builds included?

Headless and quick (a few seconds): the resources are in place, Node.js and npm run,
Chromium renders a page through the engine's own browser code (a screenshot pixel is
checked), Qt's platform plugin for the window and Qt WebEngine find their system libraries
(and, where a display exists, the plugin really starts, in a child process; see
:mod:`app.qt_platform`), and Qt WebEngine loads a page offscreen. Playwright runs first on its
own asyncio loop; the Qt part creates the QApplication afterwards (no qasync involved).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from urllib.parse import quote

from app.checks import Check, fail, ok, render_lines

BROWSER_TIMEOUT_S = 40.0
VIEWPORT = (320, 240)
COLOUR = (0, 128, 255)
"""The test page is one solid block of this colour."""
COLOUR_PAGE = (
    "<!doctype html><html><head><title>colour</title></head><body style='margin:0'>"
    "<div style='position:fixed;inset:0;background:rgb({},{},{})'></div>"
    "</body></html>"
).format(*COLOUR)
TOLERANCE = 6
CHROMIUM_FIX = (
    "install Chromium (e.g. `apt install chromium`) or Chrome, or point "
    "WEBGEN_CHROMIUM (or Settings / --chromium) at a browser that starts"
)
RESOURCES_FIX = "reinstall WebGen Studio: its resources folder is incomplete"


def png_pixel(png: bytes, x: int, y: int) -> tuple[int, int, int]:
    """The RGB colour at (x, y) of a PNG image (decoded by Qt, which needs no QApplication).

    Raises:
        ValueError: The data is not a PNG image, or (x, y) is outside it.
    """
    from PySide6.QtGui import QImage

    image = QImage()
    if not image.loadFromData(png, "PNG"):  # not fromData: its stub wants bytes, which it refuses
        raise ValueError("not a PNG image")
    if not (0 <= x < image.width() and 0 <= y < image.height()):
        raise ValueError(f"({x}, {y}) is outside the {image.width()}x{image.height()} image")
    colour = image.pixelColor(x, y)
    return colour.red(), colour.green(), colour.blue()


def check_resources() -> Check:
    """The resources folder and the application icon are there."""
    from app.resources import icon_path, resource_root

    try:
        root = resource_root()
    except FileNotFoundError as exc:
        return fail("resources", str(exc), RESOURCES_FIX)
    icon = icon_path()
    if not icon.is_file():
        return fail("resources", f"the icon {icon} is missing", RESOURCES_FIX)
    return ok("resources", f"{root} (icon {icon.name})")


async def check_browser() -> Check:
    """Chromium, found and launched as a run does, screenshots a solid colour page."""
    from agent_core.browser.session import BrowserSession
    from agent_core.errors import WebGenError

    url = "data:text/html," + quote(COLOUR_PAGE)
    session = BrowserSession(viewport=VIEWPORT)
    try:
        async with asyncio.timeout(BROWSER_TIMEOUT_S):
            async with session:
                capture = await session.capture(url, load_timeout_s=15.0, quiet_max_s=1.0)
        pixel = png_pixel(capture.png, VIEWPORT[0] // 2, VIEWPORT[1] // 2)
    except TimeoutError:
        return fail("chromium", f"no screenshot within {BROWSER_TIMEOUT_S:g} s", CHROMIUM_FIX)
    except (WebGenError, ValueError) as exc:
        return fail("chromium", str(exc), CHROMIUM_FIX)
    except Exception as exc:  # Playwright itself broken (driver missing, ...)
        return fail("chromium", f"Playwright failed: {type(exc).__name__}: {exc}", CHROMIUM_FIX)
    browser = session.executable or "Playwright's own Chromium"
    if any(abs(a - b) > TOLERANCE for a, b in zip(pixel, COLOUR, strict=True)):
        return fail(
            "chromium", f"{browser} drew rgb{pixel} where the page is rgb{COLOUR}", CHROMIUM_FIX
        )
    return ok("chromium", f"{browser} rendered a test page (pixel rgb{pixel} as expected)")


def _with_time(check: Check, seconds: float) -> Check:
    return replace(check, detail=f"{check.detail} ({seconds:.1f} s)")


async def _timed(step: Callable[[], Awaitable[Check | list[Check]]]) -> list[Check]:
    start = time.monotonic()
    result = await step()
    seconds = time.monotonic() - start
    return [_with_time(c, seconds) for c in (result if isinstance(result, list) else [result])]


async def _before_qt() -> list[Check]:
    from app.doctor import check_node
    from app.qt_platform import qt_checks

    node, browser, qt = await asyncio.gather(
        _timed(check_node), _timed(check_browser), _timed(qt_checks)
    )
    return [*node, *browser, *qt]


def _qt() -> Check:
    from app.selftest_qt import check_qt_webengine

    start = time.monotonic()
    return _with_time(check_qt_webengine(), time.monotonic() - start)


def self_test_checks(report: Callable[[Check], None] = lambda _check: None) -> list[Check]:
    """Run every self-test check, each detail ending in its duration.

    Args:
        report: Called with each result as soon as it is known (the Qt part comes last
            and could take the process down with it).
    """
    start = time.monotonic()
    checks = [_with_time(check_resources(), time.monotonic() - start)]
    checks += asyncio.run(_before_qt())  # Playwright on a plain loop, before Qt's part
    for check in checks:
        report(check)
    checks.append(_qt())
    report(checks[-1])
    return checks


def _print(check: Check) -> None:
    for line in render_lines([check]):
        print(line, flush=True)


def run_self_test() -> int:
    """Print one line per check and the verdict; 0 when everything works, 1 otherwise."""
    start = time.monotonic()
    checks = self_test_checks(_print)
    failed = [c for c in checks if c.failed]
    took = f"{time.monotonic() - start:.1f} s"
    if failed:
        names = ", ".join(c.name for c in failed)
        fixes = "; ".join(dict.fromkeys(c.fix for c in failed if c.fix))
        print(f"self-test failed: {names} (after {took}); fix: {fixes}", flush=True)
        return 1
    print(f"self-test passed in {took}", flush=True)
    return 0
