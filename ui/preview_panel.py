"""The live preview of the site being built, in an embedded browser.

The app tells the panel which URL the dev server serves (or that nothing is served); the
panel loads it in a private (off-the-record) profile, retries a few times while a server
is still starting, and can show the site at desktop, tablet or phone size. It never opens
the system browser itself: it asks for that with :attr:`PreviewPanel.openInBrowserRequested`.

Import this module before the ``QApplication`` is created: QtWebEngine has to be loaded
before the application object exists.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, QTimer, QUrl, Signal, Slot
from PySide6.QtGui import QKeySequence, QResizeEvent, QShortcut
from PySide6.QtWebEngineCore import QWebEngineLoadingInfo, QWebEnginePage, QWebEngineProfile
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ui.element_picker import ElementPicker, PickControls
from ui.naming import named
from ui.preview_guard import SiteRequestGuard

DEVICES: dict[str, tuple[int, int] | None] = {
    "Desktop": None,
    "Tablet": (768, 1024),
    "Phone": (390, 844),
}
"""Preview sizes: ``None`` fills the panel, otherwise a fixed (width, height) in pixels."""

DEFAULT_MESSAGE = (
    "Nothing is being served yet. The preview appears here when the site's dev server is running."
)
RETRY_DELAYS_MS = (300, 600, 1000, 1500, 2000, 3000, 4000, 5000)
"""Pauses before each new attempt at a URL that failed to load (about 17 s in all)."""

_MAX_SIZE = 16777215  # QWIDGETSIZE_MAX
_PLACEHOLDER, _BROWSER = 0, 1
_ERR_ABORTED = -3  # Chromium: a load replaced by another one; not a failure of the site
_STYLE = """
#previewFrame[device="true"] { border: 1px solid palette(mid); border-radius: 4px; }
#previewPlaceholder { color: palette(placeholder-text); }
"""


class _ElidedLabel(QLabel):
    """A one-line label that elides its text in the middle to fit its width."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

    def set_full_text(self, text: str) -> None:
        self._full = text
        self.setToolTip(text)
        self._elide()

    def full_text(self) -> str:
        return self._full

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        metrics = self.fontMetrics()
        self.setText(metrics.elidedText(self._full, Qt.TextElideMode.ElideMiddle, self.width()))


class PreviewPanel(QWidget):
    """An embedded browser showing the dev server's site, with a small toolbar.

    The browser uses its own off-the-record profile, so no cookies, storage or cache
    outlive the session.
    """

    openInBrowserRequested = Signal(str)
    """The user wants the current URL in the system browser (the app opens it)."""
    elementPicked = Signal(dict)
    """The user pointed at an element of the site (see :attr:`ElementPicker.picked`)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("previewPanel")
        self.setStyleSheet(_STYLE)
        self._url: str | None = None
        self._loaded = False
        self._attempt = 0
        self._device = "Desktop"
        self._blocked: list[str] = []
        self._guard = SiteRequestGuard(self)
        self._guard.blocked.connect(self._on_blocked)
        self._retry = QTimer(self)
        self._retry.setSingleShot(True)
        self._retry.timeout.connect(self._load)
        self._view = self._make_view()
        self._pick = PickControls(ElementPicker(self._view.page(), self), self._view, self)
        self._pick.picker.picked.connect(self.elementPicked)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(self._make_toolbar())
        self._pick.picker.activeChanged.connect(lambda on: self._url_label.setVisible(not on))
        layout.addWidget(self._make_stack(), 1)
        for keys in ("F5",):  # Ctrl+R is the window's Start, Ctrl+Shift+R its Restore
            shortcut = QShortcut(QKeySequence(keys), self, self.reload)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.set_url(None)

    def _make_view(self) -> QWebEngineView:
        view = QWebEngineView()
        view.setObjectName("previewWebView")
        profile = QWebEngineProfile()  # no storage name: off the record
        page = QWebEnginePage(profile, view)
        # The profile must outlive its page. As the page's child it is deleted by
        # ~QObject after ~QWebEnginePage has unregistered the page, so Qt never warns
        # "Release of profile requested but WebEnginePage still not deleted".
        profile.setParent(page)
        profile.setUrlRequestInterceptor(self._guard)
        view.setPage(page)
        page.loadingChanged.connect(self._on_loading_changed)
        return view

    def _make_toolbar(self) -> QHBoxLayout:
        bar = QHBoxLayout()
        bar.setContentsMargins(6, 4, 6, 4)
        style = self.style()
        self._reload_button = QToolButton()
        self._reload_button.setObjectName("previewReload")
        self._reload_button.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_BrowserReload))
        self._reload_button.setText("Reload")
        self._reload_button.setToolTip("Reload the preview (F5)")
        self._reload_button.clicked.connect(self.reload)
        self._open_button = QToolButton()
        self._open_button.setObjectName("previewOpenInBrowser")
        self._open_button.setText("Open in browser")
        self._open_button.setToolTip("Open the site in your web browser")
        self._open_button.clicked.connect(self._request_open)
        self._device_combo = QComboBox()
        self._device_combo.setObjectName("previewDevice")
        self._device_combo.addItems(list(DEVICES))
        self._device_combo.setToolTip(
            "Preview size: Desktop fills the panel, Tablet is 768×1024, Phone is 390×844"
        )
        self._device_combo.currentTextChanged.connect(self.set_device)
        self._url_label = _ElidedLabel()
        self._url_label.setObjectName("previewUrl")
        self._blocked_label = named(QLabel(), "previewBlocked")
        self._blocked_label.setVisible(False)
        for widget in (self._reload_button, self._open_button, self._device_combo,
                       self._pick.button):
            bar.addWidget(widget)
        bar.addWidget(self._url_label, 1)
        bar.addWidget(self._pick.status, 1)
        bar.addWidget(self._blocked_label)
        return bar

    def _make_stack(self) -> QStackedWidget:
        self._stack = QStackedWidget()
        self._placeholder = QLabel()
        self._placeholder.setObjectName("previewPlaceholder")
        self._placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._placeholder.setWordWrap(True)
        self._placeholder.setMargin(24)
        self._stack.insertWidget(_PLACEHOLDER, self._placeholder)
        self._frame = QFrame()
        self._frame.setObjectName("previewFrame")
        frame_layout = QVBoxLayout(self._frame)
        frame_layout.setContentsMargins(1, 1, 1, 1)
        frame_layout.addWidget(self._view)
        host = QWidget()
        self._host_layout = QVBoxLayout(host)
        self._host_layout.addWidget(self._frame)
        self._device_area = QScrollArea()
        self._device_area.setObjectName("previewArea")
        self._device_area.setWidgetResizable(True)
        self._device_area.setFrameShape(QFrame.Shape.NoFrame)
        self._device_area.setWidget(host)
        self._stack.insertWidget(_BROWSER, self._device_area)
        self._apply_device()
        return self._stack

    # -- URL ------------------------------------------------------------------------------

    def set_url(self, url: str | None, message: str = "") -> None:
        """Show the site at ``url``, or a placeholder when nothing is served.

        Args:
            url: The dev server's URL; ``None`` when nothing is served. The URL already
                shown is not loaded again (no flicker); any other URL (another port after
                a restart) is loaded.
            message: The placeholder's text when ``url`` is None (default: nothing is
                being served yet).
        """
        self._guard.site_url = url
        if url != self._url:
            self._blocked.clear()
            self._blocked_label.setVisible(False)
        if url is None:
            self._retry.stop()
            if self._url is not None:
                # Stop the old site's scripts. Never on a page not used yet: a navigation
                # queued there runs late, after (and instead of) the next load.
                self._view.setUrl(QUrl("about:blank"))
            self._url, self._loaded = None, False
            self._show_placeholder(message or DEFAULT_MESSAGE)
            self._url_label.set_full_text("")
            self._reload_button.setEnabled(False)
            self._open_button.setEnabled(False)
            self._pick.set_available(False)
            return
        if url == self._url:
            return
        self._retry.stop()
        self._url, self._attempt = url, 0
        self._url_label.set_full_text(url)
        self._reload_button.setEnabled(True)
        self._open_button.setEnabled(True)
        self._pick.set_available(True)
        if self.showing_placeholder():
            self._show_placeholder(f"Loading {url}…")
        self._load()

    def set_internet_allowed(self, allowed: bool) -> None:
        """Whether the site's pages may load from the public internet (private: never)."""
        self._guard.allow_internet = allowed

    def blocked_requests(self) -> list[str]:
        """The requests of the shown site that were blocked, oldest first."""
        return list(self._blocked)

    @Slot(str)
    def _on_blocked(self, line: str) -> None:
        self._blocked.append(line)
        count = len(self._blocked)
        self._blocked_label.setText(f"{count} request{'s' if count > 1 else ''} blocked")
        self._blocked_label.setToolTip(
            "The site tried to reach this computer or your network outside its own server:\n"
            + "\n".join(self._blocked[-10:]))
        self._blocked_label.setVisible(True)

    def current_url(self) -> str | None:
        """The URL the panel shows or is trying to show, or None."""
        return self._url

    @Slot()
    def reload(self) -> None:
        """Load the current URL again, bypassing the cache (retried if it fails)."""
        if self._url is None:
            return
        self._retry.stop()
        self._attempt = 0
        if self._loaded:  # keep the route the user navigated to
            self._view.triggerPageAction(QWebEnginePage.WebAction.ReloadAndBypassCache)
        else:
            self._load()

    @Slot()
    def _load(self) -> None:
        if self._url is not None:
            self._loaded = False
            self._view.load(QUrl(self._url))

    @Slot(QWebEngineLoadingInfo)
    def _on_loading_changed(self, info: QWebEngineLoadingInfo) -> None:
        if self._url is None or not _same_origin(info.url(), QUrl(self._url)):
            return  # about:blank, an old server, or a link the user followed elsewhere
        status = info.status()
        failed = status == QWebEngineLoadingInfo.LoadStatus.LoadFailedStatus or (
            status == QWebEngineLoadingInfo.LoadStatus.LoadSucceededStatus and info.isErrorPage()
        )
        if failed:
            if info.errorCode() != _ERR_ABORTED:
                self._on_failed(info.errorString())
        elif status == QWebEngineLoadingInfo.LoadStatus.LoadSucceededStatus:
            self._attempt = 0
            self._loaded = True
            self._stack.setCurrentIndex(_BROWSER)

    def _on_failed(self, error: str) -> None:
        self._loaded = False
        if self._attempt < len(RETRY_DELAYS_MS):
            self._show_placeholder(f"Could not load {self._url} — retrying…")
            self._retry.start(RETRY_DELAYS_MS[self._attempt])
            self._attempt += 1
            return
        reason = f" ({error})" if error else ""
        self._show_placeholder(
            f"Could not load {self._url}{reason}. "
            "Check that the site's dev server is running, then press Reload (F5)."
        )

    @Slot()
    def _request_open(self) -> None:
        if self._url is not None:
            self.openInBrowserRequested.emit(self._url)

    # -- placeholder ----------------------------------------------------------------------

    def _show_placeholder(self, message: str) -> None:
        self._placeholder.setText(message)
        self._stack.setCurrentIndex(_PLACEHOLDER)

    def showing_placeholder(self) -> bool:
        """Whether the placeholder (not the site) is shown."""
        return self._stack.currentIndex() == _PLACEHOLDER

    def placeholder_text(self) -> str:
        """The placeholder's message."""
        return self._placeholder.text()

    # -- device size ----------------------------------------------------------------------

    @Slot(str)
    def set_device(self, name: str) -> None:
        """Show the site at a device size.

        Args:
            name: A key of :data:`DEVICES`: ``Desktop`` fills the panel; ``Tablet`` and
                ``Phone`` give the page that fixed size, centred and framed, scrollable
                when the panel is smaller.

        Raises:
            ValueError: For an unknown device name.
        """
        if name not in DEVICES:
            raise ValueError(f"unknown device {name!r}; use one of {list(DEVICES)}")
        self._device = name
        if self._device_combo.currentText() != name:
            self._device_combo.setCurrentText(name)
        self._apply_device()

    def device(self) -> str:
        """The current device name."""
        return self._device

    def _apply_device(self) -> None:
        size = DEVICES[self._device]
        if size is None:
            self._view.setMinimumSize(0, 0)
            self._view.setMaximumSize(_MAX_SIZE, _MAX_SIZE)
            self._host_layout.setContentsMargins(0, 0, 0, 0)
            self._host_layout.setAlignment(self._frame, Qt.AlignmentFlag(0))
        else:
            self._view.setFixedSize(QSize(*size))
            self._host_layout.setContentsMargins(12, 12, 12, 12)
            self._host_layout.setAlignment(self._frame, Qt.AlignmentFlag.AlignCenter)
        self._frame.setProperty("device", size is not None)
        self._frame.style().unpolish(self._frame)
        self._frame.style().polish(self._frame)

    # -- accessors ------------------------------------------------------------------------

    def web_view(self) -> QWebEngineView:
        """The embedded browser view."""
        return self._view

    def url_text(self) -> str:
        """The full URL shown in the toolbar ('' when nothing is served)."""
        return self._url_label.full_text()

    def reload_button(self) -> QToolButton:
        """The Reload button."""
        return self._reload_button

    def open_button(self) -> QToolButton:
        """The Open in browser button."""
        return self._open_button

    def device_combo(self) -> QComboBox:
        """The device size selector."""
        return self._device_combo

    def pick_controls(self) -> PickControls:
        """Pointing at an element: the toggle, what is under the pointer, the picker."""
        return self._pick


def _same_origin(a: QUrl, b: QUrl) -> bool:
    return (a.scheme(), a.host(), a.port()) == (b.scheme(), b.host(), b.port())
