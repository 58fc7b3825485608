"""Training data from runs: Step-GRPO step records and SFT trajectories (docs/export.md).

``step_grpo_records`` and ``sft_records`` read run directories; ``write_jsonl`` and
``write_parquet`` write the records; ``advantage`` holds the reference Step-GRPO advantage and
the two variants the paper compares.
"""

from __future__ import annotations

from agent_core.export.advantage import (
    EPSILON,
    cumulative_advantages,
    outcome_advantages,
    standardise,
    step_advantages,
)
from agent_core.export.records import (
    GROUP_BY,
    REWARDS,
    SFT_SCHEMA,
    STEP_GRPO_SCHEMA,
    group_id_of,
    normalise_instruction,
    sft_records,
    step_grpo_records,
)
from agent_core.export.writers import PARQUET_MISSING, write_jsonl, write_parquet

__all__ = [
    "EPSILON",
    "GROUP_BY",
    "PARQUET_MISSING",
    "REWARDS",
    "SFT_SCHEMA",
    "STEP_GRPO_SCHEMA",
    "cumulative_advantages",
    "group_id_of",
    "normalise_instruction",
    "outcome_advantages",
    "sft_records",
    "standardise",
    "step_advantages",
    "step_grpo_records",
    "write_jsonl",
    "write_parquet",
]
