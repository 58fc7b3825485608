"""Source tags: the plugin's tagging (run by Node), a real Vite serving them, a build without."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from agent_core.config import Timeouts
from agent_core.protocol.element_ref import SOURCE_ATTR_PATTERN
from agent_core.runtime.devserver import DevServer
from agent_core.runtime.guard import configure_state_dir
from agent_core.runtime.installer import DependencyInstaller
from agent_core.runtime.plans import choose_start_command, launch_argv
from agent_core.runtime.vite_source_tags import FOLDER, can_tag
from agent_core.runtime.vite_source_tags_js import PLUGIN_JS
from agent_core.workspace.guard import Workspace
from tests.support.npm import copy_site
from tests.support.sandbox import sandbox_for

APP = """\
import { useState } from 'react';
const pattern = /<div>/g;
export default function App({ items }) {
  const [n, setN] = useState(0);
  const many = n > 1 && n < 10;
  return (
    <main className="shop">
      <p>Don't miss it, it's {many ? 'many' : <b>one</b>}</p>
      <Counter value={n} label={`n = ${n}`} onClick={() => setN(n + 1)} />
      {items.map((item) => <li key={item}>{item}</li>)}
      <>
        <input value={n} {...{ readOnly: true }} />
      </>
    </main>
  );
}
"""
PAGE = """\
<!doctype html>
<html><head><title>a<b</title><script>if (a < b) {}</script></head>
<body>
  <!-- <div>not an element</div> -->
  <div id="root" title="a<b"></div>
</body></html>
"""
TAGGER = """\
import { tagJsx, tagHtml } from './plugin.mjs';
import { readFileSync } from 'node:fs';
const cases = JSON.parse(readFileSync(0, 'utf8'));
const out = cases.map(([kind, text, file]) =>
  kind === 'html' ? tagHtml(text, file) : tagJsx(text, file));
process.stdout.write(JSON.stringify(out));
"""


def run_tagger(tmp_path: Path, cases: list[tuple[str, str, str]]) -> list[str | None]:
    """Tag each ``(kind, text, file)`` with the plugin's own functions, in Node."""
    (tmp_path / "plugin.mjs").write_text(PLUGIN_JS)
    (tmp_path / "tag.mjs").write_text(TAGGER)
    done = subprocess.run([shutil.which("node") or "node", "tag.mjs"], cwd=tmp_path,
                          input=json.dumps(cases), capture_output=True, text=True, timeout=30,
                          check=True)
    return json.loads(done.stdout)


def test_html_elements_are_tagged_where_they_are_written(tmp_path: Path) -> None:
    tagged, generic, page = run_tagger(tmp_path, [
        ("jsx", APP, "src/App.jsx"),
        ("jsx", "const first = <T,>(items: T[]) => items[0];\n", "src/util.tsx"),
        ("html", PAGE, "index.html"),
    ])
    assert tagged is not None
    assert '<main data-webgen-src="src/App.jsx:7:5" className="shop">' in tagged
    assert ("<p data-webgen-src=\"src/App.jsx:8:7\">Don't miss it, it's "
            "{many ? 'many' : <b data-webgen-src=\"src/App.jsx:8:47\">one</b>}</p>") in tagged
    assert '<li data-webgen-src="src/App.jsx:10:28" key={item}>' in tagged
    assert '<input data-webgen-src="src/App.jsx:12:9" value={n}' in tagged
    # Components, comparisons, regular expressions and template literals are left alone.
    assert "<Counter value={n} label={`n = ${n}`}" in tagged
    assert "const pattern = /<div>/g;" in tagged and "n > 1 && n < 10" in tagged
    assert tagged.count("data-webgen-src") == 5
    assert SOURCE_ATTR_PATTERN.sub("", tagged) == APP  # nothing else was changed
    assert generic is None  # not JSX it can follow: the module is served untouched
    assert page is not None
    assert '<body data-webgen-src="index.html:3:1">' in page
    assert '<div data-webgen-src="index.html:5:3" id="root" title="a<b">' in page
    assert "<!-- <div>not an element</div> -->" in page
    assert "<title>a<b</title><script>if (a < b) {}</script>" in page
    assert SOURCE_ATTR_PATTERN.sub("", page) == PAGE


def test_only_a_vite_dev_server_without_its_own_config_is_tagged(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text(json.dumps({"scripts": {
        "dev": "vite", "build": "vite build", "preview": "vite preview"}}))
    dev = choose_start_command(tmp_path)
    assert can_tag(dev, launch_argv(dev, 5173))
    preview = choose_start_command(tmp_path, ["npm", "run", "preview"])
    assert not can_tag(preview, launch_argv(preview, 5173))
    (tmp_path / "package.json").write_text(json.dumps({"scripts": {
        "dev": "vite --config other.config.js"}}))
    own = choose_start_command(tmp_path)
    assert not can_tag(own, launch_argv(own, 5173))
    (tmp_path / "package.json").write_text(json.dumps({"scripts": {"dev": "next dev"}}))
    assert not can_tag(choose_start_command(tmp_path), ["npm", "run", "dev"])


@pytest.fixture(scope="module")
def vite_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The vite-react fixture site, installed from the offline cache."""
    base = tmp_path_factory.mktemp("vite-tags")
    configure_state_dir(base / "state")
    root = copy_site("vite-react", base / "site")
    installer = DependencyInstaller(root, base / "install.json", sandbox_for(root))
    result = asyncio.run(installer.install([], timeout_s=180))
    configure_state_dir(None)
    assert result.ok, result.log_tail
    yield root


async def fetch(url: str) -> str:
    async with httpx.AsyncClient(trust_env=False, timeout=10) as client:
        response = await client.get(url)
        response.raise_for_status()
        return response.text


@pytest.mark.slow
async def test_vite_serves_tags_and_neither_the_project_nor_its_build_has_them(
        vite_site: Path) -> None:
    config_before = (vite_site / "vite.config.js").read_bytes()
    sandbox = sandbox_for(vite_site)
    server = DevServer(vite_site, sandbox, Timeouts(server_start_s=30), source_tags=True)
    try:
        served = await server.ensure_running(choose_start_command(vite_site, None))
        module = await fetch(served.url + "src/App.jsx")
        page = await fetch(served.url)
    finally:
        await server.stop()
    # src/App.jsx line 2: `  return <main style=...><h1>Stock Reports</h1></main>;`
    line = (vite_site / "src/App.jsx").read_text().splitlines()[1]
    assert f'"data-webgen-src": "src/App.jsx:2:{line.index("<main") + 1}"' in module
    assert f'"data-webgen-src": "src/App.jsx:2:{line.index("<h1>") + 1}"' in module
    assert 'data-webgen-src="index.html:' in page

    # The site's files are as they were: the coder, an export and a build see no tags.
    assert (vite_site / "vite.config.js").read_bytes() == config_before
    files = Workspace(vite_site).snapshot()
    assert not [p for p in files if FOLDER in p]
    assert not [p for p, data in files.items() if b"data-webgen-src" in data]
    build = await sandbox.run(("npm", "run", "build"), vite_site, 120, network=False)
    assert build.ok, build.output_tail
    built = [p for p in (vite_site / "dist").rglob("*") if p.is_file()]
    assert any(b"Stock Reports" in p.read_bytes() for p in built)  # the app is in the build
    assert not [p for p in built if b"data-webgen-src" in p.read_bytes()]
