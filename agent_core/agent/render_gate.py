"""The render gate: a candidate's page must render something of its own before it is judged.

A page that is blank, still shows a framework's starter placeholder, shows the dev server's
build-error overlay, or threw an uncaught error while loading is scored as an error step
without asking the vision critic.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import urlsplit

from agent_core.browser.capture import Capture

STARTER_TITLES = ("vite + react", "vite + react + ts", "vite + vue", "vite + vue + ts",
                  "vite + svelte", "vite + svelte + ts", "vite + preact", "vite app",
                  "create next app", "react app")
"""Document titles the framework templates ship with (lower case)."""

STARTER_TEXTS = ("edit src/app", "click on the vite and react logos",
                 "get started by editing", "click on the vite", "count is 0")
"""Phrases of the templates' starter pages (lower case)."""

_SOURCE_FAILED = re.compile(
    r"^GET (?P<url>\S+?\.(?:[cm]?[jt]sx?|vue|svelte|css|scss|sass|less)(?:\?\S*)?) -> "
    r"(?P<status>5\d\d)")
"""A capture's failed-request line for a source module answered with a server error."""

MEDIA_MARK = "[media] "
BUILD_ERROR_MARK = "[build error] "


def gate_reason(capture: Capture) -> str | None:
    """Why ``capture``'s page may not go to the critic, or None when it may.

    Args:
        capture: The page as the browser saw it (its text read by ``BrowserSession``).

    Returns:
        A sentence for the step record, or None.
    """
    if capture.page_errors:
        return f"the page threw an uncaught error on load: {capture.page_errors[0][:300]}"
    if capture.text.startswith(BUILD_ERROR_MARK):
        message = " ".join(capture.text.removeprefix(BUILD_ERROR_MARK).split())
        return f"the build failed (the dev server shows its error overlay): {message[:300]}"
    broken = _unbuilt_source(capture.failed_requests)
    if broken is not None:
        return f"the build failed: the dev server could not compile {broken}"
    text = capture.text.lower()
    shows_media = text.startswith(MEDIA_MARK)
    words = text.removeprefix(MEDIA_MARK).strip()
    if not words and not shows_media:
        return "the page is blank: no visible text or picture"
    title = capture.title.strip().lower()
    starter = [p for p in STARTER_TEXTS if p in words]
    if starter or (title in STARTER_TITLES and len(words) < 400):
        found = starter[0] if starter else f"the title {capture.title.strip()!r}"
        return f"the page still shows the framework's starter placeholder ({found})"
    return None


def _unbuilt_source(failed_requests: Sequence[str]) -> str | None:
    """The first source module the dev server answered with a server error (a file it could
    not compile; its overlay may not be up yet when the screenshot is taken), and the status."""
    for line in failed_requests:
        found = _SOURCE_FAILED.match(line)
        if found:
            return f"{urlsplit(found['url']).path.lstrip('/')} (HTTP {found['status']})"
    return None


def failure_reason(errors: list[str]) -> str | None:
    """The gate's reason for a candidate that never reached the browser, or None."""
    for error in errors:
        if error.startswith("dependency installation failed"):
            return f"the install failed: {error}"
        if error.startswith("the dev server did not start"):
            return f"the site did not start: {error}"
    return None
