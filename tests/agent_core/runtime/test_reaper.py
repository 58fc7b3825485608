"""Orphan safety: an engine killed with SIGKILL takes its dev server with it."""

from __future__ import annotations

import asyncio
import json
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent_core.runtime._procinfo import process_alive, start_time
from agent_core.runtime.guard import (
    ProcessGuard,
    python_module_argv,
    reap_orphans,
    reap_orphans_async,
)
from tests.support.procs import descendants, wait_until_gone

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[3]

ENGINE = """\
import asyncio, json, sys
from pathlib import Path
from agent_core.config import SandboxConfig, SandboxMode, Timeouts
from agent_core.runtime.devserver import DevServer, choose_start_command
from agent_core.runtime.guard import configure_state_dir, get_guard
from tests.support.sandbox import sandbox_for

async def main():
    root, state = Path(sys.argv[1]), Path(sys.argv[2])
    configure_state_dir(state)
    sandbox = sandbox_for(root, SandboxConfig(mode=SandboxMode(sys.argv[3])))
    server = DevServer(root, sandbox, Timeouts(server_start_s=20))
    result = await server.ensure_running(choose_start_command(root, None))
    info = {"url": result.url, "pgid": server.pid, "reaper": get_guard().helper_pid}
    print(json.dumps(info), flush=True)
    await asyncio.sleep(600)

asyncio.run(main())
"""

NODE_SERVER = """\
const http = require('http');
http.createServer((req, res) => res.end('ok'))
  .listen(Number(process.env.PORT), '127.0.0.1', () => console.log(`http://127.0.0.1:${process.env.PORT}/`));
"""


def start_engine(
    tmp_path: Path, sandbox: str = "bwrap"
) -> tuple[subprocess.Popen[str], dict, Path]:
    """Run the engine script serving a node site; return it, what it printed, its state dir.

    ``sandbox`` is the engine's sandbox mode: ``bwrap`` (confined) or ``off``.
    """
    site = tmp_path / "site"
    site.mkdir()
    (site / "package.json").write_text(json.dumps({"name": "s", "scripts": {"dev": "node s.js"}}))
    (site / "s.js").write_text(NODE_SERVER)
    (tmp_path / "engine.py").write_text(ENGINE)
    state = tmp_path / "engine-state"
    engine = subprocess.Popen(
        [sys.executable, str(tmp_path / "engine.py"), str(site), str(state), sandbox],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env={**os.environ, **python_module_argv("x")[1]},
    )
    ready, _, _ = select.select([engine.stdout], [], [], 30)
    line = engine.stdout.readline() if ready else ""
    if not line:
        engine.kill()
        engine.wait()
        pytest.fail("the engine script did not start its dev server")
    return engine, json.loads(line), state


@pytest.fixture
def sleeper() -> Iterator[subprocess.Popen[bytes]]:
    """A process group that stands for a dev server."""
    proc = subprocess.Popen(["sleep", "60"], start_new_session=True)
    yield proc
    proc.kill()
    proc.wait()


def test_kill_9_of_the_engine_kills_its_dev_server(tmp_path: Path) -> None:
    engine, info, state = start_engine(tmp_path)
    group = descendants(engine.pid)
    assert info["pgid"] in group and info["reaper"] in group and len(group) >= 4
    os.kill(engine.pid, signal.SIGKILL)
    engine.wait()
    assert wait_until_gone(group, timeout_s=5.0) == []  # npm, node and the reaper itself
    # The dead engine's registry is left; the next start finds nothing alive in it.
    assert (state / "pids" / f"{engine.pid}.json").exists()
    assert reap_orphans(state) == []
    assert not (state / "pids" / f"{engine.pid}.json").exists()


def test_confined_server_dies_with_the_engine_even_without_the_reaper(tmp_path: Path) -> None:
    # bubblewrap's --die-with-parent: the sandbox goes when the engine goes, reaper or not.
    engine, info, _state = start_engine(tmp_path, "bwrap")
    group = [pid for pid in descendants(engine.pid) if pid != info["reaper"]]
    assert any("node" in " ".join(cmdline_of(pid)) for pid in group)
    os.kill(info["reaper"], signal.SIGKILL)
    os.kill(engine.pid, signal.SIGKILL)
    engine.wait()
    assert wait_until_gone(group, 5.0) == []


def cmdline_of(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
    except OSError:
        return []


async def test_reap_orphans_kills_groups_when_the_reaper_died_too(tmp_path: Path) -> None:
    # Unconfined servers (no sandbox here) outlive a SIGKILLed engine and reaper: the
    # registry is what finds them at the next start.
    engine, info, state = start_engine(tmp_path, "off")
    group = [pid for pid in descendants(engine.pid) if pid != info["reaper"]]
    try:
        os.kill(info["reaper"], signal.SIGKILL)
        os.kill(engine.pid, signal.SIGKILL)
        engine.wait()
        assert wait_until_gone([info["reaper"]], 5.0) == []
        await asyncio.sleep(0.3)
        assert all(process_alive(pid) for pid in group)  # orphaned: still serving
        assert await reap_orphans_async(state) == [info["pgid"]]
        assert wait_until_gone(group, 5.0) == []
        assert list((state / "pids").glob("*.json")) == []
    finally:
        for pid in group:
            if process_alive(pid):
                os.kill(pid, signal.SIGKILL)


def write_registry(state: Path, engine_pid: int, engine_start: int | None, groups: dict) -> Path:
    path = state / "pids" / f"{engine_pid}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"pid": engine_pid, "start": engine_start, "groups": groups}
    path.write_text(json.dumps(data))
    return path


def dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def test_reap_orphans_spares_live_engines_and_reused_ids(
    tmp_path: Path, sleeper: subprocess.Popen[bytes]
) -> None:
    right = {str(sleeper.pid): {"start": start_time(sleeper.pid)}}
    wrong = {str(sleeper.pid): {"start": start_time(sleeper.pid) + 1}}
    live = write_registry(tmp_path, os.getpid(), start_time(os.getpid()), right)
    reused = write_registry(tmp_path, dead_pid(), 1, wrong)
    (tmp_path / "pids" / "999999999.json").write_text("{ broken")
    assert reap_orphans(tmp_path, grace_s=0.5) == []
    assert sleeper.poll() is None
    assert live.exists() and not reused.exists()
    assert not (tmp_path / "pids" / "999999999.json").exists()

    live.unlink()
    write_registry(tmp_path, dead_pid(), 1, right)
    assert reap_orphans(tmp_path, grace_s=0.5) == [sleeper.pid]
    assert sleeper.wait(5) == -signal.SIGTERM


def wait_for_ignored_sigint(pid: int, timeout_s: float = 5.0) -> bool:
    """Wait until ``pid`` has started up far enough to ignore SIGINT (per /proc)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        status = Path(f"/proc/{pid}/status").read_text()
        mask = int(next(x for x in status.splitlines() if x.startswith("SigIgn:")).split()[1], 16)
        if mask & (1 << (signal.SIGINT - 1)):
            return True
        time.sleep(0.02)
    return False


def test_reaper_helper_kills_registered_groups_at_eof_only(
    sleeper: subprocess.Popen[bytes],
) -> None:
    other = subprocess.Popen(["sleep", "60"], start_new_session=True)
    argv, env = python_module_argv("agent_core.runtime.reaper")
    helper = subprocess.Popen(
        argv, stdin=subprocess.PIPE, env={**os.environ, **env}, start_new_session=True
    )
    try:
        helper.stdin.write(f"add {sleeper.pid} {start_time(sleeper.pid)}\n".encode())
        helper.stdin.write(f"add {other.pid} -\nremove {other.pid}\nnonsense\n".encode())
        helper.stdin.flush()
        assert wait_for_ignored_sigint(helper.pid)
        helper.send_signal(signal.SIGINT)  # ignored
        time.sleep(0.3)
        assert helper.poll() is None and sleeper.poll() is None
        helper.stdin.close()
        assert helper.wait(5) == 0
        assert sleeper.wait(5) == -signal.SIGTERM
        assert other.poll() is None  # removed before EOF: left alone
    finally:
        other.kill()
        other.wait()
        if helper.poll() is None:
            helper.kill()
            helper.wait()


def test_registry_defaults_to_webgen_state_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WEBGEN_STATE_DIR", str(tmp_path))
    guard = ProcessGuard()
    assert guard.registry_path() == tmp_path / "pids" / f"{os.getpid()}.json"
