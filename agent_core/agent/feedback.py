"""The messages the coder receives after each step, in this project's own words."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from agent_core.config import RoleConfig
from agent_core.errors import ModelBadRequest
from agent_core.protocol.coder_prompt import reminder

VALIDATE_HINT = (
    "If the screenshot shows the site the instruction asks for and it looks right, reply "
    'with only <boltAction type="screenshot_validated"/> inside an artifact, and the site\'s '
    "features will be tested in a browser. Otherwise, keep editing: fix what is listed above, "
    "restating every file you change in full. Do not send the finish signal while you are "
    "still editing."
)

FINISH_HINT = (
    "No GUI agent tests this run's features. If the site does what the instruction asks, "
    'reply with only <boltAction type="finish"/> inside an artifact. Otherwise, keep editing: '
    "fix what is listed above, restating every file you change in full."
)
"""The ask after an edit step when no GUI agent will test the site (the ablation's
execution and screenshot conditions, or GUI testing turned off)."""

GUI_UNAVAILABLE = (
    "Functional testing with the GUI agent is turned off for this run, so the site's "
    "features were not exercised. If you are confident the site "
    'meets the instruction, reply with <boltAction type="finish"/>; otherwise keep editing.'
)


@dataclass
class EditReport:
    """What happened in an edit step, as input for its feedback message."""

    written: Sequence[str] = ()
    refused: Sequence[str] = ()
    protocol_issues: Sequence[str] = ()
    commands: Sequence[str] = ()
    install: str = ""
    serve: str = ""
    console: Sequence[str] = ()
    screenshot_error: str = ""
    critic_error: str = ""
    description: str = ""
    suggestions: Sequence[str] = ()
    appearance_grade: int | None = None
    notes: list[str] = field(default_factory=list)
    ask: str = VALIDATE_HINT
    """What the coder is asked to do next."""


def edit_feedback(report: EditReport, instruction: str) -> str:
    """Feedback after an edit step: install, server, screenshot review, then the ask."""
    parts = ["Here is what happened with your last reply."]
    if report.written:
        parts.append("Files written: " + ", ".join(report.written) + ".")
    parts += _bullets("Refused file actions", report.refused)
    parts += _bullets("Problems in your reply's format", report.protocol_issues)
    parts += _bullets("Commands", report.commands)
    parts += site_lines(report)
    parts += report.notes
    parts += ["", report.ask, "", reminder(instruction)]
    return "\n".join(p for p in parts if p is not None)


def site_lines(report: EditReport) -> list[str]:
    """What the install, the dev server, the browser console and the screenshot review said."""
    parts = [f"Dependency installation: {report.install}", f"Dev server: {report.serve}"]
    parts += _bullets("Errors in the browser console", report.console)
    return parts + _screenshot_part(report)


def _screenshot_part(report: EditReport) -> list[str]:
    if report.screenshot_error:
        return [f"Screenshot: could not be taken. {report.screenshot_error}"]
    if report.critic_error:
        return [f"Screenshot review: {report.critic_error}"]
    lines = []
    if report.description:
        lines.append(f"What the screenshot shows: {report.description}")
    if report.appearance_grade is not None:
        lines.append(f"Appearance grade: {report.appearance_grade}/5.")
    lines += _bullets("Suggestions", report.suggestions)
    return lines


def _bullets(title: str, items: Sequence[str]) -> list[str]:
    if not items:
        return []
    return [f"{title}:"] + [f"- {item}" for item in items]


def no_action_feedback(issues: Sequence[str], instruction: str) -> str:
    """Feedback for a reply that contained no usable action."""
    lines = [
        "Your last reply contained no action I could carry out: no file, command or signal "
        "inside a <boltArtifact>. Nothing was changed."
    ]
    lines += _bullets("Problems found", issues)
    lines += ["", VALIDATE_HINT, "", reminder(instruction)]
    return "\n".join(lines)


def gui_unavailable_feedback(instruction: str) -> str:
    """Feedback for a GUI-test step while no GUI agent is available."""
    return f"{GUI_UNAVAILABLE}\n\n{reminder(instruction)}"


def signal_with_files_note() -> str:
    """Why a signal sent together with file edits was not taken."""
    return (
        "Your reply changed files and also sent a signal; the signal was ignored because the "
        "new files have not been checked yet. Send the signal on its own once the result is "
        "right."
    )


def cut_note(reason: str, limit: int) -> str:
    """Why the coder's last reply was cut off, and what to do differently."""
    if reason == "repetition":
        return ("Your last reply was cut off because it kept repeating the same text. Actions "
                "that were complete before that were taken. Do not repeat yourself: send each "
                "file once.")
    return (f"Your last reply was cut off at the reply limit of {limit} tokens. Actions that "
            "were complete before that were taken. Send less per reply: fewer or smaller "
            "files, or edit actions instead of whole files.")


def context_overflow(error: ModelBadRequest, prompt_tokens: int, coder: RoleConfig) -> Exception:
    """``error`` with the numbers when the server says the prompt does not fit its context."""
    text = str(error).lower()
    if not any(word in text for word in ("context", "too long", "exceed", "maximum")):
        return error
    return ModelBadRequest(
        f"{error}. The prompt was about {prompt_tokens} tokens (estimated) and the reply may "
        f"take {coder.reply_limit}; the coder's context is set to {coder.context_length} "
        "tokens. Lower --coder-max-tokens, or give the server a longer context (llama.cpp: "
        "--n_ctx / -c; Ollama: --coder-context-length) and set the same length here.")
