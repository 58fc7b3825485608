"""Installing dependencies only when package.json or the lockfile changed (real, offline npm)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from agent_core.runtime.installer import PLAIN_INSTALL, DependencyInstaller
from tests.support.sandbox import sandbox_for

pytestmark = pytest.mark.slow


def local_package(root: Path, name: str) -> None:
    (root / name).mkdir(parents=True)
    (root / name / "package.json").write_text(json.dumps({"name": name, "version": "1.0.0"}))
    (root / name / "index.js").write_text("module.exports = 1;\n")


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A site whose only dependency is a local folder, so offline npm installs it quickly."""
    root = tmp_path / "site"
    local_package(root, "local-dep")
    local_package(root, "other-dep")
    package = {
        "name": "site",
        "version": "1.0.0",
        "dependencies": {"local-dep": "file:./local-dep"},
    }
    (root / "package.json").write_text(json.dumps(package, indent=2))
    return root


@pytest.fixture
def installer(site: Path, tmp_path: Path) -> DependencyInstaller:
    return DependencyInstaller(site, tmp_path / "state" / "install.json", sandbox_for(site))


async def test_fresh_site_installs_once_then_skips(installer: DependencyInstaller) -> None:
    assert installer.needs_install()
    first = await installer.install([], timeout_s=60)
    assert (first.ran, first.ok, first.deps_changed) == (True, True, True)
    assert first.command == "npm install --no-audit --no-fund --ignore-scripts"
    assert (installer.root / "node_modules" / "local-dep").exists()
    assert (installer.root / "package-lock.json").exists()
    assert not installer.needs_install()  # hashed after npm rewrote the lockfile
    second = await installer.install([], timeout_s=60)
    assert (second.ran, second.ok, second.deps_changed) == (False, True, False)
    # No npm was started (what the check costs: benchmarks/step_overhead.py, "install").
    assert (second.command, second.log_tail) == ("", "")
    assert second.message == "Dependencies are up to date."


async def test_changes_that_need_a_new_install(installer: DependencyInstaller) -> None:
    assert (await installer.install([], timeout_s=60)).ok
    package = installer.root / "package.json"
    lock = installer.root / "package-lock.json"

    package.write_text(package.read_text().replace('"1.0.0"', '"1.0.1"', 1))
    assert installer.needs_install()
    assert (await installer.install([], timeout_s=60)).deps_changed
    assert not installer.needs_install()

    lock.write_text(lock.read_text() + "\n")
    assert installer.needs_install()
    assert (await installer.install([], timeout_s=60)).ok
    assert not installer.needs_install()


async def test_missing_node_modules_needs_install(installer: DependencyInstaller) -> None:
    assert (await installer.install([], timeout_s=60)).ok
    shutil.rmtree(installer.root / "node_modules")
    assert installer.needs_install()
    result = await installer.install([], timeout_s=60)
    assert result.deps_changed and (installer.root / "node_modules" / "local-dep").exists()


async def test_model_install_command_replaces_the_plain_install(
    installer: DependencyInstaller,
) -> None:
    result = await installer.install([["npm", "install", "./other-dep"]], timeout_s=60)
    assert result.ok and result.deps_changed
    assert result.command == "npm install ./other-dep --no-audit --no-fund --ignore-scripts"
    assert "other-dep" in json.loads((installer.root / "package.json").read_text())["dependencies"]
    assert (installer.root / "node_modules" / "local-dep").exists()
    assert not installer.needs_install()


def test_plan_adds_a_plain_install_only_when_needed(installer: DependencyInstaller) -> None:
    # With the allow-list on (the default), npm runs no script itself: see test_install_scripts.
    plain = [*PLAIN_INSTALL, "--ignore-scripts"]
    assert installer.plan([]) == [plain]
    assert installer.plan([["npm", "i", "-D", "x"]]) == [["npm", "i", "-D", "x", *plain[2:]]]
    assert installer.plan([["npm", "install", "-g", "x"]])[0] == plain


async def test_failed_install_keeps_npm_error_and_records_nothing(
    installer: DependencyInstaller,
) -> None:
    assert (await installer.install([], timeout_s=60)).ok
    result = await installer.install([["npm", "install", "left-pad-bogus-xyz"]], timeout_s=60)
    assert (result.ran, result.ok, result.deps_changed) == (True, False, False)
    assert "ENOTCACHED" in result.log_tail
    assert "left-pad-bogus-xyz" in result.log_tail
    command = "npm install left-pad-bogus-xyz --no-audit --no-fund --ignore-scripts"
    assert f"`{command}` failed with exit code 1" in (
        result.message
    )
    assert str(installer.root) in result.message
    assert installer.recorded_fingerprint() is None
    assert installer.needs_install()  # the next step installs again


async def test_install_timeout_is_a_failure_result(installer: DependencyInstaller) -> None:
    result = await installer.install([], timeout_s=0.05)
    assert result.ran and not result.ok
    assert "did not finish within 0.05 s" in result.message
    assert installer.needs_install()


async def test_no_package_json_needs_nothing(tmp_path: Path) -> None:
    installer = DependencyInstaller(tmp_path, tmp_path / "install.json", sandbox_for(tmp_path))
    assert not installer.needs_install()
    result = await installer.install([], timeout_s=10)
    assert (result.ran, result.ok) == (False, True)
