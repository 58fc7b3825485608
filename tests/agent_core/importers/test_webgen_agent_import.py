"""Importing logs of the official WebGen-Agent: every field lands where our runs keep it.

The logs under tests/fixtures/webgen_agent_logs are written by make_fixtures.py in the
official format (0-based ``step{i}.json``, ``pre`` = -1 at the start, grades, ``nodes``,
screenshots beside the steps, GUI-agent turns in ``taskstep{i}/``).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from agent_core.errors import RunStoreError
from agent_core.importers import ImportReport, import_webgen_agent_log
from agent_core.store.records import RunStatus, StepKind
from agent_core.store.run_store import RunStore
from tests.support.runs import solid_png

LOGS = Path(__file__).resolve().parents[2] / "fixtures" / "webgen_agent_logs"
E, G, F = StepKind.EDIT, StepKind.GUI_TEST, StepKind.FINISH
BAKERY = (
    "Please build a one-page site for a neighbourhood bakery called Crumb & Co. Show the "
    "menu with prices, the opening hours and a contact form. Use a cream background with "
    "dark brown buttons."
)


def raw(log: str, number: int) -> dict[str, Any]:
    return json.loads((LOGS / log / f"step{number}.json").read_text())


def named_screenshot(log: str, number: int) -> bytes:
    """The screenshot the official feedback of ``step{number}.json`` names."""
    path = raw(log, number)["messages"][-1]["info"]["feedback"]["screenshot_path"]
    return (LOGS / log / path.rsplit("/", 1)[-1]).read_bytes()


@pytest.fixture(scope="module")
def imported(tmp_path_factory) -> dict[str, tuple[ImportReport, RunStore]]:
    out = tmp_path_factory.mktemp("imported")
    runs = {}
    for log in ("plain", "resumed", "backtrack", "odd"):
        report = import_webgen_agent_log(LOGS / log, out / log)
        runs[log] = (report, RunStore.open(out / log))
    return runs


def column(store: RunStore, name: str) -> list[Any]:
    return [getattr(step, name) for step in store.steps()]


def test_plain_run_opens_as_a_finished_run_marked_as_imported(imported):
    report, store = imported["plain"]
    assert (report.steps_imported, report.problems, report.skipped) == (4, [], [])
    manifest = store.manifest
    assert manifest.status is RunStatus.FINISHED and manifest.end_reason == "finish"
    assert manifest.instruction == BAKERY
    assert manifest.test_instruction.startswith("Verify the cream background and dark brown")
    assert manifest.models == {"coder": {"model": "unknown (imported)"}}
    assert manifest.config["imported_from"] == "webgen-agent"
    assert manifest.config["source"] == str((LOGS / "plain").resolve())
    assert manifest.config["source_steps"] == {
        "1": "step0.json", "2": "step1.json", "3": "step2.json", "4": "step3.json",
    }  # fmt: skip
    # GUI grade 4 on steps 3 and 4, appearance 4 on both: the later one wins.
    assert manifest.best_step == 4 and store.head == 4


def test_plain_run_steps_field_by_field(imported):
    _, store = imported["plain"]
    assert column(store, "index") == [1, 2, 3, 4]
    assert column(store, "kind") == [E, E, G, F]
    assert column(store, "parent") == [None, 1, 2, 3]
    assert column(store, "appearance_grade") == [3, 4, 4, 4]
    assert column(store, "gui_grade") == [None, None, 4, 4]
    assert column(store, "has_error") == [False] * 4
    assert column(store, "errors") == [[]] * 4
    assert column(store, "files_changed") == [
        ["index.html", "package.json", "src/App.jsx"], ["src/App.css", "src/App.jsx"], [], [],
    ]  # fmt: skip


def test_plain_run_files_replies_and_feedback_are_the_logged_ones(imported):
    _, store = imported["plain"]
    for index, number in enumerate(range(4), start=1):
        logged = raw("plain", number)
        assert store.files_of(index) == {p: t.encode() for p, t in logged["files"].items()}
    replies = [step.reply for step in store.steps()]
    assert replies == [raw("plain", n)["messages"][2 * n + 2]["content"] for n in range(4)]
    assert 'filePath="src/App.css"' in replies[1] and 'type="finish"' in replies[3]
    feedback = [step.feedback for step in store.steps()]
    assert feedback[:3] == [raw("plain", n)["messages"][-1]["content"] for n in range(3)]
    assert feedback[0].startswith("Dependencies installed without errors.")
    assert "The contact form gives no confirmation after sending." in feedback[2]
    assert feedback[3] == ""  # nothing answers a finish step
    assert "Crumb & Co v2" in store.files_of(4)["src/App.jsx"].decode()


def test_plain_run_screenshots_critic_and_gui_turns(imported):
    _, store = imported["plain"]
    for index, number in ((1, 0), (2, 1)):
        assert store.screenshot_path(index).read_bytes() == named_screenshot("plain", number)
    assert store.screenshot_path(3) is None and store.screenshot_path(4) is None
    assert store.screenshot_path(1).read_bytes() == solid_png(
        32, 24, (250, 240, 220), band=(60, 36, 20)
    )
    critic = store.step(2).critic
    assert critic.description.startswith("A cream page with a brown header")
    assert critic.suggestions == ("Give the menu cards more spacing.",)
    assert critic.is_error is False and critic.grade_analysis.endswith("worth a 4.")
    gui = store.step(3).gui
    assert gui.summary.grade == 4 and gui.test_instruction.startswith("Verify")
    assert [t.index for t in gui.turns] == [1, 2]
    for turn in gui.turns:
        logged = LOGS / "plain" / "taskstep2" / f"screenshot{turn.index}.png"
        assert (store.run_dir / turn.screenshot).read_bytes() == logged.read_bytes()


def test_plain_run_workspace_holds_the_best_steps_files(imported):
    _, store = imported["plain"]
    on_disk = {
        p.relative_to(store.workspace).as_posix(): p.read_bytes()
        for p in store.workspace.rglob("*") if p.is_file()
    }  # fmt: skip
    assert on_disk == store.files_of(4)


def test_resumed_run_continues_one_chain_and_keeps_the_retaken_screenshot(imported):
    report, store = imported["resumed"]
    assert (report.steps_imported, report.problems, report.skipped) == (7, [], [])
    assert column(store, "kind") == [E, E, G, E, E, G, F]
    assert column(store, "parent") == [None, 1, 2, 3, 4, 5, 6]
    assert column(store, "appearance_grade") == [2, 4, 4, 4, 5, 5, 5]
    assert column(store, "gui_grade") == [None, None, 4, None, None, 2, 2]
    assert column(store, "has_error") == [True, False, False, False, False, False, False]
    assert store.step(1).errors == ["appearance grade 2 is 2 or lower"]
    # step4 was cut off in the first session; its first screenshot stayed behind, and the
    # one named in the resumed step's feedback is the step's picture.
    shots = sorted((LOGS / "resumed").glob("screenshot_step4_*.png"))
    assert len(shots) == 2
    assert store.screenshot_path(5).read_bytes() == shots[1].read_bytes()
    assert store.screenshot_path(5).read_bytes() == named_screenshot("resumed", 4)
    # Valid steps: 2..7. Ranked by GUI grade first: step 3 (GUI 4) beats 6 and 7 (GUI 2,
    # appearance 5); later steps would only win a tie.
    assert store.manifest.best_step == 3
    assert store.manifest.end_reason == "finish"


def test_backtracking_run_maps_pre_across_a_start_over_a_backtrack_and_a_gap(imported):
    report, store = imported["backtrack"]
    assert (report.steps_imported, report.problems, report.skipped) == (10, [], [])
    assert store.manifest.config["source_steps"]["8"] == "step7.json"
    assert store.manifest.config["source_steps"]["9"] == "step9.json"  # step8 raised
    assert column(store, "kind") == [E, E, E, E, E, E, G, E, G, F]
    # pre: -1, 0, -1 (start over), 2, 3, 2 (backtrack), 5, 6, 6 (best node), 9
    assert column(store, "parent") == [None, 1, None, 3, 4, 3, 6, 7, 7, 9]
    assert column(store, "appearance_grade") == [1, 2, 4, 0, 3, 5, 5, 4, 5, 5]
    assert column(store, "gui_grade") == [None] * 6 + [3, None, 4, 4]
    assert column(store, "has_error") == [True, True, False, True, True] + [False] * 5
    assert store.step(1).errors == [
        "the page shows an error: Uncaught ReferenceError: menu is not defined",
        "appearance grade 1 is 2 or lower",
    ]
    assert store.step(4).errors == [
        "the dev server printed errors while starting",
        "no screenshot: Error: Timed out waiting for service URL in log.",
        "appearance grade 0 is 2 or lower",
    ]
    assert store.screenshot_path(4) is None and store.step(4).critic is None
    assert store.step(5).errors == ["dependency installation failed: npm install"]
    # The start over has no parent: everything it wrote is a change.
    assert store.step(3).files_changed == ["index.html", "package.json", "src/App.jsx"]
    # Backtracking to step 3 dropped what steps 4 and 5 wrote.
    assert "src/Menu.jsx" in store.files_of(5) and "src/Menu.jsx" not in store.files_of(6)
    assert store.step(6).files_changed == ["src/App.jsx"]
    # Valid: 3, 6, 7, 8, 9, 10. GUI 4 on 9 and 10, both appearance 5: the later, 10.
    assert store.manifest.best_step == 10


def test_odd_fields_are_reported_one_by_one_and_the_run_still_imports(imported):
    report, store = imported["odd"]
    shot1 = named_screenshot_name("odd", 1)
    shot5 = next((LOGS / "odd").glob("screenshot_step5_*.png")).name
    assert report.problems == [
        "step0.json: screenshot_grade 'N/A' is not a number; stored as missing",
        "step1.json: webvoyager_grade is missing; taken from the step's entry in nodes",
        "step1.json: files: refused to import '../outside.txt': the path leaves the project "
        "folder; skipped",
        "step1.json: files: refused to import '/etc/hostname': absolute paths are not "
        "allowed; use a path relative to the project; skipped",
        "step1.json: files: 'src/data.json' holds a number, not text; skipped",
        f"step1.json: screenshot {shot1} named in the feedback is not in the log directory; "
        "imported without a screenshot",
        "step3.json: pre 2 names step2.json, which was not imported; continued from the "
        "empty start",
        "step3.json: screenshot_grade '4' is text; read as 4",
        "step3.json: has_error 'yes' is not true or false; read as true",
        "step5.json: messages is missing; reply and feedback are left empty",
        "step5.json: pre is missing; continued from step3.json, the step file before it",
        "step5.json: screenshot_grade 7 is outside 0-5; stored as missing",
        f"step5.json: {shot5} is not a PNG image; imported without a screenshot",
        "step6.json: screenshot_grade is null; stored as missing",
        "step6.json: has_error is missing; read as false (the official rule: a screenshot "
        "grade of 2 or lower)",
    ]
    assert len(report.skipped) == 1
    assert report.skipped[0].startswith("step2.json: not valid JSON (")
    assert report.skipped[0].endswith("); skipped")
    assert report.steps_imported == 5 and len(store.steps()) == 5
    assert store.manifest.instruction == BAKERY  # from a list of content parts
    assert column(store, "parent") == [None, 1, None, 3, 4]
    assert column(store, "appearance_grade") == [None, 4, 4, None, None]
    assert column(store, "has_error") == [False, False, True, False, False]
    assert column(store, "kind") == [E, E, E, E, F]
    assert store.step(3).errors == ["marked as an error in the WebGen-Agent log"]
    assert sorted(store.files_of(2)) == ["index.html", "package.json", "src/App.jsx"]
    assert store.screenshot_path(2) is None and store.screenshot_path(4) is None
    assert (store.step(4).reply, store.step(4).feedback) == ("", "")


def named_screenshot_name(log: str, number: int) -> str:
    path = raw(log, number)["messages"][-1]["info"]["feedback"]["screenshot_path"]
    return path.rsplit("/", 1)[-1]


def test_images_in_messages_become_a_marker_not_base64(imported):
    _, store = imported["odd"]
    assert store.step(2).feedback.endswith("\n[image]")
    assert '<img src="[image]" alt="logo"/>' in store.step(3).reply
    for step in store.steps():
        assert "base64" not in step.reply + step.feedback
    # The project file itself is kept as the coder wrote it.
    assert b"data:image/png;base64," in store.files_of(3)["src/Logo.jsx"]


def test_a_folder_without_step_files_is_refused_with_what_was_expected(tmp_path):
    log = tmp_path / "log"
    log.mkdir()
    (log / "service.log").write_text("VITE ready\n")
    with pytest.raises(RunStoreError) as caught:
        import_webgen_agent_log(log, tmp_path / "run")
    assert str(caught.value) == (
        f"{log} holds no step files; expected the step0.json, step1.json, ... that the "
        "official WebGen-Agent writes into its log directory"
    )
    assert not (tmp_path / "run").exists()


def test_a_missing_folder_and_unreadable_step_files_are_refused(tmp_path):
    with pytest.raises(RunStoreError, match="is not a directory; expected a WebGen-Agent log"):
        import_webgen_agent_log(tmp_path / "nowhere", tmp_path / "run")
    log = tmp_path / "log"
    log.mkdir()
    (log / "step0.json").write_text("[1, 2]")
    with pytest.raises(RunStoreError) as caught:
        import_webgen_agent_log(log, tmp_path / "run")
    assert str(caught.value) == (
        f"none of the 1 step files in {log} could be read: "
        "step0.json: holds a list instead of an object; skipped"
    )
    assert not (tmp_path / "run").exists()


def test_an_existing_run_is_not_overwritten(tmp_path):
    import_webgen_agent_log(LOGS / "plain", tmp_path / "run")
    with pytest.raises(RunStoreError, match="already holds a run"):
        import_webgen_agent_log(LOGS / "plain", tmp_path / "run")


def test_symbolic_links_out_of_the_log_are_not_followed(tmp_path):
    log = tmp_path / "log"
    shutil.copytree(LOGS / "plain", log)
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.copy(log / "step3.json", outside / "step9.json")
    (log / "step9.json").symlink_to(outside / "step9.json")
    shot = named_screenshot_name("plain", 0)
    (outside / "secret.png").write_bytes(solid_png(8, 8, (255, 0, 0)))
    (log / shot).unlink()
    (log / shot).symlink_to(outside / "secret.png")
    (log / "step1.json").rename(outside / "step1.json")
    (log / "step1.json").symlink_to("../outside/step1.json")
    report = import_webgen_agent_log(log, tmp_path / "run")
    assert report.skipped == [
        "step1.json: a symbolic link leading out of the log directory; skipped",
        "step9.json: a symbolic link leading out of the log directory; skipped",
    ]
    assert report.problems == [
        f"step0.json: {shot} is a symbolic link leading out of the log directory; "
        "imported without a screenshot",
        "step2.json: pre 1 names step1.json, which was not imported; continued from the "
        "empty start",
    ]
    store = RunStore.open(tmp_path / "run")
    assert store.screenshot_path(1) is None
    secret = (outside / "secret.png").read_bytes()
    assert all(p.read_bytes() != secret for p in store.run_dir.rglob("*.png"))


def test_a_link_inside_the_log_is_read(tmp_path):
    log = tmp_path / "log"
    shutil.copytree(LOGS / "plain", log)
    (log / "step1.json").rename(log / "kept-step.json")
    (log / "step1.json").symlink_to("kept-step.json")
    report = import_webgen_agent_log(log, tmp_path / "run")
    assert (report.steps_imported, report.problems, report.skipped) == (4, [], [])
