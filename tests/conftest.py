"""Suite-wide guards: a private home, no connection beyond loopback, no process left behind.

Before collection the suite moves HOME, the XDG folders and ``WEBGEN_STATE_DIR`` into a
temporary tree (:mod:`tests.support.isolation`), refuses connections beyond loopback
(:mod:`tests.support.netguard`) and adopts its descendants' orphans
(:mod:`tests.support.subreaper`). After the last test, the run fails if anything was written
under the real home or if any process is left.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support.isolation import (
    HomeSnapshot,
    IsolatedTree,
    default_skips,
    enter_isolated_tree,
    real_home,
)
from tests.support.keyring_backend import MemoryKeyring, installed
from tests.support.netguard import install_guard, network_sealed
from tests.support.npm import REPO, offline_npm_env
from tests.support.procs import (
    cmdline,
    descendants,
    new_processes,
    started_processes,
    wait_until_gone,
)
from tests.support.subreaper import become_subreaper, note_grandchildren, reap_adopted_zombies

# The pipx test (marker `pipx`) downloads about 700 MB from PyPI: it runs only when asked
# (see pytest_collection_modifyitems). Read before the WEBGEN_* variables are cleared.
PACKAGING_TESTS = os.environ.get("WEBGEN_PACKAGING_TESTS") == "1"
BUNDLE_DIR = os.environ.get("WEBGEN_BUNDLE_DIR", "")  # reuse a built bundle in those tests

os.environ.update(offline_npm_env())  # absolute paths into the repository: HOME may move
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Keep model settings of the developer's shell out of the tests.
# (The ollama client would also send OLLAMA_API_KEY by itself.)
for _name in list(os.environ):
    if _name.startswith("WEBGEN_") or _name in (
        "OLLAMA_API_KEY", "OPENAI_API_KEY", "OLLAMA_HOST", "OPENAI_BASE_URL"
    ):
        del os.environ[_name]

install_guard()


@dataclass
class _Suite:
    """What the suite-wide checks carry from ``pytest_configure`` to the end of the run."""

    tree: IsolatedTree | None = None
    home_before: HomeSnapshot | None = None
    subreaper: bool = False
    problems: list[str] = field(default_factory=list)


SUITE = _Suite()


def pytest_configure(config: pytest.Config) -> None:
    """Before collection: note the real home, then move into the private tree."""
    try:
        cache: Path | None = config.rootpath / config.getini("cache_dir")
    except ValueError:  # the cache plugin is off (-p no:cacheprovider)
        cache = None
    SUITE.home_before = HomeSnapshot.take(real_home(), default_skips(REPO, cache))
    SUITE.tree = enter_isolated_tree(Path(tempfile.mkdtemp(prefix="webgen-tests-")))
    SUITE.subreaper = become_subreaper()


def pytest_report_header(config: pytest.Config) -> list[str]:
    """Say where the suite lives and which guards apply on this machine."""
    network = (
        "own namespace, loopback only (child processes too)"
        if network_sealed()
        else "in-process guard only; child processes are not covered (./studio test seals them)"
    )
    orphans = (
        "adopted by the test process (child subreaper)"
        if SUITE.subreaper
        else "not adopted here (no PR_SET_CHILD_SUBREAPER): orphans of children escape the checks"
    )
    return [
        f"isolation: HOME, XDG folders and state under {SUITE.tree and SUITE.tree.root}; "
        "keyring in memory",
        f"network: {network}",
        f"orphans: {orphans}",
    ]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip tests marked ``pipx`` unless WEBGEN_PACKAGING_TESTS=1."""
    if PACKAGING_TESTS:
        return
    skip = pytest.mark.skip(reason="set WEBGEN_PACKAGING_TESTS=1 (./studio package) to run")
    for item in items:
        if item.get_closest_marker("pipx") is not None:
            item.add_marker(skip)


@pytest.fixture(scope="session", autouse=True)
def isolated_session() -> Iterator[IsolatedTree]:
    """The private tree of this run, and an in-memory keyring for the test process.

    Tests that need another keyring (a failing one, one with keys) install theirs with
    ``tests.support.keyring_backend.installed``; this one comes back afterwards.
    """
    assert SUITE.tree is not None, "pytest_configure moves the suite into its tree first"
    with installed(MemoryKeyring()):
        yield SUITE.tree


@pytest.fixture(autouse=True)
def no_leaked_processes(request: pytest.FixtureRequest):
    """Fail a test that leaves child processes (dev servers, npm, browsers) running."""
    note_grandchildren()
    before = set(descendants())
    yield
    note_grandchildren()
    leaked = new_processes(before)
    leaked = wait_until_gone(leaked, timeout_s=5.0)
    reap_adopted_zombies()
    if leaked:
        described = "; ".join(f"{p}: {cmdline(p)[:120]}" for p in leaked)
        for pid in leaked:
            try:
                os.kill(pid, 9)
            except ProcessLookupError:
                pass
        pytest.fail(f"test left processes running: {described}")


def _processes_left() -> list[str]:
    """Processes of the suite still running after the last test (then killed)."""
    reap_adopted_zombies()
    left = wait_until_gone(started_processes(), timeout_s=5.0)
    described = [f"pid {pid}: {cmdline(pid)[:200] or '?'}" for pid in left]
    for pid in left:
        try:
            os.kill(pid, 9)
        except ProcessLookupError:
            pass
    return described


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """After the last test: fail the run on writes under the real home or processes left."""
    before, tree = SUITE.home_before, SUITE.tree
    if before is None or tree is None:
        return
    written = HomeSnapshot.take(before.home, before.skipped).changes_since(before)
    if written:
        SUITE.problems.append(f"the suite wrote under the real home {before.home}:")
        SUITE.problems += [f"  {change}" for change in written[:40]]
    left = _processes_left()
    if left:
        SUITE.problems.append("processes were left running after the last test:")
        SUITE.problems += [f"  {line}" for line in left]
    if SUITE.problems and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    shutil.rmtree(tree.root, ignore_errors=True)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print why the run failed after the tests, if it did."""
    if SUITE.problems:
        terminalreporter.section("suite isolation: the run fails", sep="=", red=True)
        for line in SUITE.problems:
            terminalreporter.line(line, red=True)
