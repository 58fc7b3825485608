"""Pointing at an element of the preview: hover to outline it, click to pick it, Esc to stop.

:class:`ElementPicker` puts the in-page script (:mod:`ui.element_picker_js`) into every page
the preview loads, in an isolated JavaScript world, and talks to it over a web channel. The
site's scripts share the DOM with it but cannot reach the channel, and while picking the
site's own click handlers never run.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QFile, QIODevice, QObject, Qt, Signal, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWebChannel import QWebChannel
from PySide6.QtWebEngineCore import QWebEnginePage, QWebEngineScript
from PySide6.QtWidgets import QLabel, QSizePolicy, QToolButton, QWidget

from ui.element_picker_js import PICKER_JS

WORLD = QWebEngineScript.ScriptWorldId.ApplicationWorld
_CHANNEL_JS = ":/qtwebchannel/qwebchannel.js"
HINT = "Hover over the site and click an element (Esc stops)"
"""The toolbar's text while picking, before the pointer is over an element."""


class _PageSide(QObject):
    """The object the page calls through the web channel (``webgenPicker``)."""

    hoveredJson = Signal(str)
    pickedJson = Signal(str)
    escapePressed = Signal()

    @Slot(str)
    def hovered(self, data: str) -> None:
        """The pointer moved onto another element."""
        self.hoveredJson.emit(data)

    @Slot(str)
    def picked(self, data: str) -> None:
        """The user clicked an element."""
        self.pickedJson.emit(data)

    @Slot()
    def escaped(self) -> None:
        """The user pressed Esc in the page."""
        self.escapePressed.emit()


class ElementPicker(QObject):
    """The pick mode of one web page.

    Args:
        page: The preview's page; the picker is injected into every page it loads.
        parent: The owner.
    """

    activeChanged = Signal(bool)
    """Pick mode was turned on or off."""
    hovered = Signal(dict)
    """The element under the pointer while picking (same keys as :attr:`picked`)."""
    picked = Signal(dict)
    """The element the user clicked: ``tag``, ``text``, ``selector``, ``html`` (its outer
    HTML, without source tags), ``source`` (``file:line:col`` from the dev server's source
    tags, or empty), ``source_is_own`` (the tag is the element's own, not an ancestor's) and
    ``page`` (the page's path). Pick mode ends with it."""

    def __init__(self, page: QWebEnginePage, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._page = page
        self._active = False
        self._side = _PageSide(self)
        self._side.hoveredJson.connect(self._on_hovered)
        self._side.pickedJson.connect(self._on_picked)
        self._side.escapePressed.connect(lambda: self.set_active(False))
        channel = QWebChannel(self)
        channel.registerObject("webgenPicker", self._side)
        page.setWebChannel(channel, WORLD)
        page.scripts().insert(_script())
        page.loadFinished.connect(self._on_load_finished)

    def is_active(self) -> bool:
        """Whether pick mode is on."""
        return self._active

    @Slot(bool)
    def set_active(self, active: bool) -> None:
        """Turn pick mode on (outline on hover, click picks) or off."""
        if active == self._active:
            return
        self._active = active
        self._send()
        self.activeChanged.emit(active)

    def _send(self) -> None:
        call = "start" if self._active else "stop"
        self._page.runJavaScript(f"window.__webgenPicker && window.__webgenPicker.{call}();",
                                 WORLD)

    @Slot(bool)
    def _on_load_finished(self, ok: bool) -> None:
        if ok and self._active:  # a reload while picking: the new page picks too
            self._send()

    @Slot(str)
    def _on_hovered(self, data: str) -> None:
        element = _parse(data)
        if element is not None and self._active:
            self.hovered.emit(element)

    @Slot(str)
    def _on_picked(self, data: str) -> None:
        element = _parse(data)
        if element is not None and self._active:
            self.set_active(False)
            self.picked.emit(element)


class PickControls(QObject):
    """The preview toolbar's part of pick mode: the toggle, and what is under the pointer.

    Args:
        picker: The page's picker.
        view: The web view (it gets the focus while picking, so Esc reaches the page).
        host: The widget whose Esc shortcut also ends pick mode.
    """

    def __init__(self, picker: ElementPicker, view: QWidget, host: QWidget) -> None:
        super().__init__(host)
        self.picker = picker
        self._view = view
        self.button = QToolButton()
        self.button.setObjectName("previewPick")
        self.button.setText("Point at element")
        self.button.setCheckable(True)
        self.button.setToolTip("Point at an element of the site to ask for a change to it: "
                               "hover to outline it, click to pick it, Esc to stop")
        self.status = QLabel()
        self.status.setObjectName("previewHovered")
        self.status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.status.setVisible(False)
        self._escape = QShortcut(QKeySequence("Esc"), host, lambda: picker.set_active(False))
        self._escape.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self._escape.setWhatsThis("Stop pointing at an element (while picking)")
        self._escape.setEnabled(False)
        self.button.toggled.connect(picker.set_active)
        picker.activeChanged.connect(self._on_active)
        picker.hovered.connect(lambda element: self.status.setText(short_label(element)))

    def set_available(self, available: bool) -> None:
        """Whether a site is shown to point into (pick mode ends when it goes)."""
        if not available:
            self.picker.set_active(False)
        self.button.setEnabled(available)

    def hover_text(self) -> str:
        """What the toolbar says about the element under the pointer ('' when not picking)."""
        return self.status.text() if self.picker.is_active() else ""

    @Slot(bool)
    def _on_active(self, active: bool) -> None:
        self.button.setChecked(active)
        self._escape.setEnabled(active)
        self.status.setVisible(active)
        self.status.setText(HINT)
        if active:
            self._view.setFocus()


def _parse(data: str) -> dict[str, Any] | None:
    try:
        element = json.loads(data)
    except ValueError:
        return None
    return element if isinstance(element, dict) else None


def _script() -> QWebEngineScript:
    script = QWebEngineScript()
    script.setName("webgen-element-picker")
    script.setWorldId(WORLD)
    script.setInjectionPoint(QWebEngineScript.InjectionPoint.DocumentReady)
    script.setRunsOnSubFrames(False)
    script.setSourceCode(_channel_js() + "\n" + PICKER_JS)
    return script


def _channel_js() -> str:
    """Qt's qwebchannel.js, which the page needs to reach the channel."""
    source = QFile(_CHANNEL_JS)
    if not source.open(QIODevice.OpenModeFlag.ReadOnly):
        raise RuntimeError(f"Qt WebChannel's script {_CHANNEL_JS} is missing from this Qt")
    try:
        return bytes(source.readAll().data()).decode("utf-8")
    finally:
        source.close()


def short_label(element: dict[str, Any]) -> str:
    """A one-line name of a picked or hovered element: ``<button> “Order”``."""
    tag = str(element.get("tag") or "?")
    text = str(element.get("text") or "")
    return f"<{tag}> “{text[:40]}”" if text else f"<{tag}>"
