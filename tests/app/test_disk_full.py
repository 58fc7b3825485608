"""A disk that fills up during a run and an export: a real small tmpfs, in a mount namespace
of the test's own (nothing of the machine is mounted over or filled)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.fakes.model_server import Reply, ScriptedModelServer, queue
from tests.support.agent import CODER, CRITIC, coder_reply
from tests.support.cli import INSTRUCTION, PAGE, critic
from tests.support.env import cli_env

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow
STEPS = "--- show ---"


def mount_namespaces_work(tmp_path: Path) -> bool:
    if shutil.which("unshare") is None:
        return False
    point = tmp_path / "probe"
    point.mkdir()
    done = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c",
                           f"mount -t tmpfs -o size=64k tmpfs {point}"],
                          capture_output=True, timeout=30)
    return done.returncode == 0


def fill(folder: Path) -> None:
    """Write into ``folder`` until its file system has no room left."""
    with (folder / "filler").open("wb") as handle:
        try:
            while True:
                handle.write(b"\0" * 65536)
                handle.flush()
        except OSError:
            pass


def test_a_full_disk_mid_run_and_at_export_loses_no_committed_step(tmp_path):
    if not mount_namespaces_work(tmp_path):
        pytest.skip("needs unshare --mount and tmpfs (root or user namespaces)")
    point = tmp_path / "disk"
    point.mkdir()
    run = point / "run"
    python = f"{sys.executable} -m app"
    script = (f'mount -t tmpfs -o size=16m tmpfs "{point}" && cd "{REPO}" && '
              f'{python} run "{INSTRUCTION}" --out "{run}" --no-gui-testing --json; '
              f'echo "rc=$?" >&2; echo "{STEPS}"; {python} show "{run}" --json; '
              f'echo "{STEPS}"; {python} doctor "{run}" --json; '
              f'{python} export --format step-grpo "{run}" --out "{point}/steps.jsonl"; '
              f'echo "export rc=$? left=$(ls {point})" >&2')
    slow = Reply(text=coder_reply({"index.html": "<h1>Stock reports, v2</h1>"}),
                 chunk_size=8, chunk_delay_s=0.1)
    with ScriptedModelServer({CODER: queue(coder_reply(PAGE), slow),
                              CRITIC: critic(3)}) as server:
        proc = subprocess.Popen(
            ["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
            env=cli_env(server, tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True)
        # The shell stays in the namespace: its view of the tmpfs is reachable from here.
        inside = Path(f"/proc/{proc.pid}/root") / str(point).lstrip("/")
        deadline = time.monotonic() + 90
        while not (inside / "run" / "steps" / "000001.json").exists():
            assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read()
            time.sleep(0.1)
        fill(inside)  # step 2 is streaming: its commit will find no room
        out, err = proc.communicate(timeout=120)
    assert "rc=1" in err, err
    assert "could not save" in err and "(the disk is full)" in err
    assert "The step was not kept; the steps before it are intact." in err
    assert "Traceback" not in err, err
    _run_json, shown, doctor = out.split(STEPS)
    summary = json.loads(shown)
    assert [s["index"] for s in summary["steps"]] == [1]  # the committed step is all there
    # Not even the failure could be written to the full disk: the run reads as interrupted
    # and continues from step 1 once there is room.
    assert summary["state"]["status"] == "interrupted"
    assert "Continue picks up from step 1" in summary["state"]["notices"][-1]["text"]
    assert json.loads(doctor)["problems"] == []  # nothing half-written was left behind
    assert "cannot write" in err and "No space left on device" in err
    assert "export rc=1" in err and "steps.jsonl" not in err.split("left=")[1]
