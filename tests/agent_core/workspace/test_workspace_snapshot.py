"""Snapshots and restores: going back to a step gives exactly that step's project files."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent_core.errors import WorkspaceViolation
from agent_core.workspace import Workspace


def put(root: Path, rel: str, data: str | bytes = "x") -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    root = tmp_path / "project"
    for rel in ("package.json", "index.html", "src/App.jsx", "src/main.jsx", "src/build/x.js"):
        put(root, rel, f"content of {rel}")
    for rel in (
        "node_modules/react/index.js",
        "src/node_modules/x.js",
        ".git/HEAD",
        "dist/index.html",
        "build/out.js",
        ".vite/deps.json",
        ".cache/c",
        ".webgen/state.json",
    ):
        put(root, rel, "tool data")
    return Workspace(root, max_file_bytes=1_000)


def test_snapshot_holds_project_files_only(ws: Workspace, tmp_path: Path) -> None:
    put(ws.root, "huge.bin", b"\0" * 1_001)
    put(tmp_path, "outside.txt", "outside")
    (ws.root / "link.txt").symlink_to(tmp_path / "outside.txt")
    (ws.root / "linkdir").symlink_to(tmp_path, target_is_directory=True)

    snap = ws.snapshot()

    assert list(snap) == [
        "index.html",
        "package.json",
        "src/App.jsx",
        "src/build/x.js",  # only top-level build/ is generated output
        "src/main.jsx",
    ]
    assert snap["src/App.jsx"] == b"content of src/App.jsx"


def test_restore_round_trip(ws: Workspace, tmp_path: Path) -> None:
    snap = ws.snapshot()
    put(tmp_path, "outside.txt", "outside")
    put(ws.root, "src/App.jsx", "edited")
    put(ws.root, "src/pages/Home.jsx", "new page")
    put(ws.root, "src/pages/deep/er/x.css", "new")
    (ws.root / "index.html").unlink()
    (ws.root / "empty-dir").mkdir()
    (ws.root / "src" / "alias.txt").symlink_to(tmp_path / "outside.txt")
    put(ws.root, "node_modules/new-pkg/index.js", "installed since")

    ws.restore(snap)

    assert ws.snapshot() == snap
    assert not (ws.root / "src" / "pages").exists()
    assert not (ws.root / "empty-dir").exists()
    assert not (ws.root / "src" / "alias.txt").is_symlink()
    assert (tmp_path / "outside.txt").read_text() == "outside"
    # Tool folders are left as they are, including what changed in them.
    assert (ws.root / "node_modules" / "new-pkg" / "index.js").read_text() == "installed since"
    for rel in (".git/HEAD", "dist/index.html", ".vite/deps.json", ".webgen/state.json"):
        assert (ws.root / rel).read_text() == "tool data"


def test_restore_leaves_unchanged_files_alone(ws: Workspace) -> None:
    snap = ws.snapshot()
    before = (ws.root / "src" / "main.jsx").stat()
    put(ws.root, "src/App.jsx", "edited")
    ws.restore(snap)
    after = (ws.root / "src" / "main.jsx").stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert (ws.root / "src" / "App.jsx").read_text() == "content of src/App.jsx"


def test_restore_swaps_files_and_folders(ws: Workspace) -> None:
    put(ws.root, "docs", "a file")
    snap = ws.snapshot()
    (ws.root / "docs").unlink()
    put(ws.root, "docs/readme.md", "now a folder")
    ws.restore(snap)
    assert (ws.root / "docs").read_text() == "a file"
    folder_snap = {k: v for k, v in snap.items() if k != "docs"} | {"docs/readme.md": b"md"}
    ws.restore(folder_snap)
    assert (ws.root / "docs" / "readme.md").read_text() == "md"
    assert ws.snapshot() == folder_snap


def test_restore_refuses_paths_that_leave_the_project(ws: Workspace, tmp_path: Path) -> None:
    with pytest.raises(WorkspaceViolation, match="the path leaves the project folder"):
        ws.restore({"../escaped.txt": b"x"})
    assert not (tmp_path / "escaped.txt").exists()
    assert (ws.root / "src" / "App.jsx").exists()  # refused before anything was deleted


def test_clear_keeps_dependencies_unless_asked(ws: Workspace) -> None:
    ws.clear()
    assert ws.snapshot() == {}
    assert (ws.root / "node_modules" / "react" / "index.js").exists()
    assert (ws.root / "src" / "node_modules" / "x.js").exists()
    assert sorted(p.name for p in (ws.root / "src").iterdir()) == ["node_modules"]

    ws.clear(keep_dependencies=False)
    assert sorted(p.name for p in ws.root.iterdir()) == [".git", ".webgen"]


def test_a_snapshot_holds_the_300_project_files_and_none_of_3000_dependencies(
    tmp_path: Path,
) -> None:
    root = tmp_path / "project"
    sources = [f"src/dir{i % 15}/file{i}.jsx" for i in range(300)]
    for rel in sources:
        put(root, rel, "export const x = 1;\n" * 50)
    for i in range(3_000):
        put(root, f"node_modules/pkg{i % 100}/lib/f{i}.js", "module.exports = 1;")
    snap = Workspace(root).snapshot()  # its time: benchmarks/store_scans.py
    assert list(snap) == sorted(sources)
    assert snap["src/dir0/file0.jsx"] == b"export const x = 1;\n" * 50
