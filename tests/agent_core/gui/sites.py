"""Small web apps for GUI agent tests and the GUI benchmark, served on loopback.

``PageServer`` answers fixed HTML pages by path; a path registered with ``hold()`` sends its
headers and the start of the page, then holds the response open (the page never finishes
loading) until the server closes. The pages below are the scenarios the GUI agent is tested
on (a counter, a form with validation, three linked pages, a modal, a button far below) and
pages that are hard to mark.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

COUNTER = """<!doctype html><html><head><title>Counter</title><style>
body { margin: 0; font-family: sans-serif; padding: 20px; }
button { font-size: 18px; padding: 6px 14px; margin: 4px; }
</style></head><body>
<h1>Counter</h1><p>Count: <span id="count">0</span></p>
<button id="inc" onclick="add(1)">Increment</button>
<button id="dec" onclick="add(-1)">Decrement</button>
<button id="reset" onclick="add(-count)">Reset</button>
<script>
let count = 0;
function add(step) { count += step; document.getElementById('count').textContent = count; }
</script></body></html>"""

SIGNUP = """<!doctype html><html><head><title>Sign up</title><style>
body { margin: 0; font-family: sans-serif; padding: 20px; }
label, input, button { display: block; margin: 6px 0; }
#error { color: #b00020; }
</style></head><body>
<h1>Newsletter</h1>
<form id="signup" action="/welcome.html" method="get" novalidate>
  <label for="name">Name</label><input id="name" name="name" placeholder="Your name">
  <label for="email">Email</label>
  <input id="email" name="email" type="email" placeholder="Email address">
  <button type="submit">Sign up</button>
</form>
<p id="error" role="alert"></p>
<script>
document.getElementById('signup').addEventListener('submit', (event) => {
  const name = document.getElementById('name').value.trim();
  const email = document.getElementById('email').value.trim();
  const problems = [];
  if (!name) problems.push('Name is required');
  if (!/^[^@\\s]+@[^@\\s]+\\.[a-z]+$/i.test(email)) problems.push('Enter a valid email');
  if (problems.length) {
    event.preventDefault();
    document.getElementById('error').textContent = problems.join('. ') + '.';
  }
});
</script></body></html>"""

WELCOME = """<!doctype html><html><head><title>Welcome</title></head>
<body style="margin:0;padding:20px;font-family:sans-serif">
<h1 id="success">You are signed up!</h1><p id="who"></p>
<script>
const q = new URLSearchParams(location.search);
document.getElementById('who').textContent =
  'Welcome, ' + q.get('name') + ' (' + q.get('email') + ')';
</script></body></html>"""

_NAV_PAGE = """<!doctype html><html><head><title>{title} - Bakery</title><style>
body {{ margin: 0; font-family: sans-serif; }}
nav {{ background: #5a3e1b; padding: 10px 20px; }}
nav a {{ color: white; margin-right: 16px; }}
main {{ padding: 20px; }}
</style></head><body>
<nav><a href="/nav/index.html">Home</a><a href="/nav/menu.html">Menu</a>
<a href="/nav/contact.html">Contact</a></nav>
<main><h1>{title}</h1><p>{text}</p></main></body></html>"""
NAV_PAGES = {
    "/nav/index.html": _NAV_PAGE.format(title="Home", text="Fresh bread every morning."),
    "/nav/menu.html": _NAV_PAGE.format(title="Menu", text="Sourdough, rye and croissants."),
    "/nav/contact.html": _NAV_PAGE.format(title="Contact", text="Call us on 555 0100."),
}

MODAL = """<!doctype html><html><head><title>Profile</title><style>
body { margin: 0; font-family: sans-serif; padding: 20px; }
#backdrop { display: none; position: fixed; inset: 0; background: rgba(0, 0, 0, 0.5); }
#backdrop.open { display: block; }
#dialog { background: white; width: 320px; margin: 120px auto; padding: 16px; }
#close { float: right; }
</style></head><body>
<h1>Profile</h1><p>Display name: <span id="shown">(none)</span></p>
<button id="edit" onclick="openModal()">Edit profile</button>
<div id="backdrop"><div id="dialog" role="dialog" aria-label="Edit profile">
  <button id="close" aria-label="Close" onclick="closeModal()">&times;</button>
  <h2>Edit profile</h2>
  <form onsubmit="event.preventDefault(); save()">
    <input id="display" placeholder="Display name"> <input id="city" placeholder="City">
    <button type="submit">Save</button>
  </form>
</div></div>
<script>
function openModal() { document.getElementById('backdrop').classList.add('open'); }
function closeModal() { document.getElementById('backdrop').classList.remove('open'); }
function save() {
  document.getElementById('shown').textContent = document.getElementById('display').value;
  closeModal();
}
</script></body></html>"""

FAR_BUTTON = """<!doctype html><html><head><title>Long read</title></head>
<body style="margin:0;padding:20px;font-family:sans-serif">
<h1>Long read</h1><a href="#top">Top</a>
<div style="height:1800px;background:linear-gradient(#fff,#ccd)"></div>
<button id="subscribe" onclick="this.textContent = 'Subscribed'">Subscribe</button>
<div style="height:200px"></div></body></html>"""

TRICKY = """<!doctype html><html><head><title>Tricky</title><style>
body { margin: 0; padding: 10px; font-family: sans-serif; }
button, input { margin: 2px; }
#box { height: 100px; width: 240px; overflow: auto; border: 0; margin: 8px 0; }
#box button { display: block; height: 40px; margin: 0; }
.stack { position: relative; height: 50px; }
.stack > * { position: absolute; top: 0; height: 40px; width: 150px; }
</style></head><body>
<div><button>Shown</button>
<button style="display:none">Display none</button>
<button hidden>Hidden attribute</button>
<button style="visibility:hidden">Visibility hidden</button>
<button style="opacity:0">Opacity zero</button>
<span style="opacity:0"><button>Inside transparent</button></span>
<span style="visibility:hidden"><a href="#x">Inside invisible</a></span>
<button style="width:0;height:0;padding:0;border:0;overflow:hidden">Zero size</button>
<button style="pointer-events:none">No pointer</button>
<span inert><button>Inert</button></span>
<details><summary>More</summary><button>In closed details</button></details>
<button aria-hidden="true">Aria hidden</button></div>
<div><button disabled>Disabled</button>
<fieldset disabled style="display:inline"><input placeholder="In disabled fieldset"></fieldset>
<span role="button" aria-disabled="true" tabindex="0">Aria disabled</span></div>
<div id="box">
  <button>Row 1</button><button>Row 2</button><button>Row 3</button><button>Row 4</button>
  <button>Row 5</button><button>Row 6</button><button>Row 7</button><button>Row 8</button>
</div>
<div class="stack"><button style="left:0">Underneath</button>
  <button style="left:0">On top</button>
  <button style="left:200px">Half covered</button>
  <div style="left:300px;background:#333"></div></div>
</body></html>"""
"""Elements hidden in every way, disabled ones, a scrolled list and overlapping buttons."""

LONG = """<!doctype html><html><head><title>Long page</title><style>
body { margin: 0; font-family: sans-serif; }
section { height: 300px; padding: 10px; box-sizing: border-box; border-bottom: 1px solid #ccc; }
.filler { display: none; }
</style></head><body><main id="main"></main>
<script>
const main = document.getElementById('main');
for (let i = 0; i < 60; i++) {
  const section = document.createElement('section');
  const button = document.createElement('button');
  button.textContent = 'Go ' + i;
  section.append(button);
  const filler = document.createElement('div');
  filler.className = 'filler';
  for (let j = 0; j < 400; j++) filler.append(document.createElement('span'));
  section.append(filler);
  main.append(section);
}
</script></body></html>"""
"""60 sections of 300 px, a button "Go N" at the top of each, and 24,000 hidden elements."""

SCENARIOS = {
    "/counter.html": COUNTER,
    "/signup.html": SIGNUP,
    "/welcome.html": WELCOME,
    **NAV_PAGES,
    "/modal.html": MODAL,
    "/far.html": FAR_BUTTON,
    "/tricky.html": TRICKY,
    "/long.html": LONG,
}
"""The scenario pages by path."""


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # the browser hanging up early is expected


class PageServer:
    """A threaded HTTP server on 127.0.0.1 answering fixed HTML pages by path.

    Attributes:
        pages: Path -> HTML (the query string is ignored when looking a page up).
        requested: Every requested path with its query string, in order.
    """

    def __init__(self, pages: dict[str, str] | None = None) -> None:
        self.pages: dict[str, str] = dict(pages or {})
        self.requested: list[str] = []
        self._held: dict[str, str] = {}
        self._release = threading.Event()
        self._server = _QuietServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.requested.append(self.path)
                path = self.path.split("?")[0]
                if path in owner._held:
                    self._hold(owner._held[path])
                    return
                body = owner.pages.get(path)
                data = (body if body is not None else "not found").encode()
                self._head(200 if body is not None else 404, len(data))
                self.wfile.write(data)

            def _head(self, status: int, length: int) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(length))
                self.end_headers()

            def _hold(self, start: str) -> None:
                data = start.encode()
                self._head(200, len(data) + 100_000)  # promises more than it ever sends
                self.wfile.write(data)
                self.wfile.flush()
                owner._release.wait()
                self.close_connection = True

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler

    def hold(self, path: str, start: str) -> None:
        """Answer ``path`` with ``start`` and then keep the response open until ``close()``."""
        self._held[path] = start

    def url(self, path: str = "/") -> str:
        """The full URL of ``path``."""
        return f"http://127.0.0.1:{self._server.server_address[1]}{path}"

    def close(self) -> None:
        """Stop serving and let go of held responses."""
        self._release.set()
        self._server.shutdown()
        self._server.server_close()
