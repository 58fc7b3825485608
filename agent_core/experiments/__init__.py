"""Model experiments on top of the agent: re-judging stored runs and batches of runs.

- ``rejudge_run`` asks another vision critic and/or feedback model to grade the stored
  screenshots and GUI trajectories of a run again; the alternative judgement is kept in
  ``RUN_DIR/judgements/<label>.json`` beside the untouched run (``load_judgements``).
- ``run_batch`` runs every instruction with several coder models, several samples each,
  into one folder (resumable) and compares the coders in a table.
"""

from __future__ import annotations

from agent_core.experiments.batch import (
    BATCH_FILE,
    BatchError,
    BatchEvent,
    BatchItem,
    BatchReport,
    BatchRun,
    CoderRow,
    coder_slug,
    item_id_for,
    run_batch,
)
from agent_core.experiments.judgements import (
    JUDGEMENTS_DIR,
    JudgementSet,
    RejudgeError,
    StepJudgement,
    check_label,
    judgements_path,
    load_judgements,
)
from agent_core.experiments.rejudge import (
    RejudgeProgress,
    RejudgeReport,
    StepComparison,
    rejudge_run,
)

__all__ = [
    "BATCH_FILE",
    "JUDGEMENTS_DIR",
    "BatchError",
    "BatchEvent",
    "BatchItem",
    "BatchReport",
    "BatchRun",
    "CoderRow",
    "JudgementSet",
    "RejudgeError",
    "RejudgeProgress",
    "RejudgeReport",
    "StepComparison",
    "StepJudgement",
    "check_label",
    "coder_slug",
    "item_id_for",
    "judgements_path",
    "load_judgements",
    "rejudge_run",
    "run_batch",
]
