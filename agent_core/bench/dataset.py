"""Reading a WebGen-Bench task file: one website instruction a line, with its UI test cases.

The file is JSON Lines. Each line holds ``id``, ``instruction``, ``Category.primary_category``
and ``ui_instruct``, a list of test cases ``{task, expected_result, task_category}`` whose
``task_category.primary_category`` says what kind of test it is. ``application_type`` is
kept when present. Every problem is reported with the file and the line it is on.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent_core.errors import WebGenError


class BenchDataError(WebGenError):
    """The benchmark file is missing, unreadable or not shaped like WebGen-Bench."""


@dataclass(frozen=True)
class BenchCase:
    """One UI test case of a task.

    Attributes:
        index: Position in the task's ``ui_instruct`` list, from 0.
        task: What the tester should do on the site.
        expected_result: What should happen if the site works.
        category: ``task_category.primary_category`` (e.g. ``Functional Testing``).
    """

    index: int
    task: str
    expected_result: str
    category: str


@dataclass(frozen=True)
class BenchTask:
    """One website instruction of the benchmark.

    Attributes:
        id: The task id, e.g. ``000001``.
        instruction: What the website should be.
        category: ``Category.primary_category`` (e.g. ``User Interaction``).
        application_type: The kind of application ('' when absent).
        cases: The UI test cases, in file order.
    """

    id: str
    instruction: str
    category: str
    application_type: str
    cases: tuple[BenchCase, ...]


def load_tasks(path: Path) -> list[BenchTask]:
    """Read and check a benchmark file.

    Blank lines are skipped.

    Args:
        path: The ``.jsonl`` file given by the user.

    Returns:
        The tasks in file order.

    Raises:
        BenchDataError: The file is missing or unreadable, a line is not a JSON object, a
            field is missing or has the wrong type, an id repeats, or there is no task.
    """
    path = Path(path)
    if not path.exists():
        raise BenchDataError(f"benchmark file {path} does not exist; pass the path of test.jsonl")
    if not path.is_file():
        raise BenchDataError(f"benchmark file {path} is not a file; pass the path of test.jsonl")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BenchDataError(f"cannot read benchmark file {path}: {exc}") from exc
    tasks: list[BenchTask] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        task = _task_of(_json_object(line, path, number), path, number)
        if task.id in seen:
            raise BenchDataError(
                f"{path}, line {number}: task id {task.id!r} already appears on line "
                f"{seen[task.id]}; ids must be unique"
            )
        seen[task.id] = number
        tasks.append(task)
    if not tasks:
        raise BenchDataError(f"benchmark file {path} holds no tasks")
    return tasks


def select_tasks(tasks: Sequence[BenchTask], ids: Iterable[str] | None) -> list[BenchTask]:
    """The tasks named in ``ids`` (all when None or empty), in file order.

    An id matches exactly, or by number when both are digits (``5`` matches ``000005``).

    Raises:
        BenchDataError: Some ids match no task (they are listed).
    """
    wanted = [i.strip() for i in (ids or ()) if i.strip()]
    if not wanted:
        return list(tasks)
    chosen = [t for t in tasks if any(_same_id(t.id, i) for i in wanted)]
    unknown = [i for i in wanted if not any(_same_id(t.id, i) for t in tasks)]
    if unknown:
        raise BenchDataError(
            f"no task with id {', '.join(unknown)} in the benchmark file "
            f"(its ids run from {tasks[0].id} to {tasks[-1].id})"
        )
    return chosen


def _same_id(task_id: str, wanted: str) -> bool:
    if task_id == wanted:
        return True
    return task_id.isdigit() and wanted.isdigit() and int(task_id) == int(wanted)


def _json_object(line: str, path: Path, number: int) -> dict[str, Any]:
    try:
        data = json.loads(line)
    except ValueError as exc:
        raise BenchDataError(f"{path}, line {number}: not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise BenchDataError(f"{path}, line {number}: expected a JSON object for one task")
    return data


def _task_of(data: dict[str, Any], path: Path, number: int) -> BenchTask:
    where = f"{path}, line {number}"
    raw_id = data.get("id")
    if isinstance(raw_id, bool) or not isinstance(raw_id, str | int) or str(raw_id) == "":
        raise BenchDataError(f"{where}: missing field 'id' (a string such as \"000001\")")
    task_id = str(raw_id)
    where = f"{where} (task {task_id})"
    instruction = _text(data, "instruction", where)
    category = _text(data.get("Category"), "primary_category", where, "Category.")
    cases = data.get("ui_instruct")
    if not isinstance(cases, list) or not cases:
        raise BenchDataError(f"{where}: missing field 'ui_instruct' (a non-empty list of cases)")
    parsed = tuple(_case_of(item, i, where) for i, item in enumerate(cases))
    kind = data.get("application_type")
    return BenchTask(task_id, instruction, category, kind if isinstance(kind, str) else "", parsed)


def _case_of(item: object, index: int, where: str) -> BenchCase:
    where = f"{where}, ui_instruct[{index}]"
    if not isinstance(item, dict):
        raise BenchDataError(f"{where}: expected an object with task and expected_result")
    return BenchCase(
        index=index,
        task=_text(item, "task", where),
        expected_result=_text(item, "expected_result", where),
        category=_text(item.get("task_category"), "primary_category", where, "task_category."),
    )


def _text(data: object, key: str, where: str, prefix: str = "") -> str:
    value = data.get(key) if isinstance(data, dict) else None
    if not isinstance(value, str) or not value.strip():
        raise BenchDataError(f"{where}: missing field '{prefix}{key}' (a non-empty string)")
    return value.strip()


__all__ = ["BenchCase", "BenchDataError", "BenchTask", "load_tasks", "select_tasks"]
