"""Fixtures for GUI agent tests: small web apps on loopback, another origin, one browser."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
import pytest_asyncio
from playwright.async_api import Page

from agent_core.browser import BrowserSession
from agent_core.gui.tester import GuiTester
from tests.agent_core.gui.helpers import FEEDBACK, GUI, client
from tests.agent_core.gui.sites import SCENARIOS, PageServer
from tests.fakes.model_server import Script, ScriptedModelServer
from tests.support.agent import FAST_AGENT
from tests.support.browser import MODULE_SCOPE, module_browser

APP = """<!doctype html><html><head><title>Stock desk</title><style>
body { margin: 0; font-family: sans-serif; background: #fdf6e3; }
header { background: #004d4d; color: white; padding: 8px 20px; }
h1 { margin: 0; font-size: 24px; }
main { padding: 8px 20px; }
.row { margin: 8px 0; }
p { margin: 4px 0; min-height: 18px; }
button { background: #006d6d; color: white; border: 0; padding: 6px 12px; margin: 2px; }
#list { height: 60px; width: 200px; overflow: auto; border: 1px solid #999; margin: 0; }
</style></head><body>
<header><h1>Stock desk</h1></header>
<main>
<div class="row"><input id="code" type="text" placeholder="Stock code">
  <button id="lookup" onclick="lookup()">Look up</button></div>
<p id="result"></p>
<form id="news" class="row" onsubmit="event.preventDefault(); news()">
  <input id="q" type="search" placeholder="Search news"></form>
<p id="news-result"></p>
<form id="login" class="row" onsubmit="event.preventDefault(); login()">
  <input id="user" placeholder="Username"> <input id="pass" type="password" placeholder="Password">
  <button type="submit">Log in</button></form>
<p id="login-result"></p>
<div class="row">
  <a id="partner" href="OTHER/">Partner site</a>
  <a id="offer" href="OTHER/offer.html" target="_blank">Partner offer</a>
  <a id="details-link" href="/details.html">Details page</a>
  <button id="save" onclick="alert('Saved!')">Save</button>
  <button id="open-tab" onclick="window.open('/details.html')">Open details</button>
  <button id="delete" onclick="document.getElementById('confirmed').textContent =
    confirm('Delete?') ? 'deleted' : 'kept'">Delete</button>
  <button id="hidden-btn" style="display:none">Hidden</button>
  <button id="off" disabled>Disabled</button>
  <button id="hang" onclick="while (true) {}">Freeze</button>
</div>
<p id="confirmed"></p>
<select id="sector"><option value="">Any sector</option><option value="tech">Technology</option>
  <option value="energy">Energy</option></select>
<ul id="list" tabindex="0"><li>one</li><li>two</li><li>three</li><li>four</li><li>five</li>
  <li>six</li><li>seven</li><li>eight</li></ul>
<div style="position:relative;height:40px">
  <button id="covered" style="position:absolute;left:300px;top:5px">Covered</button>
  <div style="position:absolute;left:290px;top:0;width:200px;height:40px;background:#333"></div>
</div>
<div style="height:1500px"></div>
<button id="far">Far below</button>
</main>
<script>
function lookup() {
  const v = document.getElementById('code').value.trim();
  document.getElementById('result').innerHTML = v
    ? 'Price of ' + v + ': 42.00 <button id="watch">Add ' + v + ' to watchlist</button>'
    : 'Enter a code';
}
function news() {
  document.getElementById('news-result').textContent =
    'News about ' + document.getElementById('q').value;
}
function login() {
  document.getElementById('login-result').textContent =
    'Welcome ' + document.getElementById('user').value;
}
</script></body></html>"""

DETAILS = """<!doctype html><html><head><title>Details</title></head>
<body style="margin:0;background:#fff"><h1>Details</h1><a href="/">Back home</a></body></html>"""

PLAIN = """<!doctype html><html><head><title>Plain</title></head>
<body style="margin:0;background:#00c000"><h1>Screenshot page</h1></body></html>"""

PARTNER = """<!doctype html><html><head><title>Partner</title></head>
<body><h1>Another website</h1></body></html>"""


class Sites:
    """The site under test and a partner site on another origin (another port).

    The app serves the stock desk at ``/`` and the scenario pages of ``sites.SCENARIOS``.
    """

    def __init__(self) -> None:
        self.app = PageServer()
        self.other = PageServer()
        self.other.pages.update({"/": PARTNER, "/offer.html": PARTNER})
        other_root = self.other.url("")
        self.app.pages.update({
            "/": APP.replace("OTHER", other_root),
            "/details.html": DETAILS,
            "/plain.html": PLAIN,
            **SCENARIOS,
        })  # fmt: skip

    def close(self) -> None:
        """Stop both servers."""
        self.app.close()
        self.other.close()


@pytest.fixture(scope="module")
def sites() -> Iterator[Sites]:
    """Both loopback sites, for the whole module."""
    running = Sites()
    try:
        yield running
    finally:
        running.close()


session = pytest_asyncio.fixture(module_browser, name="session", **MODULE_SCOPE)


@pytest_asyncio.fixture(loop_scope="module")
async def page(session: BrowserSession) -> AsyncIterator[Page]:
    """A fresh tab in the session's context (closed after the test, with any tab it opened)."""
    context = session.page.context
    before = list(context.pages)
    tab = await context.new_page()
    try:
        yield tab
    finally:
        for opened in list(context.pages):
            if opened not in before:
                await opened.close()


@pytest.fixture
def server() -> Iterator[ScriptedModelServer]:
    """A scripted model server for the test (scripts are set by the test)."""
    with ScriptedModelServer() as running:
        yield running


@pytest_asyncio.fixture(loop_scope="module")
async def make_tester(
    server: ScriptedModelServer, session: BrowserSession
) -> AsyncIterator[Callable[..., GuiTester]]:
    """Builds a GuiTester on the module's browser with scripted GUI and feedback models."""
    made = []

    async def provider() -> BrowserSession:
        return session

    def build(gui_script: Script, feedback_script: Script, **options: Any) -> GuiTester:
        server.set_script(GUI, gui_script)
        server.set_script(FEEDBACK, feedback_script)
        gui, feedback = client(server, GUI), client(server, FEEDBACK, "feedback")
        made.extend([gui, feedback])
        return GuiTester(gui, feedback, provider, agent_options=FAST_AGENT, **options)

    yield build
    for model in made:
        await model.close()
