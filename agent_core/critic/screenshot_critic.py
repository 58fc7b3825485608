"""The screenshot critic: a vision model says whether the page is broken and grades it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from agent_core.critic import prompts
from agent_core.critic.jsonparse import (
    coerce_bool,
    coerce_number,
    coerce_str_list,
    extract_json,
)
from agent_core.llm.base import ChatModel, JsonSchema, Message, Usage
from agent_core.llm.schemas import schema_for
from agent_core.store.evidence import CriticReview

MIN_GRADE = 0
MAX_GRADE = 5
T = TypeVar("T")


@dataclass(frozen=True)
class CriticReport:
    """What the critic made of one screenshot.

    Attributes:
        is_error: The page shows an error instead of the site (overlay, stack trace,
            "Cannot GET", blank after a crash). False when the error check could not be read.
        error_message: The error text the model read off the page.
        description: Layout, components, colours, text and notable details.
        suggestions: Changes that would better meet the user's request.
        appearance_grade: 0-5, or None when the grade was missing, unreadable or invalid.
        grade_analysis: The model's reasoning for the grade.
        raw_replies: The model's replies: ``check`` and ``grade`` hold the last reply of each
            call; ``check#1``/``grade#1`` the first reply when that call was asked again.
        usage: Tokens and time of all calls together.
        problems: Why a field is missing, in words for the user (empty when all went well).
    """

    is_error: bool
    error_message: str
    description: str
    suggestions: list[str]
    appearance_grade: int | None
    grade_analysis: str
    raw_replies: dict[str, str]
    usage: Usage
    problems: list[str] = field(default_factory=list)

    def as_evidence(self) -> CriticReview:
        """The report as a step record keeps it (without the grade and usage)."""
        return CriticReview(
            is_error=self.is_error, error_message=self.error_message,
            description=self.description, suggestions=tuple(self.suggestions),
            grade_analysis=self.grade_analysis, raw_replies=dict(self.raw_replies),
            problems=tuple(self.problems),
        )  # fmt: skip


@dataclass(frozen=True)
class _Check:
    is_error: bool
    error_message: str
    description: str
    suggestions: list[str]


@dataclass(frozen=True)
class _Grade:
    value: int | float
    analysis: str


@dataclass
class _Answer(Generic[T]):
    """One call's outcome: what was read (None if unreadable), replies, usage, problems."""

    parsed: T | None
    raw: dict[str, str]
    usage: Usage
    problems: list[str]


class ScreenshotCritic:
    """Asks a vision model about a screenshot: is it broken, what does it show, how good is it.

    Args:
        model: A model that accepts images (the critic role).
    """

    def __init__(self, model: ChatModel) -> None:
        self._model = model

    @property
    def model(self) -> ChatModel:
        """The vision model it asks (the reference match asks it too)."""
        return self._model

    async def review(
        self, png: bytes, instruction: str, *, console_errors: Sequence[str] = ()
    ) -> CriticReport:
        """Run the error check and the grading on ``png`` concurrently.

        An unreadable reply is asked for once more; if the second reply is unreadable too the
        field is left empty (grade None), the reply is kept and a problem is noted. A grade
        outside 0-5 or not a whole number is left out with a note.

        Args:
            png: The screenshot.
            instruction: The user's request for the website.
            console_errors: Errors the browser reported, given to the error check as hints.

        Returns:
            The report.

        Raises:
            ModelError: A call failed; the other call is cancelled first.
        """
        check, grade = await _both(
            self._ask(
                "check",
                prompts.error_check_messages(instruction, png, console_errors),
                _read_check,
                prompts.CHECK_SCHEMA,
            ),
            self._ask("grade", prompts.grade_messages(instruction, png), _read_grade,
                      prompts.GRADE_SCHEMA),
        )
        problems = check.problems + grade.problems
        appearance_grade, note = _valid_grade(grade.parsed)
        if note:
            problems.append(f"{self._model.description}: {note}")
        found = check.parsed or _Check(False, "", "", [])
        return CriticReport(
            is_error=found.is_error,
            error_message=found.error_message,
            description=found.description,
            suggestions=found.suggestions,
            appearance_grade=appearance_grade,
            grade_analysis=grade.parsed.analysis if grade.parsed else "",
            raw_replies={**check.raw, **grade.raw},
            usage=check.usage + grade.usage,
            problems=problems,
        )

    async def _ask(
        self, name: str, messages: list[Message], read: Callable[[str], T | None],
        schema: JsonSchema,
    ) -> _Answer[T]:
        """Make one call, asking once more if the reply cannot be read."""
        raw: dict[str, str] = {}
        usage = Usage()
        for attempt in (1, 2):
            completion = await self._model.complete(
                messages, schema=schema_for(self._model, schema))
            usage += completion.usage
            if attempt == 2:
                raw[f"{name}#1"] = raw[name]
            raw[name] = completion.text
            parsed = read(completion.text)
            if parsed is not None:
                return _Answer(parsed, raw, usage, [])
            messages = prompts.retry_messages(messages, completion.text)
        what = "error check" if name == "check" else "grade"
        problem = (
            f"{self._model.description}: the {what} reply could not be read as the expected "
            f"JSON, even when asked again; the {what} is missing (raw reply kept)"
        )
        return _Answer(None, raw, usage, [problem])


async def _both(first: Awaitable[Any], second: Awaitable[Any]) -> tuple[Any, Any]:
    """Await two calls concurrently; if one fails or we are cancelled, cancel the other."""
    tasks = [asyncio.ensure_future(first), asyncio.ensure_future(second)]
    try:
        one, two = await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.wait(tasks)
        for task in tasks:
            if not task.cancelled():
                task.exception()  # seen: asyncio must not log it as never retrieved
        raise
    return one, two


def _lowered(data: dict[str, Any]) -> dict[str, Any]:
    return {str(key).strip().lower(): value for key, value in data.items()}


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    return json.dumps(value, ensure_ascii=False)


def _read_check(reply: str) -> _Check | None:
    data = extract_json(reply)
    if data is None:
        return None
    data = _lowered(data)
    error_message = _text(data.get("error_message"))
    description = _text(data.get("description"))
    is_error = coerce_bool(data.get("is_error"))
    if is_error is None:
        if not (error_message or description):
            return None
        is_error = bool(error_message) and not description
    return _Check(is_error, error_message, description, coerce_str_list(data.get("suggestions")))


def _read_grade(reply: str) -> _Grade | None:
    data = extract_json(reply)
    if data is None:
        return None
    data = _lowered(data)
    value = coerce_number(data.get("grade", data.get("score")))
    if value is None:
        return None
    return _Grade(value, _text(data.get("analysis")))


def _valid_grade(grade: _Grade | None) -> tuple[int | None, str]:
    """The grade if it is a whole number in 0-5, else None and why."""
    if grade is None:
        return None, ""
    if isinstance(grade.value, float):
        return None, f"the grade {grade.value:g} is not a whole number; the grade is missing"
    if not MIN_GRADE <= grade.value <= MAX_GRADE:
        return None, (
            f"the grade {grade.value} is outside {MIN_GRADE}-{MAX_GRADE}; the grade is missing"
        )
    return grade.value, ""
