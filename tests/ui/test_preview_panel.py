"""The preview panel against real pages served over loopback HTTP, in real QtWebEngine."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QSize, Qt
from PySide6.QtWidgets import QLabel

from tests.support.net import free_port
from ui.preview_panel import DEFAULT_MESSAGE, DEVICES, PreviewPanel

pytestmark = pytest.mark.slow

LOAD_TIMEOUT_MS = 15_000


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


class PageServer:
    """A static HTTP server on 127.0.0.1 in a thread, serving one directory."""

    def __init__(self, root: Path, port: int = 0) -> None:
        self.root = root
        self.port = port
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self) -> PageServer:
        handler = functools.partial(_QuietHandler, directory=str(self.root))
        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), handler)
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None


def write_site(root: Path, title: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "index.html").write_text(
        f"<!doctype html><html><head><title>{title}</title></head>"
        f"<body><h1>{title}</h1></body></html>"
    )
    return root


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[list[PageServer]]:
    """Servers a test starts; all are shut down at the end, whatever happened."""
    started: list[PageServer] = []
    try:
        yield started
    finally:
        for server in started:
            server.stop()


def serve(servers: list[PageServer], root: Path, port: int = 0) -> PageServer:
    server = PageServer(root, port).start()
    servers.append(server)
    return server


@pytest.fixture
def panel(qtbot) -> Iterator[PreviewPanel]:
    widget = PreviewPanel()
    qtbot.addWidget(widget)
    widget.resize(1000, 760)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    delete_now(widget)


def delete_now(widget: PreviewPanel) -> None:
    """Delete a panel now: QtWebEngine pages must be gone before the application is."""
    widget.close()
    widget.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def load(qtbot, panel: PreviewPanel, url: str) -> None:
    with qtbot.waitSignal(panel.web_view().loadFinished, timeout=LOAD_TIMEOUT_MS) as blocker:
        panel.set_url(url)
    assert blocker.args == [True]


def test_placeholder_for_nothing_served_and_custom_message(panel) -> None:
    assert panel.showing_placeholder()
    assert panel.placeholder_text() == DEFAULT_MESSAGE
    assert panel.current_url() is None
    assert not panel.reload_button().isEnabled() and not panel.open_button().isEnabled()
    panel.set_url(None, "The dev server stopped.")
    assert panel.showing_placeholder()
    assert panel.placeholder_text() == "The dev server stopped."


def test_loads_a_served_page_in_a_private_profile(qtbot, panel, servers, tmp_path) -> None:
    server = serve(servers, write_site(tmp_path / "site", "Bakery preview"))
    load(qtbot, panel, server.url)
    qtbot.waitUntil(lambda: panel.web_view().title() == "Bakery preview", timeout=5000)
    assert not panel.showing_placeholder()
    assert panel.current_url() == server.url
    assert panel.url_text() == server.url
    assert panel.reload_button().isEnabled() and panel.open_button().isEnabled()
    assert panel.web_view().page().profile().isOffTheRecord()

    panel.set_url(None, "The dev server stopped.")
    assert panel.showing_placeholder()
    assert panel.placeholder_text() == "The dev server stopped."
    assert panel.url_text() == ""


def test_same_url_is_not_reloaded_and_a_new_port_is(qtbot, panel, servers, tmp_path) -> None:
    first = serve(servers, write_site(tmp_path / "a", "First server"))
    second = serve(servers, write_site(tmp_path / "b", "Restarted server"))
    starts: list[bool] = []
    panel.web_view().loadStarted.connect(lambda: starts.append(True))
    load(qtbot, panel, first.url)
    assert len(starts) == 1

    panel.set_url(first.url)
    qtbot.wait(300)
    assert len(starts) == 1  # no flicker
    assert panel.web_view().title() == "First server"

    load(qtbot, panel, second.url)
    qtbot.waitUntil(lambda: panel.web_view().title() == "Restarted server", timeout=5000)
    assert panel.current_url() == second.url
    assert len(starts) == 2


def test_reload_shows_the_new_page(qtbot, panel, servers, tmp_path) -> None:
    root = write_site(tmp_path / "site", "Before")
    server = serve(servers, root)
    load(qtbot, panel, server.url)
    write_site(root, "After")
    with qtbot.waitSignal(panel.web_view().loadFinished, timeout=LOAD_TIMEOUT_MS):
        qtbot.mouseClick(panel.reload_button(), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.web_view().title() == "After", timeout=5000)
    assert "F5" in panel.reload_button().toolTip()


def test_shortcuts_reload(qtbot, panel, servers, tmp_path) -> None:
    server = serve(servers, write_site(tmp_path / "site", "Keys"))
    load(qtbot, panel, server.url)
    panel.activateWindow()
    qtbot.waitActive(panel)
    for key, modifier in ((Qt.Key.Key_F5, Qt.KeyboardModifier.NoModifier),):
        with qtbot.waitSignal(panel.web_view().loadFinished, timeout=LOAD_TIMEOUT_MS):
            qtbot.keyClick(panel.device_combo(), key, modifier)


def test_device_sizes(qtbot, panel, servers, tmp_path) -> None:
    server = serve(servers, write_site(tmp_path / "site", "Sizes"))
    load(qtbot, panel, server.url)
    view = panel.web_view()
    panel.set_device("Phone")
    assert panel.device() == "Phone"
    assert panel.device_combo().currentText() == "Phone"
    qtbot.waitUntil(lambda: view.size() == QSize(390, 844), timeout=2000)

    panel.device_combo().setCurrentText("Tablet")  # as the user picks it
    assert panel.device() == "Tablet"
    qtbot.waitUntil(lambda: view.size() == QSize(*DEVICES["Tablet"]), timeout=2000)

    panel.set_device("Desktop")  # fills the panel below the toolbar
    qtbot.waitUntil(lambda: view.width() > 950 and view.height() > 650, timeout=2000)
    with pytest.raises(ValueError, match="unknown device 'Watch'"):
        panel.set_device("Watch")


def test_open_in_browser_asks_the_app(qtbot, panel, servers, tmp_path) -> None:
    server = serve(servers, write_site(tmp_path / "site", "Open me"))
    panel.set_url(server.url)
    with qtbot.waitSignal(panel.openInBrowserRequested, timeout=1000) as blocker:
        qtbot.mouseClick(panel.open_button(), Qt.MouseButton.LeftButton)
    assert blocker.args == [server.url]


def test_a_server_that_is_still_starting_appears_by_itself(qtbot, panel, servers, tmp_path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    panel.set_url(url)
    qtbot.waitUntil(
        lambda: panel.placeholder_text() == f"Could not load {url} — retrying…",
        timeout=LOAD_TIMEOUT_MS,
    )
    assert panel.showing_placeholder()

    serve(servers, write_site(tmp_path / "site", "Finally up"), port)
    qtbot.waitUntil(lambda: not panel.showing_placeholder(), timeout=LOAD_TIMEOUT_MS)
    qtbot.waitUntil(lambda: panel.web_view().title() == "Finally up", timeout=5000)


def test_gives_up_after_the_retries_with_a_way_forward(qtbot, panel, monkeypatch) -> None:
    monkeypatch.setattr("ui.preview_panel.RETRY_DELAYS_MS", (50, 50))
    url = f"http://127.0.0.1:{free_port()}/"
    panel.set_url(url)
    qtbot.waitUntil(
        lambda: "press Reload (F5)" in panel.placeholder_text(), timeout=LOAD_TIMEOUT_MS
    )
    assert panel.placeholder_text().startswith(f"Could not load {url} (")
    assert "Check that the site's dev server is running" in panel.placeholder_text()
    assert panel.reload_button().isEnabled()


def test_closing_the_panel_releases_the_profile_cleanly(
    qtbot, qtlog, capfd, servers, tmp_path
) -> None:
    server = serve(servers, write_site(tmp_path / "site", "Bye"))
    widget = PreviewPanel()
    widget.show()
    with qtbot.waitSignal(widget.web_view().loadFinished, timeout=LOAD_TIMEOUT_MS):
        widget.set_url(server.url)
    with qtbot.waitSignal(widget.destroyed, timeout=5000):
        widget.close()
        widget.deleteLater()
    qtbot.wait(200)
    messages = [record.message for record in qtlog.records]
    messages += capfd.readouterr().err.splitlines()
    assert not [m for m in messages if "Release of profile requested" in m], messages


class _CountingHandler(_QuietHandler):
    hits: list[str] = []  # noqa: RUF012 - reset by the test

    def do_GET(self) -> None:
        type(self).hits.append(self.path)
        super().do_GET()


def test_the_site_cannot_reach_other_local_services_from_the_preview(
    qtbot, panel, servers, tmp_path
) -> None:
    # A second server on loopback stands for Ollama or the app's own servers.
    _CountingHandler.hits = []
    other = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(
        _CountingHandler, directory=str(write_site(tmp_path / "other", "Other"))))
    threading.Thread(target=other.serve_forever, daemon=True).start()
    target = f"http://127.0.0.1:{other.server_address[1]}"
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text(
        "<!doctype html><title>Own site</title><h1 id=h>own</h1><script>"
        f"fetch('{target}/api/tags').then(() => document.title = 'reached', "
        "() => document.title = 'refused');"
        f"new Image().src = '{target}/pixel.png';</script>")
    (site / "style.css").write_text("h1 { color: teal; }")
    try:
        load(qtbot, panel, serve(servers, site).url)
        qtbot.waitUntil(lambda: panel.web_view().title() == "refused", timeout=5000)
        qtbot.waitUntil(lambda: len(panel.blocked_requests()) == 2, timeout=5000)
    finally:
        other.shutdown()
        other.server_close()
    assert _CountingHandler.hits == []
    assert any(f"{target}/api/tags" in line for line in panel.blocked_requests())
    label = panel.findChild(QLabel, "previewBlocked")
    assert label.isVisible() and label.text() == "2 requests blocked"
    assert f"{target}/pixel.png" in label.toolTip()

    panel.set_url(None)  # another site starts with a clean slate
    assert panel.blocked_requests() == [] and not label.isVisible()


def test_the_preview_can_be_kept_off_the_internet(qtbot, panel, servers, tmp_path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text(
        "<!doctype html><title>Fonts</title>"
        "<link rel=stylesheet href='https://fonts.example.com/css?family=Inter'>")
    panel.set_internet_allowed(False)
    load(qtbot, panel, serve(servers, site).url)
    qtbot.waitUntil(lambda: len(panel.blocked_requests()) == 1, timeout=5000)
    assert "turned off in the settings" in panel.blocked_requests()[0]
