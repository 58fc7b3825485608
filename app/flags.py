"""Command-line flags shared by ``webgen run``, ``resume``, ``models``, ``bench`` and ``batch``."""

from __future__ import annotations

import argparse
from dataclasses import replace
from typing import Any

from agent_core.config import (
    CANDIDATES_OFFERED,
    MULTI_REPLY_MODES,
    PAPER_ABLATION,
    Condition,
    DependencyScripts,
    FeedbackLevel,
    Role,
    RunConfig,
    SandboxConfig,
    SandboxMode,
)
from agent_core.errors import ConfigError

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


def window_candidates(text: str) -> int:
    """An argparse type: a candidates count the window offers (1 to ``CANDIDATES_OFFERED``)."""
    value = positive_int(text)
    if value > CANDIDATES_OFFERED:
        raise argparse.ArgumentTypeError(
            f"the window tries at most {CANDIDATES_OFFERED} candidates per step; `webgen run "
            "--candidates N` takes more")
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


def add_condition_flags(parser: argparse.ArgumentParser, *, several: bool = False) -> None:
    """``--feedback``, ``--no-backtracking``, ``--no-select-best`` (the paper's ablation).

    With ``several``, also ``--condition SPEC`` (repeatable) and ``--paper-ablation``, to run
    several conditions in one invocation.
    """
    group = parser.add_argument_group("ablation condition (the paper's first experiment)")
    group.add_argument("--feedback", choices=[str(f) for f in FeedbackLevel], default=None,
                       help="what an edit step is checked with: execution (install, start, "
                       "console errors), screenshot (plus the critic) or full (plus the GUI "
                       "agent; the default)")  # fmt: skip
    group.add_argument("--no-backtracking", action="store_true",
                       help="never go back to an earlier step after errors in a row")
    group.add_argument("--no-select-best", action="store_true",
                       help="the last step is the result, not the best one")
    if not several:
        return
    group.add_argument("--condition", action="append", default=[], metavar="SPEC",
                       help="a condition to run, FEEDBACK[+no-backtracking][+no-select-best], "
                       "e.g. execution+no-backtracking+no-select-best (repeatable; each gets "
                       "its own folder)")  # fmt: skip
    group.add_argument("--paper-ablation", action="store_true",
                       help="the paper's three conditions: execution+no-backtracking+"
                       "no-select-best, full+no-backtracking+no-select-best, full")


def candidate_counts(args: argparse.Namespace) -> list[int]:
    """The counts ``--candidates`` gave (one value, several, or none)."""
    value = getattr(args, "candidates", None)
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def conditions_from(args: argparse.Namespace) -> list[Condition] | None:
    """The conditions named by ``--condition`` and ``--paper-ablation`` (None: neither given),
    each run once per count when ``--candidates`` gives several.

    Raises:
        ConfigError: A spec is wrong, a condition or count is given twice, or the
            single-condition flags are mixed in.
    """
    conditions = _named_conditions(args)
    counts = candidate_counts(args)
    if len(counts) < 2:
        return conditions
    for count in counts:
        if counts.count(count) > 1:
            raise ConfigError(f"--candidates gives {count} twice")
    if conditions is None:
        conditions = [Condition.of(apply_run_flags(RunConfig(), args))]
    elif any(c.candidates != 1 for c in conditions):
        raise ConfigError("give the candidates either in --condition (+candidates-N) or as "
                          "several --candidates values, not both")
    return [replace(c, candidates=n) for c in conditions for n in counts]


def _named_conditions(args: argparse.Namespace) -> list[Condition] | None:
    specs = list(getattr(args, "condition", None) or [])
    if not specs and not getattr(args, "paper_ablation", False):
        return None
    if args.feedback is not None or args.no_backtracking or args.no_select_best:
        raise ConfigError("give the condition either with --feedback / --no-backtracking / "
                          "--no-select-best or with --condition / --paper-ablation, not both")
    conditions = list(PAPER_ABLATION) if args.paper_ablation else []
    for spec in specs:
        condition = Condition.parse(spec)
        if condition in conditions:
            raise ConfigError(f"the condition {condition.name} is given twice")
        conditions.append(condition)
    return conditions


def _sandbox_changes(config: RunConfig, args: argparse.Namespace) -> SandboxConfig:
    changes: dict[str, Any] = {}
    if getattr(args, "sandbox", None) is not None:
        changes["mode"] = args.sandbox
    if getattr(args, "all_install_scripts", False):
        changes["dependency_scripts"] = DependencyScripts.ALL
    if getattr(args, "page_offline", False):
        changes["page_internet"] = False
    return replace(config.sandbox, **changes)


def add_candidate_flags(parser: argparse.ArgumentParser, *, several: bool = False) -> None:
    """``--candidates``, ``--candidates-served`` and ``--coder-requests`` (run, bench, batch).

    With ``several``, ``--candidates`` takes one or more counts: each is run apart, in its
    own folder, and the reports compare them (see :func:`conditions_from`).
    """
    if several:
        parser.add_argument("--candidates", type=positive_int, nargs="+", default=None,
                            metavar="N", help="try N coder replies per step (default 1); "
                            "several values (e.g. 1 2 4) run everything once per N, each in "
                            "its own folder, and compare them")  # fmt: skip
    else:
        parser.add_argument("--candidates", type=positive_int, default=None, metavar="N",
                            help="try N coder replies per step, each on its own copy of the "
                            "site; the best continues, the others are kept (default 1)")
    parser.add_argument("--candidates-served", type=positive_int, default=None, metavar="N",
                        help="how many candidates install, serve and are graded at once "
                             "(default 2)")
    parser.add_argument("--coder-requests", type=positive_int, default=None, metavar="N",
                        help="how many candidates' coder requests run at once (default 4)")
    parser.add_argument("--coder-multi-reply", choices=MULTI_REPLY_MODES, default=None,
                        help="auto: ask an OpenAI-compatible coder for all candidates in one "
                             "request (n) while its server honours that; never: one request "
                             "per candidate, each with its own seed (default auto)")


def role_flags(args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    """The role flags as ``{role: {setting: value or None}}`` for the settings resolver."""
    flags = {
        str(role): {
            ("timeout_s" if flag == "timeout" else flag.replace("-", "_")):
                getattr(args, f"{role}_{flag.replace('-', '_')}")
            for flag in ROLE_FLAGS
        }
        for role in Role
    }  # fmt: skip
    flags[str(Role.CODER)]["multi_reply"] = getattr(args, "coder_multi_reply", None)
    return flags


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
    if getattr(args, "feedback", None) is not None:
        changes["feedback"] = FeedbackLevel(args.feedback)
    if getattr(args, "no_backtracking", False):
        changes["backtracking"] = False
    if getattr(args, "no_select_best", False):
        changes["select_best"] = False
    for name in ("image_max_side", "candidates_served", "coder_requests"):
        if getattr(args, name, None) is not None:
            changes[name] = getattr(args, name)
    counts = candidate_counts(args)
    if len(counts) == 1:  # several are conditions of their own (conditions_from)
        changes["candidates"] = counts[0]
    changes["sandbox"] = _sandbox_changes(config, args)
    return RunConfig(**{**config.__dict__, **changes})
