"""How responsive the window stays during a run, and how fast a 50-step run opens.

1. The real main window and controller run the stock-report scenario of the GUI end-to-end
   test (real npm, Vite, Chromium screenshots and GUI test, Qt WebEngine preview) against a
   scripted model server that streams the coder's reply in small fragments. Two monitors
   measure event-loop stalls: an asyncio task that asks to wake every 5 ms, and a Qt timer
   that asks to fire every 5 ms. A stall is how late a wake-up came. Prints the largest
   stall and the 99th percentile of each.
2. A 50-step run (1024x768 screenshots) is written to disk and opened in a fresh window;
   prints the time from ``open_run`` to a usable window (timeline, chat and code filled),
   and to all thumbnails shown.

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m benchmarks.ui_responsiveness [--opens 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QElapsedTimer, QSettings, QTimer
from PySide6.QtWidgets import QApplication

from agent_core.config import RunConfig
from agent_core.store.records import StepKind
from app.desktop.controller import MainController
from app.desktop.session import SessionStatus
from app.desktop.warmup import warm_up
from tests.fakes.model_server import ScriptedModelServer
from tests.support.agent import FAST_TIMEOUTS, settings_for
from tests.support.npm import offline_npm_env
from tests.support.qtasync import run_on_qt_loop, wait_until
from tests.support.runs import StepSpec, build_run, solid_png
from tests.support.stock_scenario import scripts
from tests.support.stock_site import INSTRUCTION
from ui.main_window import MainWindow

TICK_S = 0.005


def quantile(values: list[float], q: float) -> float:
    """The ``q`` quantile (nearest rank) of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


class StallMonitor:
    """Records how late 5 ms wake-ups come, on the asyncio side and on the Qt side."""

    def __init__(self, label=lambda: "") -> None:
        self.label = label
        self.big: list[tuple[str, float, str]] = []
        self.asyncio_lateness: list[float] = []
        self.qt_lateness: list[float] = []
        self._clock = QElapsedTimer()
        self._timer = QTimer()
        self._timer.setInterval(int(TICK_S * 1000))
        self._timer.timeout.connect(self._qt_tick)
        self._last = 0
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._clock.start()
        self._last = self._clock.nsecsElapsed()
        self._timer.start()
        self._task = asyncio.ensure_future(self._asyncio_ticks())

    def stop(self) -> None:
        self._timer.stop()
        if self._task is not None:
            self._task.cancel()

    def _qt_tick(self) -> None:
        now = self._clock.nsecsElapsed()
        late = max(0.0, (now - self._last) / 1e9 - TICK_S)
        self.qt_lateness.append(late)
        if late > 0.05:
            self.big.append(("qt", round(late * 1000), self.label()))
        self._last = now

    async def _asyncio_ticks(self) -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(TICK_S)
            late = max(0.0, time.perf_counter() - before - TICK_S)
            self.asyncio_lateness.append(late)
            if late > 0.05:
                self.big.append(("asyncio", round(late * 1000), self.label()))


async def run_once(root: Path, server: ScriptedModelServer) -> dict:
    window = MainWindow()
    qsettings = QSettings(str(root / "window.ini"), QSettings.Format.IniFormat)
    controller = MainController(window, runs_dir=root / "runs", qsettings=qsettings,
                                base_config=RunConfig(timeouts=FAST_TIMEOUTS))
    window.show()
    await warm_up()  # as the app does once its window is up
    monitor = StallMonitor(lambda: window.run_status.phase_label.text())
    monitor.start()
    started = time.perf_counter()
    try:
        window.chat.input.instruction_edit().setPlainText(INSTRUCTION)
        window.start_action.trigger()
        await wait_until(lambda: controller.session is not None
                         and controller.session.status is SessionStatus.FINISHED, 300, "run")
        seconds = time.perf_counter() - started
        steps = len(controller.session.store.steps())
    finally:
        monitor.stop()
        window.close()
        await controller.closed.wait()
        window.deleteLater()
    return {"seconds": seconds, "steps": steps, "asyncio": monitor.asyncio_lateness,
            "qt": monitor.qt_lateness, "stalls_over_50ms": monitor.big}


async def open_once(run_dir: Path, root: Path) -> dict:
    window = MainWindow()
    qsettings = QSettings(str(root / "window.ini"), QSettings.Format.IniFormat)
    controller = MainController(window, runs_dir=root / "runs", qsettings=qsettings)
    window.show()
    QApplication.processEvents()
    started = time.perf_counter()
    controller.open_flow.open_run(str(run_dir))
    await wait_until(lambda: len(window.timeline.indices()) == 50
                     and window.chat.transcript() and window.code.tree_paths(), 30, "open")
    usable = time.perf_counter() - started
    await wait_until(lambda: all(window.timeline.card(i).thumbnail.pixmap() is not None
                                 and not window.timeline.card(i).thumbnail.pixmap().isNull()
                                 for i in (1, 25, 49)), 60, "thumbnails")
    await controller.ops.wait_idle()
    thumbnails = time.perf_counter() - started
    window.close()
    await controller.closed.wait()
    window.deleteLater()
    return {"usable": usable, "thumbnails": thumbnails}


def fifty_step_run(root: Path) -> Path:
    specs = []
    for i in range(1, 51):
        kind = StepKind.GUI_TEST if i % 10 == 0 else StepKind.EDIT
        specs.append(StepSpec(kind=kind, appearance=3 + i % 3, gui=4 if kind is StepKind.GUI_TEST
                              else None, errors=["appearance grade 2/5"] if i % 7 == 0 else []))
    store = build_run(root / "fifty", specs, best=40)
    big = solid_png(1024, 768, (250, 245, 235), band=(20, 30, 120))
    for i in range(1, 51):
        path = store.screenshot_path(i)
        if path is not None:
            path.write_bytes(big)
    store.unlock()
    return store.run_dir


def summarize(values: list[float]) -> dict:
    return {"max_ms": round(max(values) * 1000, 1),
            "p99_ms": round(quantile(values, 0.99) * 1000, 1),
            "median_ms": round(statistics.median(values) * 1000, 2), "samples": len(values)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--opens", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    os.environ.update(offline_npm_env())
    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        os.environ["WEBGEN_CONFIG_DIR"] = str(root / "config")
        with ScriptedModelServer(scripts(pace=(12, 0.002))) as server:
            (root / "config").mkdir()
            settings = settings_for(server, "openai", context_length=16384)
            (root / "config" / "settings.json").write_text(
                json.dumps({"roles": settings.to_public_dict()}))
            run = run_on_qt_loop(app, lambda: run_once(root, server), 400)
        run_dir = fifty_step_run(root)
        opens = [run_on_qt_loop(app, lambda: open_once(run_dir, root), 120)
                 for _ in range(args.opens)]
    result = {
        "run": {"seconds": round(run["seconds"], 2), "steps": run["steps"],
                "asyncio_stalls": summarize(run["asyncio"]), "qt_stalls": summarize(run["qt"]),
                "stalls_over_50ms": run["stalls_over_50ms"]},
        "open_50_steps": {
            "usable_s": [round(o["usable"], 3) for o in opens],
            "usable_median_s": round(statistics.median(o["usable"] for o in opens), 3),
            "thumbnails_median_s": round(statistics.median(o["thumbnails"] for o in opens), 3),
        },
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    r, o = result["run"], result["open_50_steps"]
    print(f"scripted run: {r['steps']} steps in {r['seconds']} s")
    for side in ("asyncio", "qt"):
        s = r[f"{side}_stalls"]
        print(f"  {side:7} stalls: max {s['max_ms']} ms, p99 {s['p99_ms']} ms, "
              f"median {s['median_ms']} ms over {s['samples']} wake-ups")
    for side, ms, phase in r["stalls_over_50ms"]:
        print(f"  stall over 50 ms: {side} {ms} ms during {phase!r}")
    print(f"open a 50-step run: usable in {o['usable_median_s']} s (median of "
          f"{len(o['usable_s'])}: {o['usable_s']}), thumbnails in {o['thumbnails_median_s']} s")


if __name__ == "__main__":
    main()
