"""WebGen-Bench evaluation: generate or take each task's site, test its UI cases, score it.

Pure asyncio. ``load_tasks`` reads and checks a benchmark file; ``BenchRunner`` runs the
bench over a runs folder (resumable) and ``run_conditions`` once per ablation condition;
``summarize``, ``format_table`` and ``results_markdown`` compute and show the scores;
``parse_verdict`` (strict) and ``published_verdict`` (the benchmark's scorer) read a
judge's YES / PARTIAL / NO; ``read_grade`` reads an appearance grade the benchmark's way.
"""

from __future__ import annotations

from agent_core.bench.ablation import (
    AblationReport,
    ConditionResult,
    format_comparison,
    run_conditions,
)
from agent_core.bench.appearance import read_grade
from agent_core.bench.dataset import (
    BenchCase,
    BenchDataError,
    BenchTask,
    load_tasks,
    select_tasks,
)
from agent_core.bench.evaluate import JudgeSettings
from agent_core.bench.journal import APPEARANCE_FILE, CASES_FILE, BenchJournal
from agent_core.bench.prompts import appearance_prompt, case_instruction
from agent_core.bench.results import (
    AppearanceResult,
    CaseResult,
    parse_verdict,
    published_verdict,
)
from agent_core.bench.runner import (
    RESULTS_FILE,
    BenchError,
    BenchOptions,
    BenchProgress,
    BenchReport,
    BenchRunner,
)
from agent_core.bench.scoring import BenchSummary, Tally, format_table, summarize
from agent_core.bench.table import TABLE_FILE, results_markdown

__all__ = [
    "APPEARANCE_FILE",
    "CASES_FILE",
    "RESULTS_FILE",
    "TABLE_FILE",
    "AblationReport",
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
    "ConditionResult",
    "JudgeSettings",
    "Tally",
    "appearance_prompt",
    "case_instruction",
    "format_comparison",
    "format_table",
    "load_tasks",
    "parse_verdict",
    "published_verdict",
    "read_grade",
    "results_markdown",
    "run_conditions",
    "select_tasks",
    "summarize",
]
