"""Turning Chromium's navigation error codes into messages a user can act on."""

from __future__ import annotations

import re

_EXPLANATIONS = {
    "ERR_CONNECTION_REFUSED": "nothing is listening there (connection refused). Is the dev "
    "server running, and on that port?",
    "ERR_NAME_NOT_RESOLVED": "the host name could not be resolved. Check the address.",
    "ERR_ADDRESS_UNREACHABLE": "the address is unreachable. Check the address.",
    "ERR_CONNECTION_TIMED_OUT": "the connection timed out. Is the server running and reachable?",
    "ERR_CONNECTION_RESET": "the server reset the connection. It may have crashed; check its log.",
    "ERR_CONNECTION_CLOSED": "the server closed the connection without answering. It may have "
    "crashed; check its log.",
    "ERR_EMPTY_RESPONSE": "the server closed the connection without answering. It may have "
    "crashed; check its log.",
    "ERR_INVALID_URL": "the address is not a valid URL.",
    "ERR_ABORTED": "the navigation was aborted (the URL may serve a download instead of a page).",
}
_CODE = re.compile(r"net::(ERR_[A-Z_]+)")


def describe_navigation_error(url: str, playwright_message: str) -> str:
    """Explain why loading ``url`` failed, from Playwright's error text.

    Args:
        url: The URL being loaded.
        playwright_message: The message of the error ``page.goto`` raised.

    Returns:
        One sentence naming the URL, the cause and what to check.
    """
    match = _CODE.search(playwright_message)
    if match is None:
        first = playwright_message.strip().splitlines()[0] if playwright_message.strip() else ""
        return f"could not load {url}: {first or 'unknown browser error'}"
    code = match.group(1)
    explanation = _EXPLANATIONS.get(code, "the browser reported this network error.")
    return f"could not load {url}: {explanation} ({code})"
