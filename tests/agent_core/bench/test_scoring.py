"""The benchmark's numbers on a hand-made fixture, the verdict reading, and the table."""

from __future__ import annotations

import pytest

from agent_core.bench import (
    AppearanceResult,
    BenchCase,
    BenchTask,
    CaseResult,
    case_instruction,
    format_table,
    parse_verdict,
    summarize,
)

FUNC, DISPLAY, DESIGN = "Functional Testing", "Data Display Testing", "Design Validation Testing"


def task(task_id: str, category: str, *case_categories: str) -> BenchTask:
    cases = tuple(
        BenchCase(i, f"do {task_id}/{i}", f"see {task_id}/{i}", c)
        for i, c in enumerate(case_categories)
    )
    return BenchTask(task_id, f"site {task_id}", category, "", cases)


TASKS = [
    task("t1", "Content Presentation", FUNC, DESIGN, DISPLAY),
    task("t2", "User Interaction", FUNC, FUNC),
    task("t3", "Data Management", DISPLAY, FUNC),
]


def result(task_id: str, index: int, verdict: str, start_failed: bool = False) -> CaseResult:
    # Categories in a record are not trusted: the task file decides.
    return CaseResult(task_id, index, "stale", "stale", verdict, start_failed=start_failed)


CASES = {
    ("t1", 0): result("t1", 0, "YES"),
    ("t1", 1): result("t1", 1, "PARTIAL"),
    ("t1", 2): result("t1", 2, "NO"),
    ("t2", 0): result("t2", 0, "PARTIAL"),
    ("t2", 1): result("t2", 1, "YES"),
    ("t3", 0): result("t3", 0, "NO", start_failed=True),
    ("t3", 1): result("t3", 1, "NO", start_failed=True),
    ("other", 0): result("other", 0, "YES"),  # not a selected task: ignored
}
APPEARANCE = {
    "t1": AppearanceResult("t1", 4),
    "t2": AppearanceResult("t2", None, reason="the grade reply could not be read"),
    "t3": AppearanceResult("t3", 0, start_failed=True),
    "other": AppearanceResult("other", 5),
}


def test_accuracy_overall_and_per_category_is_exact():
    summary = summarize(TASKS, CASES, APPEARANCE)
    assert summary.to_json() == {
        "cases": 7, "yes": 2, "partial": 2, "no": 3, "start_failed": 2,
        "accuracy": 3 / 7,
        "appearance": 2.0,  # (4 + 0) / 2: the missing grade of t2 is left out
        "by_category": {
            "Content Presentation": {"cases": 3, "accuracy": 0.5},
            "User Interaction": {"cases": 2, "accuracy": 0.75},
            "Data Management": {"cases": 2, "accuracy": 0.0},
            "Functional Testing": {"cases": 4, "accuracy": 0.625},
            "Data Display Testing": {"cases": 2, "accuracy": 0.0},
            "Design Validation Testing": {"cases": 1, "accuracy": 0.5},
        },
    }  # fmt: skip
    assert list(summary.by_case_category) == [FUNC, DISPLAY, DESIGN]
    assert summary.missing_cases == 0 and summary.appearance_graded == 2


def test_results_file_data_has_per_task_rows():
    data = summarize(TASKS, CASES, APPEARANCE).to_results()
    assert data["tasks"]["t3"] == {
        "cases": 2, "yes": 0, "partial": 0, "no": 2, "start_failed": 2, "accuracy": 0.0,
        "appearance": 0,
    }  # fmt: skip
    assert data["tasks"]["t2"]["appearance"] is None
    assert data["by_task_category"]["User Interaction"]["partial"] == 1
    assert data["by_case_category"][FUNC]["yes"] == 2 and data["missing_cases"] == 0
    assert "other" not in data["tasks"]


def test_cases_without_results_are_counted_as_missing_not_as_no():
    partial = {k: v for k, v in CASES.items() if k != ("t1", 2)}
    summary = summarize(TASKS, partial, {})
    assert summary.overall.cases == 6 and summary.missing_cases == 1
    assert summary.overall.accuracy == 3 / 6
    assert summary.appearance is None and summary.to_json()["appearance"] is None
    assert "not evaluated yet: 1 case(s)" in format_table(summary)
    assert "appearance: no grade" in format_table(summary)


def test_the_table_reads_like_the_numbers():
    table = format_table(summarize(TASKS, CASES, APPEARANCE)).splitlines()
    assert table[0].split() == ["cases", "YES", "PART", "NO", "accuracy"]
    assert table[1].split() == ["overall", "7", "2", "2", "3", "42.9%"]
    rows = {line.strip().rsplit(None, 5)[0]: line.split()[-1] for line in table[2:] if "%" in line}
    assert rows == {
        "Content Presentation": "50.0%", "User Interaction": "75.0%", "Data Management": "0.0%",
        FUNC: "62.5%", DISPLAY: "0.0%", DESIGN: "50.0%",
    }  # fmt: skip
    assert "sites that did not start: 2 case(s) scored NO" in table
    assert "appearance: 2.00 / 5 (mean of 2 task(s))" in table


@pytest.mark.parametrize(
    ("answer", "verdict"),
    [
        ("YES - the report appears", "YES"),
        ("yes", "YES"),
        ("**Yes**. Everything works", "YES"),
        ("'PARTIAL': only the search works", "PARTIAL"),
        ("Partially - the list does not update", "PARTIAL"),
        ("  no. Nothing happens", "NO"),
        ("NO", "NO"),
    ],
)
def test_answers_starting_with_a_verdict_are_read(answer, verdict):
    assert parse_verdict(answer) == (verdict, answer.strip())


@pytest.mark.parametrize("answer", ["Nothing happened", "Maybe", "The task is done: YES", ""])
def test_other_answers_are_no_with_the_reason(answer):
    verdict, reason = parse_verdict(answer)
    assert verdict == "NO"
    assert reason == f"the answer {answer!r} does not start with YES, PARTIAL or NO"


def test_no_answer_is_no_with_why_the_agent_stopped():
    assert parse_verdict(None, "turn limit") == ("NO", "no answer: turn limit")
    assert parse_verdict(None, "the GUI model failed: HTTP 500") == (
        "NO", "no answer: the GUI model failed: HTTP 500",
    )  # fmt: skip


def test_case_prompt_gives_task_expected_result_credentials_and_verdict_rule():
    case = BenchCase(0, "Add a book to the cart.", "The cart shows one book.", FUNC)
    text = case_instruction(case)
    assert "What to do: Add a book to the cart." in text
    assert "What should happen: The cart shows one book." in text
    assert "admin" in text and "admin123456" in text and "admin@example.com" in text
    assert "YES if the expected result was achieved, PARTIAL if it was only partly" in text
    assert "NO if it was not achieved" in text
