"""Loopback ports and addresses for tests."""

from __future__ import annotations

import socket


def free_port() -> int:
    """A loopback port nothing listens on right now (the operating system's pick)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def closed_port_url(path: str = "") -> str:
    """A loopback URL where nothing listens, so connecting is refused.

    Args:
        path: Appended to the address, e.g. ``"/v1"`` for an OpenAI-compatible base URL.
    """
    return f"http://127.0.0.1:{free_port()}{path}"
