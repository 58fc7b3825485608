"""Finding the URL a dev server prints, and noticing when its port is taken."""

from __future__ import annotations

import pytest

from agent_core.runtime.devserver import detect_url, port_taken
from agent_core.runtime.processes import strip_ansi

VITE_COLOURED = (
    "  \x1b[32m➜\x1b[39m  \x1b[1mLocal\x1b[22m:   "
    "\x1b[36mhttp://localhost:\x1b[1m5173\x1b[22m/\x1b[39m"
)


@pytest.mark.parametrize(
    ("line", "url"),
    [
        ("  ➜  Local:   http://127.0.0.1:5173/", "http://127.0.0.1:5173/"),
        (VITE_COLOURED, "http://localhost:5173/"),
        ("  ➜  Network: use --host to expose", None),
        ("  ➜  Network: http://192.168.1.20:5173/", None),
        ("  Local:            http://localhost:3000", "http://localhost:3000/"),
        ("  On Your Network:  http://192.168.1.20:3000", None),
        (
            "<i> [webpack-dev-server] Loopback: http://localhost:8080/, http://[::1]:8080/",
            "http://localhost:8080/",
        ),
        (
            "<i> [webpack-dev-server] Project is running at: http://0.0.0.0:8080/",
            "http://127.0.0.1:8080/",
        ),
        ("   - Local:        http://localhost:3000", "http://localhost:3000/"),
        (
            "ready - started server on 0.0.0.0:3000, url: http://localhost:3000",
            "http://localhost:3000/",
        ),
        ("  ┃ Local    http://localhost:4321/", "http://localhost:4321/"),
        ("Listening on http://[::1]:4321/", "http://[::1]:4321/"),
        ("Listening on http://[::]:8000/", "http://127.0.0.1:8000/"),
        ("\x1b[1mServing at http://0.0.0.0:9000\x1b[0m", "http://127.0.0.1:9000/"),
        ("Serving /srv/site at http://127.0.0.1:8123/", "http://127.0.0.1:8123/"),
        ("App base: http://localhost:5173/app/.", "http://localhost:5173/app/"),
        ("Server listening on port 3000", "http://127.0.0.1:3000/"),
        ("Compiled successfully!", None),
        ("VITE v7.3.8  ready in 283 ms", None),
        ("see https://vite.dev/config/ for options", None),
    ],
)
def test_detect_url(line: str, url: str | None) -> None:
    assert detect_url(line) == url


@pytest.mark.parametrize(
    ("line", "taken"),
    [
        ("Error: Port 5173 is already in use", True),
        ("Error: listen EADDRINUSE: address already in use 127.0.0.1:3000", True),
        ("Something is already running on port 3000.", True),
        ("\x1b[31mPort 4000 is in use\x1b[0m", True),
        ("  ➜  Local:   http://127.0.0.1:5173/", False),
        ("Port 5173 is free", False),
        ("Port 3000 is in use, trying another one...", False),
    ],
)
def test_port_taken(line: str, taken: bool) -> None:
    assert port_taken(line) is taken


def test_strip_ansi_removes_colours_and_controls_but_keeps_text() -> None:
    assert strip_ansi(VITE_COLOURED) == "  ➜  Local:   http://localhost:5173/"
    assert strip_ansi("\x1b]0;title\x07done\tok\x1b[2K") == "done\tok"
