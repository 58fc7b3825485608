"""Qt test helpers: a guard against leaked top-level windows."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QApplication, QWidget


def visible_top_levels() -> set[QWidget]:
    """Top-level widgets that are shown right now."""
    app = QApplication.instance()
    if app is None:
        return set()
    return {w for w in QApplication.topLevelWidgets() if w.isVisible()}


@contextmanager
def no_leaked_windows() -> Iterator[None]:
    """Fail when a window opened inside the block is still shown after it."""
    before = visible_top_levels()
    yield
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    QApplication.processEvents()
    leaked = [w for w in visible_top_levels() - before]
    for widget in leaked:
        widget.close()
    assert not leaked, "windows left open: " + ", ".join(
        f"{type(w).__name__}({w.windowTitle()!r})" for w in leaked)
