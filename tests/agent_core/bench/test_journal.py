"""The bench's result files: append-only, read back after a kill, keyed by task and case."""

from __future__ import annotations

import json

from agent_core.bench import AppearanceResult, BenchCase, BenchJournal, BenchTask, CaseResult
from agent_core.bench.journal import JsonlLog


def case(task_id: str, index: int, verdict: str = "YES") -> CaseResult:
    return CaseResult(task_id, index, "User Interaction", "Functional Testing", verdict,
                      reason="because", turns=2, actions=["Click [0]", "ANSWER; YES"])  # fmt: skip


async def test_records_are_read_back_as_they_were_written(tmp_path):
    journal = BenchJournal(tmp_path)
    await journal.add_case(case("000001", 0))
    await journal.add_case(case("000001", 1, "PARTIAL"))
    grade = AppearanceResult("000001", 3, read="the first digit after 'Grade': 3",
                             judge_text="Plain.\nGrade: 3", screenshots=["s/1.png"])
    await journal.add_appearance(grade)
    again = BenchJournal(tmp_path)
    again.load()
    assert again.cases == {("000001", 0): case("000001", 0),
                           ("000001", 1): case("000001", 1, "PARTIAL")}  # fmt: skip
    assert again.appearance == {"000001": grade}
    line = json.loads((tmp_path / "bench-cases.jsonl").read_text().splitlines()[1])
    assert line["kind"] == "case" and line["score"] == 0.5 and line["verdict"] == "PARTIAL"


async def test_a_torn_last_line_is_cut_and_the_next_record_starts_clean(tmp_path):
    journal = BenchJournal(tmp_path)
    await journal.add_case(case("000001", 0))
    path = tmp_path / "bench-cases.jsonl"
    with path.open("a") as handle:
        handle.write('{"kind": "case", "task_id": "000001", "case_in')  # killed mid-write
    again = BenchJournal(tmp_path)
    again.load()
    assert list(again.cases) == [("000001", 0)] and again.skipped_lines == 0
    await again.add_case(case("000001", 1))
    lines = path.read_text().splitlines()
    assert [json.loads(line)["case_index"] for line in lines] == [0, 1]


def test_a_whole_last_line_without_newline_is_kept(tmp_path):
    path = tmp_path / "log.jsonl"
    path.write_text('{"a": 1}\n{"b": 2}')
    log = JsonlLog(path)
    assert log.read() == [{"a": 1}, {"b": 2}]
    log.append({"c": 3})
    assert log.read() == [{"a": 1}, {"b": 2}, {"c": 3}]


def test_unreadable_lines_in_the_middle_are_skipped_and_counted(tmp_path):
    good = json.dumps(case("000002", 0).to_record())
    (tmp_path / "bench-cases.jsonl").write_text(
        f"garbage\n{good}\n" + json.dumps({"kind": "case", "task_id": "x"}) + "\n"
        + json.dumps({**case("000002", 1).to_record(), "verdict": "MAYBE"}) + "\n"
    )  # fmt: skip
    journal = BenchJournal(tmp_path)
    journal.load()
    assert list(journal.cases) == [("000002", 0)] and journal.skipped_lines == 3


async def test_a_task_is_done_when_all_cases_and_its_grade_are_recorded(tmp_path):
    cases = tuple(BenchCase(i, "t", "e", "Functional Testing") for i in range(3))
    task = BenchTask("000003", "site", "User Interaction", "", cases)
    journal = BenchJournal(tmp_path)
    await journal.add_case(case("000003", 1))
    assert journal.missing_cases(task) == [0, 2] and not journal.task_done(task)
    await journal.add_case(case("000003", 0))
    await journal.add_case(case("000003", 2))
    assert not journal.task_done(task)
    await journal.add_appearance(AppearanceResult("000003", 0, read="no 'Grade': counted 0"))
    assert journal.task_done(task)


def test_grades_of_the_critic_rubric_are_set_aside_never_mixed_in(tmp_path):
    # Written by an earlier version: the in-loop critic's 0-5 grade of one screenshot.
    old = {"kind": "appearance", "task_id": "000004", "grade": 5, "analysis": "lovely"}
    new = AppearanceResult("000005", 2, read="...").to_record()
    (tmp_path / "bench-appearance.jsonl").write_text(json.dumps(old) + "\n" + json.dumps(new)
                                                     + "\n")  # fmt: skip
    journal = BenchJournal(tmp_path)
    journal.load()
    assert list(journal.appearance) == ["000005"]
    assert journal.set_aside == 1 and journal.skipped_lines == 0
