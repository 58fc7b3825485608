"""The data a run directory holds: its manifest and one record per step."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from enum import StrEnum
from typing import Any

from agent_core.store.evidence import CriticReview, GuiTest, RuntimeResult
from agent_core.store.evidence_reference import ReferenceReview

SCHEMA_VERSION = 1


class StepKind(StrEnum):
    """What the coder's reply made of a step (see METHOD.md)."""

    EDIT = "edit"
    GUI_TEST = "gui_test"
    FINISH = "finish"
    USER_EDIT = "user_edit"
    """The user's own edit of the files, saved from the code view (no coder reply)."""


class RunStatus(StrEnum):
    """Where a stored run stands."""

    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class StepRecord:
    """Everything kept about one step; grades describe the files after the step.

    Attributes:
        index: 1-based position in the run, in the order steps were taken.
        kind: Edit, GUI test, finish, or the user's own edit.
        parent: The step whose files and conversation this one continued from (None: the
            empty start).
        appearance_grade: Screenshot grade 0-5, None when missing.
        gui_grade: Functional grade 1-5 from GUI testing, None when not tested.
        has_error: The error flag of METHOD.md; ``errors`` says why.
        reply: The coder's reply, verbatim.
        feedback: The message sent back to the coder after this step.
        actions: One summary dict per action (type, path or command, outcome).
        files: The whole project after the step: relative path -> blob hash.
        files_changed: Paths added, changed or removed relative to the parent.
        screenshot: Screenshot path relative to the run directory, if any.
        critic: The vision critic's review of the screenshot (edit steps that got one).
        runtime: Install, serve, screenshot page and sandbox outcomes, and the reply format.
        gui: The GUI test (GUI-test steps).
        errors: Human-readable reasons behind ``has_error``.
        phases: Seconds spent per phase.
        usage: Tokens and model seconds per role.
        context_trimmed: Older turns were folded to fit the coder's context.
        backtracked_from: Set when the run backtracked before this step (the step it left).
        request: A follow-up request the user sent before this step (empty for most steps).
        images: Images the user attached to ``request`` (paths under ``inputs/``).
        reference: The attached images the step was built from, their descriptions for a
            text-only coder, and how closely the screenshot matches them.
        started_at: Wall-clock start (epoch seconds).
        finished_at: Wall-clock end (epoch seconds).
    """

    index: int
    kind: StepKind
    parent: int | None
    appearance_grade: int | None = None
    gui_grade: int | None = None
    has_error: bool = False
    reply: str = ""
    feedback: str = ""
    actions: list[dict[str, Any]] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)
    files_changed: list[str] = field(default_factory=list)
    screenshot: str | None = None
    critic: CriticReview | None = None
    runtime: RuntimeResult = field(default_factory=RuntimeResult)
    gui: GuiTest | None = None
    errors: list[str] = field(default_factory=list)
    phases: dict[str, float] = field(default_factory=dict)
    usage: dict[str, dict[str, float]] = field(default_factory=dict)
    context_trimmed: bool = False
    backtracked_from: int | None = None
    request: str = ""
    images: list[str] = field(default_factory=list)
    reference: ReferenceReview | None = None
    started_at: float = 0.0
    finished_at: float = 0.0

    @property
    def seconds(self) -> float:
        """Wall time of the step."""
        return max(0.0, self.finished_at - self.started_at)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        typed = {
            "kind": str(self.kind),
            "critic": self.critic.to_dict() if self.critic is not None else None,
            "runtime": self.runtime.to_dict(),
            "gui": self.gui.to_dict() if self.gui is not None else None,
            "reference": self.reference.to_dict() if self.reference is not None else None,
        }
        return {f.name: typed[f.name] if f.name in typed else copy.deepcopy(getattr(self, f.name))
                for f in fields(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StepRecord:
        """Rebuild a record; unknown keys (from newer minor versions) are ignored."""
        names = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in names}
        values["kind"] = StepKind(values["kind"])
        critic, gui = values.get("critic"), values.get("gui")
        values["critic"] = CriticReview.from_dict(critic) if isinstance(critic, Mapping) else None
        values["runtime"] = RuntimeResult.from_dict(values.get("runtime") or {})
        values["gui"] = GuiTest.from_dict(gui) if isinstance(gui, Mapping) else None
        reference = values.get("reference")
        values["reference"] = (ReferenceReview.from_dict(reference)
                               if isinstance(reference, Mapping) else None)
        return cls(**values)


@dataclass(frozen=True)
class Manifest:
    """What a run is: instruction, settings (never secrets), status and pointers.

    Attributes:
        run_id: Unique id of the run.
        instruction: The user's instruction.
        created_at: Epoch seconds.
        updated_at: Epoch seconds of the last change.
        models: Public settings of each role (no API keys).
        config: The run's RunConfig as a dict.
        status: Running, finished, failed or cancelled.
        head: The step the next one continues from (None: the empty start).
        head_set_at: The last committed step when ``head`` was set; a later committed step
            means the manifest update after a commit was lost, and that step is the head.
        best_step: The selected best step once the run ended.
        end_reason: Why the run ended (finish, max_steps, an error message...).
        test_instruction: The GUI agent's test instruction, once written.
        pending_request: A follow-up request not yet answered by a committed step.
        images: Images the user attached to the instruction (paths under ``inputs/``).
        pending_images: Images attached to ``pending_request``.
        schema_version: Layout version of the run directory.
        app_version: Version of WebGen Studio that wrote the run.
    """

    run_id: str
    instruction: str
    created_at: float
    updated_at: float
    models: dict[str, Any] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    status: RunStatus = RunStatus.RUNNING
    head: int | None = None
    head_set_at: int = 0
    best_step: int | None = None
    end_reason: str = ""
    test_instruction: str | None = None
    pending_request: str = ""
    images: list[str] = field(default_factory=list)
    pending_images: list[str] = field(default_factory=list)
    schema_version: int = SCHEMA_VERSION
    app_version: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        data = asdict(self)
        data["status"] = str(self.status)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Manifest:
        """Rebuild a manifest; unknown keys are ignored."""
        names = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in names}
        values["status"] = RunStatus(values.get("status", "running"))
        return cls(**values)
