"""Fixtures for browser tests: a loopback site served by a thread, one shared browser."""

from __future__ import annotations

import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import pytest_asyncio

from agent_core.browser import BrowserSession


@dataclass
class Route:
    """What the test site answers for one path."""

    body: str
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    delay_s: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


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

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
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


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> BrowserSession:
    """One browser shared by the module's tests, as the agent loop shares it across steps."""
    session = BrowserSession()
    await session.start()
    try:
        yield session
    finally:
        await session.close()


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk (after checking the signature)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert png[12:16] == b"IHDR"
    return struct.unpack(">II", png[16:24])


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)


def png_pixel(png: bytes, x: int, y: int) -> tuple[int, int, int]:
    """The RGB colour at (x, y) of an 8-bit RGB or RGBA, non-interlaced PNG."""
    width, _height = png_size(png)
    depth, colour = png[24], png[25]
    assert depth == 8 and colour in (2, 6), f"unsupported PNG: depth {depth} colour {colour}"
    bpp = 3 if colour == 2 else 4
    pos, idat = 8, b""
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        if png[pos + 4 : pos + 8] == b"IDAT":
            idat += png[pos + 8 : pos + 8 + length]
        pos += 12 + length
    raw, stride = zlib.decompress(idat), width * bpp
    previous = bytearray(stride)
    for row in range(y + 1):
        kind = raw[row * (stride + 1)]
        line = bytearray(raw[row * (stride + 1) + 1 : (row + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            up, corner = previous[i], previous[i - bpp] if i >= bpp else 0
            add = (0, left, up, (left + up) // 2, _paeth(left, up, corner))[kind]
            line[i] = (line[i] + add) & 0xFF
        previous = line
    return tuple(previous[x * bpp : x * bpp + 3])  # type: ignore[return-value]


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
