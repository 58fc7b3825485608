"""Bring loopback up in a fresh network namespace, then run a command there.

``./studio test`` runs ``unshare --net [--map-root-user] python -m tests.support.loopback
python -m pytest ...``: a new network namespace starts with its loopback interface down and
nothing else, so after this the suite (and every process it starts) can reach 127.0.0.1 and
no other machine. Standard library only, so it works without ``ip`` (iproute2).
"""

from __future__ import annotations

import fcntl
import os
import socket
import struct
import sys

SIOCGIFFLAGS = 0x8913
SIOCSIFFLAGS = 0x8914
IFF_UP = 0x1
_IFREQ = "16sh22x"  # struct ifreq: the interface name, then the flags (40 bytes)


def bring_loopback_up() -> None:
    """Set the ``lo`` interface of this network namespace up.

    Raises:
        OSError: The namespace does not let this process change it (no CAP_NET_ADMIN).
    """
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        current = fcntl.ioctl(sock, SIOCGIFFLAGS, struct.pack(_IFREQ, b"lo", 0))
        flags = struct.unpack(_IFREQ, current)[1]
        fcntl.ioctl(sock, SIOCSIFFLAGS, struct.pack(_IFREQ, b"lo", flags | IFF_UP))


def main(argv: list[str]) -> int:
    """Bring loopback up and replace this process with ``argv``."""
    if not argv:
        print("usage: python -m tests.support.loopback COMMAND [ARGS...]", file=sys.stderr)
        return 2
    try:
        bring_loopback_up()
    except OSError as error:
        print(f"could not bring the loopback interface up: {error}", file=sys.stderr)
        return 1
    os.execvp(argv[0], argv)
    return 127  # not reached: execvp replaces the process or raises


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
