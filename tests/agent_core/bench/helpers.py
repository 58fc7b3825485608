"""Shared pieces of the bench tests: the real benchmark file, run directories, a vision model.

The scripted vision model answers all three kinds of critic-role requests the bench makes:
GUI-agent turns (it reads the element list and clicks the counter for real), and the
screenshot critic's error check and grade.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

from agent_core.store.records import RunStatus, StepKind, StepRecord
from agent_core.store.run_store import RunStore
from tests.fakes.model_server import RecordedRequest

REPO = Path(__file__).resolve().parents[3]
BENCH_FILE = REPO / ".." / "shared" / "webgen-bench" / "test.jsonl"

COUNTER_SITE = {
    "index.html": """<!doctype html>
<html><head><title>Counter</title>
<style>body { font-family: sans-serif; background: #fff; margin: 24px; }
button { background: navy; color: #fff; border: 0; padding: 8px 16px; }</style></head>
<body><h1>Counter</h1>
<button id="inc" onclick="this.textContent = 'Count: ' + (++window.clicks)">Count: 0</button>
<script>window.clicks = 0;</script></body></html>
""",
}
BROKEN_SITE = {
    "package.json": json.dumps({
        "name": "broken-site",
        "private": True,
        "scripts": {"dev": "node -e \"console.error('server.js is missing'); process.exit(1)\""},
    }),
}  # fmt: skip
_LINE = re.compile(r"^\[(\d+)\] (.+)$", re.MULTILINE)
_TASK = re.compile(r"What to do: (.+)")


def bench_file() -> Path:
    """The real benchmark file; skips the calling test, saying why, when it is not there."""
    if not BENCH_FILE.is_file():
        pytest.skip(f"needs the WebGen-Bench test split at {BENCH_FILE.resolve()}: the shared "
                    "data folder beside the repository (../shared) is absent")
    return BENCH_FILE


def real_tasks() -> dict[str, dict]:
    """The lines of the real benchmark file, by task id (skips the test when it is absent)."""
    lines = bench_file().read_text(encoding="utf-8").splitlines()
    return {data["id"]: data for data in map(json.loads, filter(str.strip, lines))}


def write_fixture(path: Path, picks: Mapping[str, Iterable[int]]) -> list[dict]:
    """Write a benchmark file of real tasks restricted to some of their cases.

    Args:
        path: Where to write it.
        picks: Task id -> indexes of the cases to keep, in the real file.

    Returns:
        The written task objects.
    """
    every = real_tasks()
    chosen = []
    for task_id, indexes in picks.items():
        task = dict(every[task_id])
        task["ui_instruct"] = [task["ui_instruct"][i] for i in indexes]
        chosen.append(task)
    path.write_text("".join(json.dumps(t) + "\n" for t in chosen), encoding="utf-8")
    return chosen


def make_run(run_dir: Path, instruction: str, files: Mapping[str, str]) -> RunStore:
    """A finished run whose only (and best) step wrote ``files``."""
    store = RunStore.create(run_dir, instruction)
    data = {path: text.encode() for path, text in files.items()}
    digests = store.put_files(data)
    for path, content in data.items():
        target = store.workspace / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    store.commit_step(StepRecord(1, StepKind.EDIT, None, appearance_grade=4, files=digests,
                                 files_changed=sorted(files)))  # fmt: skip
    store.update_manifest(status=RunStatus.FINISHED, best_step=1, end_reason="finish")
    return store


def element_number(request: RecordedRequest, needle: str) -> int | None:
    """The number of the first listed element whose line contains ``needle``."""
    for match in _LINE.finditer(request.last_user_text):
        if needle in match.group(2):
            return int(match.group(1))
    return None


class VisionScript:
    """The critic role: GUI agent turns, the bench's appearance judge, and the in-loop
    critic's error checks and grades.

    For a GUI request it clicks the "Count: 0" button it finds in the element list; once the
    list shows "Count: 1" it answers with the verdict scripted for the case (matched by a
    piece of the case's task text), otherwise NO. The appearance judge gets ``looks``.

    Args:
        verdicts: Piece of a case's task text -> the answer text after ``ANSWER;``.
        grade: The grade the in-loop critic gives.
        looks: The appearance judge's reply (it ends with a "Grade: N" line or not).
    """

    def __init__(self, verdicts: Mapping[str, str], grade: int = 4,
                 looks: str = "Analysis: a tidy navy counter.\n\nGrade: 4") -> None:  # fmt: skip
        self.verdicts = dict(verdicts)
        self.grade = grade
        self.looks = looks
        self.gui_tasks: list[str] = []
        """The task of every GUI agent's first turn, in order."""
        self.gui_requests: list[RecordedRequest] = []
        self.appearance_requests: list[RecordedRequest] = []
        self.grades = 0
        self.checks = 0
        self._lock = threading.Lock()

    def __call__(self, request: RecordedRequest) -> str:
        with self._lock:
            if "careful tester" in request.texts[0]:
                self.gui_requests.append(request)
                return self._gui(request)
            if "Grade how the website looks" in request.last_user_text:
                self.appearance_requests.append(request)
                return self.looks
            if "Grade it." in request.last_user_text:
                self.grades += 1
                return json.dumps({"analysis": "a tidy navy counter", "grade": self.grade})
            self.checks += 1
            return json.dumps({"is_error": False, "error_message": "",
                               "description": "A heading and a navy button.",
                               "suggestions": []})  # fmt: skip

    def _gui(self, request: RecordedRequest) -> str:
        text = request.last_user_text
        match = _TASK.search(text)
        task = match.group(1) if match else ""
        turn = sum(1 for m in request.messages if m.get("role") == "assistant")
        if turn == 0:
            self.gui_tasks.append(task)
            button = element_number(request, '"Count: 0"')
            return f"Thought: There is a counter button.\nAction: Click [{button}]"
        if element_number(request, '"Count: 1"') is None:
            return "Thought: Nothing changed.\nAction: ANSWER; NO - the click had no effect"
        answer = next((a for key, a in self.verdicts.items() if key in task), "NO - unknown")
        return f"Thought: The counter shows 1 now.\nAction: ANSWER; {answer}"
