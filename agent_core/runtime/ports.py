"""Free TCP ports on loopback, with reservations so concurrent runs never share one.

The operating system hands out a port nobody listens on; a reservation additionally keeps this
process from handing the same port to two servers before either has bound it. Another program
can still take a port between the check and the bind: callers retry with a new port then.
"""

from __future__ import annotations

import socket
import threading

_lock = threading.Lock()
_reserved: set[int] = set()


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Whether ``port`` on ``host`` can be bound right now."""
    with socket.socket(_family(host), socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = "127.0.0.1") -> int:
    """A port on ``host`` that is free now and not reserved in this process.

    Args:
        host: The address the server will bind.

    Returns:
        A port number chosen by the operating system.

    Raises:
        OSError: No free port could be found.
    """
    for _ in range(100):
        with socket.socket(_family(host), socket.SOCK_STREAM) as sock:
            sock.bind((host, 0))
            port: int = sock.getsockname()[1]
        with _lock:
            if port not in _reserved:
                return port
    raise OSError(f"no free TCP port found on {host}")


def reserve_port(host: str = "127.0.0.1") -> int:
    """Like :func:`free_port`, and no later call in this process returns the same port
    until :func:`release_port`.

    Args:
        host: The address the server will bind.

    Returns:
        The reserved port.
    """
    for _ in range(100):
        port = free_port(host)
        with _lock:
            if port not in _reserved:
                _reserved.add(port)
                return port
    raise OSError(f"no free TCP port found on {host}")


def release_port(port: int) -> None:
    """Make a reserved port available to :func:`free_port` and :func:`reserve_port` again."""
    with _lock:
        _reserved.discard(port)


def reserved_ports() -> set[int]:
    """The ports reserved in this process right now."""
    with _lock:
        return set(_reserved)
