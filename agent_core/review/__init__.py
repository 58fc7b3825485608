"""Human review: people's own grades per step, and how often the automatic judges agree.

``LabelStore`` keeps the labels of one run in ``RUN_DIR/review/labels.json`` (never in the
step records); ``agreement`` compares them with the vision critic's and the GUI feedback
model's grades over any number of runs.
"""

from __future__ import annotations

from agent_core.review.agreement import (
    JUDGES,
    SKIP_REASONS,
    AgreementReport,
    AgreementRow,
    agreement,
)
from agent_core.review.labels import LABELS_FILE, LABELS_SCHEMA, LabelStore, StepLabel

__all__ = [
    "JUDGES",
    "LABELS_FILE",
    "LABELS_SCHEMA",
    "SKIP_REASONS",
    "AgreementReport",
    "AgreementRow",
    "LabelStore",
    "StepLabel",
    "agreement",
]
