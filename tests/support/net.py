"""Loopback addresses for tests."""

from __future__ import annotations

import socket


def closed_port_url(path: str = "") -> str:
    """A loopback URL where nothing listens, so connecting is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}{path}"
