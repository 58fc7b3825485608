"""The images a user attached, as one step uses them.

A coder that reads images gets them in its prompt, beside the request they came with. A
text-only coder gets the critic model's description of each one instead, written once per
image and kept with the step that first needed it. After an edit step the critic compares
the screenshot with the newest reference images and says how closely it matches.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from agent_core.critic.reference_critic import ReferenceCritic
from agent_core.errors import ModelError
from agent_core.events import ImagesAttached
from agent_core.llm.base import ChatModel, Usage
from agent_core.store.evidence_reference import ImageDescription, ReferenceReview
from agent_core.store.inputs import read_input_images
from agent_core.store.records import Manifest, StepRecord
from agent_core.store.run_store import RunStore
from agent_core.store.selection import parent_chain

log = logging.getLogger(__name__)

DEFAULT_REQUEST = "Make the site follow the attached image(s)."
"""The request sent when the user attached images without words."""


@dataclass
class StepReferences:
    """The attached images of one step's conversation, and how the coder gets them.

    Attributes:
        data: Each image's bytes, by its path in the run folder.
        current: The newest reference images: those of the latest request that had any,
            else the instruction's. The screenshot is compared with these.
        as_images: The coder reads images (else it gets descriptions).
        descriptions: The descriptions known for a text-only coder, by path.
        written: Descriptions written for this step (recorded with it).
        problems: What went wrong describing, in words for the user.
        usage: Tokens and time the critic spent describing.
    """

    data: dict[str, bytes]
    current: tuple[str, ...]
    as_images: bool
    descriptions: dict[str, str] = field(default_factory=dict)
    written: list[ImageDescription] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)

    @classmethod
    def none(cls) -> StepReferences:
        """No attached images: nothing is added to the prompt."""
        return cls({}, (), as_images=True)

    def images(self, paths: Sequence[str]) -> tuple[bytes, ...]:
        """What goes into the message as pictures: ``paths``' bytes for a vision coder."""
        if not self.as_images:
            return ()
        return tuple(self.data[p] for p in paths if p in self.data)

    def note(self, paths: Sequence[str]) -> str:
        """What goes into the message as text: the descriptions, for a text-only coder."""
        if self.as_images or not paths:
            return ""
        blocks = [
            f"[Attached image {n} ({path}). You cannot see it, so the critic model described "
            f"it:]\n{self.descriptions.get(path) or '(no description could be written)'}"
            for n, path in enumerate(paths, 1)
        ]
        return "\n\n" + "\n\n".join(blocks)

    def review(self) -> ReferenceReview:
        """The step's evidence before the screenshot is compared."""
        return ReferenceReview(
            images=self.current, sent_as="images" if self.as_images else "descriptions",
            descriptions=tuple(self.written), problems=tuple(self.problems),
        )


def images_event(manifest: Manifest, request: str | None, images: Sequence[str], *,
                 resumed: bool) -> ImagesAttached | None:
    """The event saying which pictures came with ``request``, or with the instruction of a
    fresh run; None when there were none."""
    if images and request:
        return ImagesAttached(run_id=manifest.run_id, images=tuple(images),
                              request=request.strip())
    if not resumed and manifest.images:
        return ImagesAttached(run_id=manifest.run_id, images=tuple(manifest.images))
    return None


def attached_paths(store: RunStore, parent: int | None) -> list[tuple[str, ...]]:
    """Image sets of the conversation continuing from ``parent``, oldest first.

    The instruction's, each answered request's along the parent chain, and the pending
    request's; empty sets are left out.
    """
    steps = {s.index: s for s in store.steps()}
    sets = [tuple(store.manifest.images)]
    sets += [tuple(s.images) for s in parent_chain(steps, parent) if s.request]
    sets.append(tuple(store.manifest.pending_images))
    return [s for s in sets if s]


async def gather_references(store: RunStore, parent: int | None, *, as_images: bool,
                            critic: ChatModel, instruction: str) -> StepReferences | None:
    """The step's reference images, described for a text-only coder; None without images.

    Raises:
        RunStoreError: An attached image is missing from the run folder.
    """
    sets = attached_paths(store, parent)
    if not sets:
        return None
    paths = list(dict.fromkeys(p for s in sets for p in s))
    data = await asyncio.to_thread(read_input_images, store, paths)
    refs = StepReferences(dict(zip(paths, data, strict=True)), sets[-1], as_images)
    if not as_images:
        refs.descriptions = _known_descriptions(store.steps())
        await _describe_missing(refs, paths, ReferenceCritic(critic), instruction)
    return refs


def _known_descriptions(steps: Iterable[StepRecord]) -> dict[str, str]:
    known: dict[str, str] = {}
    for step in steps:
        for described in step.reference.descriptions if step.reference else ():
            if described.text:
                known.setdefault(described.image, described.text)
    return known


async def _describe_missing(refs: StepReferences, paths: Sequence[str],
                            critic: ReferenceCritic, instruction: str) -> None:
    for path in paths:
        if path in refs.descriptions:
            continue
        try:
            described = await critic.describe(refs.data[path], instruction)
        except ModelError as exc:
            refs.problems.append(f"{path} could not be described by {critic.description}: {exc}")
            continue
        refs.usage += described.usage
        refs.descriptions[path] = described.text
        refs.written.append(ImageDescription(path, described.text, described.model))


async def compare_with_reference(refs: StepReferences, critic: ChatModel, png: bytes,
                                 instruction: str) -> tuple[ReferenceReview, Usage]:
    """The step's evidence with the critic's verdict on how closely ``png`` matches.

    A failed call is recorded as a problem: the step keeps its other results.
    """
    review = refs.review()
    judge = ReferenceCritic(critic)
    current = [refs.data[p] for p in refs.current]
    try:
        report = await judge.compare(png, current, instruction)
    except ModelError as exc:
        problem = f"{judge.description} could not compare the screenshot with the reference: {exc}"
        return replace(review, problems=(*review.problems, problem)), Usage()
    return replace(
        review, match_grade=report.grade, match_note=report.note,
        raw_replies=report.raw_replies, problems=(*review.problems, *report.problems),
    ), report.usage


__all__ = [
    "DEFAULT_REQUEST", "StepReferences", "attached_paths", "compare_with_reference",
    "gather_references", "images_event",
]
