"""The shipped templates: listed, complete, and (two of them, for time) installed and built.

Building every template offline would add about 30 s to the suite; vanilla (Vite alone) and
React (the stack the coder writes most) are built here. The other three are checked for a
package.json with dev and build scripts, a lockfile that matches it and an entry file that
exists; the test command's cache warm-up installs each of them from its lockfile.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from app.starts import TEMPLATE_NAMES, list_templates, resolve_start
from tests.support.npm import REPO

ROOT = REPO / "resources" / "templates"
NPM_TEMPLATES = [n for n in TEMPLATE_NAMES if n != "plain-html"]
BUILT = ["vanilla", "vite-react"]


def test_the_catalog_lists_every_template_folder() -> None:
    templates = list_templates(ROOT)
    assert [t.name for t in templates] == list(TEMPLATE_NAMES)
    assert sorted(p.name for p in ROOT.iterdir() if p.is_dir()) == sorted(TEMPLATE_NAMES)
    assert all(t.title and t.description.endswith(".") for t in templates)
    assert resolve_start("vue", ROOT).title == "the Vue (Vite) template"


@pytest.mark.parametrize("name", NPM_TEMPLATES)
def test_an_npm_template_is_complete(name: str) -> None:
    folder = ROOT / name
    package = json.loads((folder / "package.json").read_text())
    assert {"dev", "build"} <= set(package["scripts"])
    lock = json.loads((folder / "package-lock.json").read_text())
    declared = {**package.get("dependencies", {}), **package.get("devDependencies", {})}
    locked = lock["packages"][""]
    assert {**locked.get("dependencies", {}), **locked.get("devDependencies", {})} == declared
    assert all(f"node_modules/{dep}" in lock["packages"] for dep in declared)
    entry = re.search(r'<script type="module" src="/([^"]+)"', (folder / "index.html").read_text())
    assert entry is not None and (folder / entry.group(1)).is_file()


def test_the_plain_html_template_needs_no_npm() -> None:
    folder = ROOT / "plain-html"
    page = (folder / "index.html").read_text()
    assert not (folder / "package.json").exists()
    for ref in re.findall(r'(?:href|src)="([^"]+)"', page):
        assert (folder / ref).is_file(), ref


@pytest.mark.slow
@pytest.mark.parametrize("name", BUILT)
def test_a_template_installs_offline_and_builds(name: str, tmp_path: Path) -> None:
    site = tmp_path / name
    shutil.copytree(ROOT / name, site)
    for argv in (["npm", "ci", "--no-audit", "--no-fund"], ["npm", "run", "build"]):
        done = subprocess.run(argv, cwd=site, capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, done.stdout + done.stderr
    built = (site / "dist" / "index.html").read_text()
    scripts = re.findall(r'src="/(assets/[^"]+\.js)"', built)
    assert scripts and all((site / "dist" / s).is_file() for s in scripts)
    assert "Clicked" in "".join((site / "dist" / s).read_text() for s in scripts)
