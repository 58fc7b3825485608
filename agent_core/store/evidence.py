"""What a step shows for itself: the critic's review, the runtime's results, the GUI test.

Each kind of evidence is a frozen dataclass with ``to_dict`` (the JSON kept in
``steps/NNNNNN.json``, see docs/run-directory.md) and a lenient ``from_dict``: old or odd
records read with defaults for what is missing or mistyped, and keys this version does not
know are kept in ``extra`` and written back, so a round trip loses nothing this version could
not read (:mod:`agent_core.store.evidence_io`). The three top-level dicts (``critic``,
``runtime``, ``gui``) carry ``"version"``: ``EVIDENCE_VERSION``.

Sequences are tuples and mappings are left out of the hash, so every class is hashable. The
GUI test's classes live in :mod:`agent_core.store.evidence_gui` and are exported here too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from agent_core.store.evidence_gui import GuiTest, GuiTestSummary, GuiTurn
from agent_core.store.evidence_io import EVIDENCE_VERSION, Fields, dump

Extra = Mapping[str, Any]


@dataclass(frozen=True)
class CriticReview:
    """The vision critic's review of a step's screenshot.

    Attributes:
        is_error: The page shows an error instead of the site.
        error_message: The error text read off the page.
        description: What the page looks like.
        suggestions: Changes that would better meet the request.
        grade_analysis: The critic's reasoning for the appearance grade.
        raw_replies: The model's replies by call (``check``, ``grade``, ``check#1``...).
        problems: Why a part of the review is missing, in words for the user.
        extra: Keys this version does not know, written back as they were.
    """

    is_error: bool = False
    error_message: str = ""
    description: str = ""
    suggestions: tuple[str, ...] = ()
    grade_analysis: str = ""
    raw_replies: Mapping[str, str] = field(default_factory=dict, hash=False)
    problems: tuple[str, ...] = ()
    extra: Extra = field(default_factory=dict, hash=False)

    def to_dict(self) -> dict[str, Any]:
        """The record's ``critic``."""
        return dump({
            "is_error": self.is_error, "error_message": self.error_message,
            "description": self.description, "suggestions": list(self.suggestions),
            "grade_analysis": self.grade_analysis, "raw_replies": dict(self.raw_replies),
            "problems": list(self.problems),
        }, self.extra, versioned=True)  # fmt: skip

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CriticReview:
        """Read a record's ``critic`` of any version."""
        f = Fields(data)
        return cls(
            is_error=f.flag("is_error"), error_message=f.text("error_message"),
            description=f.text("description"), suggestions=f.texts("suggestions"),
            grade_analysis=f.text("grade_analysis"), raw_replies=f.text_map("raw_replies"),
            problems=f.texts("problems"), extra=f.extra(),
        )  # fmt: skip


@dataclass(frozen=True)
class InstallResult:
    """The dependency installation of a step.

    Attributes:
        ran: Whether an install ran (False: dependencies were unchanged).
        ok: Whether it succeeded (True when none was needed).
        command: The install command.
        seconds: How long it took.
        log_tail: The end of its output, kept when it failed.
        skipped_scripts: Dependencies whose install scripts were not run (not allowed).
        ran_scripts: Dependencies whose install scripts were run.
        linked_from: The dependency store's entry that ``node_modules`` was hard-linked from
            instead of running npm ('' when npm ran).
        extra: Keys this version does not know.
    """

    ran: bool = False
    ok: bool = True
    command: str = ""
    seconds: float = 0.0
    log_tail: str = ""
    skipped_scripts: tuple[str, ...] = ()
    ran_scripts: tuple[str, ...] = ()
    linked_from: str = ""
    extra: Extra = field(default_factory=dict, hash=False)

    def to_dict(self) -> dict[str, Any]:
        """The runtime's ``install``."""
        return dump({
            "ran": self.ran, "ok": self.ok, "command": self.command, "seconds": self.seconds,
            "log_tail": self.log_tail, "skipped_scripts": list(self.skipped_scripts),
            "ran_scripts": list(self.ran_scripts), "linked_from": self.linked_from,
        }, self.extra)  # fmt: skip

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> InstallResult:
        """Read the runtime's ``install``."""
        f = Fields(data)
        return cls(
            ran=f.flag("ran"), ok=f.flag("ok", True), command=f.text("command"),
            seconds=f.number("seconds"), log_tail=f.text("log_tail"),
            skipped_scripts=f.texts("skipped_scripts"), ran_scripts=f.texts("ran_scripts"),
            linked_from=f.text("linked_from"), extra=f.extra(),
        )  # fmt: skip


@dataclass(frozen=True)
class ServeResult:
    """Whether the dev server answered after a step.

    Attributes:
        ok: The site answered.
        url: Its address ('' when it did not start).
        restarted: The server was (re)started for this step rather than kept running.
        error: Why it did not start.
        log_tail: The end of the server's output, kept when it did not start.
        extra: Keys this version does not know.
    """

    ok: bool = False
    url: str = ""
    restarted: bool = False
    error: str = ""
    log_tail: str = ""
    extra: Extra = field(default_factory=dict, hash=False)

    def to_dict(self) -> dict[str, Any]:
        """The runtime's ``serve``."""
        return dump({"ok": self.ok, "url": self.url, "restarted": self.restarted,
                     "error": self.error, "log_tail": self.log_tail}, self.extra)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ServeResult:
        """Read the runtime's ``serve``."""
        f = Fields(data)
        return cls(ok=f.flag("ok"), url=f.text("url"), restarted=f.flag("restarted"),
                   error=f.text("error"), log_tail=f.text("log_tail"), extra=f.extra())


@dataclass(frozen=True)
class PageCapture:
    """What the browser saw while taking the step's screenshot.

    Attributes:
        console: Page errors, console errors and failed requests.
        title: The page's title.
        blocked: The page's requests the site policy refused.
        extra: Keys this version does not know.
    """

    console: tuple[str, ...] = ()
    title: str = ""
    blocked: tuple[str, ...] = ()
    extra: Extra = field(default_factory=dict, hash=False)

    def to_dict(self) -> dict[str, Any]:
        """The runtime's ``browser``."""
        return dump({"console": list(self.console), "title": self.title,
                     "blocked": list(self.blocked)}, self.extra)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PageCapture:
        """Read the runtime's ``browser``."""
        f = Fields(data)
        return cls(console=f.texts("console"), title=f.text("title"),
                   blocked=f.texts("blocked"), extra=f.extra())


@dataclass(frozen=True)
class SandboxReport:
    """How the step's programs were confined, and what the sandbox refused them.

    Attributes:
        confined: They ran inside a sandbox.
        backend: ``bubblewrap`` or ``none``.
        detail: The sandbox's executable and version, or why there is none.
        chosen_off: The user turned the sandbox off.
        network: What the confined programs could reach.
        withheld_env: Names of the credential-looking variables kept from them.
        refused: Paths outside the project they were denied, as their output says.
        skipped_dependency_scripts: Dependencies whose install scripts were not run.
        extra: Keys this version does not know.
    """

    confined: bool = False
    backend: str = ""
    detail: str = ""
    chosen_off: bool = False
    network: str = ""
    withheld_env: tuple[str, ...] = ()
    refused: tuple[str, ...] = ()
    skipped_dependency_scripts: tuple[str, ...] = ()
    extra: Extra = field(default_factory=dict, hash=False)

    def to_dict(self) -> dict[str, Any]:
        """The runtime's ``sandbox``."""
        return dump({
            "confined": self.confined, "backend": self.backend, "detail": self.detail,
            "chosen_off": self.chosen_off, "network": self.network,
            "withheld_env": list(self.withheld_env), "refused": list(self.refused),
            "skipped_dependency_scripts": list(self.skipped_dependency_scripts),
        }, self.extra)  # fmt: skip

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SandboxReport:
        """Read the runtime's ``sandbox``."""
        f = Fields(data)
        return cls(
            confined=f.flag("confined"), backend=f.text("backend"), detail=f.text("detail"),
            chosen_off=f.flag("chosen_off"), network=f.text("network"),
            withheld_env=f.texts("withheld_env"), refused=f.texts("refused"),
            skipped_dependency_scripts=f.texts("skipped_dependency_scripts"), extra=f.extra(),
        )  # fmt: skip


@dataclass(frozen=True)
class RuntimeResult:
    """What running the step's code gave; a part is None when that stage did not happen.

    Attributes:
        install: The dependency installation.
        serve: The dev server.
        browser: The screenshot's page.
        sandbox: The confinement of the step's programs.
        reply_format: How the coder was asked to reply (``text`` or ``structured``; None in
            records older than that setting).
        reply_cut: Why the coder's reply was cut off (``length``, ``repetition``), if it was.
        gate: Why the render gate kept a candidate's page from the critic, if it did.
        candidate: Which candidate of its step this was: ``group`` (the index the group's
            steps share as their first), ``number`` (from 1), ``of`` and ``chosen``; None for a
            step taken with one reply.
        extra: Keys this version does not know.
    """

    install: InstallResult | None = None
    serve: ServeResult | None = None
    browser: PageCapture | None = None
    sandbox: SandboxReport | None = None
    reply_format: str | None = None
    reply_cut: str | None = None
    gate: str | None = None
    candidate: dict[str, Any] | None = field(default=None, hash=False)
    extra: Extra = field(default_factory=dict, hash=False)

    def failures(self) -> list[tuple[str, str]]:
        """``(stage, log tail)`` of a failed install, then a server that did not start."""
        failed = [("install", self.install), ("serve", self.serve)]
        return [(stage, part.log_tail) for stage, part in failed
                if part is not None and not part.ok]

    def to_dict(self) -> dict[str, Any]:
        """The record's ``runtime`` (stages that did not happen are left out)."""
        parts = {"install": self.install, "serve": self.serve, "browser": self.browser,
                 "sandbox": self.sandbox}
        known: dict[str, Any] = {k: p.to_dict() for k, p in parts.items() if p is not None}
        if self.reply_format is not None or self.reply_cut is not None:
            known.update(reply_format=self.reply_format, reply_cut=self.reply_cut)
        if self.gate is not None:
            known["gate"] = self.gate
        if self.candidate is not None:
            known["candidate"] = dict(self.candidate)
        return dump(known, self.extra, versioned=True)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RuntimeResult:
        """Read a record's ``runtime`` of any version."""
        f = Fields(data)
        return cls(
            install=f.part("install", InstallResult.from_dict),
            serve=f.part("serve", ServeResult.from_dict),
            browser=f.part("browser", PageCapture.from_dict),
            sandbox=f.part("sandbox", SandboxReport.from_dict),
            reply_format=f.maybe_text("reply_format"), reply_cut=f.maybe_text("reply_cut"),
            gate=f.maybe_text("gate"), candidate=_candidate(f.get("candidate")),
            extra=f.extra(),
        )


def _candidate(value: object) -> dict[str, Any] | None:
    """A stored ``candidate`` part, or None when absent or malformed."""
    if not isinstance(value, Mapping):
        return None
    try:
        return {"group": int(value["group"]), "number": int(value["number"]),
                "of": int(value["of"]), "chosen": bool(value["chosen"])}
    except (KeyError, TypeError, ValueError):
        return None


__all__ = [
    "EVIDENCE_VERSION", "CriticReview", "GuiTest", "GuiTestSummary", "GuiTurn", "InstallResult",
    "PageCapture", "RuntimeResult", "SandboxReport", "ServeResult",
]
