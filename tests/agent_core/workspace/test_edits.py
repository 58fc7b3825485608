"""Search/replace edits on real files in a workspace."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent_core.errors import WorkspaceViolation
from agent_core.workspace.edits import apply_edit, edit_file
from agent_core.workspace.guard import Workspace

APP = "import React from 'react';\n\nexport default function App() {\n  return <h1>Old</h1>;\n}\n"


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    ws = Workspace(tmp_path)
    ws.write_file("src/App.jsx", APP)
    return ws


def test_a_unique_block_is_replaced(workspace: Workspace) -> None:
    size = edit_file(workspace, "src/App.jsx", "  return <h1>Old</h1>;\n",
                     "  return <h1>Bakery</h1>;\n")
    text = (workspace.root / "src/App.jsx").read_text()
    assert "<h1>Bakery</h1>" in text and "Old" not in text and size == len(text)


def test_a_block_not_in_the_file_shows_the_nearest_lines(workspace: Workspace) -> None:
    with pytest.raises(WorkspaceViolation) as caught:
        edit_file(workspace, "src/App.jsx", "  return <h1>Olde</h1>;\n", "x\n")
    message = str(caught.value)
    assert "is not in the file; nothing changed" in message
    assert "   4 |   return <h1>Old</h1>;" in message
    assert (workspace.root / "src/App.jsx").read_text() == APP


def test_a_block_found_twice_is_refused(workspace: Workspace) -> None:
    with pytest.raises(WorkspaceViolation, match="occurs 2 times; nothing changed"):
        apply_edit("a.js", "x = 1;\nx = 1;\n", "x = 1;\n", "y\n")


def test_the_last_line_of_a_file_without_a_newline_still_matches() -> None:
    assert apply_edit("a.js", "a\nlast", "last\n", "end\n") == "a\nend"


def test_a_missing_file_is_to_be_written_whole(workspace: Workspace) -> None:
    with pytest.raises(WorkspaceViolation, match="does not exist; write it whole"):
        edit_file(workspace, "src/Nope.jsx", "a\n", "b\n")


def test_an_edit_outside_the_project_is_refused(workspace: Workspace) -> None:
    with pytest.raises(WorkspaceViolation, match="edit"):
        edit_file(workspace, "../escape.txt", "a\n", "b\n")
