"""How fast the desktop app stops everything it started, for each way of stopping it mid-run.

The app runs in a process of its own (``tests.support.gui_process``: the real ``run_gui``, the
instruction typed into the chat box) against a scripted model server. Once step 2 is streaming
(the site served, Chromium up after its screenshot, the preview showing the page) it is stopped
by closing the window, SIGTERM, Ctrl-C (SIGINT to its process group, as a terminal sends it) or
``kill -9`` (then the reaper helper stops the site's processes). Timed from the signal:

- children gone: until no process the app started is alive, found by pid wherever it was
  reparented (this process adopts orphans, as the test suite does);
- app exited: until the app's own process has ended.

    .venv/bin/python -m benchmarks.shutdown [--repeat 3]

HOME and the XDG folders point into a temporary tree meanwhile, as in the tests.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from agent_core.runtime._procinfo import process_alive
from tests.fakes.model_server import ScriptedModelServer
from tests.support.gui_process import slow_run_scripts, start_mid_run, stop
from tests.support.isolation import enter_isolated_tree
from tests.support.procs import descendants
from tests.support.subreaper import become_subreaper

WAYS: dict[str, Callable[[subprocess.Popen[bytes]], None]] = {
    "window close": lambda app: os.kill(app.pid, signal.SIGUSR1),  # the driver closes it
    "SIGTERM": lambda app: os.kill(app.pid, signal.SIGTERM),
    "Ctrl-C": lambda app: os.killpg(app.pid, signal.SIGINT),
    "kill -9": lambda app: os.kill(app.pid, signal.SIGKILL),
}
GIVE_UP_S = 60.0


def measure(way: str, root: Path) -> dict:
    """Start the app mid-run under ``root``, stop it ``way``, and time what follows."""
    with ScriptedModelServer(slow_run_scripts()) as server:
        before = set(descendants())
        app = start_mid_run(root, server, close_on_usr1=True)
        try:
            children = [pid for pid in descendants() if pid not in before and pid != app.pid]
            started = time.perf_counter()
            WAYS[way](app)
            gone_s = exit_s = None
            while (gone_s is None or exit_s is None) and time.perf_counter() - started < GIVE_UP_S:
                now = time.perf_counter() - started
                if exit_s is None and app.poll() is not None:
                    exit_s = now
                if gone_s is None and not any(process_alive(pid) for pid in children):
                    gone_s = now
                time.sleep(0.01)
        finally:
            stop(app)
    return {"children": len(children), "children_gone_s": gone_s, "app_exited_s": exit_s}


def summary(results: list[dict]) -> dict:
    """Median and maximum of each figure over the repeats (None: it never happened)."""
    out: dict = {"children": [r["children"] for r in results]}
    for key in ("children_gone_s", "app_exited_s"):
        values = [r[key] for r in results]
        if any(v is None for v in values):
            out[key] = None
        else:
            out[key] = {"median": round(statistics.median(values), 3),
                        "max": round(max(values), 3)}  # fmt: skip
    return out


def main() -> None:
    """Command-line entry."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--way", choices=list(WAYS), action="append",
                        help="only these ways of stopping (default: all)")  # fmt: skip
    args = parser.parse_args()
    become_subreaper()
    report = {}
    with tempfile.TemporaryDirectory(prefix="webgen-bench-") as tmp:
        enter_isolated_tree(Path(tmp) / "tree")
        for way in args.way or list(WAYS):
            runs = [measure(way, Path(tmp) / f"{way}-{i}") for i in range(args.repeat)]
            report[way] = summary(runs)
            print(f"{way}: {json.dumps(report[way])}", flush=True)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
