"""The suite cannot touch the user's machine: private home, in-memory keyring, loopback only,
and no process outlives it (the guards of ``tests/conftest.py``)."""

from __future__ import annotations

import errno
import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import keyring
import keyring.backends.fail
import platformdirs
import pytest

from agent_core.browser import BrowserSession
from agent_core.errors import ConfigError
from agent_core.llm.factory import store_api_key, stored_api_key
from agent_core.runtime._procinfo import process_alive
from agent_core.runtime.guard import default_state_dir
from app import settings as app_settings
from tests.support.isolation import XDG_FOLDERS, HomeSnapshot, IsolatedTree
from tests.support.keyring_backend import MemoryKeyring, installed
from tests.support.netguard import NetworkGuardError, network_sealed
from tests.support.npm import REPO
from tests.support.procs import cmdline, descendants
from tests.support.subreaper import is_subreaper

UNROUTED = ("192.0.2.1", 9)  # TEST-NET-1: documentation only, never a real host

CHILD_REPORT = """\
import json, os, pathlib, keyring, platformdirs
print(json.dumps({
    "home": str(pathlib.Path.home()),
    "config": platformdirs.user_config_dir("webgen-studio"),
    "state": os.environ.get("WEBGEN_STATE_DIR"),
    "keyring": type(keyring.get_keyring()).__module__,
    "bus": os.environ.get("DBUS_SESSION_BUS_ADDRESS"),
}))
"""


def inside(path: str | Path, folder: Path) -> bool:
    return Path(path).resolve().is_relative_to(folder.resolve())


def test_settings_state_and_home_of_the_tests_are_in_the_private_tree(
    isolated_session: IsolatedTree,
) -> None:
    root = isolated_session.root
    assert Path.home() == isolated_session.home
    for name in XDG_FOLDERS:
        assert inside(os.environ[name], root), name
    assert inside(app_settings.config_dir(), root)
    assert inside(app_settings.state_dir(), root)
    assert inside(default_state_dir() / "pids", root)  # the process registry
    assert inside(platformdirs.user_data_dir("webgen-studio"), root)  # default runs folder
    assert (isolated_session.xdg("XDG_RUNTIME_DIR").stat().st_mode & 0o777) == 0o700


def test_a_child_process_gets_the_private_tree_and_no_keyring(
    isolated_session: IsolatedTree,
) -> None:
    done = subprocess.run([sys.executable, "-c", CHILD_REPORT], capture_output=True, text=True,
                          check=True, timeout=60)  # fmt: skip
    seen = json.loads(done.stdout)
    assert seen["home"] == str(isolated_session.home)
    assert inside(seen["config"], isolated_session.root)
    assert inside(seen["state"], isolated_session.root)
    assert seen["keyring"] == "keyring.backends.null"
    assert seen["bus"] is None


def test_keys_stored_by_the_app_go_to_an_in_memory_keyring() -> None:
    backend = keyring.get_keyring()
    assert isinstance(backend, MemoryKeyring)
    store_api_key("coder", "sk-kept-in-memory")
    try:
        assert stored_api_key("coder") == "sk-kept-in-memory"
        assert backend.entries[("webgen-studio", "coder")] == "sk-kept-in-memory"
    finally:
        store_api_key("coder", None)
    assert stored_api_key("coder") is None


def test_a_test_can_still_install_a_failing_keyring() -> None:
    with installed(keyring.backends.fail.Keyring()), pytest.raises(ConfigError) as caught:
        store_api_key("critic", "sk-nowhere")
    assert "WEBGEN_CRITIC_API_KEY" in str(caught.value)
    assert isinstance(keyring.get_keyring(), MemoryKeyring)  # back after the block


def test_connections_and_datagrams_beyond_loopback_are_refused() -> None:
    with socket.socket() as tcp, pytest.raises(NetworkGuardError):
        tcp.connect(UNROUTED)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        with pytest.raises(NetworkGuardError):
            udp.sendto(b"x", UNROUTED)
        with pytest.raises(NetworkGuardError):
            udp.sendto(b"x", 0, UNROUTED)
        with pytest.raises(NetworkGuardError):
            udp.sendmsg([b"x"], [], 0, UNROUTED)


def test_datagrams_over_loopback_still_arrive() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as receiver, \
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:  # fmt: skip
        receiver.bind(("127.0.0.1", 0))
        receiver.settimeout(10)
        sender.sendto(b"one", receiver.getsockname())
        sender.sendmsg([b"two"], [], 0, receiver.getsockname())
        assert [receiver.recv(16), receiver.recv(16)] == [b"one", b"two"]


CHILD_NETWORK = """\
import socket, sys
with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10) as own:
    own.sendall(b"hello")
try:
    socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("192.0.2.1", 9))
except OSError as error:
    print(error.errno)
else:
    print("sent")
"""


@pytest.mark.skipif(not network_sealed(), reason="needs the sealed namespace of ./studio test")
def test_a_child_process_reaches_loopback_and_nothing_else() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = str(server.getsockname()[1])
        child = subprocess.Popen([sys.executable, "-c", CHILD_NETWORK, port],
                                 stdout=subprocess.PIPE, text=True)  # fmt: skip
        server.settimeout(30)
        connection, _ = server.accept()
        with connection:
            assert connection.recv(16) == b"hello"
        out, _ = child.communicate(timeout=30)
    assert out.strip() == str(errno.ENETUNREACH)


def test_a_browser_runs_with_the_private_home(isolated_session: IsolatedTree) -> None:
    import asyncio

    async def browser_processes() -> dict[int, tuple[list[str], dict[str, str]]]:
        async with BrowserSession():
            found = [p for p in descendants() if "chrom" in cmdline(p)]
            return {pid: (arguments(pid), environment(pid)) for pid in found}

    processes = asyncio.run(browser_processes())
    # Chromium's helpers overwrite their environment block (for their process titles), so
    # the browser's own process tells: its children inherit what it has.
    (browser,) = [args for args, _env in processes.values()
                  if not any(a.startswith("--type=") for a in args) and "crashpad" not in args[0]]
    env = next(e for args, e in processes.values() if args is browser)
    assert env["HOME"] == str(isolated_session.home)
    assert env["XDG_CONFIG_HOME"] == str(isolated_session.xdg("XDG_CONFIG_HOME"))
    # Where its crash handler, when it has one, keeps reports (else ~/.config/chromium).
    databases = [a.split("=", 1)[1] for args, _env in processes.values() for a in args
                 if a.startswith("--database=")]  # fmt: skip
    assert all(inside(db, isolated_session.root) for db in databases), databases


def arguments(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return []


def environment(pid: int) -> dict[str, str]:
    try:
        raw = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return {}
    items = raw.decode(errors="replace").split("\0")
    return dict(item.split("=", 1) for item in items if "=" in item)


def test_qt_webengine_profiles_live_in_the_private_tree(qapp, isolated_session) -> None:
    from PySide6.QtWebEngineCore import QWebEngineProfile

    profile = QWebEngineProfile("isolation-check")  # a profile that does write to disk
    try:
        assert inside(profile.persistentStoragePath(), isolated_session.root)
        assert inside(profile.cachePath(), isolated_session.root)
    finally:
        del profile


def test_the_home_snapshot_names_what_was_written(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / ".config" / "app").mkdir(parents=True)
    (home / ".config" / "app" / "settings.ini").write_text("a")
    (home / "src" / "repo").mkdir(parents=True)
    (home / ".bashrc").write_text("# mine")
    before = HomeSnapshot.take(home, skip=[home / "src" / "repo"])
    os.utime(home / ".config" / "app" / "settings.ini", ns=(1, 1))
    (home / ".cache" / "dconf").mkdir(parents=True)
    (home / ".cache" / "dconf" / "user").write_text("b")
    (home / ".pki").mkdir()
    (home / "src" / "repo" / "build.log").write_text("the repository is left out")
    (home / ".bashrc").write_text("# top-level files count only when they appear or go")
    after = HomeSnapshot.take(home, skip=[home / "src" / "repo"])
    assert after.changes_since(before) == [
        "added .cache", "added .cache/dconf", "added .cache/dconf/user", "added .pki",
        "changed .config/app/settings.ini",
    ]  # fmt: skip
    assert HomeSnapshot.take(home, skip=[home / "src" / "repo"]).changes_since(after) == []


def inner_suite(tmp_path: Path, source: str, fake_home: Path) -> subprocess.CompletedProcess:
    """Run pytest with this suite's conftest on ``source``, as if ``fake_home`` were HOME."""
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "test_inner.py").write_text(source)
    env = {k: v for k, v in os.environ.items() if k not in XDG_FOLDERS}
    env.update({"HOME": str(fake_home), "INNER_REAL_HOME": str(fake_home)})
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "tests.conftest", "-q", str(suite)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=240,
        start_new_session=True,  # its own group: what it leaves is told apart from ours
    )  # fmt: skip


WRITES_HOME = """\
import os
from pathlib import Path

def test_writes_where_it_should_not():
    assert Path.home() != Path(os.environ["INNER_REAL_HOME"])  # moved, yet:
    (Path(os.environ["INNER_REAL_HOME"]) / ".config" / "leak.txt").write_text("oops")

def test_writes_in_the_moved_home():
    (Path.home() / ".config").mkdir(exist_ok=True)
    (Path.home() / ".config" / "fine.txt").write_text("ok")
"""


@pytest.mark.slow
def test_a_suite_that_writes_under_the_real_home_fails(tmp_path: Path) -> None:
    fake_home = tmp_path / "home"
    (fake_home / ".config").mkdir(parents=True)
    done = inner_suite(tmp_path, WRITES_HOME, fake_home)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "2 passed" in done.stdout
    assert f"the suite wrote under the real home {fake_home}:" in done.stdout
    assert "added .config/leak.txt" in done.stdout
    assert "fine.txt" not in done.stdout
    assert sorted(p.name for p in (fake_home / ".config").iterdir()) == ["leak.txt"]


LEAVES_ORPHANS = """\
import subprocess
import pytest

def orphan(seconds):
    # sh starts sleep in the background and exits: the sleep is orphaned at once.
    subprocess.run(["sh", "-c", f"sleep {seconds} >/dev/null 2>&1 &"], check=True)

@pytest.fixture(scope="session")
def forgotten():
    orphan(302)

def test_leaves_an_orphan():
    orphan(301)

def test_uses_the_fixture(forgotten):
    pass
"""


@pytest.mark.slow
@pytest.mark.skipif(not is_subreaper(), reason="needs PR_SET_CHILD_SUBREAPER (Linux)")
def test_orphans_fail_their_test_and_the_run_and_are_killed(tmp_path: Path) -> None:
    fake_home = tmp_path / "home"
    fake_home.mkdir()
    done = inner_suite(tmp_path, LEAVES_ORPHANS, fake_home)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "2 passed, 1 error" in done.stdout  # the guard fails the first at its teardown
    in_the_test = re.search(r"test left processes running: (\d+): sleep 301", done.stdout)
    at_the_end = re.search(r"processes were left running after the last test:\n"
                           r"\s+pid (\d+): sleep 302", done.stdout)  # fmt: skip
    assert in_the_test and at_the_end, done.stdout
    assert not process_alive(int(in_the_test[1])) and not process_alive(int(at_the_end[1]))
