"""Choosing how to serve a site, and how to point that command at our port on loopback."""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent_core.errors import RuntimeFailure
from agent_core.runtime.guard import python_module_argv

LOOPBACK = "127.0.0.1"
STATIC_MODULE = "agent_core.runtime.static_server"
_RUNNERS = {"npm", "npm.cmd", "yarn", "yarn.cmd", "pnpm", "pnpm.cmd", "bun"}
_WRAPPERS = {"cross-env", "env", "npx", "pnpx", "bunx", "dotenv", "--", "exec", "dlx"}
_PORT_OPTIONS = {"--port", "-p", "--host", "-H", "--hostname", "-l", "--listen"}
_WATCHING_TOOLS = {
    "parcel",
    "nodemon",
    "serve",
    "http-server",
    "live-server",
    "lite-server",
    "browser-sync",
    "svelte-kit",
}


@dataclass(frozen=True)
class StartPlan:
    """How to serve a site. Two equal plans start the same server.

    Attributes:
        argv: The serving command, before the port options added at launch.
        source: ``requested`` (the coder's start action), ``dev``, ``start``, ``preview``
            (after ``build``) or ``static`` (the built-in static server).
        tool: What serves: ``vite``, ``next``, ``astro``, ``webpack``, ``static`` or ``other``
            (``other`` gets only the PORT/HOST environment variables).
        hot_reload: Whether the server picks up edited files by itself; when False every
            :meth:`DevServer.ensure_running` restarts it (and rebuilds first, see ``pre``).
        script_text: The package.json script the command runs, so editing it changes the plan.
        pre: Commands to run before starting, e.g. ``npm run build`` before ``preview``.
        accepts_port: False when the command already fixes its own port or host.
    """

    argv: tuple[str, ...]
    source: str
    tool: str = "other"
    hot_reload: bool = True
    script_text: str = ""
    pre: tuple[tuple[str, ...], ...] = ()
    accepts_port: bool = True

    @property
    def display(self) -> str:
        """The command as a shell would show it."""
        return shlex.join(self.argv)


def _last_segment_tokens(text: str) -> list[str]:
    segment = re.split(r"&&|\|\||;|\|", text)[-1].strip()
    try:
        tokens = shlex.split(segment)
    except ValueError:
        tokens = segment.split()
    while tokens and (tokens[0] in _WRAPPERS or re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", tokens[0])):
        tokens.pop(0)
    return tokens


def classify(command_text: str, script_name: str = "") -> tuple[str, bool, bool]:
    """Which tool a command line runs, whether it hot-reloads, and whether it takes our port.

    Args:
        command_text: A package.json script body or a command line.
        script_name: The script's name (an unknown tool in a ``dev`` script is assumed to
            watch files).

    Returns:
        ``(tool, hot_reload, accepts_port)``.
    """
    tokens = _last_segment_tokens(command_text)
    accepts = not any(t.split("=")[0] in _PORT_OPTIONS for t in tokens)
    if not tokens:
        return "other", script_name == "dev", accepts
    cmd = Path(tokens[0]).name.lower().removesuffix(".cmd").removesuffix(".js")
    sub = next((t for t in tokens[1:] if not t.startswith("-")), "")
    if cmd == "vite":
        return "vite", sub not in ("build", "preview"), accepts
    if cmd == "next":
        return "next", sub == "dev", accepts
    if cmd == "astro":
        return "astro", sub in ("", "dev"), accepts
    if cmd in ("webpack-dev-server", "webpack", "webpack-cli"):
        return "webpack", cmd == "webpack-dev-server" or sub in ("serve", "s"), accepts
    if cmd == "react-scripts":
        return "other", sub == "start", accepts
    if cmd in ("nuxt", "nuxi"):
        return "other", sub == "dev", accepts
    if cmd in _WATCHING_TOOLS:
        return "other", True, accepts
    return "other", script_name == "dev", accepts


def script_of(argv: Sequence[str]) -> str | None:
    """The package.json script an ``npm run X`` / ``npm start`` / ``yarn X`` command runs."""
    if not argv or Path(argv[0]).name.lower() not in _RUNNERS:
        return None
    args = [a for a in argv[1:] if not a.startswith("-")]
    if not args:
        return None
    if args[0] in ("run", "run-script") and len(args) > 1:
        return args[1]
    if args[0] in ("start", "dev", "preview", "serve"):
        return args[0]
    return None if Path(argv[0]).name.lower().startswith("npm") else args[0]


def read_package_json(root: Path) -> dict[str, Any] | None:
    """The parsed package.json of ``root``, or None when there is none.

    Raises:
        RuntimeFailure: package.json exists but is not a JSON object.
    """
    path = root / "package.json"
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RuntimeFailure(
            f"{path} is not valid JSON ({exc}); fix it so the site can be installed and served.",
            phase="serve",
        ) from exc
    if not isinstance(data, dict):
        raise RuntimeFailure(f"{path} must contain a JSON object.", phase="serve")
    return data


def _npm_plan(name: str, text: str, source: str) -> StartPlan:
    tool, hot, accepts = classify(text, name)
    argv = ("npm", "start") if name == "start" else ("npm", "run", name)
    return StartPlan(argv, source, tool, hot, text, (), accepts)


def static_plan(root: Path) -> StartPlan:
    """The built-in static server serving ``root``."""
    argv, _ = python_module_argv(STATIC_MODULE)
    return StartPlan((*argv, "--dir", str(root)), "static", "static", True, "", (), True)


def choose_start_command(root: Path, requested: Sequence[str] | None = None) -> StartPlan:
    """Decide how to serve the site in ``root``.

    The coder's (already vetted) start command wins; else the package.json script ``dev``,
    else ``start``, else ``build`` followed by ``preview``; else an index.html is served by the
    built-in static server.

    Args:
        root: The site folder.
        requested: The command from the coder's start action, if any.

    Returns:
        The plan.

    Raises:
        RuntimeFailure: (phase ``serve``) nothing in ``root`` can be served, or package.json
            is unreadable.
    """
    root = Path(root)
    package = read_package_json(root)
    scripts = package.get("scripts") if package else None
    scripts = {k: v for k, v in scripts.items() if isinstance(v, str)} if scripts else {}
    if requested:
        argv = tuple(requested)
        name = script_of(argv)
        text = scripts.get(name, "") if name else shlex.join(argv)
        tool, hot, accepts = classify(text, name or "")
        accepts = accepts and not any(a.split("=")[0] in _PORT_OPTIONS for a in argv)
        return StartPlan(argv, "requested", tool, hot, text, (), accepts)
    for name in ("dev", "start"):
        if scripts.get(name, "").strip():
            return _npm_plan(name, scripts[name], name)
    if scripts.get("build", "").strip() and scripts.get("preview", "").strip():
        plan = _npm_plan("preview", scripts["preview"], "preview")
        text = f"{scripts['build']}\n{scripts['preview']}"
        build = (("npm", "run", "build"),)
        return StartPlan(plan.argv, "preview", plan.tool, False, text, build, plan.accepts_port)
    if (root / "index.html").is_file():
        return static_plan(root)
    raise RuntimeFailure(
        f'Nothing to serve in {root}: there is no package.json with a "dev", "start" or '
        '"build" + "preview" script, and no index.html. Add a "dev" script (for example '
        '"vite") to package.json, or write an index.html.',
        phase="serve",
    )


def launch_argv(plan: StartPlan, port: int, host: str = LOOPBACK) -> list[str]:
    """The plan's command with the options that bind it to ``host:port``.

    Args:
        plan: The start plan.
        port: The port the server must use.
        host: The address it must bind.

    Returns:
        The argv to run (an ``npm run`` script gets its options after ``--``).
    """
    argv = list(plan.argv)
    if plan.tool == "static":
        return [*argv, "--port", str(port), "--host", host]
    if not plan.accepts_port:
        return argv
    flags = {
        "vite": ["--host", host, "--port", str(port), "--strictPort"],
        "next": ["-H", host, "-p", str(port)],
        "astro": ["--host", host, "--port", str(port)],
        "webpack": ["--host", host, "--port", str(port)],
    }.get(plan.tool, [])
    if flags and Path(argv[0]).name.lower().startswith("npm") and "--" not in argv:
        argv.append("--")
    return argv + flags


def launch_env(port: int, host: str = LOOPBACK) -> dict[str, str]:
    """Environment variables that most dev servers read for their port and host."""
    return {
        "PORT": str(port),
        "HOST": host,
        "BROWSER": "none",
        "NO_COLOR": "1",
        "FORCE_COLOR": "0",
        "npm_config_update_notifier": "false",
    }
