"""Run folders on the move: what changed, what travels, and refusing a path out of the folder."""

from __future__ import annotations

import pytest

from agent_core.distributed.files import (
    TransferError,
    TreeWatch,
    read_tree,
    write_order,
    write_tree,
)


def test_a_watch_sends_new_changed_and_removed_files_but_never_installed_packages(tmp_path):
    run = tmp_path / "item" / "sample-1"
    (run / "workspace" / "node_modules" / "react").mkdir(parents=True)
    (run / "workspace" / "node_modules" / "react" / "index.js").write_text("big")
    (run / "steps").mkdir()
    (run / "steps" / "000001.json").write_text("{}")
    (run / ".lock").write_text("123")
    watch = TreeWatch(tmp_path, ["item/sample-1"])

    assert watch.changes() == {"item/sample-1/steps/000001.json": b"{}"}
    assert watch.changes() == {}
    (run / "steps" / "000002.json").write_text('{"index": 2}')
    (run / "steps" / "000001.json").unlink()
    assert watch.changes() == {"item/sample-1/steps/000002.json": b'{"index": 2}',
                               "item/sample-1/steps/000001.json": None}  # fmt: skip


def test_files_are_written_in_the_stores_order_and_a_path_out_of_the_folder_writes_nothing(
        tmp_path):  # fmt: skip
    changes = {"r/manifest.json": b"{}", "r/steps/000001.json": b"{}", "r/objects/ab/c": b"x"}
    assert write_order(changes) == ["r/objects/ab/c", "r/steps/000001.json", "r/manifest.json"]
    home = tmp_path / "home"
    assert write_tree(home, changes) == 3
    assert read_tree(home, ["r"]) == changes

    for bad in ("../outside.txt", "/etc/passwd", "r/../../x"):
        with pytest.raises(TransferError, match="which is not inside"):
            write_tree(home, {"r/steps/000002.json": b"{}", bad: b"no"})
    assert not (home / "r" / "steps" / "000002.json").exists()
    assert not (tmp_path / "outside.txt").exists()
