"""Alternative judgements of a run's steps, kept beside the run and never inside its records.

One file per label, ``RUN_DIR/judgements/<label>.json``; the step records and the manifest
stay exactly as the run wrote them. Layout (schema 1)::

    {"schema": 1, "label": "qwen-72b", "created_at": 1700000000.0,
     "models": {"critic": "qwen2.5-vl-72b", "feedback": null},
     "steps": {"3": {"appearance_grade": 4, "critic": {...}, "gui_grade": null,
                     "gui_summary": null, "error": null}}}

``critic`` has the keys of a step record's ``critic`` (``is_error``, ``error_message``,
``description``, ``suggestions``, ``grade_analysis``, ``raw_replies``, ``problems``);
``gui_summary`` holds ``test_passed``, ``improvement_suggestions``, ``grade`` and
``raw_summary``. ``error`` says why a step got no new judgement (a model failure...).
A model not asked this time is ``null`` in ``models``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent_core.errors import RunStoreError, WebGenError
from agent_core.store.atomic import write_json_atomic
from agent_core.store.evidence import CriticReview

JUDGEMENTS_SCHEMA = 1
JUDGEMENTS_DIR = "judgements"
_LABEL = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


class RejudgeError(WebGenError):
    """A re-judgement cannot be made: a bad label, no model given, or an unusable run."""


def check_label(label: str) -> str:
    """Return ``label`` if it can name a judgements file.

    Raises:
        RejudgeError: The label is empty, too long, or has characters other than letters,
            digits, ``.``, ``_`` and ``-`` (it must start with a letter or digit).
    """
    if not _LABEL.fullmatch(label or ""):
        raise RejudgeError(
            f"the label {label!r} cannot name a judgements file: use 1-64 letters, digits, "
            "'.', '_' or '-', starting with a letter or digit (e.g. qwen-vl-72b)"
        )
    return label


def judgements_path(run_dir: Path, label: str) -> Path:
    """Where the judgements named ``label`` of the run in ``run_dir`` are kept."""
    return Path(run_dir) / JUDGEMENTS_DIR / f"{check_label(label)}.json"


@dataclass(frozen=True)
class StepJudgement:
    """The alternative judgement of one step.

    Attributes:
        appearance_grade: The new appearance grade 0-5 (None: not judged, or missing).
        critic: The new critic review (kept as a step record keeps its ``critic``).
        gui_grade: The new GUI grade 1-5 (None: not judged, or no readable summary).
        gui_summary: ``test_passed``, ``improvement_suggestions``, ``grade``, ``raw_summary``.
        error: Why the step got no new judgement (None when it got one).
    """

    appearance_grade: int | None = None
    critic: CriticReview | None = None
    gui_grade: int | None = None
    gui_summary: dict[str, Any] | None = None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The step's entry in the judgements file."""
        return {
            "appearance_grade": self.appearance_grade,
            "critic": self.critic.to_dict() if self.critic is not None else None,
            "gui_grade": self.gui_grade,
            "gui_summary": self.gui_summary,
            "error": self.error,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StepJudgement:
        """Rebuild an entry; unknown keys are ignored."""
        critic = data.get("critic")
        return cls(
            appearance_grade=data.get("appearance_grade"),
            critic=CriticReview.from_dict(critic) if isinstance(critic, dict) else None,
            gui_grade=data.get("gui_grade"),
            gui_summary=data.get("gui_summary"),
            error=data.get("error"),
        )


@dataclass(frozen=True)
class JudgementSet:
    """All alternative judgements stored under one label.

    Attributes:
        label: The file's name without ``.json``.
        models: Per role (``critic``, ``feedback``), the judging model's name or None.
        created_at: When the file was last written (epoch seconds).
        steps: Step index -> judgement.
    """

    label: str
    models: dict[str, str | None]
    created_at: float
    steps: dict[int, StepJudgement] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The file's content."""
        return {
            "schema": JUDGEMENTS_SCHEMA,
            "label": self.label,
            "models": dict(self.models),
            "created_at": self.created_at,
            "steps": {str(i): self.steps[i].to_dict() for i in sorted(self.steps)},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], where: Path) -> JudgementSet:
        """Rebuild the content of the file ``where``.

        Raises:
            RunStoreError: Another schema, or the content is not shaped as documented.
        """
        if not isinstance(data, dict) or data.get("schema") != JUDGEMENTS_SCHEMA:
            found = data.get("schema") if isinstance(data, dict) else None
            raise RunStoreError(
                f"{where} uses judgements schema {found}; this version of WebGen Studio "
                f"reads schema {JUDGEMENTS_SCHEMA}"
            )
        try:
            steps = {int(k): StepJudgement.from_dict(v) for k, v in data["steps"].items()}
            return cls(str(data["label"]), dict(data.get("models") or {}),
                       float(data.get("created_at") or 0.0), steps)  # fmt: skip
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise RunStoreError(f"cannot read judgements file {where}: {exc!r}") from None


def read_judgement_file(path: Path) -> JudgementSet:
    """Read one judgements file.

    Raises:
        RunStoreError: The file cannot be read or is not a judgements file.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RunStoreError(f"cannot read judgements file {path}: {exc}") from exc
    return JudgementSet.from_dict(data, path)


def write_judgements(run_dir: Path, judgements: JudgementSet) -> Path:
    """Write ``judgements`` atomically to its file in ``run_dir``; returns the path."""
    path = judgements_path(run_dir, judgements.label)
    write_json_atomic(path, judgements.to_dict())
    return path


def load_judgements(run_dir: Path) -> dict[str, JudgementSet]:
    """Every alternative judgement of the run in ``run_dir``, by label (sorted).

    Reading is synchronous and quick; from the event loop use ``asyncio.to_thread``.

    Returns:
        Label -> judgements; empty when the run has none.

    Raises:
        RunStoreError: A judgements file cannot be read (the message names it).
    """
    folder = Path(run_dir) / JUDGEMENTS_DIR
    if not folder.is_dir():
        return {}
    found: dict[str, JudgementSet] = {}
    for path in sorted(folder.glob("*.json")):
        if path.name.startswith("."):
            continue  # a temporary file of a write in progress
        found[path.stem] = read_judgement_file(path)
    return found


__all__ = [
    "JUDGEMENTS_DIR",
    "JUDGEMENTS_SCHEMA",
    "JudgementSet",
    "RejudgeError",
    "StepJudgement",
    "check_label",
    "judgements_path",
    "load_judgements",
    "read_judgement_file",
    "write_judgements",
]
