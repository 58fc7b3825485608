"""Dev servers that fail in the ways a generated site does, the static server, and cleanup."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
from pathlib import Path

import httpx
import pytest

from agent_core.config import Timeouts
from agent_core.errors import RuntimeFailure
from agent_core.runtime._procinfo import process_alive
from agent_core.runtime.devserver import DevServer, choose_start_command
from tests.support.procs import descendants
from tests.support.sandbox import sandbox_for

pytestmark = pytest.mark.slow

NODE_SERVER = """\
const http = require('http');
const port = Number(process.env.PORT);
http.createServer((req, res) => res.end('<h1>node ok</h1>'))
  .listen(port, process.env.HOST, () => console.log(`listening at http://${process.env.HOST}:${port}/`));
"""


def node_site(root: Path, dev: str, files: dict[str, str] | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "package.json").write_text(json.dumps({"name": "s", "scripts": {"dev": dev}}))
    for name, text in (files or {}).items():
        (root / name).write_text(text)
    return root


def static_site(root: Path, title: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "index.html").write_text(f"<!doctype html><title>{title}</title><h1>{title}</h1>")
    return root


async def fetch(url: str) -> httpx.Response:
    async with httpx.AsyncClient(trust_env=False, timeout=5) as client:
        return await client.get(url)


async def test_node_server_on_the_given_port_is_served(tmp_path: Path) -> None:
    site = node_site(tmp_path / "site", "node server.js", {"server.js": NODE_SERVER})
    server = DevServer(site, sandbox_for(site), Timeouts(server_start_s=15))
    try:
        result = await server.ensure_running(choose_start_command(site, None))
        assert result.url.startswith("http://127.0.0.1:")
        assert (await fetch(result.url)).text == "<h1>node ok</h1>"
        assert "listening at" in result.log_tail
    finally:
        await server.stop()


async def test_dev_script_that_exits_reports_code_and_output(tmp_path: Path) -> None:
    site = node_site(tmp_path / "site", "node -e \"console.error('boom'); process.exit(3)\"")
    server = DevServer(site, sandbox_for(site), Timeouts(server_start_s=15))
    with pytest.raises(RuntimeFailure) as info:
        await server.ensure_running(choose_start_command(site, None))
    failure = info.value
    assert failure.phase == "serve"
    assert "exited with code 3" in str(failure)
    assert "`npm run dev`" in str(failure)
    assert "boom" in failure.log_tail
    assert not server.alive


async def test_dev_script_that_prints_no_url_fails_in_time(tmp_path: Path) -> None:
    site = node_site(tmp_path / "site", 'node -e "setInterval(()=>{},1000)"')
    server = DevServer(site, sandbox_for(site), Timeouts(server_start_s=2))
    with pytest.raises(RuntimeFailure) as info:
        await server.ensure_running(choose_start_command(site, None))
    assert "printed no http://localhost or http://127.0.0.1 URL within 2 s" in str(info.value)
    assert "setInterval" in info.value.log_tail
    assert not server.alive


async def test_url_printed_but_never_answering_fails(tmp_path: Path) -> None:
    with socket.socket() as silent:  # bound but not listening: connections are refused
        silent.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/"
        script = f"console.log('Local: {url}'); setInterval(() => {{}}, 1000);"
        site = node_site(tmp_path / "site", "node fake.js", {"fake.js": script})
        server = DevServer(site, sandbox_for(site), Timeouts(server_start_s=1.5))
        with pytest.raises(RuntimeFailure) as info:
            await server.ensure_running(choose_start_command(site, None))
    assert f"printed {url} but it did not answer HTTP requests within 1.5 s" in str(info.value)
    assert url in info.value.log_tail


async def test_static_server_serves_edits_without_restart(tmp_path: Path) -> None:
    site = static_site(tmp_path / "site", "Plain Page")
    (site / "app.js").write_text("console.log(1)")
    server = DevServer(site, sandbox_for(site), Timeouts(server_start_s=15))
    try:
        plan = choose_start_command(site, None)
        first = await server.ensure_running(plan)
        page = await fetch(first.url)
        assert "<h1>Plain Page</h1>" in page.text
        assert page.headers["cache-control"] == "no-store"
        assert (await fetch(first.url + "app.js")).headers["content-type"] == "text/javascript"
        assert (await fetch(first.url + "missing.png")).status_code == 404
        static_site(site, "Edited Page")
        second = await server.ensure_running(plan)
        assert not second.restarted and second.url == first.url
        assert "<h1>Edited Page</h1>" in (await fetch(second.url)).text
    finally:
        await server.stop()


async def test_two_servers_at_once_get_different_ports(tmp_path: Path) -> None:
    sites = [static_site(tmp_path / name, name) for name in ("one", "two")]
    servers = [DevServer(site, sandbox_for(site), Timeouts(server_start_s=15)) for site in sites]
    try:
        results = await asyncio.gather(
            *(
                s.ensure_running(choose_start_command(site, None))
                for s, site in zip(servers, sites, strict=True)
            )
        )
        assert results[0].url != results[1].url
        assert "<h1>one</h1>" in (await fetch(results[0].url)).text
        assert "<h1>two</h1>" in (await fetch(results[1].url)).text
    finally:
        await asyncio.gather(*(s.stop() for s in servers))


async def test_stop_leaves_no_process(tmp_path: Path) -> None:
    site = node_site(tmp_path / "site", "node server.js", {"server.js": NODE_SERVER})
    server = DevServer(site, sandbox_for(site), Timeouts(server_start_s=15))
    await server.ensure_running(choose_start_command(site, None))
    running = descendants()
    assert server.pid in running and len(running) >= 3  # npm, node and the reaper helper
    await server.stop()
    await server.stop()
    assert not any(process_alive(pid) for pid in running)
    assert descendants() == []
    assert server.url is None and server.pid is None


async def test_a_server_that_died_is_restarted(tmp_path: Path) -> None:
    site = node_site(tmp_path / "site", "node server.js", {"server.js": NODE_SERVER})
    server = DevServer(site, sandbox_for(site), Timeouts(server_start_s=15))
    try:
        plan = choose_start_command(site, None)
        await server.ensure_running(plan)
        dead = server.pid
        os.killpg(dead, signal.SIGKILL)
        # The sandbox's processes die with its leader, a moment after it.
        for _ in range(100):
            if not server.alive:
                break
            await asyncio.sleep(0.05)
        result = await server.ensure_running(plan)
        assert result.restarted and server.pid != dead
        assert (await fetch(result.url)).text == "<h1>node ok</h1>"
    finally:
        await server.stop()
