"""What a step shows about the images the user attached: descriptions and the reference match.

Kept in the step record's ``reference`` (see docs/run-directory.md), read leniently like the
other evidence (:mod:`agent_core.store.evidence_io`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from agent_core.store.evidence_io import Fields, dump

Extra = Mapping[str, Any]


@dataclass(frozen=True)
class ImageDescription:
    """The critic model's description of one attached image, for a coder that cannot see it.

    Attributes:
        image: The image's path in the run folder (``inputs/...``).
        text: The description the coder was given.
        model: The model that wrote it.
        extra: Keys this version does not know.
    """

    image: str
    text: str
    model: str = ""
    extra: Extra = field(default_factory=dict, hash=False)

    def to_dict(self) -> dict[str, Any]:
        """One entry of ``descriptions``."""
        return dump({"image": self.image, "text": self.text, "model": self.model}, self.extra)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ImageDescription:
        """Read one entry of ``descriptions``."""
        f = Fields(data)
        return cls(image=f.text("image"), text=f.text("text"), model=f.text("model"),
                   extra=f.extra())


@dataclass(frozen=True)
class ReferenceReview:
    """The images a step was built from, how the coder got them, and how close the site came.

    Attributes:
        images: The reference images' paths in the run folder (``inputs/...``).
        sent_as: ``images`` (the coder saw them) or ``descriptions`` (a text-only coder
            was given the critic's descriptions).
        descriptions: The descriptions written for this step (new ones only; earlier steps
            keep theirs).
        match_grade: 0-5, how closely the step's screenshot matches the reference; None
            when there was no screenshot or the answer could not be read.
        match_note: The critic's note on what matches and what differs.
        raw_replies: The model's replies by call.
        problems: Why a part is missing, in words for the user.
        extra: Keys this version does not know.
    """

    images: tuple[str, ...] = ()
    sent_as: str = "images"
    descriptions: tuple[ImageDescription, ...] = ()
    match_grade: int | None = None
    match_note: str = ""
    raw_replies: Mapping[str, str] = field(default_factory=dict, hash=False)
    problems: tuple[str, ...] = ()
    extra: Extra = field(default_factory=dict, hash=False)

    def to_dict(self) -> dict[str, Any]:
        """The record's ``reference``."""
        return dump({
            "images": list(self.images), "sent_as": self.sent_as,
            "descriptions": [d.to_dict() for d in self.descriptions],
            "match_grade": self.match_grade, "match_note": self.match_note,
            "raw_replies": dict(self.raw_replies), "problems": list(self.problems),
        }, self.extra, versioned=True)  # fmt: skip

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ReferenceReview:
        """Read a record's ``reference`` of any version."""
        f = Fields(data)
        return cls(
            images=f.texts("images"), sent_as=f.text("sent_as") or "images",
            descriptions=tuple(ImageDescription.from_dict(d) for d in f.items("descriptions")),
            match_grade=f.whole("match_grade"), match_note=f.text("match_note"),
            raw_replies=f.text_map("raw_replies"), problems=f.texts("problems"),
            extra=f.extra(),
        )  # fmt: skip


__all__ = ["ImageDescription", "ReferenceReview"]
