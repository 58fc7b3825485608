"""Child processes in their own process groups, with their output kept and their end certain.

Every process starts a new session (so it leads its own process group), reads nothing from
stdin, and has stdout and stderr merged into one stream that is read continuously into a
bounded ring of ANSI-free lines. :meth:`ManagedProcess.stop` ends the whole group; the
:mod:`agent_core.runtime.guard` makes sure the group also dies if the engine is killed.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shlex
import shutil
import signal
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from agent_core.runtime._procinfo import POSIX, group_is_ours, signal_group, start_time
from agent_core.runtime.guard import get_guard, reap_orphans, reap_orphans_async
from agent_core.runtime.output import OutputBuffer, strip_ansi

__all__ = [
    "CommandResult",
    "ManagedProcess",
    "reap_orphans",
    "reap_orphans_async",
    "run_command",
    "strip_ansi",
]

_KILL = getattr(signal, "SIGKILL", signal.SIGTERM)

Matcher = str | re.Pattern[str] | Callable[[str], bool]


def _as_predicate(match: Matcher) -> Callable[[str], bool]:
    if isinstance(match, str):
        return lambda line: match in line
    if isinstance(match, re.Pattern):
        return lambda line: match.search(line) is not None
    return match


def _prepare(
    argv: Sequence[str], cwd: Path | str, env: Mapping[str, str] | None, inherit_env: bool
) -> tuple[str, dict[str, str]]:
    """The program to execute and the full environment; raise when either cannot work."""
    if not argv:
        raise ValueError("an empty command cannot be started")
    full_env = {**(os.environ if inherit_env else {}), **(env or {})}
    if not Path(cwd).is_dir():
        raise FileNotFoundError(f"working directory does not exist: {cwd}")
    exe = argv[0]
    if os.sep in exe or (os.altsep and os.altsep in exe):
        return exe, full_env
    found = shutil.which(exe, path=full_env.get("PATH"))
    if found is None:
        raise FileNotFoundError(f"command not found: {exe} (it is not on PATH)")
    return found, full_env


class ManagedProcess:
    """A running child process group whose merged output is kept in a ring buffer.

    Create it with :meth:`start`. Lines are stored with ANSI codes stripped.

    Attributes:
        argv: The command line.
        name: A short label for messages.
        pid: The leader's pid, which is also the process group id.
    """

    def __init__(
        self,
        proc: asyncio.subprocess.Process,
        argv: Sequence[str],
        name: str,
        output: OutputBuffer,
    ) -> None:
        self._proc = proc
        self.argv = tuple(argv)
        self.name = name or Path(argv[0]).name
        self.pid = proc.pid
        self._start_time = start_time(proc.pid)
        self._out = output
        self._stop_task: asyncio.Task[int | None] | None = None
        self._registered = False
        self._pump = asyncio.create_task(self._read_output(), name=f"output of {self.name}")

    @classmethod
    async def start(
        cls,
        argv: Sequence[str],
        cwd: Path | str,
        env: Mapping[str, str] | None = None,
        name: str = "",
        *,
        log_file: Path | None = None,
        max_lines: int = 2000,
        inherit_env: bool = True,
    ) -> ManagedProcess:
        """Start ``argv`` in ``cwd`` as the leader of a new process group.

        Args:
            argv: Program and arguments (no shell); the program is looked up on PATH.
            cwd: Working directory.
            env: Extra environment variables, added to this process's environment.
            name: A short label for messages (default: the program name).
            log_file: Also append every output line to this file.
            max_lines: How many output lines the ring buffer keeps.
            inherit_env: False: ``env`` is the whole environment (the sandbox's children
                never see this process's variables).

        Returns:
            The running process, registered with the engine's process guard.

        Raises:
            FileNotFoundError: The program or the working directory does not exist.
        """
        exe, full_env = _prepare(argv, cwd, env, inherit_env)
        guard = get_guard()
        await asyncio.to_thread(guard.ensure_helper)
        output = OutputBuffer(max_lines, log_file)
        try:
            proc = await asyncio.create_subprocess_exec(
                exe,
                *argv[1:],
                cwd=str(cwd),
                env=full_env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=POSIX,  # its own process group (Windows: none; see _procinfo)
            )
        except BaseException:
            output.close()
            raise
        managed = cls(proc, argv, name, output)
        registration = asyncio.ensure_future(
            asyncio.to_thread(guard.add, proc.pid, list(argv), str(cwd))
        )
        try:
            await asyncio.shield(registration)
        except BaseException:  # cancelled: let the registration finish, then undo it
            with contextlib.suppress(Exception):
                await registration
            managed._registered = registration.done() and registration.exception() is None
            await managed.stop(grace_s=0.5)
            raise
        managed._registered = True
        return managed

    @property
    def returncode(self) -> int | None:
        """The leader's exit code, or None while it runs (negative: killed by that signal)."""
        return self._proc.returncode

    @property
    def alive(self) -> bool:
        """Whether the leader is still running."""
        return self._proc.returncode is None

    @property
    def output_closed(self) -> bool:
        """Whether every process of the group has closed the output pipe."""
        return self._out.closed

    @property
    def line_count(self) -> int:
        """How many complete lines were read so far (including those the ring dropped)."""
        return self._out.count

    def lines(self) -> list[str]:
        """The complete lines still in the ring buffer, oldest first."""
        return self._out.lines()

    def output_tail(self, lines: int = 40) -> str:
        """The last ``lines`` lines of output, ANSI-free, without trailing blank lines."""
        return self._out.tail(lines)

    def subscribe(self, *, replay: bool = False) -> asyncio.Queue[str | None]:
        """A queue receiving every new line; None is put when the output ends.

        Args:
            replay: First put the lines already in the ring buffer.

        Returns:
            The queue; pass it to :meth:`unsubscribe` when done.
        """
        return self._out.subscribe(replay=replay)

    def unsubscribe(self, queue: asyncio.Queue[str | None]) -> None:
        """Stop feeding ``queue``."""
        self._out.unsubscribe(queue)

    async def wait_for_output(
        self,
        match: Matcher,
        timeout: float,  # noqa: ASYNC109 - part of the documented API
        *,
        include_past: bool = True,
    ) -> str | None:
        """Wait for a line matching ``match``.

        Args:
            match: A substring, a compiled regex (searched) or a predicate on the line.
            timeout: Seconds to wait.
            include_past: Also look at the lines already in the ring buffer.

        Returns:
            The first matching line, or None when the output ended without one.

        Raises:
            TimeoutError: No matching line within ``timeout``.
        """
        predicate = _as_predicate(match)
        queue = self.subscribe(replay=include_past)
        try:
            async with asyncio.timeout(timeout):
                while (line := await queue.get()) is not None:
                    if predicate(line):
                        return line
                return None
        finally:
            self.unsubscribe(queue)

    async def wait(self, timeout: float | None = None) -> int:  # noqa: ASYNC109
        """Wait for the leader to exit and return its exit code.

        Raises:
            TimeoutError: It still runs after ``timeout`` seconds.
        """
        async with asyncio.timeout(timeout):
            return await self._proc.wait()

    async def stop(self, grace_s: float = 3.0) -> int | None:
        """End the whole process group: SIGTERM, ``grace_s`` seconds, then SIGKILL; reap it.

        Safe to call more than once and from several tasks; it finishes even if the caller is
        cancelled meanwhile.

        Returns:
            The leader's exit code.
        """
        if self._stop_task is None:
            self._stop_task = asyncio.ensure_future(self._stop(grace_s))
        return await asyncio.shield(self._stop_task)

    async def _stop(self, grace_s: float) -> int | None:
        pgid = self.pid
        if self._group_ours():
            signal_group(pgid, signal.SIGTERM)
        deadline = time.monotonic() + grace_s
        # Group members other than our child have no awaitable exit: poll /proc.
        while time.monotonic() < deadline and (self.alive or self._group_ours()):  # noqa: ASYNC110
            await asyncio.sleep(0.03)
        if self._group_ours():
            signal_group(pgid, _KILL)
        code = await self._proc.wait()
        deadline = time.monotonic() + 2.0
        while self._group_ours() and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.03)
        try:
            await asyncio.wait_for(asyncio.shield(self._pump), timeout=2.0)
        except TimeoutError:  # a process outside the group still holds the pipe
            self._pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pump
        if self._registered:
            self._registered = False
            await asyncio.to_thread(get_guard().remove, pgid)
        return code

    def _group_ours(self) -> bool:
        if self.alive:
            return True  # an unreaped leader keeps its id: nobody else can have it
        return group_is_ours(self.pid, self._start_time)

    async def _read_output(self) -> None:
        stream = self._proc.stdout
        try:
            while stream is not None and (chunk := await stream.read(65536)):
                self._out.feed(chunk)
        finally:
            self._out.close()


@dataclass(frozen=True)
class CommandResult:
    """How a finite command ended.

    Attributes:
        argv: The command line.
        returncode: Exit code; None when it timed out (and was killed) or could not start.
        output_tail: The last lines of its merged stdout and stderr.
        seconds: Wall time.
        timed_out: Whether it was stopped for running past its time limit.
    """

    argv: tuple[str, ...]
    returncode: int | None
    output_tail: str
    seconds: float
    timed_out: bool

    @property
    def ok(self) -> bool:
        """Exit code 0 within the time limit."""
        return self.returncode == 0 and not self.timed_out

    @property
    def command(self) -> str:
        """The command line as a shell would show it."""
        return shlex.join(self.argv)


async def run_command(
    argv: Sequence[str],
    cwd: Path | str,
    timeout_s: float,
    env: Mapping[str, str] | None = None,
    *,
    tail_lines: int = 60,
    log_file: Path | None = None,
    inherit_env: bool = True,
) -> CommandResult:
    """Run a finite command in its own process group and collect the end of its output.

    The group is killed when the command times out or the caller is cancelled, and any
    process the command left running in its group is ended when it exits.

    Args:
        argv: Program and arguments (no shell).
        cwd: Working directory.
        timeout_s: Seconds before the command is stopped.
        env: Extra environment variables.
        tail_lines: Lines of output to keep in the result.
        log_file: Also append the output to this file.
        inherit_env: False: ``env`` is the whole environment.

    Returns:
        The result; a program that does not exist gives returncode None and says so.
    """
    started = time.monotonic()
    try:
        proc = await ManagedProcess.start(argv, cwd, env, log_file=log_file,
                                          inherit_env=inherit_env)
    except FileNotFoundError as exc:
        return CommandResult(tuple(argv), None, str(exc), time.monotonic() - started, False)
    timed_out = False
    try:
        await proc.wait(timeout_s)
    except TimeoutError:
        timed_out = True
    finally:
        await proc.stop(grace_s=2.0)
    tail = proc.output_tail(tail_lines)
    if timed_out:
        tail += f"\n[stopped: `{shlex.join(argv)}` ran longer than {timeout_s:g} s]"
    code = None if timed_out else proc.returncode
    return CommandResult(tuple(argv), code, tail.strip("\n"), time.monotonic() - started, timed_out)
