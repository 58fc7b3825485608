"""Fixtures for browser tests: a loopback site served by a thread, one shared browser."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import pytest_asyncio

from tests.support.browser import MODULE_SCOPE, module_browser
from tests.support.png import png_pixel, png_size


@dataclass
class Route:
    """What the test site answers for one path."""

    body: str
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    delay_s: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # the browser hanging up on a slow answer is expected in these tests


class SiteServer:
    """A threaded HTTP server on 127.0.0.1 whose pages tests can set and change."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        routes = self.routes

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                route = routes.get(self.path.split("?")[0])
                if route is None:
                    route = Route(f"Cannot GET {self.path}", 404, "text/plain")
                if route.delay_s:
                    time.sleep(route.delay_s)  # a slow backend, in the server's own thread
                data = route.body.encode()
                self.send_response(route.status)
                self.send_header("Content-Type", route.content_type)
                self.send_header("Content-Length", str(len(data)))
                for name, value in route.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = _QuietServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        """The full URL of ``path`` on this server."""
        return f"http://127.0.0.1:{self._server.server_address[1]}{path}"

    def __enter__(self) -> SiteServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture(scope="module")
def site() -> Iterator[SiteServer]:
    """A loopback site for the whole module."""
    with SiteServer() as server:
        yield server


browser = pytest_asyncio.fixture(module_browser, name="browser", **MODULE_SCOPE)


@pytest.fixture
def png_tools() -> tuple[Callable[[bytes], tuple[int, int]], Callable[..., tuple[int, int, int]]]:
    """The PNG helpers (size, pixel) for tests, which cannot import a conftest."""
    return png_size, png_pixel


def make_route(
    body: str,
    *,
    delay_s: float = 0.0,
    json: bool = False,
    css: bool = False,
    headers: dict[str, str] | None = None,
) -> Route:
    """A route answering ``body`` as HTML (default), JSON or CSS, optionally slowly."""
    kind = "application/json" if json else "text/css" if css else "text/html; charset=utf-8"
    return Route(body, content_type=kind, delay_s=delay_s, headers=headers or {})


@pytest.fixture
def route() -> Callable[..., Route]:
    """The ``make_route`` factory, for tests (they cannot import a conftest)."""
    return make_route
