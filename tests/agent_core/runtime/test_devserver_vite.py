"""A real vite dev server on the fixture site: served, hot-reloaded, restarted only when needed."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import socket
import time
from pathlib import Path

import httpx
import pytest

from agent_core.config import Timeouts
from agent_core.errors import RuntimeFailure
from agent_core.runtime._procinfo import process_alive
from agent_core.runtime.devserver import DevServer, choose_start_command
from agent_core.runtime.guard import configure_state_dir
from agent_core.runtime.installer import DependencyInstaller
from agent_core.runtime.ports import free_port
from tests.support.npm import copy_site
from tests.support.sandbox import sandbox_for

pytestmark = pytest.mark.slow
TIMEOUTS = Timeouts(server_start_s=30)


@pytest.fixture(scope="module")
def installed_vite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The vite-react fixture site, installed once for the whole module (offline npm).

    No test touches this folder: each gets its own copy from ``vite_site``.
    """
    base = tmp_path_factory.mktemp("vite")
    configure_state_dir(base / "state")
    root = copy_site("vite-react", base / "site")
    installer = DependencyInstaller(root, base / "install.json", sandbox_for(root))
    result = asyncio.run(installer.install([], timeout_s=180))
    configure_state_dir(None)
    assert result.ok, result.log_tail
    assert result.ran and result.deps_changed
    return root


@pytest.fixture
def vite_site(installed_vite: Path, tmp_path: Path) -> Path:
    """A fresh copy of the installed site, so what one test edits or builds stays in it."""
    return Path(shutil.copytree(installed_vite, tmp_path / "site", symlinks=True))


async def fetch(url: str) -> httpx.Response:
    async with httpx.AsyncClient(trust_env=False, timeout=10) as client:
        return await client.get(url)


async def served_module_contains(url: str, text: str, within_s: float = 5.0) -> bool:
    """Whether the served module shows ``text`` (vite's watcher needs a moment for an edit)."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if text in (await fetch(url)).text:
            return True
        await asyncio.sleep(0.1)
    return False


async def test_edit_reloads_without_restart_and_changes_restart(
    vite_site: Path, tmp_path: Path
) -> None:
    installer = DependencyInstaller(vite_site, tmp_path / "install.json", sandbox_for(vite_site))
    server = DevServer(vite_site, sandbox_for(vite_site), TIMEOUTS)
    try:
        plan = choose_start_command(vite_site, None)
        first = await server.ensure_running(plan)
        assert first.restarted and first.url.startswith("http://127.0.0.1:")
        assert "VITE" in first.log_tail
        assert '<div id="root">' in (await fetch(first.url)).text
        app_url = first.url + "src/App.jsx"
        assert "Stock Reports" in (await fetch(app_url)).text
        pid = server.pid

        app = vite_site / "src" / "App.jsx"
        app.write_text(app.read_text().replace("Stock Reports", "Stock Quotes"))
        second = await server.ensure_running(choose_start_command(vite_site, None))
        # Kept as it was: the same process at the same address (the time it takes is
        # measured by benchmarks/step_overhead.py, "serve").
        assert (second.restarted, second.url, server.pid) == (False, first.url, pid)
        assert await served_module_contains(app_url, "Stock Quotes")

        package = vite_site / "package.json"
        data = json.loads(package.read_text())
        data["scripts"]["dev"] = "vite --clearScreen false"
        package.write_text(json.dumps(data, indent=2))
        third = await server.ensure_running(choose_start_command(vite_site, None))
        assert third.restarted and server.pid != pid
        assert not process_alive(pid)
        assert "Stock Quotes" in (await fetch(third.url + "src/App.jsx")).text

        pid = server.pid
        data["dependencies"]["react"] = "^19"  # same packages, new package.json
        package.write_text(json.dumps(data, indent=2))
        install = await installer.install([], timeout_s=120)
        assert install.ok and install.ran and install.deps_changed, install.log_tail
        fourth = await server.ensure_running(choose_start_command(vite_site, None), True)
        assert fourth.restarted and server.pid != pid
        assert (await fetch(fourth.url)).status_code == 200
    finally:
        await server.stop()
    assert server.url is None and not server.alive


async def test_taken_port_is_retried_with_a_new_one(vite_site: Path) -> None:
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        taken = blocker.getsockname()[1]
        ports = iter([taken, free_port()])
        server = DevServer(vite_site, sandbox_for(vite_site), TIMEOUTS,
                           port_picker=lambda: next(ports))
        try:
            result = await server.ensure_running(choose_start_command(vite_site, None))
            assert f":{taken}/" not in result.url
            assert (await fetch(result.url)).status_code == 200
        finally:
            await server.stop()


async def test_port_taken_on_every_attempt_fails_with_that_message(vite_site: Path) -> None:
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        taken = blocker.getsockname()[1]
        server = DevServer(vite_site, sandbox_for(vite_site), TIMEOUTS, port_picker=lambda: taken)
        with pytest.raises(RuntimeFailure) as info:
            await server.ensure_running(choose_start_command(vite_site, None))
    assert info.value.phase == "serve"
    assert f"Port {taken} is already in use" in str(info.value)
    assert "3 attempts" in str(info.value)
    assert f"Port {taken} is already in use" in info.value.log_tail
    assert not server.alive


async def built_script(url: str) -> str:
    """The JavaScript bundle the built page at ``url`` loads."""
    page = (await fetch(url)).text
    assert "/src/main.jsx" not in page, "the page must be the built site, not the sources"
    found = re.search(r'src="(/assets/index-[^"]+\.js)"', page)
    assert found, page
    return (await fetch(url + found.group(1).lstrip("/"))).text


async def test_build_and_preview_rebuilds_on_every_call(vite_site: Path, tmp_path: Path) -> None:
    package = vite_site / "package.json"
    data = json.loads(package.read_text())
    del data["scripts"]["dev"]
    package.write_text(json.dumps(data, indent=2))
    log = tmp_path / "server.log"
    server = DevServer(vite_site, sandbox_for(vite_site), TIMEOUTS, log_file=log)
    try:
        plan = choose_start_command(vite_site, None)
        assert (plan.source, plan.pre) == ("preview", (("npm", "run", "build"),))
        first = await server.ensure_running(plan)
        assert "Stock Reports" in await built_script(first.url)
        assert "vite preview" in first.log_tail  # served by the preview server
        assert log.read_text().count("built in") == 1  # after a build that finished

        app = vite_site / "src" / "App.jsx"
        app.write_text(app.read_text().replace("Stock Reports", "Stock Quotes"))
        second = await server.ensure_running(plan)
        # No hot reload: rebuilt and restarted, so the edit shows.
        assert second.restarted and log.read_text().count("built in") == 2
        assert "Stock Quotes" in await built_script(second.url)
    finally:
        await server.stop()
