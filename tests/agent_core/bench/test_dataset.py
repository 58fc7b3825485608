"""Reading WebGen-Bench files: the real test split, --ids, and the errors a user sees."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from agent_core.bench import BenchDataError, load_tasks, select_tasks
from tests.agent_core.bench.helpers import bench_file

GOOD = {
    "id": "000001",
    "instruction": "A stock report site.",
    "Category": {"primary_category": "Data Management"},
    "application_type": "Dashboards",
    "ui_instruct": [{
        "task": "Search for AAPL.", "expected_result": "A report appears.",
        "task_category": {"primary_category": "Functional Testing"},
    }],
}  # fmt: skip


def write(tmp_path, *lines: str):
    path = tmp_path / "tasks.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_the_public_test_split_loads_with_its_categories():
    tasks = load_tasks(bench_file())
    assert len(tasks) == 101
    assert sum(len(t.cases) for t in tasks) == 647
    assert Counter(t.category for t in tasks) == {
        "User Interaction": 49, "Content Presentation": 28, "Data Management": 24,
    }  # fmt: skip
    assert Counter(c.category for t in tasks for c in t.cases) == {
        "Functional Testing": 339, "Data Display Testing": 186, "Design Validation Testing": 122,
    }  # fmt: skip
    first = tasks[0]
    assert first.id == "000001" and first.category == "Data Management"
    assert first.instruction.startswith("Please implement a website for generating stock")
    assert [c.index for c in first.cases] == list(range(len(first.cases)))
    assert first.cases[0].task.startswith("Verify the stock search functionality")
    assert first.cases[0].expected_result.startswith("The system returns relevant stock")


def test_ids_pick_tasks_in_file_order_and_match_by_number():
    tasks = load_tasks(bench_file())
    chosen = select_tasks(tasks, ["000005", "1", " 000003 "])
    assert [t.id for t in chosen] == ["000001", "000003", "000005"]
    assert select_tasks(tasks, []) == tasks and select_tasks(tasks, None) == tasks


def test_unknown_ids_are_named():
    tasks = load_tasks(bench_file())
    with pytest.raises(BenchDataError) as error:
        select_tasks(tasks, ["000002", "999999", "abc"])
    assert str(error.value) == (
        "no task with id 999999, abc in the benchmark file (its ids run from 000001 to 000101)"
    )


def test_a_missing_file_or_a_folder_is_refused(tmp_path):
    with pytest.raises(BenchDataError, match=r"does not exist; pass the path of test\.jsonl"):
        load_tasks(tmp_path / "nope.jsonl")
    with pytest.raises(BenchDataError, match="is not a file"):
        load_tasks(tmp_path)


def test_bad_json_names_the_line(tmp_path):
    path = write(tmp_path, json.dumps(GOOD), "", '{"id": "000002", "instruction": ')
    with pytest.raises(BenchDataError) as error:
        load_tasks(path)
    assert str(error.value).startswith(f"{path}, line 3: not valid JSON (")


def test_a_line_that_is_not_an_object(tmp_path):
    with pytest.raises(BenchDataError, match=r"line 1: expected a JSON object for one task"):
        load_tasks(write(tmp_path, "[1, 2]"))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t.pop("id"), "line 2: missing field 'id'"),
        (lambda t: t.pop("instruction"), "line 2 (task 000002): missing field 'instruction'"),
        (lambda t: t["Category"].pop("primary_category"),
         "missing field 'Category.primary_category'"),
        (lambda t: t.update(ui_instruct=[]), "missing field 'ui_instruct' (a non-empty list"),
        (lambda t: t["ui_instruct"][0].pop("expected_result"),
         "(task 000002), ui_instruct[0]: missing field 'expected_result'"),
        (lambda t: t["ui_instruct"][0].update(task_category="Functional"),
         "ui_instruct[0]: missing field 'task_category.primary_category'"),
    ],
)  # fmt: skip
def test_missing_fields_are_named_with_line_and_task(tmp_path, change, message):
    broken = json.loads(json.dumps(GOOD))
    broken["id"] = "000002"
    change(broken)
    with pytest.raises(BenchDataError) as error:
        load_tasks(write(tmp_path, json.dumps(GOOD), json.dumps(broken)))
    assert message in str(error.value)


def test_repeated_ids_and_empty_files_are_refused(tmp_path):
    with pytest.raises(BenchDataError, match="task id '000001' already appears on line 1"):
        load_tasks(write(tmp_path, json.dumps(GOOD), json.dumps(GOOD)))
    with pytest.raises(BenchDataError, match="holds no tasks"):
        load_tasks(write(tmp_path, "", "  "))


def test_numeric_ids_and_missing_application_type_are_accepted(tmp_path):
    task = {**GOOD, "id": 7}
    task.pop("application_type")
    (loaded,) = load_tasks(write(tmp_path, json.dumps(task)))
    assert loaded.id == "7" and loaded.application_type == ""
    assert loaded.cases[0].category == "Functional Testing"
