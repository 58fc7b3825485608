"""The workspace guard: every way out of the project folder is refused, nothing leaks out."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from agent_core.errors import WorkspaceViolation
from agent_core.workspace import Workspace


def tree(root: Path) -> dict[str, bytes | str]:
    """Every entry under ``root``: file bytes, ``link -> target`` or ``dir``."""
    found: dict[str, bytes | str] = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder, name)
            rel = path.relative_to(root).as_posix()
            if path.is_symlink():
                found[rel] = f"link -> {os.readlink(path)}"
            elif path.is_dir():
                found[rel] = "dir"
            else:
                found[rel] = path.read_bytes()
    return found


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "outside"
    (folder / "etc").mkdir(parents=True)
    (folder / "secret.txt").write_text("do not touch")
    (folder / "etc" / "passwd").write_text("root:x:0:0")
    return folder


@pytest.fixture
def ws(tmp_path: Path, outside: Path) -> Workspace:
    root = tmp_path / "project"
    root.mkdir()
    (root / "src").mkdir()
    (root / "package.json").write_text("{}")
    (root / "link-out").symlink_to(outside, target_is_directory=True)
    (root / "src" / "deep").symlink_to(outside / "etc", target_is_directory=True)
    (root / "evil.txt").symlink_to(outside / "secret.txt")
    (root / "dangling").symlink_to(outside / "not-yet")
    (root / "loop").symlink_to(root / "loop")
    return Workspace(root, max_file_bytes=1_000)


ESCAPES = [
    ("../../etc/passwd", "refused to write '../../etc/passwd': the path leaves the project folder"),
    ("../outside/secret.txt", "the path leaves the project folder"),
    ("src/../../outside/new.txt", "the path leaves the project folder"),
    ("..", "the path leaves the project folder"),
    ("..\\outside\\secret.txt", "the path leaves the project folder"),
    ("/etc/passwd", "absolute paths are not allowed; use a path relative to the project"),
    ("C:\\Windows\\win.ini", "absolute paths are not allowed"),
    ("c:/temp/x.js", "absolute paths are not allowed"),
    ("\\\\server\\share\\x.js", "absolute paths are not allowed"),
    ("\\rooted.js", "absolute paths are not allowed"),
    ("~/.bashrc", "'~' is not the project folder"),
    ("src/a\x00.js", "the path contains a NUL byte"),
    ("", "refused to write '': the path is empty"),
    ("   ", "the path is empty"),
    ("./", "the path names the project folder itself, not a file"),
    ("link-out/secret.txt", "a folder on the path is a symbolic link leading out of the project"),
    ("link-out/new/file.txt", "a folder on the path is a symbolic link leading out"),
    ("src/deep/passwd", "a folder on the path is a symbolic link leading out"),
    ("dangling/x.txt", "a folder on the path is a symbolic link leading out"),
    ("evil.txt", "refused to write 'evil.txt': it is a symbolic link pointing out of the project"),
    ("loop/x.txt", "the path cannot be resolved"),
    ("node_modules/react/index.js", "node_modules/ is managed by npm; declare dependencies"),
    ("src/node_modules/x.js", "node_modules/ is managed by npm"),
    ("Node_Modules/x.js", "node_modules/ is managed by npm"),
    (".git/config", ".git/ holds version-control data"),
    (".git/hooks/pre-commit", ".git/ holds version-control data"),
    (".webgen/state.json", ".webgen/ is reserved for WebGen Studio"),
]


@pytest.mark.parametrize(("rel", "message"), ESCAPES)
def test_escape_attempts_are_refused_and_nothing_changes_outside(
    ws: Workspace, outside: Path, rel: str, message: str
) -> None:
    before_outside, before_project = tree(outside), tree(ws.root)
    with pytest.raises(WorkspaceViolation) as caught:
        ws.write_file(rel, "pwned")
    assert message in str(caught.value)
    assert tree(outside) == before_outside
    assert tree(ws.root) == before_project
    assert not (outside / "not-yet").exists()


def test_oversized_content_is_refused_with_size_and_limit(ws: Workspace) -> None:
    with pytest.raises(WorkspaceViolation) as caught:
        ws.write_file("big.js", "x" * 1_500)
    assert str(caught.value) == (
        "refused to write 'big.js': 1,500 bytes is over the limit of 1,000 bytes per file"
    )
    assert not (ws.root / "big.js").exists()


@pytest.mark.parametrize(
    ("rel", "where"),
    [
        ("index.html", "index.html"),
        ("./src/App.jsx", "src/App.jsx"),
        ("src\\components\\Nav.jsx", "src/components/Nav.jsx"),
        ("src/../public/favicon.svg", "public/favicon.svg"),
        ("  src/main.jsx  ", "src/main.jsx"),
        ("a/b/c/d/e.css", "a/b/c/d/e.css"),
    ],
)
def test_relative_paths_are_written_inside(ws: Workspace, rel: str, where: str) -> None:
    assert ws.write_file(rel, "é\n") == 3
    assert (ws.root / where).read_bytes() == "é\n".encode()


def test_write_replaces_whole_file_atomically_and_keeps_its_mode(ws: Workspace) -> None:
    script = ws.root / "run.sh"
    script.write_text("old content that is longer")
    script.chmod(0o755)
    ws.write_file("run.sh", "new\r\n")
    assert script.read_bytes() == b"new\r\n"
    assert stat.S_IMODE(script.stat().st_mode) == 0o755
    assert not [p for p in ws.root.iterdir() if p.name.startswith(".webgen-tmp-")]


def test_new_files_are_readable_by_others(ws: Workspace) -> None:
    ws.write_file("src/new.js", "x")
    assert stat.S_IMODE((ws.root / "src" / "new.js").stat().st_mode) == 0o644


def test_symlink_folder_inside_the_project_is_followed(ws: Workspace) -> None:
    (ws.root / "alias").symlink_to(ws.root / "src", target_is_directory=True)
    ws.write_file("alias/c.js", "c")
    assert (ws.root / "src" / "c.js").read_text() == "c"
    assert ws.resolve("alias/c.js") == ws.root / "src" / "c.js"


def test_symlink_file_inside_the_project_is_replaced_not_followed(ws: Workspace) -> None:
    (ws.root / "target.js").write_text("target")
    (ws.root / "pointer.js").symlink_to(ws.root / "target.js")
    ws.write_file("pointer.js", "own content")
    assert not (ws.root / "pointer.js").is_symlink()
    assert (ws.root / "pointer.js").read_text() == "own content"
    assert (ws.root / "target.js").read_text() == "target"


@pytest.mark.parametrize(
    ("rel", "message"),
    [
        ("package.json/x.js", "refused to write 'package.json/x.js': 'package.json' is a file"),
        ("src", "refused to write 'src': a folder of that name exists"),
    ],
)
def test_file_and_folder_conflicts_are_explained(ws: Workspace, rel: str, message: str) -> None:
    with pytest.raises(WorkspaceViolation, match=message):
        ws.write_file(rel, "x")
    assert (ws.root / "package.json").read_text() == "{}"


def test_missing_root_is_created(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "runs" / "r1" / "workspace")
    ws.write_file("index.html", "<h1>x</h1>")
    assert (tmp_path / "runs" / "r1" / "workspace" / "index.html").is_file()


def test_command_folders_resolve_inside_only(ws: Workspace) -> None:
    (ws.root / "alias").symlink_to(ws.root / "src", target_is_directory=True)
    assert ws.resolve_dir(".") == ws.root
    assert ws.resolve_dir("src") == ws.root / "src"
    assert ws.resolve_dir("alias") == ws.root / "src"
    with pytest.raises(WorkspaceViolation, match="refused to enter 'link-out': it is a symbolic"):
        ws.resolve_dir("link-out")
    with pytest.raises(WorkspaceViolation, match=r"refused to enter '\.\./x'"):
        ws.resolve_dir("../x")
