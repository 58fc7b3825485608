"""People's own grades for the steps of a run, kept apart from the automatic ones.

Labels live in ``RUN_DIR/review/labels.json`` and nowhere else: the step records and the
manifest stay exactly as the run wrote them, so the automatic judges' grades can always be
compared with the human ones. Layout::

    {"schema": 1, "labels": {"3": {"appearance": 4, "gui": null, "gui_verdict_correct": null,
                                  "note": "...", "labeller": "ana", "at": 1700000000.0}}}
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from agent_core.errors import RunStoreError
from agent_core.store.atomic import write_json_atomic

LABELS_SCHEMA = 1
LABELS_FILE = Path("review") / "labels.json"
APPEARANCE_RANGE = (0, 5)
GUI_RANGE = (1, 5)


def _check_grade(name: str, value: object, low: int, high: int) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} grade must be a whole number from {low} to {high}, not {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{name} grade must be from {low} to {high}, not {value}")


@dataclass(frozen=True)
class StepLabel:
    """One person's review of one step.

    Attributes:
        appearance: Their appearance grade 0-5 (the vision critic's rubric), None if unset.
        gui: Their functional grade 1-5 (the GUI feedback model's rubric), None if unset.
        gui_verdict_correct: Whether the GUI agent's verdict (``test_passed``) was right,
            None if not judged.
        note: Free text.
        labeller: Who gave the label.
        at: When the label was saved (epoch seconds; 0.0 until stored).

    Raises:
        ValueError: A grade is out of range or of the wrong type.
    """

    appearance: int | None = None
    gui: int | None = None
    gui_verdict_correct: bool | None = None
    note: str = ""
    labeller: str = ""
    at: float = 0.0

    def __post_init__(self) -> None:
        _check_grade("appearance", self.appearance, *APPEARANCE_RANGE)
        _check_grade("GUI", self.gui, *GUI_RANGE)
        if self.gui_verdict_correct is not None and not isinstance(self.gui_verdict_correct, bool):
            raise ValueError(
                f"gui_verdict_correct must be true, false or null, not {self.gui_verdict_correct!r}"
            )
        if not isinstance(self.note, str) or not isinstance(self.labeller, str):
            raise ValueError("note and labeller must be text")
        if isinstance(self.at, bool) or not isinstance(self.at, int | float):
            raise ValueError(f"at must be epoch seconds, not {self.at!r}")

    @property
    def is_empty(self) -> bool:
        """True when the label says nothing (no grade, no verdict, no note)."""
        return (
            self.appearance is None
            and self.gui is None
            and self.gui_verdict_correct is None
            and not self.note.strip()
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StepLabel:
        """Rebuild a label; unknown keys (from later versions) are ignored.

        Raises:
            ValueError: A value is out of range or of the wrong type.
        """
        if not isinstance(data, dict):
            raise ValueError(f"a label must be an object, not {type(data).__name__}")
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


class LabelStore:
    """Reads and writes the human labels of one run directory.

    Every call reads the file afresh (it is small), so two windows labelling the same run
    do not undo each other's work. A file that cannot be read is never overwritten: the
    user is told to fix it or move it away.

    Args:
        run_dir: The run directory (the one holding ``manifest.json``).
    """

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = Path(run_dir)
        self.path = self.run_dir / LABELS_FILE

    def get(self, index: int) -> StepLabel | None:
        """The label of step ``index``, None when it has none.

        Raises:
            RunStoreError: labels.json exists but cannot be read.
        """
        return self._load().get(index)

    def all(self) -> dict[int, StepLabel]:
        """Every label, by step index (in index order).

        Raises:
            RunStoreError: labels.json exists but cannot be read.
        """
        return self._load()

    def set(self, index: int, label: StepLabel) -> StepLabel:
        """Store ``label`` for step ``index``, replacing any earlier one.

        Args:
            index: A committed step of the run.
            label: The label; an ``at`` of 0.0 is stamped with the current time.

        Returns:
            The label as stored.

        Raises:
            RunStoreError: The step does not exist, or labels.json cannot be read (it is
                then left untouched).
        """
        self._check_step(index)
        if not label.at:
            label = replace(label, at=time.time())
        labels = self._load()
        labels[index] = label
        self._save(labels)
        return label

    def remove(self, index: int) -> bool:
        """Forget the label of step ``index``; returns whether there was one.

        Raises:
            RunStoreError: labels.json cannot be read (it is then left untouched).
        """
        labels = self._load()
        if labels.pop(index, None) is None:
            return False
        self._save(labels)
        return True

    # -- internals -------------------------------------------------------------------

    def _check_step(self, index: int) -> None:
        if isinstance(index, bool) or not isinstance(index, int) or index < 1:
            raise RunStoreError(f"step index must be a whole number from 1, not {index!r}")
        if not (self.run_dir / "steps" / f"{index:06d}.json").exists():
            raise RunStoreError(
                f"step {index} does not exist in {self.run_dir}; "
                "only committed steps can be labelled"
            )

    def _load(self) -> dict[int, StepLabel]:
        if not self.path.exists():
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise self._unreadable(exc) from exc
        schema = data.get("schema") if isinstance(data, dict) else None
        if isinstance(schema, int) and schema != LABELS_SCHEMA:
            raise RunStoreError(
                f"{self.path} uses labels schema {schema}; this version of WebGen Studio "
                f"reads schema {LABELS_SCHEMA}. Open the run with the version that wrote "
                "the labels; the file was left as it is."
            )
        try:
            return _parse(data)
        except (ValueError, TypeError) as exc:
            raise self._unreadable(exc) from exc

    def _unreadable(self, exc: Exception) -> RunStoreError:
        return RunStoreError(
            f"cannot read the human labels in {self.path}: {exc}. The file was left "
            "as it is and no label is saved until it is readable: fix the JSON in a "
            "text editor, or move the file away to start the labels afresh."
        )

    def _save(self, labels: dict[int, StepLabel]) -> None:
        body = {str(i): labels[i].to_dict() for i in sorted(labels)}
        write_json_atomic(self.path, {"schema": LABELS_SCHEMA, "labels": body})


def _parse(data: Any) -> dict[int, StepLabel]:
    if not isinstance(data, dict):
        raise ValueError("the top level is not a JSON object")
    schema = data.get("schema")
    if schema != LABELS_SCHEMA:
        raise ValueError(
            f"it uses labels schema {schema!r}; this version of WebGen Studio "
            f"reads schema {LABELS_SCHEMA}"
        )
    entries = data.get("labels", {})
    if not isinstance(entries, dict):
        raise ValueError('"labels" is not a JSON object')
    labels: dict[int, StepLabel] = {}
    for key, value in entries.items():
        try:
            index = int(key)
        except ValueError:
            raise ValueError(f"label key {key!r} is not a step number") from None
        try:
            labels[index] = StepLabel.from_dict(value)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"the label of step {index} is invalid: {exc}") from None
    return dict(sorted(labels.items()))
