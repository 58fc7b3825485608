"""Installing a site's npm dependencies only when they changed.

The hash of package.json and package-lock.json after the last successful install is kept in a
state file. A step that changed neither (and still has node_modules) installs nothing; a failed
install forgets the recorded hash, so the next step installs again.

A dependency set installed before (in any run) is hard-linked from the app's store
(:mod:`agent_core.runtime.dep_store`) instead of running ``npm install`` again; after every
successful install the set is kept there.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import shlex
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from agent_core.config import DependencyScripts
from agent_core.runtime.dep_store import DependencyStore, dependency_key
from agent_core.runtime.install_scripts import plan_scripts
from agent_core.runtime.processes import CommandResult
from agent_core.runtime.sandbox import Sandbox

NPM_FLAGS = ("--no-audit", "--no-fund")
_FULL_INSTALL_VERBS = {"install", "i", "in", "ins", "inst", "insta", "instal", "isntall", "add"}
_TREE_VERBS = _FULL_INSTALL_VERBS | {"ci", "update", "up", "uninstall", "remove", "rm", "un"}
PLAIN_INSTALL = ("npm", "install", *NPM_FLAGS)
_NPM_ENV = {"npm_config_update_notifier": "false"}


@dataclass(frozen=True)
class InstallResult:
    """What one call of :meth:`DependencyInstaller.install` did.

    Attributes:
        ran: Whether any command ran (False: dependencies were already up to date).
        ok: Whether the dependencies are installed now.
        seconds: Wall time.
        log_tail: The last lines of npm's output (the error, when it failed).
        command: The commands run, joined with `` && ``.
        deps_changed: Whether installed dependencies changed, so a running dev server must
            restart to see them.
        message: One sentence for the user: what happened, and on failure what to fix.
        skipped_scripts: Dependencies whose install scripts did not run (not on the
            allow-list).
        ran_scripts: Dependencies and project scripts whose install scripts ran.
        linked_from: The store entry ``node_modules`` was hard-linked from instead of
            running npm ('' when npm ran or nothing was needed).
    """

    ran: bool
    ok: bool
    seconds: float
    log_tail: str
    command: str
    deps_changed: bool = False
    message: str = ""
    skipped_scripts: tuple[str, ...] = ()
    ran_scripts: tuple[str, ...] = ()
    linked_from: str = ""


def _verb(argv: Sequence[str]) -> str | None:
    if not argv or Path(argv[0]).name.lower() not in ("npm", "npm.cmd"):
        return None
    return next((a for a in argv[1:] if not a.startswith("-")), None)


def is_full_install(argv: Sequence[str]) -> bool:
    """Whether ``argv`` is an ``npm install`` that installs the whole project tree."""
    is_global = any(a in ("-g", "--global", "--location=global") for a in argv)
    return _verb(argv) in _FULL_INSTALL_VERBS | {"ci"} and not is_global


def is_plain_install(argv: Sequence[str]) -> bool:
    """Whether ``argv`` installs exactly what package.json and the lockfile say (no packages named).

    ``npm install``, ``npm i`` or ``npm ci`` with only flags: its result is the same for every
    project with the same dependency set, so the store can stand in for it.
    """
    if not is_full_install(argv):
        return False
    return [a for a in argv[1:] if not a.startswith("-")] == [_verb(argv)]


def with_npm_flags(argv: Sequence[str], *, ignore_scripts: bool = False) -> list[str]:
    """``argv`` with ``--no-audit --no-fund`` added when it is an npm command changing the tree.

    Args:
        argv: The command.
        ignore_scripts: Also add ``--ignore-scripts`` (the allow-list runs them afterwards).
    """
    args = list(argv)
    if _verb(args) in _TREE_VERBS:
        flags = (*NPM_FLAGS, "--ignore-scripts") if ignore_scripts else NPM_FLAGS
        args += [flag for flag in flags if flag not in args]
    return args


class DependencyInstaller:
    """Decides whether a site needs ``npm install`` and runs it.

    Args:
        root: The site folder (with package.json).
        state_file: Where the hash of the last successful install is recorded.
        sandbox: Starts npm (every install runs the model's code: lifecycle scripts).
        env: Extra environment variables for npm.
        log_file: Also append npm's output to this file.
        scripts: Run only allow-listed dependencies' install scripts, or all of them.
        store: The store of dependency sets installed before (None: always run npm).
    """

    def __init__(
        self,
        root: Path,
        state_file: Path,
        sandbox: Sandbox,
        *,
        env: Mapping[str, str] | None = None,
        log_file: Path | None = None,
        scripts: DependencyScripts = DependencyScripts.ALLOWLIST,
        store: DependencyStore | None = None,
    ) -> None:
        self.root = Path(root)
        self.state_file = Path(state_file)
        self.sandbox = sandbox
        self._env = {**_NPM_ENV, **(env or {})}
        self._log_file = log_file
        self._allowlist = scripts is DependencyScripts.ALLOWLIST
        self.store = store

    def fingerprint(self) -> str | None:
        """sha256 of package.json and package-lock.json, or None without a package.json."""
        package = self.root / "package.json"
        if not package.is_file():
            return None
        digest = hashlib.sha256()
        for path in (package, self.root / "package-lock.json"):
            digest.update(path.name.encode() + b"\0")
            digest.update(path.read_bytes() if path.is_file() else b"<absent>")
            digest.update(b"\0")
        return digest.hexdigest()

    def recorded_fingerprint(self) -> str | None:
        """The fingerprint recorded after the last successful install, if any."""
        try:
            data = json.loads(self.state_file.read_text())
        except (OSError, ValueError):
            return None
        value = data.get("fingerprint") if isinstance(data, dict) else None
        return value if isinstance(value, str) else None

    def needs_install(self) -> bool:
        """True when package.json exists and dependencies may be missing or stale.

        That is: no install succeeded yet for this package.json and lockfile, or node_modules
        is missing although package.json declares dependencies.
        """
        current = self.fingerprint()
        if current is None:
            return False
        if current != self.recorded_fingerprint():
            return True
        return self._declares_dependencies() and not (self.root / "node_modules").is_dir()

    def _declares_dependencies(self) -> bool:
        try:
            data = json.loads((self.root / "package.json").read_text())
        except (OSError, ValueError):
            return True
        if not isinstance(data, dict):
            return True
        keys = ("dependencies", "devDependencies", "optionalDependencies")
        return any(data.get(key) for key in keys)

    def plan(self, commands: Sequence[Sequence[str]] = ()) -> list[list[str]]:
        """The commands :meth:`install` would run now (empty: nothing to do).

        The model's commands run as given (with ``--no-audit --no-fund``); a plain
        ``npm install`` runs first only when an install is needed and none of the model's
        commands installs the whole tree anyway.
        """
        planned = [with_npm_flags(c, ignore_scripts=self._allowlist) for c in commands if c]
        if self.needs_install() and not any(is_full_install(c) for c in planned):
            planned.insert(0, with_npm_flags(PLAIN_INSTALL, ignore_scripts=self._allowlist))
        return planned

    async def install(
        self, commands: Sequence[Sequence[str]] = (), timeout_s: float = 300.0
    ) -> InstallResult:
        """Run the model's npm install commands and/or ``npm install`` when needed.

        Args:
            commands: Argv lists from the model's install actions, e.g. ``npm install recharts``.
            timeout_s: Seconds for all commands together.

        Returns:
            The result; a failing or timed-out npm gives ``ok=False`` with npm's output tail,
            never an exception.
        """
        started = time.monotonic()
        planned = self.plan(commands)
        if not planned:
            return InstallResult(False, True, 0.0, "", "", False, "Dependencies are up to date.")
        plain = all(is_plain_install(c) for c in planned)
        key = await asyncio.to_thread(dependency_key, self.root) if self.store else None
        if plain and key is not None:
            linked = await self._link_from_store(key, started)
            if linked is not None:
                return linked
        before = self.recorded_fingerprint()
        had_modules = (self.root / "node_modules").is_dir()
        if self.store is not None:  # npm changes the tree: it is no longer the linked set
            await asyncio.to_thread(self.store.forget_link, self.root)
        command = " && ".join(shlex.join(c) for c in planned)
        tails: list[str] = []
        for argv in planned:
            result = await self._npm(argv, started, timeout_s)
            tails.append(result.output_tail)
            if not result.ok:
                await asyncio.to_thread(self._record, None, command)
                return self._failure(result, started, command, timeout_s)
        scripts = await asyncio.to_thread(plan_scripts, self.root) if self._allowlist else None
        for argv in scripts.commands() if scripts else ():
            result = await self._npm(argv, started, timeout_s)
            tails.append(result.output_tail)
            if not result.ok:
                await asyncio.to_thread(self._record, None, command)
                return self._failure(result, started, shlex.join(argv), timeout_s)
        after = await asyncio.to_thread(self.fingerprint)
        await asyncio.to_thread(self._record, after, command)
        await asyncio.to_thread(self._keep, key if plain else None)
        changed = after != before or not had_modules or any(_verb(c) == "ci" for c in planned)
        return InstallResult(
            ran=True,
            ok=True,
            seconds=time.monotonic() - started,
            log_tail="\n".join(t for t in tails if t)[-8000:],
            command=command,
            deps_changed=changed,
            message=f"Installed dependencies with `{command}`.",
            skipped_scripts=scripts.skipped if scripts else (),
            ran_scripts=(*scripts.rebuild, *scripts.own) if scripts else (),
        )

    async def _link_from_store(self, key: str, started: float) -> InstallResult | None:
        """Hard-link a dependency set installed before; None when the store cannot."""
        assert self.store is not None
        if await asyncio.to_thread(self.store.linked_key, self.root) == key:
            command = "none: node_modules was linked from the dependency store before"
        elif (self.root / "node_modules").exists():
            return None  # npm updates an existing tree faster than it can be swapped
        else:
            linked = await asyncio.to_thread(self.store.link_into, self.root, key)
            if linked is None:
                return None
            command = f"link node_modules from the dependency store ({linked.files} files)"
        after = await asyncio.to_thread(self.fingerprint)
        await asyncio.to_thread(self._record, after, command)
        return InstallResult(
            ran=True, ok=True, seconds=time.monotonic() - started, log_tail="",
            command=command, deps_changed=True, linked_from=key,
            message=(f"Linked node_modules from a dependency set installed before ({key[:12]})"
                     " instead of running npm install."),
        )

    def _keep(self, key: str | None) -> None:
        """Keep the installed tree in the store, under ``key`` or (None) its current key."""
        if self.store is None:
            return
        key = key or dependency_key(self.root)
        if key is not None:
            self.store.save_from(self.root, key)

    async def _npm(self, argv: Sequence[str], started: float, timeout_s: float) -> CommandResult:
        remaining = timeout_s - (time.monotonic() - started)
        return await self.sandbox.run(argv, self.root, max(remaining, 0.1), self._env,
                                      log_file=self._log_file)

    def _failure(
        self, result: CommandResult, started: float, command: str, timeout_s: float
    ) -> InstallResult:
        where = f"in {self.root}"
        if result.timed_out:
            why = f"did not finish within {timeout_s:g} s and was stopped"
        elif result.returncode is None:
            why = "could not start (is Node.js with npm installed and on PATH?)"
        else:
            why = f"failed with exit code {result.returncode}"
        message = (
            f"`{result.command}` {why} {where}. See npm's output for the cause "
            "(a misspelled or unavailable package, a version conflict, or no network)."
        )
        return InstallResult(
            ran=True,
            ok=False,
            seconds=time.monotonic() - started,
            log_tail=result.output_tail,
            command=command,
            deps_changed=False,
            message=message,
        )

    def _record(self, fingerprint: str | None, command: str) -> None:
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        data = {"fingerprint": fingerprint, "command": command, "at": time.time()}
        if fingerprint is None:
            data["last_failure"] = command
        tmp = self.state_file.with_name(self.state_file.name + ".tmp")
        tmp.write_text(json.dumps(data, indent=1))
        tmp.replace(self.state_file)
