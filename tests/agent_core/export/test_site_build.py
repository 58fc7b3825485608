"""A step's Vite site taken out and built with real npm (offline, from the suite's warm cache)."""

from __future__ import annotations

import asyncio
import subprocess
import zipfile
from pathlib import Path

import pytest

from agent_core.export.site import SiteExportError, export_zip
from agent_core.export.site_build import export_build
from agent_core.store.run_store import RunStore
from tests.support.npm import SITES
from tests.support.runs import StepSpec, build_run

pytestmark = pytest.mark.slow
FIXTURE = SITES / "vite-react"


def vite_site(title: str, **changes: str) -> dict[str, str]:
    """The fixture Vite + React site (with its lockfile) showing ``title``."""
    files = {p.relative_to(FIXTURE).as_posix(): p.read_text() for p in FIXTURE.rglob("*")
             if p.is_file() and "node_modules" not in p.parts}
    files["src/App.jsx"] = files["src/App.jsx"].replace("Stock Reports", title)
    return {**files, **changes}


def bundled_text(dist: Path) -> str:
    return "".join(p.read_text() for p in (dist / "assets").glob("*.js"))


@pytest.fixture
def run_of_two_sites(tmp_path: Path) -> RunStore:
    return build_run(tmp_path / "stocks", [
        StepSpec(files=vite_site("Stock Reports")),
        StepSpec(files=vite_site("Stock Quotes", **{
            "node_modules/left-pad/index.js": "module.exports = 1;\n"}), appearance=5)])


def test_an_exported_zip_unzips_and_builds_with_npm(run_of_two_sites, tmp_path):
    archive = tmp_path / "stocks.zip"
    asyncio.run(export_zip(run_of_two_sites, archive, 2))
    with zipfile.ZipFile(archive) as opened:
        opened.extractall(tmp_path / "unzipped")
    site = tmp_path / "unzipped" / "stocks-step-2"
    assert not (site / "node_modules").exists()

    for command in (["npm", "install", "--no-audit", "--no-fund"], ["npm", "run", "build"]):
        done = subprocess.run(command, cwd=site, capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, done.stdout + done.stderr

    assert '<div id="root">' in (site / "dist" / "index.html").read_text()
    assert "Stock Quotes" in bundled_text(site / "dist")


async def test_a_static_build_is_built_in_the_sandbox_and_copied_out(run_of_two_sites,
                                                                     tmp_path):
    store = run_of_two_sites
    dest = tmp_path / "public"

    result = await export_build(store, dest, 1)

    assert (dest / "index.html").is_file()
    assert "Stock Reports" in bundled_text(dest) and "Stock Quotes" not in bundled_text(dest)
    assert result.summary() == (f"Exported a static build of step 1 to {dest} "
                                f"({result.files} files; built with `npm run build` into dist/).")
    assert "vite build" in (store.logs_dir / "export-build.log").read_text()
    # The build ran on a copy: the workspace is untouched and the copy is gone.
    assert not list((store.run_dir / ".webgen").glob("export-*"))
    assert not (store.workspace / "node_modules").exists()


async def test_a_failing_build_says_why_and_leaves_no_folder(tmp_path):
    store = build_run(tmp_path / "stocks", [StepSpec(files=vite_site(
        "Stock Reports", **{"src/main.jsx": "import App from './Missing.jsx';\n"}))])
    dest = tmp_path / "public"
    with pytest.raises(SiteExportError) as failed:
        await export_build(store, dest)
    said = str(failed.value)
    assert said.startswith("`npm run build` failed with exit code 1 for step 1; npm said: ")
    assert 'Could not resolve "./Missing.jsx" from "src/main.jsx" | file: src/main.jsx' in said
    assert ".webgen" not in said.split("; its whole output")[0]  # no stack, no copy's path
    assert not dest.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["stocks"]
    assert not list((store.run_dir / ".webgen").glob("export-*"))
