"""Pointing at elements of a real QtWebEngine page as a user does: pointer moves and clicks.

Events go to the view's focus proxy, the widget QtWebEngine renders into, so the page gets
real mouse and key events. Scripts that measure the page run in its main world (the site's
own), never in the picker's.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWebEngineWidgets import QWebEngineView

from ui.element_picker_js import OUTLINE_ID

MAIN_WORLD = 0

RECT_JS = """JSON.stringify((() => {{
  const el = document.querySelector({selector});
  if (!el) return null;
  const r = el.getBoundingClientRect();
  return {{left: r.left, top: r.top, width: r.width, height: r.height}};
}})())"""


def rect_js(selector: str) -> str:
    """A script giving the viewport rectangle of the element ``selector`` finds (JSON)."""
    return RECT_JS.format(selector=json.dumps(selector))


def outline_js() -> str:
    """A script giving the picker's outline rectangle, or null when it is not shown (JSON)."""
    return ("JSON.stringify((() => { const b = document.getElementById("
            f"{json.dumps(OUTLINE_ID)}); if (!b || getComputedStyle(b).display === 'none') "
            "return null; const r = b.getBoundingClientRect(); return {left: r.left, "
            "top: r.top, width: r.width, height: r.height}; })())")


def center(rect: dict[str, float]) -> QPoint:
    """The middle of a rectangle, in the view's pixels."""
    return QPoint(int(rect["left"] + rect["width"] / 2), int(rect["top"] + rect["height"] / 2))


def js_now(qtbot, view: QWebEngineView, code: str) -> Any:
    """Run ``code`` in the page's main world and wait for its result (pytest-qt tests)."""
    results: list[Any] = []
    view.page().runJavaScript(code, MAIN_WORLD, results.append)
    qtbot.waitUntil(lambda: bool(results), timeout=5000)
    return results[0]


async def js_async(view: QWebEngineView, code: str) -> Any:
    """Run ``code`` in the page's main world and await its result (scenarios on the loop)."""
    done: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    view.page().runJavaScript(code, MAIN_WORLD,
                              lambda value: done.done() or done.set_result(value))
    return await asyncio.wait_for(done, 10)


def hover(view: QWebEngineView, point: QPoint) -> None:
    """Move the pointer over ``point`` of the page."""
    QTest.mouseMove(view.focusProxy(), point)


def hovering(view: QWebEngineView, point: QPoint, done: Callable[[], bool]
             ) -> Callable[[], bool]:
    """A wait condition that keeps the pointer moving over ``point`` (a pixel either way, as
    a hand does) until ``done()``: a move made before the picker's script was in the page is
    not seen by it, and the page only hears of the pointer again when it moves."""
    moves = itertools.count()

    def condition() -> bool:
        if done():
            return True
        hover(view, point + QPoint(next(moves) % 2, 0))
        return done()

    return condition


def click(view: QWebEngineView, point: QPoint) -> None:
    """Click the left button at ``point`` of the page."""
    QTest.mouseClick(view.focusProxy(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.NoModifier, point)


def press_escape(view: QWebEngineView) -> None:
    """Press Esc in the page."""
    QTest.keyClick(view.focusProxy(), Qt.Key.Key_Escape)
