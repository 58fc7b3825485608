"""Command-line flags shared by ``webgen run``, ``resume``, ``models`` and ``bench``."""

from __future__ import annotations

import argparse
from dataclasses import replace
from typing import Any

from agent_core.config import DependencyScripts, Role, RunConfig, SandboxConfig, SandboxMode

ROLE_FLAGS = ("provider", "base-url", "model", "api-key-env", "temperature", "max-tokens",
              "context-length", "timeout", "reply-format", "vision")  # fmt: skip
_ROLE_FLAG_HELP = {
    "provider": ("NAME", "openai (any OpenAI-compatible server) or ollama"),
    "base-url": ("URL", "the server, e.g. http://localhost:8000/v1 or http://localhost:11434"),
    "model": ("NAME", "the model as the server names it"),
    "api-key-env": ("VAR", "environment variable holding the API key (e.g. OPENAI_API_KEY)"),
    "temperature": ("T", "sampling temperature"),
    "max-tokens": ("N", "longest reply, in tokens (at most a third of the context is used)"),
    "reply-format": ("FORMAT", "text, structured (JSON under a schema) or auto (text, then "
                     "structured when the model keeps missing the format)"),
    "context-length": ("N", "tokens the model attends to; sent to Ollama as num_ctx"),
    "timeout": ("SECONDS", "give up on one request after this long"),
    "vision": ("yes|no|auto", "whether the model reads images (auto: guessed from its name); "
               "a coder that does not gets the critic's description of attached images"),
}


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1 (counts, samples, concurrency)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def add_role_flags(parser: argparse.ArgumentParser, title: str) -> None:
    """Add ``--<role>-<setting>`` for every role and setting."""
    group = parser.add_argument_group(title)
    for role in Role:
        for flag in ROLE_FLAGS:
            metavar, text = _ROLE_FLAG_HELP[flag]
            group.add_argument(f"--{role}-{flag}", default=None, metavar=metavar,
                               help=f"{role}: {text}")


def add_sandbox_flags(parser: argparse.ArgumentParser) -> None:
    """``--no-sandbox``, ``--require-sandbox``, ``--all-install-scripts`` and ``--page-offline``."""
    group = parser.add_argument_group("sandbox (see docs/security.md)")
    mode = group.add_mutually_exclusive_group()
    mode.add_argument("--no-sandbox", action="store_const", const=SandboxMode.OFF, dest="sandbox",
                      help="run the model's code unconfined (filtered environment, private HOME)")
    mode.add_argument("--require-sandbox", action="store_const", const=SandboxMode.BWRAP,
                      dest="sandbox", help="refuse to run when bubblewrap cannot confine it")
    group.add_argument("--all-install-scripts", action="store_true",
                       help="run every dependency's install scripts, not just the allow-list's")
    group.add_argument("--page-offline", action="store_true",
                       help="block the site's requests to the public internet as well")


def _sandbox_changes(config: RunConfig, args: argparse.Namespace) -> SandboxConfig:
    changes: dict[str, Any] = {}
    if getattr(args, "sandbox", None) is not None:
        changes["mode"] = args.sandbox
    if getattr(args, "all_install_scripts", False):
        changes["dependency_scripts"] = DependencyScripts.ALL
    if getattr(args, "page_offline", False):
        changes["page_internet"] = False
    return replace(config.sandbox, **changes)


def role_flags(args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    """The role flags as ``{role: {setting: value or None}}`` for the settings resolver."""
    return {
        str(role): {
            ("timeout_s" if flag == "timeout" else flag.replace("-", "_")):
                getattr(args, f"{role}_{flag.replace('-', '_')}")
            for flag in ROLE_FLAGS
        }
        for role in Role
    }  # fmt: skip


def apply_run_flags(config: RunConfig, args: argparse.Namespace) -> RunConfig:
    """``config`` changed by the run flags the user gave (absent flags change nothing)."""
    changes: dict[str, Any] = {}
    if getattr(args, "max_steps", None) is not None:
        changes["max_steps"] = args.max_steps
    if getattr(args, "error_limit", None) is not None:
        changes["error_limit"] = args.error_limit
    if getattr(args, "allow_command", None):
        changes["allowed_commands"] = (*config.allowed_commands, *args.allow_command)
    if getattr(args, "allow_any_command", False):
        changes["allow_any_command"] = True
    if getattr(args, "chromium", None):
        changes["chromium_path"] = args.chromium
    if getattr(args, "no_gui_testing", False):
        changes["gui_testing"] = False
    if getattr(args, "image_max_side", None) is not None:
        changes["image_max_side"] = args.image_max_side
    changes["sandbox"] = _sandbox_changes(config, args)
    return RunConfig(**{**config.__dict__, **changes})
