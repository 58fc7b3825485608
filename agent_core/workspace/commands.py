"""Which shell commands of the coder may run, and how, without ever invoking a shell.

A shell action's text is split into words with :mod:`shlex` and into separate commands at
``&&``, ``;`` and line breaks; ``cd sub`` changes the folder of the commands after it.
Anything that needs a shell to mean what it says (pipes, redirections, ``||``, background
``&``, command substitution, variables, ``FOO=1 cmd``) is refused. A word made only of the
characters ``;&|<>()`` is read as an operator even when quoted, which can only make the
reading stricter.

Dependency installs run automatically, and so do the usual dev-server starts; everything
else needs the user's permission (a command prefix, or "allow any command"). A command text
is planned all or nothing: one refused part refuses the whole text.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from agent_core.errors import CommandRefused

CommandKind = Literal["install", "start", "other"]

_INSTALL_VERBS = frozenset({"install", "i", "ci", "add"})
_INSTALL_FLAGS = frozenset(
    {"--save-dev", "-D", "--save", "-S", "--save-exact", "-E"}
    | {"--legacy-peer-deps", "--no-audit", "--no-fund"}
)
_NAME = r"(?:@[A-Za-z0-9][\w.~-]*/)?[A-Za-z0-9][\w.~-]*"
_PACKAGE_SPEC = re.compile(rf"{_NAME}(?:@[\w.^~<>=*+| -]+)?")
_TARBALL = re.compile(r"\.(?:tgz|tar|tar\.gz)$", re.IGNORECASE)
_SCRIPT = re.compile(r"[A-Za-z0-9][\w:.-]*")
_SAFE_ARG = re.compile(r"[\w.:=/@%+,-]+")
_ASSIGNMENT = re.compile(r"[A-Za-z_]\w*=")
_VARIABLE = re.compile(r"\$[({A-Za-z_]")
_OPERATOR_CHARS = frozenset("();<>|&")
_NO_SHELL = "commands run one at a time, without a shell"


@dataclass(frozen=True)
class PlannedCommand:
    """One command ready to run as a process.

    Attributes:
        argv: Program and arguments, passed to the process as they are (no shell).
        cwd: Folder to run in, relative to the project (POSIX form, ``.`` for the root).
            Resolve it through the workspace guard before use.
        kind: ``install`` (npm install and friends), ``start`` (a dev-server or npm
            script start) or ``other``.
    """

    argv: tuple[str, ...]
    cwd: str = "."
    kind: CommandKind = "other"


class CommandPolicy:
    """Decides which commands of a shell action run.

    Args:
        allowed_prefixes: Extra commands the user allows, matched on whole words:
            ``"npx prisma"`` allows ``npx prisma migrate dev`` but not ``npx prismatic``.
        allow_any: Allow every command (still without a shell, still no pipes or
            redirections).
    """

    def __init__(self, allowed_prefixes: Sequence[str] = (), allow_any: bool = False) -> None:
        self.allowed_prefixes = tuple(
            tuple(words) for words in (shlex.split(p) for p in allowed_prefixes) if words
        )
        self.allow_any = allow_any

    def plan(self, command: str) -> list[PlannedCommand]:
        """Turn a shell action's text into the commands to run, in order.

        Args:
            command: The text, e.g. ``npm install react-router-dom && npm run dev``.

        Returns:
            The commands (empty for a blank or comment-only text).

        Raises:
            CommandRefused: Some part is not allowed or needs a shell; the message names the
                command, the reason, and how the user can allow it.
        """
        cwd = "."
        planned: list[PlannedCommand] = []
        for argv in split_commands(command):
            if argv[0] == "cd":
                cwd = _change_dir(cwd, argv)
                continue
            argv = _with_script_separator(argv)
            kind = classify(argv)
            problem = automatic_problem(argv, kind)
            if problem is not None and not self._user_allows(argv):
                shown = _display(argv)
                raise CommandRefused(
                    f"refused to run '{shown}': {problem}; allow it with "
                    f"--allow-command '{_suggested_prefix(argv)}' or in Settings"
                )
            planned.append(PlannedCommand(tuple(argv), cwd, kind))
        return planned

    def _user_allows(self, argv: list[str]) -> bool:
        if self.allow_any:
            return True
        return any(tuple(argv[: len(p)]) == p for p in self.allowed_prefixes)


def split_commands(command: str) -> list[list[str]]:
    """Split a command text into the argument lists of its commands.

    Args:
        command: The text of a shell action.

    Returns:
        One word list per command, in order.

    Raises:
        CommandRefused: The text uses something only a shell could run.
    """
    text = command.strip()
    problem = _shell_feature(text)
    if problem is not None:
        raise CommandRefused(f"refused to run '{_short(text)}': {problem}; {_NO_SHELL}")
    commands: list[list[str]] = []
    for line in text.replace("\\\r\n", " ").replace("\\\n", " ").splitlines():
        current: list[str] = []
        for word in _words(line, text):
            if word in ("&&", ";"):
                _flush(current, commands, text)
                current = []
            elif set(word) <= _OPERATOR_CHARS:
                raise CommandRefused(
                    f"refused to run '{_short(text)}': {_operator_problem(word)}; {_NO_SHELL}"
                )
            else:
                current.append(word)
        _flush(current, commands, text)
    return commands


def classify(argv: Sequence[str]) -> CommandKind:
    """The kind of a command by its shape, whoever allows it."""
    if len(argv) >= 2 and argv[0] == "npm" and argv[1] in _INSTALL_VERBS:
        return "install"
    if argv[0] == "vite" or tuple(argv[:2]) == ("npx", "vite"):
        return "start"
    if tuple(argv[:2]) in (("npm", "start"), ("npm", "run")):
        return "start"
    return "other"


def automatic_problem(argv: Sequence[str], kind: CommandKind) -> str | None:
    """Why a command does not run without the user's permission, or None if it does."""
    if kind == "install":
        return _install_problem(argv)
    if kind == "start":
        return _start_problem(argv)
    return "only dependency installs run automatically"


def _install_problem(argv: Sequence[str]) -> str | None:
    for word in argv[2:]:
        if word.startswith("-"):
            if word not in _INSTALL_FLAGS:
                allowed = ", ".join(sorted(_INSTALL_FLAGS))
                return f"the option '{word}' is not allowed in automatic installs ({allowed})"
        elif argv[1] == "ci":
            return "npm ci installs what package-lock.json lists and takes no package names"
        elif not _PACKAGE_SPEC.fullmatch(word) or _TARBALL.search(word) or len(word) > 256:
            return (
                f"'{word}' is not a package from the npm registry (names like react, "
                "@scope/pkg or pkg@^1.2 install automatically; URLs, git and paths do not)"
            )
    return None


def _start_problem(argv: Sequence[str]) -> str | None:
    if argv[0] == "vite":
        rest = argv[1:]
    elif argv[0] == "npx":
        rest = argv[2:]
    else:
        if argv[1] == "run":
            if len(argv) < 3 or not _SCRIPT.fullmatch(argv[2]):
                return "npm run needs the name of a script from package.json"
            rest = argv[3:]
        else:
            rest = argv[2:]
        if rest and rest[0] != "--":
            return "put arguments for the script after --, e.g. npm run dev -- --host"
        rest = rest[1:]
    for word in rest:
        if not _SAFE_ARG.fullmatch(word):
            return f"the argument '{word}' contains characters not allowed in a start command"
    return None


def _words(line: str, text: str) -> list[str]:
    """The words and operators of one line; a word starting with ``#`` starts a comment."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    lexer.commenters = ""
    try:
        words = list(lexer)
    except ValueError as exc:
        raise CommandRefused(f"refused to run '{_short(text)}': {exc} (unbalanced quotes)") from exc
    for i, word in enumerate(words):
        if word.startswith("#"):
            return words[:i]
    return words


def _flush(current: list[str], commands: list[list[str]], text: str) -> None:
    if not current:
        return
    if _ASSIGNMENT.match(current[0]):
        raise CommandRefused(
            f"refused to run '{_short(text)}': setting environment variables like "
            f"'{current[0]}' before a command is not supported; {_NO_SHELL}"
        )
    commands.append(list(current))


def _shell_feature(text: str) -> str | None:
    if "\x00" in text:
        return "the command contains a NUL byte"
    if "`" in text:
        return "command substitution with backticks is not supported"
    if "$(" in text:
        return "command substitution with $( ) is not supported"
    if _VARIABLE.search(text):
        return "shell variables like $HOME are not expanded"
    return None


def _operator_problem(word: str) -> str:
    if word == "|":
        return "pipes (|) are not supported"
    if word == "||":
        return "'||' is not supported; use && or separate shell actions"
    if word == "&":
        return "running in the background (&) is not supported; use a start action for servers"
    if "<" in word or ">" in word:
        return "redirections (<, >) are not supported"
    if "(" in word or ")" in word:
        return "parentheses and subshells are not supported"
    return f"'{word}' is not supported"


def _with_script_separator(argv: list[str]) -> list[str]:
    """``npm run dev --host`` means ``npm run dev -- --host``: add the ``--`` npm needs.

    Without it npm would read the words as its own settings (some of which, like
    ``--script-shell``, change what runs); with it they go to the script.
    """
    at = 3 if argv[:2] == ["npm", "run"] else 2 if argv[:2] == ["npm", "start"] else 0
    rest = argv[at:] if at else []
    if not rest or "--" in rest or not all(_SAFE_ARG.fullmatch(w) for w in rest):
        return argv
    return [*argv[:at], "--", *rest]


def _display(argv: Sequence[str]) -> str:
    """The command as text, quoting only the words that need it to be read back."""
    return " ".join(
        shlex.quote(w) if not w or set(w) & (_OPERATOR_CHARS | set(" \t\n'\"")) else w for w in argv
    )


def _change_dir(cwd: str, argv: list[str]) -> str:
    shown = _display(argv)
    if len(argv) != 2:
        raise CommandRefused(f"refused to run '{shown}': cd needs exactly one folder")
    target = argv[1].replace("\\", "/")
    new = posixpath.normpath(posixpath.join(cwd, target))
    if (
        target.startswith(("/", "~", "-"))
        or re.match(r"[A-Za-z]:", target)
        or (new == ".." or new.startswith("../"))
    ):
        raise CommandRefused(
            f"refused to run '{shown}': cd may only enter folders inside the project"
        )
    return new


def _suggested_prefix(argv: Sequence[str]) -> str:
    if argv[0] in ("npm", "npx", "pnpm", "yarn") and len(argv) > 1 and not argv[1].startswith("-"):
        return f"{argv[0]} {argv[1]}"
    return argv[0]


def _short(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= 200 else flat[:197] + "..."
