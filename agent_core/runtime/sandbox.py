"""The one way the engine starts a process that runs workspace content.

npm installs (and the lifecycle scripts they run), the dev server, builds and the commands the
model asked for all run code the model wrote. :class:`Sandbox` starts each of them:

- confined with bubblewrap on Linux (:mod:`agent_core.runtime.bwrap`): the workspace, a private
  HOME and TMPDIR and npm's cache are writable, the system is read-only, the user's home is
  not there, and the process tree dies with the step;
- unconfined where no sandbox can be had (other systems, Linux without user namespaces) or
  when the user turns it off, and then the user is told so; the child still gets only the
  allow-listed environment (:mod:`agent_core.runtime.child_env`) and the private HOME and
  TMPDIR.
"""

from __future__ import annotations

import asyncio
import os
import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent_core.config import SandboxConfig, SandboxMode
from agent_core.errors import ConfigError
from agent_core.runtime.bwrap import confined_argv, find_bwrap, probe_bwrap, tool_prefixes
from agent_core.runtime.child_env import child_environment, withheld_secrets
from agent_core.runtime.guard import default_state_dir
from agent_core.runtime.processes import CommandResult, ManagedProcess, run_command

__all__ = ["Confinement", "Sandbox", "SandboxUnavailable", "refusals_in", "shared_npm_cache"]

UNCONFINED_WARNING = "Model-written code runs UNCONFINED"


class SandboxUnavailable(ConfigError):
    """The sandbox is required (mode ``bwrap``) but cannot be had on this machine."""


@dataclass(frozen=True)
class Confinement:
    """How the processes of a run are confined; recorded with every step.

    Attributes:
        confined: Whether they run inside a sandbox.
        backend: ``bubblewrap`` or ``none``.
        detail: The sandbox's executable and version, or why there is none.
        chosen_off: The user turned the sandbox off (rather than it being unavailable).
        network: What the confined processes can reach.
        withheld_env: Names (never values) of the credential-looking variables kept from them.
    """

    confined: bool
    backend: str
    detail: str
    chosen_off: bool = False
    network: str = ""
    withheld_env: tuple[str, ...] = ()

    @property
    def warning(self) -> str:
        """The sentence to show the user when the code runs unconfined (empty otherwise)."""
        if self.confined:
            return ""
        why = "the sandbox is turned off" if self.chosen_off else self.detail
        return (f"{UNCONFINED_WARNING}: {why}. npm scripts, the Vite config and the dev server "
                "can read and write your files; only the environment is filtered.")

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form for a step record."""
        return {"confined": self.confined, "backend": self.backend, "detail": self.detail,
                "chosen_off": self.chosen_off, "network": self.network,
                "withheld_env": list(self.withheld_env)}


def shared_npm_cache() -> Path:
    """npm's cache for confined installs: the user's ``npm_config_cache``, else the app's own.

    It outlives runs (it lives in the app's state folder), so an install that changed nothing
    stays fast and a repeated one reads from disk.
    """
    configured = os.environ.get("npm_config_cache")
    return Path(configured) if configured else default_state_dir() / "npm-cache"


@dataclass
class Sandbox:
    """Starts the processes of one run's workspace, confined when possible.

    Args:
        workspace: The site's folder (read-write inside).
        private_dir: The run's sandbox state: ``home/`` and ``tmp/`` are created there.
        npm_cache: npm's cache folder (read-write inside; shared across runs).
        config: The user's sandbox settings.
    """

    workspace: Path
    private_dir: Path
    npm_cache: Path
    config: SandboxConfig = field(default_factory=SandboxConfig)
    _confinement: Confinement | None = field(default=None, init=False)
    _bwrap: str | None = field(default=None, init=False)

    @classmethod
    def for_run(cls, workspace: Path, state_dir: Path, config: SandboxConfig) -> Sandbox:
        """The sandbox of a run whose engine state lives in ``state_dir`` (``.webgen``)."""
        return cls(Path(workspace), Path(state_dir) / "sandbox", shared_npm_cache(), config)

    @property
    def home(self) -> Path:
        """The private HOME every child gets."""
        return self.private_dir / "home"

    @property
    def tmp(self) -> Path:
        """The private TMPDIR every child gets."""
        return self.private_dir / "tmp"

    async def prepare(self) -> Confinement:
        """Decide how processes will run (probing bwrap once) and create the private folders.

        Raises:
            SandboxUnavailable: Mode ``bwrap`` and no working bubblewrap.
        """
        if self._confinement is None:
            self._confinement = await asyncio.to_thread(self._decide)
        return self._confinement

    def _decide(self) -> Confinement:
        for folder in (self.home, self.tmp, self.npm_cache):
            folder.mkdir(parents=True, exist_ok=True)
        withheld = tuple(withheld_secrets(os.environ))
        if self.config.mode is SandboxMode.OFF:
            return Confinement(False, "none", "turned off in the settings", chosen_off=True,
                               network="everything the user can reach", withheld_env=withheld)
        probe = probe_bwrap(find_bwrap())
        if not probe.works:
            if self.config.mode is SandboxMode.BWRAP:
                raise SandboxUnavailable(
                    f"The sandbox is required but {probe.problem}. Install bubblewrap "
                    "(`apt install bubblewrap`), or run without it (--no-sandbox).")
            return Confinement(False, "none", probe.problem,
                               network="everything the user can reach", withheld_env=withheld)
        self._bwrap = probe.path
        return Confinement(True, "bubblewrap", f"{probe.version or 'bwrap'} ({probe.path})",
                           network="installs and servers: the host's network; "
                           "builds and `npm run` commands: none",
                           withheld_env=withheld)

    def environment(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """The complete environment of a child: allow-list, private folders, then ``extra``."""
        private = {"HOME": str(self.home), "TMPDIR": str(self.tmp),
                   "npm_config_cache": str(self.npm_cache)}
        return child_environment(os.environ, {**private, **(extra or {})})

    def _wrap(self, argv: Sequence[str], cwd: Path, env: dict[str, str],
              network: bool) -> list[str]:
        if self._bwrap is None:
            return list(argv)
        readonly = tool_prefixes(("node", "npm", argv[0]), env["PATH"])
        writable = [self.workspace, self.home, self.tmp, self.npm_cache]
        if not Path(cwd).resolve().is_relative_to(self.workspace.resolve()):
            raise ValueError(f"{cwd} is outside the workspace {self.workspace}")
        return confined_argv(self._bwrap, argv, cwd=Path(cwd), writable=writable,
                             readonly=readonly, env=env, network=network)

    async def run(
        self,
        argv: Sequence[str],
        cwd: Path | str,
        timeout_s: float,
        env: Mapping[str, str] | None = None,
        *,
        network: bool = True,
        log_file: Path | None = None,
    ) -> CommandResult:
        """Run a finite command of the workspace (an install, a build, ``npm run X``).

        Args:
            argv: Program and arguments (no shell).
            cwd: Working directory inside the workspace.
            timeout_s: Seconds before it is stopped.
            env: The engine's own variables for it (never the user's environment).
            network: False cuts it off from every network but its own loopback.
            log_file: Also append its output here.

        Returns:
            How it ended; the result's ``argv`` is ``argv`` as given, not the sandbox's.
        """
        await self.prepare()
        full_env = self.environment(env)
        wrapped = self._wrap(argv, Path(cwd), full_env, network)
        result = await run_command(wrapped, cwd, timeout_s, full_env, inherit_env=False,
                                   log_file=log_file)
        tail = result.output_tail.replace(shlex.join(wrapped), shlex.join(argv))
        return CommandResult(tuple(argv), result.returncode, tail, result.seconds,
                             result.timed_out)

    async def start(
        self,
        argv: Sequence[str],
        cwd: Path | str,
        env: Mapping[str, str] | None = None,
        *,
        name: str = "",
        log_file: Path | None = None,
        confine: bool = True,
    ) -> ManagedProcess:
        """Start a long-running process of the workspace (the dev server).

        Args:
            argv: Program and arguments (no shell).
            cwd: Working directory inside the workspace.
            env: The engine's own variables for it (PORT, HOST, ...).
            name: A label for messages.
            log_file: Also append its output here.
            confine: False only for the engine's own programs that merely read the
                workspace (the static file server); they still get the filtered environment.

        Raises:
            FileNotFoundError: The program does not exist.
        """
        await self.prepare()
        full_env = self.environment(env)
        wrapped = self._wrap(argv, Path(cwd), full_env, True) if confine else list(argv)
        return await ManagedProcess.start(wrapped, cwd, full_env, name=name or Path(argv[0]).name,
                                          log_file=log_file, inherit_env=False)


_REFUSAL = re.compile(
    r"\b(EROFS|EACCES|EPERM|ENOENT)\b[^'\"\n]*?['\"]((?:/|~)[^'\"\n]+)['\"]"
    r"|\b(EROFS|EACCES|EPERM|ENOENT)[^/\n]*?(/[^\s,'\"]+)"
)
_REASONS = {"EROFS": "read-only in the sandbox", "ENOENT": "not visible in the sandbox",
            "EACCES": "permission denied", "EPERM": "not permitted"}


def refusals_in(output: str, workspace: Path, private: Sequence[Path] = ()) -> list[str]:
    """What the sandbox refused, as far as the programs' own error messages tell.

    A Node.js or shell error naming a path outside the workspace and the private folders is a
    write or read the sandbox turned down (EROFS: the path is read-only; ENOENT: it is not
    visible at all).

    Returns:
        One line per distinct path, e.g. ``/root/canary.txt: not visible in the sandbox``.
    """
    inside = [Path(workspace), *private]
    found: dict[str, str] = {}
    for match in _REFUSAL.finditer(output):
        code = match.group(1) or match.group(3)
        path = (match.group(2) or match.group(4) or "").rstrip(".:;)")
        if not path.startswith("/") or any(Path(path).is_relative_to(p) for p in inside):
            continue
        found.setdefault(path, _REASONS[code])
    return [f"{path}: {why}" for path, why in found.items()]
