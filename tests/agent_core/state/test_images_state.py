"""Attached pictures and the reference match in a run's state, from its log or its records."""

from __future__ import annotations

from pathlib import Path

from agent_core.events import (
    ImagesAttached,
    ReferenceCompared,
    RunStarted,
    StepFinished,
    event_from_dict,
)
from agent_core.state import replay
from agent_core.state.from_store import load_state
from agent_core.store.evidence_reference import ReferenceReview
from agent_core.store.run_store import RunStore
from tests.support.runs import StepSpec, build_run


def test_pictures_join_their_message_once_even_when_a_restart_says_so_again() -> None:
    start = RunStarted(run_id="r", instruction="A bakery", run_dir="", workspace="")
    attached = ImagesAttached(run_id="r", images=("inputs/a.png", "inputs/b.jpg"))
    again = event_from_dict(attached.to_dict())  # as read back from events.jsonl

    state = replay([start, attached, start, again])

    assert [(i.kind, i.text, i.images) for i in state.chat] == [
        ("user", "A bakery", ("inputs/a.png", "inputs/b.jpg"))]


def test_the_match_lands_on_its_card_after_the_step() -> None:
    start = RunStarted(run_id="r", instruction="A bakery", run_dir="", workspace="")
    early = ReferenceCompared(run_id="r", index=1, grade=2, note="too dark")
    finished = StepFinished(run_id="r", index=1, step_kind="edit", parent=None,
                            appearance_grade=4, gui_grade=None, has_error=False,
                            files_changed=1, seconds=1.0)

    before = replay([start, early])
    after = replay([start, finished, event_from_dict(early.to_dict())])

    assert before.card(1) is None  # no card yet: nothing to note
    card = after.card(1)
    assert (card.appearance_grade, card.reference_grade, card.reference_note) == (
        4, 2, "too dark")


def test_a_run_without_a_log_shows_its_pictures_and_matches_from_the_records(
        tmp_path: Path) -> None:
    review = ReferenceReview(images=("inputs/b.png",), match_grade=4, match_note="close")
    store = build_run(tmp_path / "run", [
        StepSpec(),
        StepSpec(extra={"request": "like this", "images": ["inputs/b.png"],
                        "reference": review}),
    ])
    store.update_manifest(images=["inputs/a.png"])

    state = load_state(RunStore.open(store.run_dir))

    users = [(i.text, i.images) for i in state.chat if i.kind == "user"]
    assert users == [(store.manifest.instruction, ("inputs/a.png",)),
                     ("like this", ("inputs/b.png",))]
    assert (state.card(2).reference_grade, state.card(2).reference_note) == (4, "close")
    assert state.card(1).reference_grade is None
