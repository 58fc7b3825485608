"""The render gate's reasons, from what the browser saw (the real pages are in the candidate
tests; here the rules for lines a real capture holds)."""

from __future__ import annotations

import pytest

from agent_core.agent.render_gate import gate_reason
from agent_core.browser.capture import Capture

SITE = "http://127.0.0.1:5173"


def seen(text: str = "Stock reports", *, page_errors: list[str] | None = None,
         failed_requests: list[str] | None = None) -> Capture:
    """A capture of the site's page with ``text`` visible."""
    return Capture(png=b"", url=f"{SITE}/", title="Stocks", console_errors=[],
                   page_errors=page_errors or [], failed_requests=failed_requests or [],
                   seconds=0.3, timings={}, text=text)


@pytest.mark.parametrize(("capture", "reason"), [
    (seen("[build error] [plugin:vite:react-babel] /site/src/App.jsx: Unexpected token (2:0)"),
     "the build failed (the dev server shows its error overlay): [plugin:vite:react-babel] "
     "/site/src/App.jsx: Unexpected token (2:0)"),
    (seen("", failed_requests=[f"GET {SITE}/src/App.jsx?t=1712 -> 500 Internal Server Error"]),
     "the build failed: the dev server could not compile src/App.jsx (HTTP 500)"),
    (seen("", failed_requests=[f"GET {SITE}/src/styles.css -> 500 Internal Server Error"]),
     "the build failed: the dev server could not compile src/styles.css (HTTP 500)"),
    (seen("", page_errors=["TypeError: x is undefined"]),
     "the page threw an uncaught error on load: TypeError: x is undefined"),
    (seen(""), "the page is blank: no visible text or picture"),
])
def test_a_page_that_did_not_render_says_why(capture: Capture, reason: str) -> None:
    assert gate_reason(capture) == reason


def test_a_failing_api_call_is_the_critics_business_not_the_gates() -> None:
    capture = seen(failed_requests=[f"GET {SITE}/api/quotes -> 500 Internal Server Error",
                                    f"GET {SITE}/logo.svg -> 404 Not Found"])
    assert gate_reason(capture) is None


def test_a_page_with_only_a_picture_passes() -> None:
    assert gate_reason(seen("[media] ")) is None
