"""Child processes in their own group: output kept, whole group ended, nothing left behind."""

from __future__ import annotations

import asyncio
import json
import re
import sys
from pathlib import Path

import pytest

from agent_core.runtime._procinfo import group_members, process_alive
from agent_core.runtime.guard import get_guard
from agent_core.runtime.output import OutputBuffer
from agent_core.runtime.processes import ManagedProcess, run_command
from tests.support.procs import descendants

PY = sys.executable
# Two sleeping grandchildren in the group, then the leader prints and waits.
GROUP_SCRIPT = "sleep 60 & sleep 60 & echo started; wait"


async def test_output_is_kept_ansi_free_in_a_bounded_ring(tmp_path: Path) -> None:
    code = "for i in range(3000): print(f'\\x1b[32mline {i}\\x1b[0m')"
    proc = await ManagedProcess.start([PY, "-c", code], tmp_path, max_lines=2000)
    try:
        assert await proc.wait(10) == 0
    finally:
        await proc.stop()
    assert proc.output_tail(3) == "line 2997\nline 2998\nline 2999"
    assert len(proc.lines()) == 2000
    assert proc.line_count == 3000


async def test_stderr_is_merged_and_mirrored_to_the_log_file(tmp_path: Path) -> None:
    code = "import sys; print('to out', flush=True); print('to err', file=sys.stderr)"
    log = tmp_path / "logs" / "proc.log"
    result = await run_command([PY, "-c", code], tmp_path, 10, log_file=log)
    assert result.ok
    assert result.output_tail == "to out\nto err"
    assert log.read_text() == "to out\nto err\n"


async def test_wait_for_output_matches_new_and_past_lines(tmp_path: Path) -> None:
    code = "import time; print('booting', flush=True); time.sleep(0.3); print('ready on 42')"
    proc = await ManagedProcess.start([PY, "-u", "-c", code], tmp_path)
    try:
        line = await proc.wait_for_output(re.compile(r"ready on (\d+)"), timeout=10)
        assert line == "ready on 42"
        assert await proc.wait_for_output("booting", timeout=1) == "booting"
        assert await proc.wait_for_output(lambda s: "never" in s, timeout=10) is None
    finally:
        await proc.stop()


async def test_wait_for_output_times_out(tmp_path: Path) -> None:
    proc = await ManagedProcess.start(["sleep", "30"], tmp_path)
    try:
        with pytest.raises(TimeoutError):
            await proc.wait_for_output("anything", timeout=0.2)
    finally:
        await proc.stop()


async def test_stop_ends_the_whole_group_and_is_idempotent(tmp_path: Path) -> None:
    proc = await ManagedProcess.start(["sh", "-c", GROUP_SCRIPT], tmp_path)
    await proc.wait_for_output("started", timeout=10)
    members = group_members(proc.pid)
    assert len(members) == 3 and proc.alive
    first = await proc.stop()
    second = await proc.stop()
    assert first == second == proc.returncode
    assert proc.returncode is not None and proc.returncode < 0
    assert not any(process_alive(pid) for pid in members)
    assert descendants() == []  # the reaper helper exited too: nothing is registered


async def test_stop_kills_a_process_that_ignores_sigterm(tmp_path: Path) -> None:
    code = (
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "print('ignoring', flush=True); time.sleep(60)"
    )
    proc = await ManagedProcess.start([PY, "-c", code], tmp_path)
    await proc.wait_for_output("ignoring", timeout=10)
    assert await proc.stop(grace_s=0.3) == -9


async def test_concurrent_stops_share_one_shutdown(tmp_path: Path) -> None:
    proc = await ManagedProcess.start(["sleep", "30"], tmp_path)
    codes = await asyncio.gather(proc.stop(), proc.stop(), proc.stop())
    assert codes == [-15, -15, -15]


async def test_group_is_registered_while_running(tmp_path: Path, runtime_state_dir: Path) -> None:
    guard = get_guard()
    proc = await ManagedProcess.start(["sleep", "30"], tmp_path)
    try:
        registry = json.loads(guard.registry_path().read_text())
        assert guard.registry_path().parent == runtime_state_dir / "pids"
        assert str(proc.pid) in registry["groups"]
        assert registry["groups"][str(proc.pid)]["argv"] == ["sleep", "30"]
        assert guard.helper_pid is not None and process_alive(guard.helper_pid)
    finally:
        await proc.stop()
    assert not guard.registry_path().exists()
    assert guard.helper_pid is None


async def test_run_command_reports_exit_code_and_output(tmp_path: Path) -> None:
    result = await run_command(["sh", "-c", "echo oops >&2; exit 3"], tmp_path, 10)
    assert (result.returncode, result.ok, result.timed_out) == (3, False, False)
    assert result.output_tail == "oops"
    assert result.command == "sh -c 'echo oops >&2; exit 3'"


async def test_run_command_timeout_kills_the_group(tmp_path: Path) -> None:
    result = await run_command(["sh", "-c", GROUP_SCRIPT], tmp_path, 0.5)
    assert result.timed_out and result.returncode is None and not result.ok
    assert "started" in result.output_tail
    assert "ran longer than 0.5 s" in result.output_tail
    assert result.seconds >= 0.5  # it was given its time, then the whole group was killed
    assert descendants() == []


async def test_run_command_cancellation_kills_the_group(tmp_path: Path) -> None:
    task = asyncio.create_task(run_command(["sh", "-c", GROUP_SCRIPT], tmp_path, 60))
    await asyncio.sleep(0.5)
    assert len(descendants()) >= 3
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert descendants() == []


async def test_missing_program_is_reported_not_raised(tmp_path: Path) -> None:
    result = await run_command(["no-such-program-xyz", "--help"], tmp_path, 5)
    assert result.returncode is None and not result.ok
    assert "command not found: no-such-program-xyz" in result.output_tail


async def test_missing_working_directory_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="working directory does not exist"):
        await ManagedProcess.start(["true"], tmp_path / "absent")


def test_output_buffer_splits_lines_across_reads() -> None:
    out = OutputBuffer(max_lines=10)
    for chunk in (b"one\r", b"\ntwo\rthree", b"\n\xe2\x9e", b"\x9c arrow\n", b"no newline"):
        out.feed(chunk)
    assert out.lines() == ["one", "two", "three", "➜ arrow"]
    assert out.tail(2) == "➜ arrow\nno newline"
    out.close()
    assert out.lines()[-1] == "no newline" and out.count == 5
    long = OutputBuffer()
    long.feed(b"x" * 5000)
    assert long.lines()[0].endswith(" [...]") and len(long.lines()[0]) < 4100
