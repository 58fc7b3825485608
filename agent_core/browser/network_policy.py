"""What the site's pages may request: their own server, the public internet, nothing private.

Model-written JavaScript runs in the screenshot and GUI-test pages and in the app's preview.
From there it could call Ollama on ``127.0.0.1:11434``, the app's own servers, or a router on
the local network. Requests to loopback and private addresses other than the site's own
server are blocked; the public internet (CDN fonts and images) is allowed unless turned off.

Pure functions: the Playwright pages (:mod:`agent_core.browser.session`) and the Qt preview
use the same rule. Host names are judged as written; a public name that resolves to a private
address is not caught here (see docs/security.md).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

__all__ = ["SitePolicy", "blocked_reason"]

_LOCAL_SCHEMES = {"data", "blob", "about", "javascript"}
_WEB_SCHEMES = {"http", "https", "ws", "wss"}
_DEFAULT_PORTS = {"http": 80, "ws": 80, "https": 443, "wss": 443}
_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}
_SITE_ALIASES = {"localhost", "127.0.0.1", "::1"}


def _origin(url: str) -> tuple[str, int] | None:
    parts = urlsplit(url)
    if parts.scheme not in _WEB_SCHEMES or not parts.hostname:
        return None
    try:
        port = parts.port or _DEFAULT_PORTS[parts.scheme]
    except ValueError:
        return None
    return _canonical_host(parts.hostname), port


def _canonical_host(host: str) -> str:
    """``localhost``, ``127.0.0.1`` and ``::1`` name the same server; other names stay."""
    host = host.lower().rstrip(".")
    return "loopback" if host in _SITE_ALIASES else host


def _private(host: str) -> bool:
    """Whether ``host`` (as written in a URL) is this machine or a private network."""
    host = host.lower().rstrip(".")
    if host in _LOOPBACK_NAMES or host.endswith((".localhost", ".local", ".internal", ".lan")):
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (address.is_private or address.is_loopback or address.is_link_local
            or address.is_unspecified or address.is_multicast or address.is_reserved)


def blocked_reason(url: str, site_url: str | None, *, allow_internet: bool = True) -> str | None:
    """Why a page of the site at ``site_url`` may not request ``url`` (None: it may).

    Args:
        url: The request's URL.
        site_url: The site's own address (its dev server); None blocks every local address.
        allow_internet: Whether public addresses are allowed.

    Returns:
        A short reason, e.g. ``"a loopback or private address other than the site"``.
    """
    parts = urlsplit(url)
    if parts.scheme in _LOCAL_SCHEMES or parts.scheme not in _WEB_SCHEMES:
        return None  # data:, blob: and the like never leave the page
    target = _origin(url)
    if target is None:
        return "a malformed address"
    if site_url is not None and target == _origin(site_url):
        return None  # the site's own server, whatever the scheme (ws for hot reload)
    if _private(parts.hostname or ""):
        return "a loopback or private address other than the site"
    if not allow_internet:
        return "the public internet (turned off in the settings)"
    return None


@dataclass
class SitePolicy:
    """The rule for one browser: the site it shows now, and a log of what was blocked.

    Attributes:
        site_url: The site's address, set before each navigation to it (or taken from the
            first request, see :meth:`check`).
        allow_internet: Whether public addresses are allowed.
        blocked: ``"reason: url"`` lines since :meth:`drain` was last called.
    """

    site_url: str | None = None
    allow_internet: bool = True
    blocked: list[str] | None = None

    def check(self, url: str, *, log: bool = True) -> str | None:
        """The reason ``url`` is blocked, or None; ``log`` records a block in :attr:`blocked`.

        Before any site is set, the first web address asked for becomes the site: a fresh
        browser's first request is the engine's own navigation, never the page's.
        """
        if self.site_url is None and _origin(url) is not None:
            self.site_url = url
        reason = blocked_reason(url, self.site_url, allow_internet=self.allow_internet)
        if reason is not None and log:
            if self.blocked is None:
                self.blocked = []
            if len(self.blocked) < 200:
                self.blocked.append(f"blocked {url[:300]} ({reason})")
        return reason

    def drain(self) -> list[str]:
        """The blocks logged since the last call."""
        blocked, self.blocked = self.blocked or [], []
        return blocked
