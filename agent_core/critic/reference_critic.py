"""The critic model on the images a user attached: describes them, and grades the match."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from agent_core.critic import prompts, reference_prompts
from agent_core.critic.jsonparse import coerce_number, extract_json
from agent_core.llm.base import ChatModel, Message, Usage
from agent_core.llm.schemas import schema_for

MAX_GRADE = 5


@dataclass(frozen=True)
class Description:
    """One attached image in words, for a coder that cannot see it."""

    text: str
    model: str
    usage: Usage = field(default_factory=Usage)


@dataclass(frozen=True)
class MatchReport:
    """How closely a screenshot matches the attached reference images.

    Attributes:
        grade: 0-5, or None when the answer could not be read.
        note: What matches and what differs.
        raw_replies: The model's replies (``match``, and ``match#1`` when asked again).
        usage: Tokens and time of the calls.
        problems: Why the grade is missing, in words for the user.
    """

    grade: int | None
    note: str
    raw_replies: dict[str, str]
    usage: Usage
    problems: list[str] = field(default_factory=list)


class ReferenceCritic:
    """Asks the critic's vision model about reference images.

    Args:
        model: A model that accepts images (the critic role).
    """

    def __init__(self, model: ChatModel) -> None:
        self._model = model

    @property
    def description(self) -> str:
        """The model, for messages."""
        return self._model.description

    async def describe(self, image: bytes, instruction: str) -> Description:
        """Describe ``image`` for a developer who cannot see it.

        Raises:
            ModelError: The call failed.
        """
        messages = reference_prompts.describe_messages(instruction, image)
        completion = await self._model.complete(messages)
        return Description(completion.text.strip(), self._model.description, completion.usage)

    async def compare(self, png: bytes, references: Sequence[bytes],
                      instruction: str) -> MatchReport:
        """Grade how closely the screenshot ``png`` follows ``references``.

        An unreadable answer is asked for once more; if it stays unreadable the grade is
        None, the reply is kept and the problem noted.

        Raises:
            ModelError: A call failed.
        """
        messages = reference_prompts.match_messages(instruction, references, png)
        schema = schema_for(self._model, reference_prompts.MATCH_SCHEMA)
        raw: dict[str, str] = {}
        usage = Usage()
        for attempt in (1, 2):
            completion = await self._model.complete(messages, schema=schema)
            usage += completion.usage
            if attempt == 2:
                raw["match#1"] = raw["match"]
            raw["match"] = completion.text
            read = _read_match(completion.text)
            if read is not None:
                return MatchReport(read[0], read[1], raw, usage)
            messages = [*messages, Message("assistant", completion.text),
                        Message("user", prompts.RETRY_REQUEST)]
        problem = (f"{self._model.description}: the reference match could not be read as the "
                   "expected JSON, even when asked again; the match grade is missing")
        return MatchReport(None, "", raw, usage, [problem])


def _read_match(reply: str) -> tuple[int | None, str] | None:
    """``(grade, note)`` from a reply; a grade outside 0-5 is dropped, the note kept."""
    data = extract_json(reply)
    if data is None:
        return None
    data = {str(k).strip().lower(): v for k, v in data.items()}
    value = coerce_number(data.get("match", data.get("grade")))
    note = data.get("note", data.get("analysis"))
    note = note.strip() if isinstance(note, str) else ""
    if value is None and not note:
        return None
    grade = value if isinstance(value, int) and 0 <= value <= MAX_GRADE else None
    return grade, note


__all__ = ["Description", "MatchReport", "ReferenceCritic"]
