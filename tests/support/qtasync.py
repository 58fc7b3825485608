"""Running a test scenario on a qasync loop, the way the app runs (Qt and asyncio as one).

The loop is attached to the already running QApplication and driven by a local Qt event
loop, because ``QEventLoop.run_until_complete`` calls ``QApplication.exit()``, which emits
``aboutToQuit``: Qt WebEngine tears itself down on that signal, and the next test that
shows a web view would crash. The app itself runs the loop once and quits once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import qasync
from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

T = TypeVar("T")


def _spin_until(future: asyncio.Future, timeout_s: float) -> None:
    local = QEventLoop()
    future.add_done_callback(lambda _f: local.quit())
    timer = QTimer()
    timer.setSingleShot(True)
    timer.timeout.connect(local.quit)
    timer.start(int(timeout_s * 1000))
    if not future.done():
        local.exec()
    timer.stop()


def run_on_qt_loop(qapp: QApplication, scenario: Callable[[], Awaitable[T]],
                   timeout_s: float = 240.0) -> T:
    """Run ``scenario()`` on a qasync loop over ``qapp``; fail after ``timeout_s``."""
    loop = qasync.QEventLoop(qapp, already_running=True)
    # Plain threads for asyncio.to_thread: qasync's own executor uses QThreads, which
    # abort the process if they still exist at exit (only closing the loop stops them).
    executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="test-loop")
    loop.set_default_executor(executor)
    asyncio.set_event_loop(loop)
    try:
        task = loop.create_task(scenario())
        _spin_until(task, timeout_s)
        if not task.done():
            task.cancel()
            _spin_until(task, 30)
            raise AssertionError(f"the scenario did not finish within {timeout_s:.0f} s")
        return task.result()
    finally:
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for other in pending:
            other.cancel()
        if pending:
            _spin_until(asyncio.gather(*pending, return_exceptions=True), 30)
        qapp.aboutToQuit.disconnect(loop._after_run_forever)
        asyncio.events._set_running_loop(None)
        asyncio.set_event_loop(None)
        executor.shutdown(wait=True)


async def wait_until(predicate: Callable[[], object], timeout_s: float = 60.0,
                     what: str = "condition") -> None:
    """Let the loop run until ``predicate()`` is true."""
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}")
        await asyncio.sleep(0.05)
