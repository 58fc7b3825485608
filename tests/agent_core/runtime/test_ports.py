"""Free ports on loopback, never handed out twice within one process."""

from __future__ import annotations

import socket
from concurrent.futures import ThreadPoolExecutor

from agent_core.runtime.ports import (
    free_port,
    port_is_free,
    release_port,
    reserve_port,
    reserved_ports,
)


def test_free_port_can_be_bound_on_loopback() -> None:
    port = free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))
        sock.listen()
        assert not port_is_free(port)
    assert port_is_free(port)


def test_concurrent_reservations_never_share_a_port() -> None:
    with ThreadPoolExecutor(8) as pool:
        ports = list(pool.map(lambda _: reserve_port(), range(40)))
    try:
        assert len(set(ports)) == 40
        assert set(ports) <= reserved_ports()
        assert free_port() not in ports
    finally:
        for port in ports:
            release_port(port)
    assert not set(ports) & reserved_ports()
