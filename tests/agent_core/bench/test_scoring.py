"""The benchmark's numbers on a hand-made fixture: both verdict readings, the appearance
score, the terminal table and table.md, all worked out by hand."""

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
    published_verdict,
    read_grade,
    results_markdown,
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
    task("t2", "User Interaction", FUNC, FUNC, FUNC),
    task("t3", "Data Management", DISPLAY),
    task("t4", "Data Management", DISPLAY, FUNC),
]

# The judge's last message of each case, and the text after "ANSWER;" when it answered.
# Published reading: "YES" anywhere (case matters), else "PARTIAL" anywhere, else NO.
# Strict reading: the answer must start with YES, PARTIAL or NO.
MESSAGES = {
    # published YES, strict YES
    ("t1", 0): "Thought: The report shows the stock data.\nAction: ANSWER; YES - it appears",
    # the verdict inside a sentence: published YES, strict NO
    ("t1", 1): "Thought: White and navy.\nAction: ANSWER; The colours match, so YES.",
    # "NO" in the thought, lower-case "Partially": published NO, strict PARTIAL
    ("t1", 2): "Thought: NO chart is drawn.\nAction: ANSWER; Partially - a table, no chart",
    # "PARTIAL" in the thought, answer NO: published PARTIAL, strict NO
    ("t2", 0): "Thought: PARTIAL at best.\nAction: ANSWER; NO - the search ignores the filter",
    # lower case: published NO, strict YES
    ("t2", 1): "Thought: The button responds.\nAction: ANSWER; yes, it works",
    # "NO" and "YES" both present (inside a word): published YES, strict NO
    ("t2", 2): "Thought: Tabs.\nAction: ANSWER; NO - only the YESTERDAY tab exists",
    # no verdict at all (the agent was still scrolling at the turn limit): NO in both
    ("t3", 0): "Thought: Still looking for the list.\nAction: Scroll [WINDOW]; down",
}


def judged(task_id: str, index: int) -> CaseResult:
    message = MESSAGES[(task_id, index)]
    answer = message.split("ANSWER; ", 1)[1] if "ANSWER; " in message else None
    verdict, reason = parse_verdict(answer, "turn limit")
    # Categories in a record are not trusted: the task file decides.
    return CaseResult(task_id, index, "stale", "stale", verdict, reason=reason, answer=answer,
                      last_message=message)  # fmt: skip


def not_started(task_id: str, index: int) -> CaseResult:
    return CaseResult(task_id, index, "stale", "stale", "NO", start_failed=True)


CASES = {key: judged(*key) for key in MESSAGES}
CASES[("t4", 0)] = not_started("t4", 0)
CASES[("t4", 1)] = not_started("t4", 1)
CASES[("other", 0)] = CaseResult("other", 0, "x", "x", "YES", last_message="YES")  # ignored

# The judge's appearance replies, read by the published rule (the first digit after the
# word "Grade", any case, 0 without one).
JUDGE_TEXTS = {
    "t1": "Analysis: a clean navy-on-white report page.\n\nGrade: 4",  # 4
    "t2": "It could use an upgrade: 2 columns overlap.\nGrade: 3",  # "upgrade" first: 2
    "t3": "Analysis: tidy, but I would grade it three out of five.",  # no digit after: 0
}


def appearance() -> dict[str, AppearanceResult]:
    grades = {}
    for task_id, text in JUDGE_TEXTS.items():
        grade, read = read_grade(text)
        grades[task_id] = AppearanceResult(task_id, grade, read=read, judge_text=text)
    grades["t4"] = AppearanceResult("t4", 0, start_failed=True)
    grades["other"] = AppearanceResult("other", 5)  # not a selected task: ignored
    return grades


def test_both_readings_give_the_counts_worked_out_by_hand():
    data = summarize(TASKS, CASES, appearance()).to_json()
    # Published: YES t1/0 t1/1 t2/2; PARTIAL t2/0; NO t1/2 t2/1 t3/0; start_failed t4/0 t4/1.
    assert data["published"] == {"yes": 3, "partial": 1, "no": 3, "start_failed": 2}
    # Strict: YES t1/0 t2/1; PARTIAL t1/2; NO t1/1 t2/0 t2/2 t3/0; start_failed t4/0 t4/1.
    assert data["strict"] == {"yes": 2, "partial": 1, "no": 4, "start_failed": 2}
    assert data["cases"] == 9
    assert data["accuracy"] == pytest.approx(3.5 / 9)
    assert data["accuracy_strict"] == pytest.approx(2.5 / 9)


def test_each_category_is_read_both_ways():
    by = summarize(TASKS, CASES, appearance()).to_json()["by_category"]
    expected = {  # (cases, published accuracy, strict accuracy)
        "Content Presentation": (3, 2 / 3, 1.5 / 3),  # YES YES NO | YES NO PARTIAL
        "User Interaction": (3, 1.5 / 3, 1 / 3),  # PARTIAL NO YES | NO YES NO
        "Data Management": (3, 0.0, 0.0),  # NO, two start failures
        FUNC: (5, 2.5 / 5, 2 / 5),  # t1/0 t2/0 t2/1 t2/2 t4/1
        DISPLAY: (3, 0.0, 0.5 / 3),  # t1/2 t3/0 t4/0
        DESIGN: (1, 1.0, 0.0),  # t1/1
    }
    assert list(by) == list(expected)
    for name, (cases, published, strict) in expected.items():
        assert by[name]["cases"] == cases
        assert by[name]["accuracy"] == pytest.approx(published), name
        assert by[name]["accuracy_strict"] == pytest.approx(strict), name
    assert by["Data Management"]["published"] == {"yes": 0, "partial": 0, "no": 1,
                                                  "start_failed": 2}  # fmt: skip


def test_appearance_is_the_sum_over_the_selected_tasks_divided_by_their_number():
    summary = summarize(TASKS, CASES, appearance())
    # 4 (t1) + 2 (t2, the digit after "upgrade") + 0 (t3, unreadable) + 0 (t4, not started)
    assert summary.appearance == pytest.approx(6 / 4)
    assert summary.to_json()["appearance_tasks"] == 4
    # A task with no grade yet adds 0 and is counted as missing.
    without_t1 = {k: v for k, v in appearance().items() if k != "t1"}
    later = summarize(TASKS, CASES, without_t1)
    assert later.appearance == pytest.approx(2 / 4) and later.appearance_missing == 1


@pytest.mark.parametrize(
    ("text", "grade"),
    [
        ("Analysis: fine.\n\nGrade: 4", 4),
        ("GRADE:\n\n  5", 5),
        ("**Grade**: [3]", 3),
        ("The final grade is 2 out of 5.", 2),
        ("Grade: 10", 1),  # one digit is read
        ("Grade: 7", 7),  # counted as read, like the benchmark
        ("Nice work, 5 stars, no score line.", 0),
        ("I would grade it three.", 0),
        ("", 0),
    ],
)
def test_a_grade_is_the_first_digit_after_the_word_grade(text, grade):
    assert read_grade(text)[0] == grade


def test_how_the_grade_was_read_is_said():
    read = "the first digit after 'Grade' in 'Grade: 4': 4"
    assert read_grade("Analysis.\nGrade: 4") == (4, read)
    assert read_grade("no score here") == (0, "no 'Grade' in the judge's reply: counted 0")
    assert read_grade("grade: n/a")[1] == "no digit after it in the judge's reply: counted 0"


@pytest.mark.parametrize(
    ("message", "verdict"),
    [
        ("Action: ANSWER; YES", "YES"),
        ("YESTERDAY", "YES"),
        ("Action: ANSWER; PARTIAL", "PARTIAL"),
        ("PARTIALLY", "PARTIAL"),
        ("Action: ANSWER; yes", "NO"),
        ("Action: ANSWER; Partial", "NO"),
        ("", "NO"),
        (None, "NO"),
    ],
)
def test_the_published_reading_looks_for_upper_case_words_anywhere(message, verdict):
    assert published_verdict(message) == verdict


def test_a_record_without_the_last_message_is_read_from_its_answer():
    old = CaseResult("t1", 0, "x", "x", "NO", reason="...", answer="It works: YES")
    assert old.published == "YES" and old.verdict == "NO"


def test_cases_without_results_are_counted_as_missing_not_as_no():
    partial = {k: v for k, v in CASES.items() if k != ("t1", 2)}
    summary = summarize(TASKS, partial, {})
    assert summary.published.overall.cases == 8 and summary.missing_cases == 1
    assert summary.appearance == 0.0 and summary.appearance_missing == 4
    assert "not evaluated yet: 1 case(s)" in format_table(summary)


def test_the_terminal_table_shows_both_readings():
    table = format_table(summarize(TASKS, CASES, appearance())).splitlines()
    assert table[0].split() == ["cases", "accuracy", "Y/P/N", "strict", "Y/P/N"]
    assert table[1].split() == ["overall", "9", "38.9%", "3/1/3", "27.8%", "2/1/4"]
    rows = {" ".join(line.split()[:-5]): line.split()[-5:] for line in table[2:] if "%" in line}
    assert rows["Content Presentation"] == ["3", "66.7%", "2/0/1", "50.0%", "1/1/1"]
    assert rows[DESIGN] == ["1", "100.0%", "1/0/0", "0.0%", "0/0/1"]
    assert "sites that did not start: 2 case(s), scored 0 in both readings" in table
    assert "appearance: 1.50 / 5 (sum of the grades of 4 task(s) divided by 4)" in table


def test_table_md_has_the_benchmark_columns_and_a_row_per_reading():
    text = results_markdown([("fixture", summarize(TASKS, CASES, appearance()))])
    lines = text.splitlines()
    header = next(line for line in lines if line.startswith("| test_name | yes_num"))
    assert header == (
        "| test_name | yes_num | partial_num | no_num | start_failed_num | total | yes_rate | "
        "partial_rate | no_rate | start_failed_rate | accuracy | Content Presentation | "
        "User Interaction | Data Management | Functional Testing | Data Display Testing | "
        "Design Validation Testing |"
    )
    rows = [line for line in lines if line.startswith("| fixture |")]
    assert rows[0] == ("| fixture | 3 | 1 | 3 | 2 | 9 | 33.3 | 11.1 | 33.3 | 22.2 | 38.9 | "
                       "66.7 | 50.0 | 0.0 | 50.0 | 0.0 | 100.0 |")  # fmt: skip
    assert rows[1] == ("| fixture | 2 | 1 | 4 | 2 | 9 | 22.2 | 11.1 | 44.4 | 22.2 | 27.8 | "
                       "50.0 | 33.3 | 0.0 | 40.0 | 16.7 | 0.0 |")  # fmt: skip
    assert rows[2] == "| fixture | 1.50 | 4 | 0 |"
    assert text.index("Published reading") < text.index(rows[0]) < text.index("Strict reading")


def test_a_category_without_cases_shows_a_dash_not_zero():
    text = results_markdown([("one", summarize(TASKS[:1], CASES, appearance()))])
    row = next(line for line in text.splitlines() if line.startswith("| one | 2"))
    assert row.endswith("| 66.7 | - | - | 100.0 | 0.0 | 100.0 |")  # t1/0 YES, t1/2 NO, t1/1 YES


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
def test_answers_starting_with_a_verdict_are_read_strictly(answer, verdict):
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
