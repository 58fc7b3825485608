"""The example run that ships in ``resources/example-run`` (built by packaging/make_example_run.py).

It is opened on a copy, as the app does: the shipped folder is never written.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from agent_core.store.records import StepKind
from agent_core.store.run_index import summarise_run
from agent_core.store.run_store import RunStore
from app.resources import example_run_source

SOURCE = example_run_source()
WARM_CACHE_PACKAGES = {"react", "react-dom", "vite", "@vitejs/plugin-react"}
"""What tests/fixtures/sites/vite-react uses, and so what the offline npm cache holds."""
MACHINE_DETAILS = re.compile(
    r"(?:^|[\s\"'=(:,])/(?:tmp|home|root|Users|work|var|private|opt|mnt|srv)/"
    r"|[A-Za-z]:\\\\|127\.0\.0\.1:\d+|localhost:(?!5173\b)\d+"
)


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> RunStore:
    """A read-only look at a copy of the shipped example."""
    copy = tmp_path_factory.mktemp("example") / "example-run"
    shutil.copytree(SOURCE, copy)
    return RunStore.open(copy)


def text_files(folder: Path) -> list[tuple[Path, str]]:
    found = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        try:
            found.append((path, path.read_text(encoding="utf-8")))
        except UnicodeDecodeError:
            continue  # screenshots
    return found


def test_the_example_is_a_finished_run_with_graded_steps_and_screenshots(example):
    steps = example.steps()
    assert len(steps) >= 3
    assert all(step.appearance_grade is not None for step in steps)
    assert any(step.kind is StepKind.GUI_TEST and step.gui_grade is not None for step in steps)
    shots = [example.screenshot_path(s.index) for s in steps if s.screenshot]
    assert len(shots) >= 2 and all(p.is_file() and p.stat().st_size > 1000 for p in shots)
    gui = next(s for s in steps if s.kind is StepKind.GUI_TEST).gui
    assert gui.turns and all((example.run_dir / turn.screenshot).is_file() for turn in gui.turns)
    manifest = example.manifest
    assert str(manifest.status) == "finished"
    assert manifest.best_step in {s.index for s in steps}
    assert example.files_of(manifest.best_step)  # the best step's files are all there


def test_the_example_says_it_was_made_with_scripted_models(example):
    info = example.manifest.config["example"]
    assert info["made_by"].startswith("WebGen Studio ")
    assert info["models"].startswith("scripted (no language model)")
    assert info["source"] == "packaging/make_example_run.py"
    assert {m["base_url"] for m in example.manifest.models.values()} == {"scripted://example"}
    summary = summarise_run(example.run_dir)
    assert summary.example and not summary.imported
    assert summary.models["coder"] == "scripted-coder"


def test_the_example_holds_no_machine_details_and_stays_small():
    assert not any((SOURCE / name).exists() for name in ("node_modules", ".webgen", ".lock"))
    assert not list(SOURCE.rglob("node_modules"))
    home = str(Path.home())
    for path, text in text_files(SOURCE):
        found = MACHINE_DETAILS.search(text)
        assert found is None, f"{path.relative_to(SOURCE)} names {found.group(0)!r}"
        assert home in ("/", "") or home not in text, path
    unreadable = [p for p in SOURCE.rglob("*") if p.stat().st_mode & 0o044 != 0o044]
    assert unreadable == []  # an install shared by several users must let each read it
    size = sum(p.stat().st_size for p in SOURCE.rglob("*") if p.is_file())
    assert size < 5 * 1024 * 1024


def test_the_example_site_only_needs_packages_of_the_warm_npm_cache(example):
    package = json.loads((example.workspace / "package.json").read_text())
    needed = set(package.get("dependencies", {})) | set(package.get("devDependencies", {}))
    assert needed <= WARM_CACHE_PACKAGES
    assert (example.workspace / "package-lock.json").is_file()
