"""No test reaches beyond loopback: a guard in the test process and a sealed network namespace.

The in-process guard makes every TCP connect and every UDP datagram this process sends to a
non-loopback address fail with :class:`NetworkGuardError`. It cannot see child processes;
those are covered when the suite runs in a network namespace that has nothing but loopback
(``./studio test`` enters one with ``unshare``, see :mod:`tests.support.loopback`).
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any


class NetworkGuardError(AssertionError):
    """A test tried to reach an address beyond loopback."""


def is_loopback(address: object) -> bool:
    """Whether a socket address stays on this machine (loopback, or not an IP address)."""
    if not isinstance(address, tuple) or not address:
        return True  # AF_UNIX paths and the like never leave the machine
    host = str(address[0])
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False  # an unresolved name: refuse, it could go anywhere


def _refuse_beyond_loopback(address: object, what: str) -> None:
    if not is_loopback(address):
        raise NetworkGuardError(f"test tried to {what} beyond loopback: {address!r}")


_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_sendto = socket.socket.sendto
_real_sendmsg = socket.socket.sendmsg


def _guarded_connect(self: socket.socket, address: Any) -> None:
    _refuse_beyond_loopback(address, "connect")
    return _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> int:
    _refuse_beyond_loopback(address, "connect")
    return _real_connect_ex(self, address)


def _guarded_sendto(self: socket.socket, data: Any, *rest: Any) -> int:
    # sendto(data, address) or sendto(data, flags, address)
    _refuse_beyond_loopback(rest[-1] if rest else None, "send a datagram")
    return _real_sendto(self, data, *rest)


def _guarded_sendmsg(self: socket.socket, buffers: Any, *rest: Any) -> int:
    # sendmsg(buffers[, ancdata[, flags[, address]]])
    _refuse_beyond_loopback(rest[2] if len(rest) > 2 else None, "send a datagram")
    return _real_sendmsg(self, buffers, *rest)


def install_guard() -> None:
    """Refuse, in this process, every connection and datagram beyond loopback."""
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]
    socket.socket.sendto = _guarded_sendto  # type: ignore[method-assign]
    socket.socket.sendmsg = _guarded_sendmsg  # type: ignore[method-assign]


def network_sealed() -> bool:
    """Whether this process's network has no interface but loopback (a sealed namespace).

    Then no process of the suite, children included, can reach another machine.
    """
    try:
        names = {name for _index, name in socket.if_nameindex()}
    except OSError:
        return False
    return names == {"lo"}
