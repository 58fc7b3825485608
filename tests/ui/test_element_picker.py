"""Pointing at elements in the preview, in real QtWebEngine, on a static page and a Vite site."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from agent_core.config import Timeouts
from agent_core.runtime.devserver import DevServer, choose_start_command
from agent_core.runtime.guard import configure_state_dir
from agent_core.runtime.installer import DependencyInstaller
from tests.support.npm import copy_site
from tests.support.pick import (
    center,
    click,
    hovering,
    js_async,
    js_now,
    outline_js,
    press_escape,
    rect_js,
)
from tests.support.qtasync import run_on_qt_loop, wait_until
from tests.support.sandbox import sandbox_for
from tests.ui.test_preview_panel import LOAD_TIMEOUT_MS, PageServer, delete_now, load
from ui.element_picker import HINT
from ui.preview_panel import PreviewPanel

pytestmark = pytest.mark.slow

BAKERY = """\
<!doctype html>
<html>
<head><title>Bakery</title>
<style>body { margin: 0; font: 16px sans-serif; } button { margin: 40px; height: 60px; }</style>
</head>
<body>
  <h1 id="title">Fresh bread</h1>
  <section>
    <p>Baked daily.</p>
    <button onclick="document.title = 'ordered'">Order bread</button>
  </section>
</body>
</html>
"""


@pytest.fixture
def bakery(tmp_path: Path) -> Iterator[str]:
    """The bakery page served over loopback HTTP; its URL."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text(BAKERY)
    server = PageServer(site).start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def panel(qtbot) -> Iterator[PreviewPanel]:
    widget = PreviewPanel()
    qtbot.addWidget(widget)
    widget.resize(1000, 700)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    delete_now(widget)


def test_hover_outlines_click_picks_without_the_page_seeing_it_and_esc_stops(
        qtbot, panel, bakery) -> None:
    load(qtbot, panel, bakery)
    view, controls = panel.web_view(), panel.pick_controls()
    button = json.loads(js_now(qtbot, view, rect_js("button")))
    assert controls.button.isEnabled() and not controls.picker.is_active()

    qtbot.mouseClick(controls.button, Qt.MouseButton.LeftButton)
    assert controls.picker.is_active() and controls.button.isChecked()
    assert controls.status.isVisible() and controls.status.text() == HINT
    qtbot.waitUntil(hovering(view, center(button),
                             lambda: controls.hover_text() == "<button> “Order bread”"),
                    timeout=5000)
    outline = json.loads(js_now(qtbot, view, outline_js()))
    assert outline == pytest.approx(button)  # drawn exactly over the hovered element

    with qtbot.waitSignal(panel.elementPicked, timeout=5000) as picked:
        click(view, center(button))
    element = picked.args[0]
    assert element["tag"] == "button" and element["text"] == "Order bread"
    assert element["html"] == '<button onclick="document.title = \'ordered\'">Order bread</button>'
    assert element["source"] == "" and element["page"] == "/"
    found = js_now(qtbot, view, f"JSON.stringify(Array.from(document.querySelectorAll("
                                f"{json.dumps(element['selector'])})).map(e => e.textContent))")
    assert json.loads(found) == ["Order bread"]  # the selector finds that element and no other
    assert view.title() == "Bakery"  # the page's own click handler did not run
    assert not controls.picker.is_active() and not controls.button.isChecked()
    assert json.loads(js_now(qtbot, view, outline_js())) is None

    qtbot.mouseClick(controls.button, Qt.MouseButton.LeftButton)
    heading = json.loads(js_now(qtbot, view, rect_js("h1")))
    qtbot.waitUntil(hovering(view, center(heading),
                             lambda: controls.hover_text() == "<h1> “Fresh bread”"),
                    timeout=5000)
    press_escape(view)
    qtbot.waitUntil(lambda: not controls.picker.is_active(), timeout=5000)
    assert not controls.status.isVisible()
    assert json.loads(js_now(qtbot, view, outline_js())) is None  # the outline went with it
    click(view, center(button))  # out of pick mode the page works as before
    qtbot.waitUntil(lambda: view.title() == "ordered", timeout=5000)

    panel.set_url(None)
    assert not controls.button.isEnabled()


@pytest.fixture(scope="module")
def vite_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The vite-react fixture site, installed from the offline cache."""
    base = tmp_path_factory.mktemp("vite-pick")
    configure_state_dir(base / "state")
    root = copy_site("vite-react", base / "site")
    installer = DependencyInstaller(root, base / "install.json", sandbox_for(root))
    result = asyncio.run(installer.install([], timeout_s=180))
    configure_state_dir(None)
    assert result.ok, result.log_tail
    yield root


def test_a_vite_react_element_is_picked_with_its_source_line(qapp, qtbot, panel,
                                                             vite_site) -> None:
    server = DevServer(vite_site, sandbox_for(vite_site), Timeouts(server_start_s=30),
                       source_tags=True)
    view, controls = panel.web_view(), panel.pick_controls()
    picked: list[dict] = []
    panel.elementPicked.connect(picked.append)

    async def scenario() -> None:
        try:
            served = await server.ensure_running(choose_start_command(vite_site, None))
            panel.set_url(served.url)
            await wait_until(lambda: not panel.showing_placeholder(), LOAD_TIMEOUT_MS / 1000,
                             "the site to load")
            heading = None
            while heading is None:  # React renders after the page has loaded
                heading = json.loads(await js_async(view, rect_js("main > h1")))
                await asyncio.sleep(0.05)
            controls.button.click()
            await wait_until(hovering(view, center(heading),
                                      lambda: controls.hover_text() == "<h1> “Stock Reports”"),
                             20, "the heading to be outlined")
            click(view, center(heading))
            await wait_until(lambda: picked, 20, "the pick")
        finally:
            await server.stop()

    run_on_qt_loop(qapp, scenario, 120)
    element = picked[0]
    assert element["tag"] == "h1" and element["text"] == "Stock Reports"
    # src/App.jsx line 2: `  return <main style=...><h1>Stock Reports</h1></main>;`
    line = (vite_site / "src/App.jsx").read_text().splitlines()[1]
    assert element["source"] == f"src/App.jsx:2:{line.index('<h1>') + 1}"
    assert element["source_is_own"] is True
    assert "data-webgen-src" not in element["html"]
    assert element["selector"] == "main > h1"
