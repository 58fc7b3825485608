"""The bench's memory: append-only JSON Lines files of finished cases and appearance grades.

Each finished case (keyed by task id and case index) and each task's appearance grade is
appended as one line and flushed to disk at once, so an interrupted bench loses at most the
case in progress. On the next start the files are read back and those results are not
produced again. A line cut short by a kill (the last one) is removed before anything new is
appended; any other unreadable line is skipped and counted. Appearance grades from before
the benchmark's protocol (the in-loop critic's 0-5 rubric on one screenshot) are set aside
and counted, so the two are never mixed: those tasks are graded again.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
from pathlib import Path
from typing import Any

from agent_core.bench.dataset import BenchTask
from agent_core.bench.results import APPEARANCE_PROTOCOL, AppearanceResult, CaseResult

CASES_FILE = "bench-cases.jsonl"
APPEARANCE_FILE = "bench-appearance.jsonl"


class JsonlLog:
    """One append-only JSON Lines file.

    Args:
        path: The file (created on the first append).
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.skipped_lines = 0
        """Lines that could not be read by the last ``read()`` (not counting a torn end)."""
        self._lock = threading.Lock()

    def read(self) -> list[dict[str, Any]]:
        """The JSON objects of the file, oldest first; a torn last line is cut off the file.

        Returns:
            The readable objects (an absent file gives none).
        """
        with self._lock:
            try:
                data = self.path.read_bytes()
            except FileNotFoundError:
                return []
            data = self._repair_end(data)
        records: list[dict[str, Any]] = []
        self.skipped_lines = 0
        for line in data.decode("utf-8", errors="replace").splitlines():
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError:
                record = None
            if isinstance(record, dict):
                records.append(record)
            else:
                self.skipped_lines += 1
        return records

    def append(self, record: dict[str, Any]) -> None:
        """Append ``record`` as one line and make it durable (blocking: see ``append_async``)."""
        line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("ab") as handle:
                handle.write(line)
                handle.flush()
                os.fsync(handle.fileno())

    async def append_async(self, record: dict[str, Any]) -> None:
        """``append`` in a worker thread."""
        await asyncio.to_thread(self.append, record)

    def _repair_end(self, data: bytes) -> bytes:
        """Make the file end with a whole line: cut a torn last line, or end a whole one."""
        if not data or data.endswith(b"\n"):
            return data
        cut = data.rfind(b"\n") + 1
        try:
            json.loads(data[cut:])
        except ValueError:
            with self.path.open("r+b") as handle:
                handle.truncate(cut)
            return data[:cut]
        with self.path.open("ab") as handle:
            handle.write(b"\n")
        return data + b"\n"


class BenchJournal:
    """The finished results of a runs folder, read back on start and extended as cases end.

    Args:
        runs_dir: The bench's runs folder (holding ``bench-cases.jsonl`` and
            ``bench-appearance.jsonl``).
    """

    def __init__(self, runs_dir: Path) -> None:
        self.cases_log = JsonlLog(Path(runs_dir) / CASES_FILE)
        self.appearance_log = JsonlLog(Path(runs_dir) / APPEARANCE_FILE)
        self.cases: dict[tuple[str, int], CaseResult] = {}
        self.appearance: dict[str, AppearanceResult] = {}
        self.skipped_lines = 0
        """Lines of either file that could not be read as a result."""
        self.set_aside = 0
        """Appearance lines graded otherwise than by the benchmark's protocol."""

    def load(self) -> None:
        """Read both files (blocking; call through ``asyncio.to_thread`` in a loop)."""
        self.cases.clear()
        self.appearance.clear()
        self.skipped_lines = self.set_aside = 0
        for record in self.cases_log.read():
            try:
                case = CaseResult.from_record(record)
            except (KeyError, TypeError, ValueError):
                self.skipped_lines += 1
                continue
            self.cases[(case.task_id, case.case_index)] = case
        for record in self.appearance_log.read():
            if record.get("protocol") != APPEARANCE_PROTOCOL:
                self.set_aside += 1
                continue
            try:
                grade = AppearanceResult.from_record(record)
            except (KeyError, TypeError, ValueError):
                self.skipped_lines += 1
                continue
            self.appearance[grade.task_id] = grade
        self.skipped_lines += self.cases_log.skipped_lines + self.appearance_log.skipped_lines

    def has_case(self, task_id: str, index: int) -> bool:
        """Whether the case already has a result."""
        return (task_id, index) in self.cases

    def missing_cases(self, task: BenchTask) -> list[int]:
        """Indexes of the task's cases without a result."""
        return [c.index for c in task.cases if (task.id, c.index) not in self.cases]

    def task_done(self, task: BenchTask) -> bool:
        """Whether every case and the appearance grade of ``task`` are recorded."""
        return task.id in self.appearance and not self.missing_cases(task)

    async def add_case(self, result: CaseResult) -> None:
        """Record a finished case."""
        await self.cases_log.append_async(result.to_record())
        self.cases[(result.task_id, result.case_index)] = result

    async def add_appearance(self, result: AppearanceResult) -> None:
        """Record a task's appearance grade."""
        await self.appearance_log.append_async(result.to_record())
        self.appearance[result.task_id] = result


__all__ = ["APPEARANCE_FILE", "CASES_FILE", "BenchJournal", "JsonlLog"]
