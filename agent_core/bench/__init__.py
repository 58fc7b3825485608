"""WebGen-Bench evaluation: generate or take each task's site, test its UI cases, score it.

Pure asyncio. ``load_tasks`` reads and checks a benchmark file; ``BenchRunner`` runs the
bench over a runs folder (resumable); ``summarize`` and ``format_table`` compute and show the
scores; ``parse_verdict`` reads a GUI agent's YES / PARTIAL / NO answer.
"""

from __future__ import annotations

from agent_core.bench.dataset import (
    BenchCase,
    BenchDataError,
    BenchTask,
    load_tasks,
    select_tasks,
)
from agent_core.bench.journal import APPEARANCE_FILE, CASES_FILE, BenchJournal
from agent_core.bench.prompts import case_instruction
from agent_core.bench.results import AppearanceResult, CaseResult, parse_verdict
from agent_core.bench.runner import (
    RESULTS_FILE,
    BenchError,
    BenchOptions,
    BenchProgress,
    BenchReport,
    BenchRunner,
)
from agent_core.bench.scoring import BenchSummary, Tally, format_table, summarize

__all__ = [
    "APPEARANCE_FILE",
    "CASES_FILE",
    "RESULTS_FILE",
    "AppearanceResult",
    "BenchCase",
    "BenchDataError",
    "BenchError",
    "BenchJournal",
    "BenchOptions",
    "BenchProgress",
    "BenchReport",
    "BenchRunner",
    "BenchSummary",
    "BenchTask",
    "CaseResult",
    "Tally",
    "case_instruction",
    "format_table",
    "load_tasks",
    "parse_verdict",
    "select_tasks",
    "summarize",
]
