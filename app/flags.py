"""Command-line flags shared by ``webgen run``, ``resume``, ``models`` and ``bench``."""

from __future__ import annotations

import argparse
from typing import Any

from agent_core.config import Role, RunConfig

ROLE_FLAGS = ("provider", "base-url", "model", "api-key-env", "temperature", "max-tokens",
              "context-length", "timeout")  # fmt: skip
_ROLE_FLAG_HELP = {
    "provider": ("NAME", "openai (any OpenAI-compatible server) or ollama"),
    "base-url": ("URL", "the server, e.g. http://localhost:8000/v1 or http://localhost:11434"),
    "model": ("NAME", "the model as the server names it"),
    "api-key-env": ("VAR", "environment variable holding the API key (e.g. OPENAI_API_KEY)"),
    "temperature": ("T", "sampling temperature"),
    "max-tokens": ("N", "longest reply, in tokens"),
    "context-length": ("N", "tokens the model attends to; sent to Ollama as num_ctx"),
    "timeout": ("SECONDS", "give up on one request after this long"),
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
    return RunConfig(**{**config.__dict__, **changes})
