"""The actions a coder reply can contain, and the parsed form of a whole reply."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeGuard

SignalName = Literal["screenshot_validated", "finish"]
"""The two signals a coder can send instead of (or after) editing."""

SIGNAL_NAMES: tuple[SignalName, ...] = ("screenshot_validated", "finish")


def is_signal_name(text: str) -> TypeGuard[SignalName]:
    """Whether ``text`` (an action type, already lower case) names one of the signals."""
    return text in SIGNAL_NAMES


@dataclass(frozen=True)
class FileAction:
    """Write one file, whole.

    Attributes:
        path: The ``filePath`` attribute as the model wrote it (not yet checked; the workspace
            guard decides whether it may be written).
        content: The complete new content of the file.
    """

    path: str
    content: str


@dataclass(frozen=True)
class EditAction:
    """Replace one block of an existing file with new text.

    Attributes:
        path: The file, as the model wrote it (checked by the workspace guard).
        search: The exact text to find; it must occur exactly once in the file.
        replace: What it becomes.
    """

    path: str
    search: str
    replace: str


@dataclass(frozen=True)
class ShellAction:
    """Run a shell action's command text (checked by the command policy before it runs).

    Attributes:
        command: The command text, possibly several commands joined with ``&&``, ``;`` or
            newlines.
    """

    command: str


@dataclass(frozen=True)
class StartAction:
    """Start (or keep) the development server.

    Attributes:
        command: The start command, usually ``npm run dev``.
    """

    command: str


@dataclass(frozen=True)
class SignalAction:
    """A signal that decides the kind of step: GUI test or finish.

    Attributes:
        signal: ``screenshot_validated`` (the screenshot looks right; test the site) or
            ``finish`` (the work is done).
    """

    signal: SignalName


Action = FileAction | EditAction | ShellAction | StartAction | SignalAction
"""Any action of a coder reply."""


@dataclass(frozen=True)
class ParseIssue:
    """A problem with the format of a reply, worded so the coder model can fix it.

    Attributes:
        message: What was wrong and what happened because of it.
        offset: Character offset in the reply where the problem starts.
    """

    message: str
    offset: int


@dataclass(frozen=True)
class ParsedReply:
    """Everything taken from one coder reply.

    Attributes:
        actions: The complete actions, in the order they appeared.
        issues: Format problems; the actions they concern were not taken.
        title: The ``title`` of the first ``<boltArtifact>``, if any.
    """

    actions: tuple[Action, ...] = ()
    issues: tuple[ParseIssue, ...] = ()
    title: str | None = None

    @property
    def files(self) -> dict[str, str]:
        """Path to content of every file action; a path written twice keeps its last content."""
        return {a.path: a.content for a in self.actions if isinstance(a, FileAction)}

    @property
    def shell_commands(self) -> tuple[str, ...]:
        """The command texts of the shell actions, in order."""
        return tuple(a.command for a in self.actions if isinstance(a, ShellAction))

    @property
    def start_commands(self) -> tuple[str, ...]:
        """The command texts of the start actions, in order."""
        return tuple(a.command for a in self.actions if isinstance(a, StartAction))

    @property
    def signal(self) -> SignalName | None:
        """The reply's signal: ``finish`` wins over ``screenshot_validated``; None if neither."""
        signals = {a.signal for a in self.actions if isinstance(a, SignalAction)}
        if "finish" in signals:
            return "finish"
        if "screenshot_validated" in signals:
            return "screenshot_validated"
        return None

    @property
    def has_actions(self) -> bool:
        """Whether the reply contained at least one complete action."""
        return bool(self.actions)
