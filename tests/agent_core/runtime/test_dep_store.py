"""Warm starts: a dependency set installed before is hard-linked, not installed again."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import httpx
import pytest

from agent_core.config import Timeouts
from agent_core.runtime.dep_store import DependencyStore, dependency_key
from agent_core.runtime.devserver import DevServer, choose_start_command
from agent_core.runtime.installer import DependencyInstaller
from tests.support.npm import REPO
from tests.support.sandbox import sandbox_for

VANILLA = REPO / "resources" / "templates" / "vanilla"


def template_copy(dest: Path) -> Path:
    shutil.copytree(VANILLA, dest)
    return dest


def installer(site: Path, store: DependencyStore) -> DependencyInstaller:
    return DependencyInstaller(site, site.parent / f"{site.name}-install.json",
                               sandbox_for(site), store=store)


def inode(path: Path) -> int:
    return path.stat().st_ino


@pytest.mark.slow
async def test_a_second_workspace_gets_linked_dependencies_and_serves(tmp_path: Path) -> None:
    store = DependencyStore(tmp_path / "deps")
    first = template_copy(tmp_path / "first")
    cold = await installer(first, store).install([["npm", "install"]], timeout_s=120)
    assert cold.ok and cold.linked_from == "" and cold.command.startswith("npm install")

    second = template_copy(tmp_path / "second")
    warm = await installer(second, store).install([["npm", "install"]], timeout_s=120)
    assert warm.ok and warm.deps_changed, warm.message
    assert warm.linked_from == dependency_key(second)
    assert "link node_modules from the dependency store" in warm.command
    vite = Path("node_modules/vite/package.json")
    assert inode(second / vite) == inode(first / vite)  # the same file, not a copy
    hidden = Path("node_modules/.package-lock.json")  # npm rewrites it in place: a copy
    assert inode(second / hidden) != inode(first / hidden)
    assert not installer(second, store).needs_install()

    server = DevServer(second, sandbox_for(second), Timeouts(server_start_s=30))
    try:
        served = await server.ensure_running(choose_start_command(second, None))
        async with httpx.AsyncClient(trust_env=False, timeout=10) as client:
            page = await client.get(served.url)
            script = await client.get(served.url + "src/main.js")
        assert page.status_code == 200 and "<h1>New site</h1>" in page.text
        assert script.status_code == 200 and "Clicked" in script.text
    finally:
        await server.stop()


def fake_tree(site: Path, deps: dict[str, str], **package: object) -> Path:
    """A site with package.json and a small node_modules, as if npm had installed it."""
    (site / "node_modules" / "pkg" / "lib").mkdir(parents=True)
    (site / "node_modules" / "pkg" / "lib" / "index.js").write_text("module.exports = 1;\n")
    (site / "node_modules" / ".bin").mkdir()
    (site / "node_modules" / ".bin" / "pkg").symlink_to("../pkg/lib/index.js")
    (site / "package.json").write_text(json.dumps({"name": site.name, "dependencies": deps,
                                                   **package}))
    return site


async def test_a_tree_linked_at_the_start_is_only_recorded_until_npm_changes_it(
        tmp_path: Path) -> None:
    store = DependencyStore(tmp_path / "deps")
    template = fake_tree(tmp_path / "template", {"pkg": "^1.0.0"})
    key = dependency_key(template)
    assert key is not None and store.save_from(template, key)
    site = tmp_path / "site"  # a run started from the template: linked while seeding
    site.mkdir()
    shutil.copy(template / "package.json", site / "package.json")
    assert store.link_into(site, key) is not None

    first = await installer(site, store).install([["npm", "install"]], timeout_s=60)
    assert first.ok and first.linked_from == key and first.command.startswith("none:")
    assert not installer(site, store).needs_install()

    package = json.loads((site / "package.json").read_text())
    package["dependencies"]["left-pad-not-in-the-cache"] = "1.0.0"
    (site / "package.json").write_text(json.dumps(package))
    after = await installer(site, store).install([], timeout_s=60)
    assert after.linked_from == ""  # npm ran (and, offline, failed: the package is unknown)
    assert store.linked_key(site) is None  # the tree no longer claims to be the stored set


def test_the_key_follows_the_dependency_set_not_the_project(tmp_path: Path) -> None:
    a = fake_tree(tmp_path / "a", {"pkg": "^1.0.0"})
    b = fake_tree(tmp_path / "b", {"pkg": "^1.0.0"}, version="2.0.0")
    c = fake_tree(tmp_path / "c", {"pkg": "^2.0.0"})
    own_script = fake_tree(tmp_path / "d", {"pkg": "^1.0.0"}, scripts={"postinstall": "x"})
    assert dependency_key(a) == dependency_key(b) != dependency_key(c)
    assert dependency_key(own_script) is None  # npm must run the project's own script
    (b / "package-lock.json").write_text(json.dumps({"packages": {"node_modules/pkg": {
        "version": "1.0.3"}}}))
    assert dependency_key(b) != dependency_key(a)


def test_links_and_folders_come_across_and_caches_stay_behind(tmp_path: Path) -> None:
    store = DependencyStore(tmp_path / "deps")
    site = fake_tree(tmp_path / "a", {"pkg": "^1.0.0"})
    (site / "node_modules" / ".vite" / "deps").mkdir(parents=True)
    (site / "node_modules" / ".vite" / "deps" / "_metadata.json").write_text("{}")
    assert store.save_from(site, "k")
    target = tmp_path / "b"
    target.mkdir()
    linked = store.link_into(target, "k")
    assert linked is not None and linked.files == 1
    assert (target / "node_modules" / ".bin" / "pkg").resolve() == (
        target / "node_modules" / "pkg" / "lib" / "index.js")
    assert not (target / "node_modules" / ".vite").exists()
    assert store.link_into(target, "k") is None  # node_modules is there already


def test_a_stored_file_changed_in_place_is_never_linked_again(tmp_path: Path) -> None:
    store = DependencyStore(tmp_path / "deps")
    site = fake_tree(tmp_path / "a", {"pkg": "^1.0.0"})
    assert store.save_from(site, "k")
    with (site / "node_modules" / "pkg" / "lib" / "index.js").open("a") as handle:
        handle.write("// changed in place: the stored copy is the same file\n")
    target = tmp_path / "b"
    target.mkdir()
    assert store.link_into(target, "k") is None  # the installer runs npm instead
    assert store.entry("k") is None and not (target / "node_modules").exists()
    assert list(target.iterdir()) == []  # no half-linked folder is left


def test_a_tree_linking_outside_itself_is_not_kept(tmp_path: Path) -> None:
    store = DependencyStore(tmp_path / "deps")
    site = fake_tree(tmp_path / "a", {"local": "file:../local"})
    (tmp_path / "local").mkdir()
    (site / "node_modules" / "local").symlink_to("../../local")
    assert not store.save_from(site, "k")
    assert store.entry("k") is None and not list((tmp_path / "deps").iterdir())


def test_only_the_most_recently_used_sets_are_kept(tmp_path: Path) -> None:
    store = DependencyStore(tmp_path / "deps", keep=2)
    site = fake_tree(tmp_path / "a", {"pkg": "^1.0.0"})
    for key in ("one", "two"):
        assert store.save_from(site, key)
    target = tmp_path / "b"
    target.mkdir()
    assert store.link_into(target, "one") is not None  # "one" is used again: "two" is older
    assert store.save_from(site, "three")
    assert [k for k in ("one", "two", "three") if store.entry(k)] == ["one", "three"]
