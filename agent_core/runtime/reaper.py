"""The reaper helper: kills an engine's process groups when the engine dies, however it dies.

Run as ``python -m agent_core.runtime.reaper`` by :mod:`agent_core.runtime.guard`, once per engine
process while it has process groups running. The engine holds the only write end of the
helper's stdin and sends lines:

- ``add PGID [START]``: watch group PGID (START: its leader's start time, or ``-``),
- ``remove PGID``: the group ended normally, forget it.

When stdin reaches end-of-file the engine is gone (it exited, crashed, or got SIGKILL, which
closes its pipes just the same), so the helper SIGTERMs and then SIGKILLs every group still
registered and exits. The helper runs in its own session, so it is in none of the groups and no
terminal signal reaches it; it ignores SIGINT and SIGHUP as well.
"""

from __future__ import annotations

import signal
import sys

from agent_core.runtime._procinfo import terminate_groups_blocking

GRACE_S = 2.0


def parse_line(line: str, groups: dict[int, int | None]) -> None:
    """Apply one protocol line to ``groups``; malformed lines are ignored.

    Args:
        line: ``add PGID [START]`` or ``remove PGID``.
        groups: Registered group ids to their leader's start time.
    """
    parts = line.split()
    if len(parts) < 2 or not parts[1].isdigit():
        return
    pgid = int(parts[1])
    if parts[0] == "add":
        started = int(parts[2]) if len(parts) > 2 and parts[2].isdigit() else None
        groups[pgid] = started
    elif parts[0] == "remove":
        groups.pop(pgid, None)


def main() -> int:
    """Read the protocol until end-of-file, then kill every group still registered."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
    groups: dict[int, int | None] = {}
    for raw in sys.stdin.buffer:
        parse_line(raw.decode("ascii", errors="replace"), groups)
    if groups:
        terminate_groups_blocking(groups, GRACE_S)
    return 0


if __name__ == "__main__":
    sys.exit(main())
