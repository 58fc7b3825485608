"""A run that starts from a template or folder: going back to the start keeps those files."""

from __future__ import annotations

from pathlib import Path

from agent_core.agent.head import restore_step_files, roll_back_unfinished
from agent_core.agent.start import seed_run
from agent_core.store.run_store import RunStore
from agent_core.store.start import RunStart, read_start
from agent_core.workspace.guard import Workspace
from agent_core.workspace.seed import read_seed

TEMPLATE = Path(__file__).resolve().parents[3] / "resources" / "templates" / "plain-html"


def files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


async def seeded(tmp_path: Path) -> tuple[RunStore, Workspace]:
    store = RunStore.create(tmp_path / "run", "A bakery page.")
    start = await seed_run(store, read_seed(TEMPLATE), RunStart("template", "plain-html",
                                                                 "the Plain HTML template"))
    assert sorted(start.files) == ["index.html", "script.js", "style.css"]
    return store, Workspace(store.workspace)


async def test_backtracking_to_the_start_puts_the_template_back(tmp_path: Path) -> None:
    store, workspace = await seeded(tmp_path)
    (store.workspace / "style.css").unlink()
    (store.workspace / "menu.html").write_text("<ul></ul>")
    await restore_step_files(store, workspace, None)
    assert files(store.workspace) == ["index.html", "script.js", "style.css"]
    assert (store.workspace / "index.html").read_bytes() == (TEMPLATE / "index.html").read_bytes()
    assert read_start(store).title == "the Plain HTML template"  # kept with the run


async def test_an_unfinished_first_step_is_undone_to_the_template(tmp_path: Path) -> None:
    store, workspace = await seeded(tmp_path)
    (store.workspace / "index.html").write_text("<h1>half a reply")
    assert await roll_back_unfinished(store, workspace) == 1
    assert (store.workspace / "index.html").read_bytes() == (TEMPLATE / "index.html").read_bytes()


async def test_an_empty_start_still_empties_the_project(tmp_path: Path) -> None:
    store = RunStore.create(tmp_path / "run", "A bakery page.")
    (store.workspace / "index.html").write_text("<h1>half a reply")
    await roll_back_unfinished(store, Workspace(store.workspace))
    assert files(store.workspace) == []
