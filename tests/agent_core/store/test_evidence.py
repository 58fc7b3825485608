"""Typed step evidence: lossless trips through JSON, old record layouts, odd values, and GUI
turns that keep their own screenshots."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from agent_core.store.evidence import (
    EVIDENCE_VERSION,
    CriticReview,
    GuiTest,
    GuiTestSummary,
    GuiTurn,
    InstallResult,
    PageCapture,
    RuntimeResult,
    SandboxReport,
    ServeResult,
)
from agent_core.store.records import StepKind, StepRecord
from agent_core.store.run_store import RunStore
from tests.support.runs import solid_png

OLD_RECORDS = Path(__file__).resolve().parents[2] / "fixtures" / "step_records"
URL = "http://127.0.0.1:5173/"

INSTALL = InstallResult(ran=True, ok=False, command="npm install", seconds=3.25,
                        log_tail="npm ERR! 404", skipped_scripts=("esbuild",),
                        ran_scripts=("core-js",))  # fmt: skip
SERVE = ServeResult(ok=True, url=URL, restarted=True)
PAGE = PageCapture(console=("Uncaught TypeError: x is null",), title="Bakery",
                   blocked=("https://fonts.example.com/a.css",))  # fmt: skip
SANDBOX = SandboxReport(confined=True, backend="bubblewrap", detail="bwrap 0.9",
                        network="loopback and the npm registry", withheld_env=("OPENAI_API_KEY",),
                        refused=("/home/ada/.ssh",), skipped_dependency_scripts=("esbuild",))
TURN = GuiTurn(index=1, screenshot="gui/000003/turn-02.png", url=URL, thought="Open the menu.",
               action="Click [3]", parsed=True, status="done", detail="clicked [3]", seconds=1.5,
               timings={"mark": 0.1, "model": 1.2, "action": 0.2})
EVERY_KIND = [
    CriticReview(is_error=True, error_message="Cannot GET /", description="An error page.",
                 suggestions=("Serve index.html",), grade_analysis="Nothing to grade.",
                 raw_replies={"check": "{}", "grade": "1"}, problems=("no grade",)),
    INSTALL, SERVE, PAGE, SANDBOX,
    RuntimeResult(install=INSTALL, serve=SERVE, browser=PAGE, sandbox=SANDBOX,
                  reply_format="structured", reply_cut="length"),
    GuiTestSummary(test_passed=False, improvement_suggestions=("Add to cart works",), grade=2),
    TURN,
    GuiTest(step=3, url=URL, test_instruction="Order a cake.", turns=(TURN,), answer="NO",
            ended_because="answered", end_kind="answered",
            summary=GuiTestSummary(test_passed=False, grade=2), raw_summary='{"grade": 2}',
            raw_summary_first="grade two", blocked=("https://cdn.example.com/x.js",)),
    GuiTest(available=False),
]  # fmt: skip


def _through_json(value: Any) -> Any:
    return json.loads(json.dumps(value))


def _old(name: str) -> dict[str, Any]:
    return json.loads((OLD_RECORDS / f"{name}.json").read_text(encoding="utf-8"))


def _assert_kept(old: Any, new: Any, where: str) -> None:
    """Every key and value of ``old`` is in ``new`` (which may hold more keys)."""
    if isinstance(old, dict):
        assert isinstance(new, dict), where
        for key, value in old.items():
            assert key in new, f"{where}.{key} was lost"
            _assert_kept(value, new[key], f"{where}.{key}")
    elif isinstance(old, list):
        assert isinstance(new, list) and len(new) == len(old), where
        for n, (a, b) in enumerate(zip(old, new, strict=True)):
            _assert_kept(a, b, f"{where}[{n}]")
    else:
        assert new == old, f"{where}: {old!r} became {new!r}"


@pytest.mark.parametrize("evidence", EVERY_KIND, ids=lambda e: type(e).__name__)
def test_every_kind_of_evidence_survives_a_trip_through_json(evidence) -> None:
    again = type(evidence).from_dict(_through_json(evidence.to_dict()))

    assert again == evidence
    assert hash(again) == hash(evidence)


def test_the_critic_runtime_and_gui_dicts_say_their_version() -> None:
    for evidence in (CriticReview(), RuntimeResult(), GuiTest(), GuiTest(available=False)):
        assert evidence.to_dict()["version"] == EVIDENCE_VERSION
    assert GuiTest(available=False).to_dict() == {"version": EVIDENCE_VERSION,
                                                  "available": False}  # fmt: skip


def test_keys_of_a_later_version_are_kept_and_written_back() -> None:
    runtime = RuntimeResult.from_dict({
        "version": EVIDENCE_VERSION + 1, "reply_format": "text", "gpu": {"name": "A100"},
        "serve": {"ok": True, "url": URL, "restarted": False, "pid": 4242},
    })  # fmt: skip
    gui = GuiTest.from_dict({"turns": [{"index": 0, "action": "Click [1]", "zoom": 2}],
                             "video": "gui/000003/test.webm"})  # fmt: skip

    assert runtime.serve is not None and runtime.serve.url == URL
    assert runtime.extra == {"gpu": {"name": "A100"}}
    written = runtime.to_dict()
    assert written["gpu"] == {"name": "A100"} and written["serve"]["pid"] == 4242
    assert written["version"] == EVIDENCE_VERSION
    written = gui.to_dict()
    assert written["video"] == "gui/000003/test.webm" and written["turns"][0]["zoom"] == 2
    assert ServeResult(ok=True, extra={"ok": False}).to_dict()["ok"] is True, "known keys win"


@pytest.mark.parametrize("name", ["example-edit", "example-gui-test"])
def test_a_record_of_the_shipped_example_loses_nothing_when_written_again(name) -> None:
    old = _old(name)

    record = StepRecord.from_dict(old)
    written = _through_json(record.to_dict())

    assert StepRecord.from_dict(written) == record
    _assert_kept(old, written, name)


def test_an_old_edit_step_reads_as_typed_evidence() -> None:
    step = StepRecord.from_dict(_old("example-edit"))

    assert step.critic is not None
    assert step.critic.description == "A navy header 'Stock Reports' on white."
    assert step.critic.suggestions == ("Add a search form",)
    assert set(step.critic.raw_replies) == {"check", "grade"}
    install = step.runtime.install
    assert install == InstallResult(ran=True, ok=True, command="npm install --no-audit --no-fund",
                                    seconds=4.493)  # fmt: skip
    assert step.runtime.serve == ServeResult(ok=True, url="http://localhost:5173/",
                                             restarted=True)  # fmt: skip
    assert step.runtime.browser == PageCapture(title="Stock Reports")
    assert step.runtime.sandbox is None and step.runtime.reply_format is None
    assert step.runtime.failures() == []


def test_an_old_gui_test_reads_each_turn_with_its_own_picture() -> None:
    gui = StepRecord.from_dict(_old("example-gui-test")).gui

    assert gui is not None and gui.available
    assert [t.screenshot for t in gui.turns] == [f"gui/000003/turn-0{n}.png" for n in (1, 2, 3)]
    assert [t.action for t in gui.turns] == ["Type [0]; aapl", "Click [1]", "ANSWER; YES"]
    assert gui.turns[0].timings["model"] == 0.0074
    assert gui.summary == GuiTestSummary(test_passed=True, grade=5)
    assert gui.answer == "YES" and gui.end_kind == "answered"


def test_the_earliest_gui_layout_reads_like_the_later_one() -> None:
    positional = StepRecord.from_dict(_old("positional-gui-test")).gui
    by_path = StepRecord.from_dict(_old("example-gui-test")).gui

    assert positional == by_path
    assert "screenshots" not in positional.to_dict(), "written back in the later layout"
    odd = GuiTest.from_dict({"screenshots": ["gui/000002/turn-01.png"],
                             "turns": [{"screenshot": 0}, {"screenshot": 5},
                                       {"screenshot": True}, {"screenshot": ""}]})  # fmt: skip
    assert [t.screenshot for t in odd.turns] == ["gui/000002/turn-01.png", None, None, None]
    assert [t.index for t in odd.turns] == [0, 1, 2, 3], "a missing index is the position"


def test_imported_records_read_with_their_loose_shapes() -> None:
    edit = StepRecord.from_dict(_old("imported-edit"))
    gui = StepRecord.from_dict(_old("imported-gui-test")).gui

    assert edit.critic is not None
    assert edit.critic.suggestions == ("Give the menu cards more spacing.",)
    assert edit.critic.raw_replies == {} and edit.runtime == RuntimeResult()
    assert gui is not None and gui.url is None and gui.answer is None
    assert [(t.index, t.screenshot) for t in gui.turns] == [
        (1, "gui/000003/turn-01.png"), (2, "gui/000003/turn-02.png")]
    assert gui.summary == GuiTestSummary(
        test_passed=False, grade=4,
        improvement_suggestions=("The contact form gives no confirmation after sending.",))


def test_values_of_the_wrong_type_read_as_defaults() -> None:
    data = _old("example-edit")
    data["critic"] = {"is_error": "yes", "description": 42, "raw_replies": ["x"],
                      "suggestions": ["Add prices", 3, None]}  # fmt: skip
    data["runtime"] = {"install": "broken", "reply_cut": 7,
                       "serve": {"ok": "true", "url": 5, "restarted": 1}}  # fmt: skip
    data["gui"] = {"turns": "none", "summary": [], "answer": 0}

    record = StepRecord.from_dict(data)

    assert record.critic == CriticReview(suggestions=("Add prices",))
    assert record.runtime == RuntimeResult(serve=ServeResult())
    assert record.gui == GuiTest()
    data.update(critic="junk", runtime=None, gui=["x"])
    record = StepRecord.from_dict(data)
    assert (record.critic, record.runtime, record.gui) == (None, RuntimeResult(), None)


def test_a_record_written_now_keeps_the_documented_key_names(tmp_path) -> None:
    store = RunStore.create(tmp_path / "run", "a bakery site")
    record = StepRecord(
        index=1, kind=StepKind.EDIT, parent=None, appearance_grade=4,
        critic=CriticReview(description="A cream page."),
        runtime=RuntimeResult(install=InstallResult(ran=True, command="npm install"),
                              serve=SERVE, browser=PAGE, reply_format="text"),
    )  # fmt: skip
    store.commit_step(record)

    data = json.loads((store.run_dir / "steps" / "000001.json").read_text())
    # What a reader of the previous version looks up still answers.
    assert data["runtime"]["serve"]["url"] == URL and data["runtime"]["install"]["ok"] is True
    assert data["runtime"]["browser"]["console"] == ["Uncaught TypeError: x is null"]
    assert data["critic"]["description"] == "A cream page." and data["gui"] is None
    assert data["runtime"]["version"] == data["critic"]["version"] == EVIDENCE_VERSION
    assert RunStore.open(store.run_dir).step(1) == record


def test_turn_screenshots_are_stored_by_identity_when_a_turn_has_none(tmp_path) -> None:
    store = RunStore.create(tmp_path / "run", "a bakery site")
    red, blue = solid_png(32, 24, (200, 30, 30)), solid_png(32, 24, (30, 30, 200))
    test = GuiTest(step=1, turns=(
        GuiTurn(index=0, status="error", detail="the page did not load"),  # no capture
        GuiTurn(index=1, png=red, action="Click [1]", status="done"),
        GuiTurn(index=2, png=blue, action="ANSWER; YES", status="done"),
    ))  # fmt: skip

    stored = test.with_stored_screenshots(store.write_artifact, "gui/000001")
    store.commit_step(StepRecord(index=1, kind=StepKind.GUI_TEST, parent=None, gui=stored))

    assert all(turn.png is None for turn in stored.turns)
    turns = RunStore.open(store.run_dir).step(1).gui.turns
    assert turns[0].screenshot is None
    assert [(store.run_dir / t.screenshot).read_bytes() for t in turns[1:]] == [red, blue]
    assert not (store.run_dir / "gui" / "000001" / "turn-01.png").exists()
