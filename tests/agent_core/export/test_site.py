"""A step's site taken out of real run folders: as a zip, and as a git repository."""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

import pytest

from agent_core.export.site import ExportTargetError, SiteExportError, export_zip
from agent_core.export.site_build import export_build
from agent_core.export.site_git import export_git
from agent_core.store.evidence import CriticReview
from agent_core.store.evidence_gui import GuiTest, GuiTestSummary
from agent_core.store.records import StepKind
from agent_core.store.run_store import RunStore
from tests.support.runs import StepSpec, build_run

SITE = {"package.json": '{"name": "bakery"}\n', "index.html": "<h1>Bakery</h1>\n",
        "src/App.jsx": "export default () => <p>bread</p>;\n"}
APP_AND_NPM = {"node_modules/react/index.js": "module.exports = {};\n",
               "src/node_modules/x.js": "nested\n", ".webgen/install-state.json": "{}\n",
               ".webgen-tmp-123": "half written\n", "dist/index.html": "built\n",
               ".git/HEAD": "ref: refs/heads/main\n"}


def site(step: int, **more: str) -> dict[str, str]:
    return {**SITE, "src/App.jsx": f"export default () => <p>bread {step}</p>;\n", **more}


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          text=True).stdout


def backtracked_run(run_dir: Path) -> RunStore:
    """1 -> 2 (error) -> 3 (error); backtracked to 1: 4 -> 5 (best, GUI-tested) -> 6."""
    gui = GuiTest(answer="The order form accepts an order.",
                  summary=GuiTestSummary(test_passed=True, grade=5,
                                         improvement_suggestions=("Label the quantity field",)))
    return build_run(run_dir, [
        StepSpec(files=site(1)),
        StepSpec(files=site(2), appearance=1, errors=["the page is blank"]),
        StepSpec(files=site(3), appearance=1, errors=["vite failed: missing import"]),
        StepSpec(files=site(4), parent=1, extra={"backtracked_from": 3}),
        StepSpec(kind=StepKind.GUI_TEST, appearance=5, gui=5, parent=4, extra={
            "gui": gui, "critic": CriticReview(grade_analysis="Warm colours, clear menu.")}),
        StepSpec(files=site(6), parent=5, extra={"request": "Add an opening-hours page"}),
    ], instruction="Build a bakery site with an order form", best=5)


async def test_a_zip_holds_the_steps_sources_in_one_folder_without_npm_and_app_files(tmp_path):
    store = build_run(tmp_path / "bakery", [
        StepSpec(files=site(1)), StepSpec(files=site(2, **APP_AND_NPM), appearance=5),
        StepSpec(files=site(3), appearance=2)], best=2)
    dest = tmp_path / "out" / "bakery.zip"

    result = await export_zip(store, dest)  # no step named: the run's best one

    with zipfile.ZipFile(dest) as archive:
        names = sorted(archive.namelist())
        assert names == ["bakery-step-2/index.html", "bakery-step-2/package.json",
                         "bakery-step-2/src/App.jsx"]
        assert archive.read("bakery-step-2/src/App.jsx").decode() == site(2)["src/App.jsx"]
    assert (result.step, result.files) == (2, 3)
    assert result.summary() == f"Exported the sources of step 2 to {dest} (3 files)."

    await export_zip(store, tmp_path / "three.zip", 3)
    with zipfile.ZipFile(tmp_path / "three.zip") as archive:
        assert "bread 3" in archive.read("bakery-step-3/src/App.jsx").decode()


async def test_a_zip_never_replaces_a_file_unless_asked_and_a_failed_write_leaves_nothing(
        tmp_path):
    store = build_run(tmp_path / "bakery", [StepSpec(files=site(1))])
    mine = tmp_path / "mine.zip"
    mine.write_bytes(b"the user's own archive")

    with pytest.raises(ExportTargetError, match="already exists; choose another name"):
        await export_zip(store, mine)
    assert mine.read_bytes() == b"the user's own archive"
    with pytest.raises(ExportTargetError, match=r"has no step 4 \(its steps: 1\)"):
        await export_zip(store, tmp_path / "new.zip", 4)
    with pytest.raises(ExportTargetError, match="is a folder"):
        await export_zip(store, tmp_path)

    blocker = tmp_path / "notes.txt"  # a file where the zip's folder would have to be
    blocker.write_text("keep me")
    with pytest.raises(SiteExportError, match=r"could not write the zip .*nothing was left"):
        await export_zip(store, blocker / "site.zip")
    assert blocker.read_text() == "keep me"

    await export_zip(store, mine, overwrite=True)
    assert zipfile.ZipFile(mine).namelist()[0].startswith("bakery-step-1/")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bakery", "mine.zip", "notes.txt"]


async def test_the_git_export_has_a_commit_per_step_and_backtracked_lines_as_branches(tmp_path):
    store = backtracked_run(tmp_path / "bakery")
    repo = tmp_path / "bakery-git"

    result = await export_git(store, repo)  # the best step, 5

    assert result.summary() == (f"Exported a git repository ending at step 5 to {repo} (3 files; "
                                "3 commits on main, 6 in all, 2 other branches).")
    assert git(repo, "branch", "--format=%(refname:short)").split() == ["main", "step-3",
                                                                         "step-6"]
    assert git(repo, "symbolic-ref", "--short", "HEAD").strip() == "main"
    assert git(repo, "log", "--format=%s", "main").splitlines() == [
        "Step 5 (GUI test): Build a bakery site with an order form",
        "Step 4 (edit): Build a bakery site with an order form",
        "Step 1 (edit): Build a bakery site with an order form"]
    # The abandoned line leaves main after step 1; the later step goes on from step 5.
    assert git(repo, "log", "--format=%s", "main..step-3").splitlines() == [
        "Step 3 (edit): Build a bakery site with an order form",
        "Step 2 (edit): Build a bakery site with an order form"]
    assert git(repo, "log", "--format=%s", "main..step-6").splitlines() == [
        "Step 6 (edit): Add an opening-hours page"]
    assert git(repo, "merge-base", "main", "step-3") == git(repo, "rev-parse", "main~2")

    step5 = git(repo, "log", "-1", "--format=%B", "main")
    assert "Request: Build a bakery site with an order form" in step5
    assert "Appearance: 5/5. Warm colours, clear menu." in step5
    assert ("GUI test: 5/5, passed. To improve: Label the quantity field The tester said: "
            "The order form accepts an order.") in step5
    step3 = git(repo, "log", "-1", "--format=%B", "step-3")
    assert "Appearance: 1/5." in step3 and "Errors: vite failed: missing import" in step3
    assert "The run backtracked here from step 3." in git(repo, "log", "-1", "--format=%B",
                                                          "main~1")
    assert git(repo, "log", "-1", "--format=%ct", "main").strip() == "1700000112"

    # The working tree is step 5's site, clean, and every commit holds only site files.
    assert "bread 4" in (repo / "src" / "App.jsx").read_text()
    assert git(repo, "status", "--porcelain") == ""
    assert git(repo, "ls-tree", "-r", "--name-only", "step-6").split() == [
        "index.html", "package.json", "src/App.jsx"]


async def test_the_git_export_keeps_out_npm_and_app_files_and_refuses_a_folder_in_use(
        tmp_path):
    store = build_run(tmp_path / "bakery", [StepSpec(files=site(1, **APP_AND_NPM))])
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "notes.txt").write_text("keep me")

    with pytest.raises(ExportTargetError, match="is not empty; name a new or empty folder"):
        await export_git(store, taken)
    assert [p.name for p in taken.iterdir()] == ["notes.txt"]

    empty = tmp_path / "empty"
    empty.mkdir()
    await export_git(store, empty, 1)
    assert git(empty, "ls-tree", "-r", "--name-only", "HEAD").split() == [
        "index.html", "package.json", "src/App.jsx"]
    assert not (empty / "node_modules").exists() and not (empty / ".webgen").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bakery", "empty", "taken"]


async def test_a_static_build_of_plain_files_copies_them_and_a_site_without_build_script_says_so(
        tmp_path):
    plain = {"index.html": "<h1>Bakery</h1>\n", "css/site.css": "h1 { color: brown }\n"}
    store = build_run(tmp_path / "bakery", [
        StepSpec(files={**plain, **APP_AND_NPM}),
        StepSpec(files={**plain, "package.json": '{"scripts": {"dev": "vite"}}'})])

    result = await export_build(store, tmp_path / "public", 1)

    copied = sorted(p.relative_to(tmp_path / "public").as_posix()
                    for p in (tmp_path / "public").rglob("*") if p.is_file())
    assert copied == ["css/site.css", "index.html"]
    assert result.detail == "no package.json: its files are a static site as they are"
    with pytest.raises(SiteExportError, match=r'its package\.json has no "build" script; '
                       r"export its sources as a zip instead"):
        await export_build(store, tmp_path / "public-2", 2)
    assert not (tmp_path / "public-2").exists()
