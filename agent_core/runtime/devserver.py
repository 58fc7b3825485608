"""Serving a site: start its dev server on a free loopback port, find its URL, prove it answers.

An edit step whose plan and dependencies did not change keeps the running server (its hot
reload picks the edits up); anything else restarts it.
"""

from __future__ import annotations

import asyncio
import re
import shlex
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx

from agent_core.config import Timeouts
from agent_core.errors import RuntimeFailure
from agent_core.runtime.guard import python_module_argv
from agent_core.runtime.plans import (
    LOOPBACK,
    StartPlan,
    choose_start_command,
    launch_argv,
    launch_env,
)
from agent_core.runtime.ports import release_port, reserve_port
from agent_core.runtime.processes import ManagedProcess, strip_ansi
from agent_core.runtime.sandbox import Sandbox
from agent_core.runtime.vite_source_tags import source_tag_options

__all__ = ["DevServer", "ServeResult", "StartPlan", "choose_start_command", "detect_url"]

PORT_ATTEMPTS = 3
_HOSTS = r"localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1?\]|\[(?:0:){7}[01]\]"
_URL = re.compile(rf"\b(https?)://({_HOSTS}):(\d{{2,5}})(/[^\s'\"<>`]*)?", re.IGNORECASE)
_PORT_ONLY = re.compile(
    r"\b(?:listening|running|started|serving|available|ready)\b.{0,40}?\bport\s*:?\s*(\d{2,5})\b",
    re.IGNORECASE,
)
_PORT_TAKEN = re.compile(
    r"port\s+(\d+)\s+is\s+(?:already\s+)?in\s+use|EADDRINUSE|address already in use"
    r"|Something is already running on port",
    re.IGNORECASE,
)
_WILDCARDS = {"0.0.0.0", "[::]", "[0:0:0:0:0:0:0:0]"}


def detect_url(line: str) -> str | None:
    """The loopback URL a dev server printed on ``line``, if any.

    ANSI codes are ignored; ``0.0.0.0`` and ``[::]`` become ``127.0.0.1``; ``localhost`` and
    ``[::1]`` stay. A line that only says it listens on a port gives ``http://127.0.0.1:PORT/``.

    Args:
        line: One line of server output.

    Returns:
        The URL, always with a path (at least ``/``), or None.
    """
    text = strip_ansi(line)
    match = _URL.search(text)
    if match:
        scheme, host, port, path = match.groups()
        host = host.lower()
        if host in _WILDCARDS:
            host = LOOPBACK
        elif host.startswith("[") and host.endswith("1]"):
            host = "[::1]"
        path = (path or "/").rstrip(".,;:)]}")
        return f"{scheme.lower()}://{host}:{port}{path or '/'}"
    match = _PORT_ONLY.search(text)
    if match and "://" not in text:
        return f"http://{LOOPBACK}:{match.group(1)}/"
    return None


def port_taken(line: str) -> bool:
    """Whether ``line`` says the server could not bind its port because it is in use.

    vite without ``--strictPort`` says "Port N is in use, trying another one...": that is not
    a failure, it moves on and prints the URL it got.
    """
    text = strip_ansi(line)
    return _PORT_TAKEN.search(text) is not None and "trying another" not in text.lower()


@dataclass(frozen=True)
class ServeResult:
    """A served site.

    Attributes:
        url: Where the site answers.
        restarted: Whether the server was (re)started by this call.
        seconds: Wall time of the call.
        log_tail: The last lines of the server's output.
    """

    url: str
    restarted: bool
    seconds: float
    log_tail: str


@dataclass
class _Outcome:
    url: str | None = None
    taken: bool = False
    exited: bool = False
    unanswered: str | None = None  # the URL the server printed but never answered on


async def _answers(url: str, deadline: float, proc: ManagedProcess | None = None) -> bool:
    """Probe ``url`` until any HTTP response, ``deadline``, or the process's exit."""
    delay = 0.05
    # verify=False: only loopback URLs are probed (a dev server may use a self-signed
    # certificate), and it keeps the client cheap to create (no CA bundle to load).
    async with httpx.AsyncClient(
        trust_env=False, verify=False, timeout=2.0, follow_redirects=False
    ) as client:
        while True:
            remaining = deadline - time.monotonic()
            try:
                async with asyncio.timeout(max(remaining, 0.2)):
                    await client.get(url)
                return True
            except (httpx.HTTPError, TimeoutError, OSError):
                pass
            if time.monotonic() + delay >= deadline or (proc is not None and not proc.alive):
                return False
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.25)


class DevServer:
    """The running server of one site.

    Args:
        root: The site folder.
        sandbox: Starts the server and its build (both run the model's code).
        timeouts: ``server_start_s`` bounds a start; ``command_s`` a build before ``preview``.
        env: Extra environment variables for the server.
        log_file: Also append the server's output to this file.
        port_picker: Returns a port to try (default: a port reserved in this process).
        source_tags: Serve a Vite site with its elements tagged with their source location
            (see :mod:`agent_core.runtime.vite_source_tags`), for pointing at them.
    """

    def __init__(
        self,
        root: Path,
        sandbox: Sandbox,
        timeouts: Timeouts | None = None,
        env: Mapping[str, str] | None = None,
        *,
        log_file: Path | None = None,
        port_picker: Callable[[], int] | None = None,
        source_tags: bool = False,
    ) -> None:
        self.root = Path(root)
        self.sandbox = sandbox
        self.timeouts = timeouts or Timeouts()
        self._env = dict(env or {})
        self._log_file = log_file
        self._picker = port_picker
        self.source_tags = source_tags
        self._proc: ManagedProcess | None = None
        self._plan: StartPlan | None = None
        self._url: str | None = None
        self._port: int | None = None
        self._lock = asyncio.Lock()

    @property
    def url(self) -> str | None:
        """Where the running server answers, or None."""
        return self._url if self.alive else None

    @property
    def alive(self) -> bool:
        """Whether the server process is running."""
        return self._proc is not None and self._proc.alive

    @property
    def pid(self) -> int | None:
        """The server process's pid (its process group id), or None."""
        return self._proc.pid if self._proc is not None else None

    @property
    def plan(self) -> StartPlan | None:
        """The plan of the running server."""
        return self._plan

    def output_tail(self, lines: int = 40) -> str:
        """The last lines of the server's output."""
        return self._proc.output_tail(lines) if self._proc is not None else ""

    async def ensure_running(self, plan: StartPlan, deps_changed: bool = False) -> ServeResult:
        """Make sure the site is served with ``plan`` and answers HTTP.

        The running server is kept when the plan is unchanged, hot-reloads, dependencies did
        not change, and it still answers; otherwise it is (re)started on a free loopback port.

        Args:
            plan: From :func:`choose_start_command`.
            deps_changed: Whether an install just changed the dependencies.

        Returns:
            The URL and whether the server was restarted.

        Raises:
            RuntimeFailure: (phase ``serve``) the server exited, printed no URL in time, never
                answered, or found its port taken on every attempt; ``log_tail`` has its output.
        """
        async with self._lock:
            started = time.monotonic()
            if await self._can_keep(plan, deps_changed):
                assert self._proc is not None and self._url is not None
                tail = self._proc.output_tail()
                return ServeResult(self._url, False, time.monotonic() - started, tail)
            await self._stop_server()
            for command in plan.pre:
                await self._run_pre(command)
            url = await self._start(plan)
            tail = self.output_tail()
            return ServeResult(url, True, time.monotonic() - started, tail)

    async def stop(self) -> None:
        """Stop the server and its whole process group."""
        async with self._lock:
            await self._stop_server()

    async def _can_keep(self, plan: StartPlan, deps_changed: bool) -> bool:
        if deps_changed or not plan.hot_reload or plan != self._plan or not self.alive:
            return False
        assert self._url is not None
        return await _answers(self._url, time.monotonic() + 3.0, self._proc)

    async def _stop_server(self) -> None:
        proc, self._proc, self._url, self._plan = self._proc, None, None, None
        if proc is not None:
            await proc.stop()
        self._release()

    def _take_port(self) -> int:
        self._port = self._picker() if self._picker is not None else reserve_port(LOOPBACK)
        return self._port

    def _release(self) -> None:
        if self._port is not None and self._picker is None:
            release_port(self._port)
        self._port = None

    async def _run_pre(self, argv: tuple[str, ...]) -> None:
        limit = max(self.timeouts.command_s, self.timeouts.server_start_s)
        # A build needs no network: it runs cut off from it.
        result = await self.sandbox.run(argv, self.root, limit, self._env, network=False,
                                        log_file=self._log_file)
        if not result.ok:
            why = (
                f"did not finish within {limit:g} s"
                if result.timed_out
                else f"failed with exit code {result.returncode}"
            )
            raise RuntimeFailure(
                f"`{result.command}` {why} in {self.root}; the site is served from its build "
                "output, so fix the error in the build log.",
                phase="serve",
                log_tail=result.output_tail,
            )

    async def _start(self, plan: StartPlan) -> str:
        for _attempt in range(PORT_ATTEMPTS):
            port = self._take_port()
            argv = launch_argv(plan, port)
            try:
                if self.source_tags:
                    argv += await source_tag_options(self.root, plan, argv)
                proc = await self._launch(plan, argv, port)
            except BaseException:
                self._release()
                raise
            try:
                outcome = await self._wait_ready(proc, port if plan.accepts_port else None)
            except BaseException:
                await proc.stop()
                self._release()
                raise
            if outcome.url is not None:
                self._proc, self._plan, self._url = proc, plan, outcome.url
                return outcome.url
            await proc.stop()
            self._release()
            if not (outcome.taken and plan.accepts_port):
                raise self._failure(outcome, proc, argv)
        raise RuntimeFailure(
            f"Port {port} is already in use: `{plan.display}` could not bind a free port in "
            f"{PORT_ATTEMPTS} attempts with different ports. Another program keeps taking them; "
            "stop it, or check that the dev server does not force a port of its own.",
            phase="serve",
            log_tail=proc.output_tail(),
        )

    async def _launch(self, plan: StartPlan, argv: list[str], port: int) -> ManagedProcess:
        env = {**launch_env(port), **self._env}
        static = plan.tool == "static"
        if static:
            env.update(python_module_argv(argv[2])[1])
        try:
            # The static server is the engine's own code reading files: it needs no sandbox
            # (it refuses paths that leave the site's folder), only the filtered environment.
            return await self.sandbox.start(argv, self.root, env, name="dev server",
                                            log_file=self._log_file, confine=not static)
        except FileNotFoundError as exc:
            raise RuntimeFailure(
                f"Cannot start the dev server `{shlex.join(argv)}`: {exc}. Install Node.js "
                "(with npm) and make sure it is on PATH.",
                phase="serve",
            ) from exc

    async def _wait_ready(self, proc: ManagedProcess, port: int | None) -> _Outcome:
        deadline = time.monotonic() + self.timeouts.server_start_s
        outcome = await self._wait_for_url(proc, port, deadline)
        if outcome.url is None:
            return outcome
        probe_deadline = max(deadline, time.monotonic() + min(5.0, self.timeouts.server_start_s))
        if await _answers(outcome.url, probe_deadline, proc):
            return outcome
        if not proc.alive:
            return _Outcome(exited=True)
        return _Outcome(unanswered=outcome.url)

    async def _wait_for_url(
        self, proc: ManagedProcess, port: int | None, deadline: float
    ) -> _Outcome:
        queue = proc.subscribe(replay=True)
        next_probe = time.monotonic() + 0.5
        try:
            while (remaining := deadline - time.monotonic()) > 0:
                try:
                    line = await asyncio.wait_for(queue.get(), min(remaining, 0.25))
                except TimeoutError:
                    line = ""
                if line is None:  # every process of the group closed its output
                    await self._settle(proc)
                    return _Outcome(exited=True)
                if line and port_taken(line):
                    return _Outcome(taken=True)
                if line and (url := detect_url(line)):
                    return _Outcome(url=url)
                if not proc.alive and queue.empty():
                    await self._settle(proc)
                    return _Outcome(exited=True)
                if port is not None and time.monotonic() >= next_probe:
                    next_probe = time.monotonic() + 0.5
                    fallback = f"http://{LOOPBACK}:{port}/"
                    if await _answers(fallback, time.monotonic() + 0.3):
                        return _Outcome(url=fallback)
            return _Outcome()
        finally:
            proc.unsubscribe(queue)

    @staticmethod
    async def _settle(proc: ManagedProcess) -> None:
        try:
            await proc.wait(2.0)
        except TimeoutError:
            pass

    def _failure(self, outcome: _Outcome, proc: ManagedProcess, argv: list[str]) -> RuntimeFailure:
        command, tail, limit = shlex.join(argv), proc.output_tail(), self.timeouts.server_start_s
        if outcome.taken:
            message = (
                f"The dev server `{command}` could not listen because its port is already in "
                "use, and it fixes that port itself. Stop the program using the port, or remove "
                "the fixed port from the start command."
            )
        elif outcome.unanswered:
            message = (
                f"The dev server `{command}` printed {outcome.unanswered} but it did not answer "
                f"HTTP requests within {limit:g} s; check its output for errors."
            )
        elif outcome.exited:
            message = (
                f"The dev server `{command}` exited with code {proc.returncode} before serving "
                f"the site in {self.root}; fix the error in its output."
            )
        else:
            message = (
                f"The dev server `{command}` printed no http://localhost or http://127.0.0.1 URL "
                f"within {limit:g} s and nothing answered on its port. Make the start script run "
                'a web server (for example "vite") that prints its URL.'
            )
        return RuntimeFailure(message, phase="serve", log_tail=tail)
