"""The preview's request guard: the site's pages reach their own server, never this machine's
other services or the local network (the rule of :mod:`agent_core.browser.network_policy`)."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWebEngineCore import QWebEngineUrlRequestInfo, QWebEngineUrlRequestInterceptor

from agent_core.browser.network_policy import blocked_reason


class SiteRequestGuard(QWebEngineUrlRequestInterceptor):
    """Blocks the preview's requests that the site policy refuses, and says so.

    Signals:
        blocked(str): ``"blocked URL (reason)"`` for each refused request.
    """

    blocked = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.site_url: str | None = None
        self.allow_internet = True

    def interceptRequest(self, info: QWebEngineUrlRequestInfo) -> None:
        """Qt's hook, called for every request of the preview's pages."""
        url = info.requestUrl().toString()
        reason = blocked_reason(url, self.site_url, allow_internet=self.allow_internet)
        if reason is not None:
            info.block(True)
            self.blocked.emit(f"blocked {url[:300]} ({reason})")
