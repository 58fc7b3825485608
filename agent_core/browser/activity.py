"""What a page does on the network and console during one capture."""

from __future__ import annotations

import asyncio
import time

from playwright.async_api import ConsoleMessage, Error, Page, Request, Response


class PageActivity:
    """Listens to one page for the duration of one capture.

    Counts the requests in flight (from the page's ``request`` event to ``requestfinished`` or
    ``requestfailed``) so the caller can wait for a quiet network, and collects console errors,
    uncaught page errors and failed requests. Only requests that start while attached are
    counted or reported, so a request left over from an earlier page cannot leak into this one.
    """

    def __init__(self, page: Page) -> None:
        """Prepare to listen to ``page``; call ``attach()`` to start."""
        self._page = page
        self._in_flight: set[Request] = set()
        self._seen: set[Request] = set()
        self._changed = asyncio.Event()
        self._last_change = time.monotonic()
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.failed_requests: list[str] = []
        self.crashed = False
        self._handlers = {
            "request": self._on_request,
            "requestfinished": self._on_request_finished,
            "requestfailed": self._on_request_failed,
            "response": self._on_response,
            "console": self._on_console,
            "pageerror": self._on_page_error,
            "crash": self._on_crash,
        }

    def attach(self) -> None:
        """Start listening to the page's events."""
        for event, handler in self._handlers.items():
            # Playwright types on() per literal event name; the table pairs each with its handler.
            self._page.on(event, handler)  # type: ignore[call-overload]

    def detach(self) -> None:
        """Stop listening; what was collected stays available."""
        for event, handler in self._handlers.items():
            self._page.remove_listener(event, handler)

    @property
    def last_change(self) -> float:
        """``time.monotonic()`` of the last request that started or ended."""
        return self._last_change

    def pending(self) -> list[str]:
        """URLs of requests still in flight, for messages."""
        return sorted(request.url for request in self._in_flight)

    async def wait_quiet(self, quiet_s: float, max_s: float) -> bool:
        """Wait until no request has been in flight for ``quiet_s`` seconds.

        The quiet window starts no earlier than this call, so a request the page starts just
        after its load event still has time to be reported before the window closes.

        Args:
            quiet_s: Length of the quiet window.
            max_s: Give up waiting after this many seconds.

        Returns:
            True when the network went quiet, False when ``max_s`` ran out first.
        """
        start = time.monotonic()
        deadline = start + max_s
        while True:
            now = time.monotonic()
            if self._in_flight:
                wait = deadline - now
            else:
                quiet_for = now - max(self._last_change, start)
                if quiet_for >= quiet_s:
                    return True
                wait = min(quiet_s - quiet_for, deadline - now)
            if wait <= 0:
                return False
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), wait)
            except TimeoutError:
                pass

    def _touch(self) -> None:
        self._last_change = time.monotonic()
        self._changed.set()

    def _on_request(self, request: Request) -> None:
        self._seen.add(request)
        self._in_flight.add(request)
        self._touch()

    def _on_request_finished(self, request: Request) -> None:
        if request in self._in_flight:
            self._in_flight.discard(request)
            self._touch()

    def _on_request_failed(self, request: Request) -> None:
        if request not in self._seen:
            return
        self._in_flight.discard(request)
        reason = request.failure or "failed"
        self.failed_requests.append(f"{request.method} {request.url} failed: {reason}")
        self._touch()

    def _on_response(self, response: Response) -> None:
        if response.status >= 400 and response.request in self._seen:
            status = f"{response.status} {response.status_text}".strip()
            self.failed_requests.append(f"{response.request.method} {response.url} -> {status}")

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        where = message.location or {}
        url = where.get("url")
        if url and url.endswith("/favicon.ico"):
            return  # the browser asks for it by itself; a site without one is not broken
        if url:
            self.console_errors.append(f"{message.text} (at {url}:{where.get('lineNumber', 0)})")
        else:
            self.console_errors.append(message.text)

    def _on_page_error(self, error: Error) -> None:
        name = getattr(error, "name", "") or ""
        text = error.message
        self.page_errors.append(f"{name}: {text}" if name and not text.startswith(name) else text)

    def _on_crash(self, _page: Page) -> None:
        self.crashed = True
        self._changed.set()
