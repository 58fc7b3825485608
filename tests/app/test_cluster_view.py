"""The cluster progress on stderr: runs per node, one line per change when not a terminal."""

from __future__ import annotations

import io

from agent_core.distributed import RunUpdate
from app.cluster_view import ClusterView


def test_lines_count_runs_per_node_and_show_notes_and_failures():
    out = io.StringIO()
    with ClusterView(out, "127.0.0.1:6379") as view:
        view(RunUpdate("a", "webgen batch a", "queued"))
        view(RunUpdate("b", "webgen batch b", "queued"))
        view(RunUpdate("a", "webgen batch a", "running", "10.0.0.1 aa11"))
        view(RunUpdate("a", "webgen batch a", "note", "10.0.0.1 aa11", "step 1 edit"))
        view(RunUpdate("b", "webgen batch b", "running", "10.0.0.2 bb22"))
        view(RunUpdate("a", "webgen batch a", "done", "10.0.0.1 aa11"))
        view(RunUpdate("b", "webgen batch b", "failed", "10.0.0.2 bb22", "worker died"))
    lines = out.getvalue().splitlines()

    assert lines[0] == "0/1 runs done, 0 running, 0 failed, 1 waiting on 127.0.0.1:6379"
    assert "webgen batch a: step 1 edit" in lines
    assert "webgen batch b: failed: worker died" in lines
    assert lines[-1] == (
        "1/2 runs done, 0 running, 1 failed, 0 waiting on 127.0.0.1:6379 | "
        "10.0.0.1 aa11: 1 done, 0 running, 0 failed; 10.0.0.2 bb22: 0 done, 0 running, 1 failed"
    )
    assert view.progress.per_node()["10.0.0.1 aa11"].done == 1
