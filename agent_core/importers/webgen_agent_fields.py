"""Field readers for WebGen-Agent step files (see ``agent_core.importers.webgen_agent``).

Each reader takes what the official code wrote, however odd, and returns what a
``StepRecord`` needs; anything odd is reported through a :class:`Notes` callback, never
raised.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from agent_core.store.evidence import CriticReview
from agent_core.store.records import StepKind

UNKNOWN_MODEL = "unknown (imported)"
MISSING: Any = object()
"""Marks a field that is absent (as opposed to present and null)."""

_DATA_URL = re.compile(r"data:image/[\w.+-]+;base64,[A-Za-z0-9+/=]+")
_FINISH = ('boltAction type="finish"', "boltAction type='finish'")
_VALIDATED = ('boltAction type="screenshot_validated"', "boltAction type='screenshot_validated'")


@dataclass(frozen=True)
class StepFile:
    """One readable ``step{i}.json``.

    Attributes:
        number: The ``i`` of its name.
        name: The file name, used in problem messages.
        data: Its JSON object.
        mtime: Its modification time (the only clock the log has).
    """

    number: int
    name: str
    data: dict[str, Any]
    mtime: float


@dataclass
class Notes:
    """Collects problem messages of one step file, prefixed with its name."""

    name: str
    sink: list[str]

    def __call__(self, text: str) -> None:
        """Record one problem."""
        self.sink.append(f"{self.name}: {text}")


def conversation(
    step: StepFile, following: StepFile | None, note: Notes
) -> tuple[str, dict[str, Any], str, dict[str, Any]]:
    """Reply, its info, the feedback after it and the feedback's info."""
    messages, problem = messages_of(step.data)
    if problem:
        note(problem)
    at = next(
        (i for i in range(len(messages) - 1, -1, -1) if messages[i].get("role") == "assistant"),
        None,
    )
    if at is None:
        if not problem:
            note("messages hold no assistant reply; reply and feedback are left empty")
        return "", {}, "", {}
    after = next((m for m in messages[at + 1 :] if m.get("role") == "user"), None)
    if after is None and following is not None:
        later, _ = messages_of(following.data)
        same = len(later) > at + 1 and later[at].get("content") == messages[at].get("content")
        after = later[at + 1] if same and later[at + 1].get("role") == "user" else None
    after = after or {}
    return (
        text_of(messages[at].get("content")),
        as_dict(messages[at].get("info")),
        text_of(after.get("content")),
        as_dict(after.get("info")),
    )


def messages_of(data: dict[str, Any]) -> tuple[list[dict[str, Any]], str | None]:
    """The message objects of a step and a problem message when they are odd."""
    raw = data.get("messages", MISSING)
    if raw is MISSING:
        return [], "messages is missing; reply and feedback are left empty"
    if not isinstance(raw, list):
        return [], f"messages is {json_type(raw)}, not a list; reply and feedback are left empty"
    kept = [m for m in raw if isinstance(m, dict)]
    odd = len(raw) - len(kept)
    return kept, (f"{odd} entries of messages are not objects; ignored" if odd else None)


def text_of(content: Any) -> str:
    """Message content as text; images become ``[image]``."""
    if content is None:
        return ""
    if isinstance(content, list):
        return "\n".join(t for t in (_part_text(part) for part in content) if t)
    return _DATA_URL.sub("[image]", content if isinstance(content, str) else str(content))


def _part_text(part: Any) -> str:
    if isinstance(part, dict):
        if part.get("type") in ("image_url", "image") or "image_url" in part:
            return "[image]"
        return text_of(part.get("text"))
    return text_of(part)


def step_kind(reply: str, info: dict[str, Any]) -> StepKind:
    """The kind, decided like the official code: ``is_finish`` or a substring of the reply."""
    if info.get("is_finish") is True or any(s in reply for s in _FINISH):
        return StepKind.FINISH
    if any(s in reply for s in _VALIDATED):
        return StepKind.GUI_TEST
    return StepKind.EDIT


def step_field(step: StepFile, key: str, note: Notes) -> Any:
    """A step's field, or its copy in ``nodes`` when the field itself is missing."""
    if key in step.data:
        return step.data[key]
    nodes = step.data.get("nodes")
    node = nodes.get(f"step{step.number}.json") if isinstance(nodes, dict) else None
    if isinstance(node, dict) and key in node:
        note(f"{key} is missing; taken from the step's entry in nodes")
        return node[key]
    return MISSING


def step_grades(step: StepFile, note: Notes) -> tuple[int | None, int | None, bool]:
    """Appearance grade, GUI grade and error flag of a step."""
    appearance = grade(step_field(step, "screenshot_grade", note), "screenshot_grade", 0, note)
    gui = grade(step_field(step, "webvoyager_grade", note), "webvoyager_grade", 1, note)
    return appearance, gui, error_flag(step_field(step, "has_error", note), appearance, note)


def grade(raw: Any, key: str, low: int, note: Notes) -> int | None:
    """A 0-5 (``low``-5) grade; 0 with ``low`` 1 is the official "not tested"."""
    if raw is MISSING or raw is None:
        note(f"{key} is {'missing' if raw is MISSING else 'null'}; stored as missing")
        return None
    value = _number(raw)
    if value is None:
        note(f"{key} {raw!r} is not a number; stored as missing")
        return None
    if value != int(value):
        note(f"{key} {raw!r} is not a whole number; stored as missing")
        return None
    whole = int(value)
    if low == 1 and whole == 0:
        return None
    if not low <= whole <= 5:
        note(f"{key} {raw!r} is outside {low}-5; stored as missing")
        return None
    if isinstance(raw, str):
        note(f"{key} {raw!r} is text; read as {whole}")
    return whole


def _number(raw: Any) -> float | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        value = float(raw)
    elif isinstance(raw, str):
        try:
            value = float(raw.strip())
        except ValueError:
            return None
    else:
        return None
    return value if math.isfinite(value) else None


def error_flag(raw: Any, appearance: int | None, note: Notes) -> bool:
    """``has_error``; when absent, the official rule (screenshot grade 2 or lower)."""
    if isinstance(raw, bool):
        return raw
    if raw is MISSING or raw is None:
        derived = appearance is not None and appearance <= 2
        note(
            f"has_error is {'missing' if raw is MISSING else 'null'}; read as "
            f"{str(derived).lower()} (the official rule: a screenshot grade of 2 or lower)"
        )
        return derived
    value = raw in (1, "1") or (isinstance(raw, str) and raw.strip().lower() in ("true", "yes"))
    note(f"has_error {raw!r} is not true or false; read as {str(value).lower()}")
    return value


def critic_report(info: dict[str, Any]) -> CriticReview | None:
    """The ``critic`` of an edit step from its feedback info, or None."""
    described, graded = info.get("screenshot_description"), info.get("screenshot_grade_json")
    if not isinstance(described, dict) and not isinstance(graded, dict):
        return None
    described, graded = as_dict(described), as_dict(graded)
    error = text_field(described, "error_message")
    suggestions = text_field(described, "suggestions")
    return CriticReview(
        is_error=described.get("is_error") is True or bool(error),
        error_message=error,
        description=text_field(described, "screenshot_description"),
        suggestions=(suggestions,) if suggestions else (),
        grade_analysis=text_field(graded, "analysis"),
    )


def error_reasons(info: dict[str, Any], appearance: int | None, kind: StepKind) -> list[str]:
    """Why the official code flagged the step, as far as its feedback info tells."""
    feedback = as_dict(info.get("feedback"))
    reasons = []
    failed = feedback.get("install_error")
    if isinstance(failed, list) and failed:
        reasons.append("dependency installation failed: " + ", ".join(map(str, failed)))
    if feedback.get("start_error") is True:
        reasons.append("the dev server printed errors while starting")
    for key, label in (
        ("screenshot_error", "no screenshot"),
        ("webvoyager_error", "the GUI agent could not run"),
    ):
        if text_field(feedback, key):
            reasons.append(f"{label}: {feedback[key]}")
    page_error = text_field(as_dict(info.get("screenshot_description")), "error_message")
    if page_error:
        reasons.append(f"the page shows an error: {page_error}")
    summary = feedback.get("webvoyager_feedback")
    no_summary = isinstance(summary, dict) and "improvement_suggestions" not in summary
    if kind is StepKind.GUI_TEST and no_summary:
        reasons.append("no GUI-test summary could be obtained")
    if appearance is not None and appearance <= 2:
        reasons.append(f"appearance grade {appearance} is 2 or lower")
    return reasons or ["marked as an error in the WebGen-Agent log"]


def instruction_of(steps: list[StepFile], problems: list[str]) -> str:
    """The first user message, verbatim: the official code adds no wrapper around it."""
    for step in steps:
        messages, _ = messages_of(step.data)
        first = next((m for m in messages if m.get("role") == "user"), None)
        if first is not None and text_of(first.get("content")).strip():
            return text_of(first.get("content")).strip()
    problems.append(
        f"{steps[0].name}: no step holds the instruction (the first user "
        "message); the instruction is left empty"
    )
    return ""


def model_name(steps: list[StepFile]) -> str:
    """Official logs name no model; forks that add ``model`` or ``coder_model`` do."""
    for step in steps:
        for key in ("model", "coder_model"):
            if name := text_field(step.data, key):
                return name.strip()
    return UNKNOWN_MODEL


def basename(path: Any) -> str:
    """The last part of a path written on any system; empty when there is none."""
    if not isinstance(path, str):
        return ""
    name = path.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return "" if name in ("", ".", "..") else name


def as_dict(value: Any) -> dict[str, Any]:
    """``value`` when it is an object, else an empty one."""
    return value if isinstance(value, dict) else {}


def text_field(data: dict[str, Any], key: str) -> str:
    """``data[key]`` when it is non-blank text, else ``""``."""
    value = data.get(key)
    return value if isinstance(value, str) and value.strip() else ""


def json_type(value: Any) -> str:
    """How a JSON value is named in problem messages."""
    names = {
        dict: "an object",
        list: "a list",
        str: "text",
        bool: "true/false",
        int: "a number",
        float: "a number",
        type(None): "null",
    }
    return names.get(type(value), type(value).__name__)
