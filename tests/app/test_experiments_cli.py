"""``webgen rejudge`` and ``webgen batch`` end to end through ``app.cli.main``."""

from __future__ import annotations

import json

import pytest

from agent_core.experiments import item_id_for, load_judgements
from app.cli import main
from tests.agent_core.experiments.batch_support import CoderScript, vision
from tests.agent_core.experiments.rejudge_support import (
    NEW_SUMMARY,
    BandCritic,
    SummaryScript,
    stored_run,
)
from tests.fakes.model_server import ScriptedModelServer
from tests.support.agent import CRITIC

NEW_CRITIC, NEW_FEEDBACK = "vl-72b", "judge-7b"
BAKERY = "A one-page site for a bakery, with a welcome heading."


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path, monkeypatch):
    """No settings file or state of the developer's own."""
    monkeypatch.setenv("WEBGEN_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("WEBGEN_STATE_DIR", str(tmp_path / "state"))


def judge_flags(server: ScriptedModelServer) -> list[str]:
    return [
        "--critic-provider",
        "openai",
        "--critic-base-url",
        server.base_url_openai,
        "--critic-model",
        NEW_CRITIC,
        "--feedback-provider",
        "ollama",
        "--feedback-base-url",
        server.base_url_ollama,
        "--feedback-model",
        NEW_FEEDBACK,
    ]


def test_rejudge_prints_old_and_new_grades_side_by_side(tmp_path, capsys):
    run_dir = tmp_path / "run"
    stored_run(run_dir)
    scripts = {
        NEW_CRITIC: BandCritic({1: 3, 2: 2, 4: 3, 5: 5}),
        NEW_FEEDBACK: SummaryScript(json.dumps(NEW_SUMMARY), json.dumps(NEW_SUMMARY)),
    }
    with ScriptedModelServer(scripts) as server:
        code = main(["rejudge", str(run_dir), "--label", "vl-72b", *judge_flags(server)])
        out, err = capsys.readouterr()
        assert code == 0, err
        only_gui = main(
            [
                "rejudge",
                str(run_dir),
                "--label",
                "gui-only",
                "--only",
                "gui",
                "--json",
                "--quiet",
                *judge_flags(server),
            ]
        )
        json_out, quiet_err = capsys.readouterr()

    assert out.splitlines()[:6] == [
        "step | original look | new look | original GUI | new GUI",
        "   1 |             4 |        3 |            - |       -",
        "   2 |             2 |        2 |            - |       -",
        "   3 |             - |        - |            4 |       2",
        "   4 |             3 |        3 |            - |       -",
        "   5 |             5 |        5 |            - |       -",
    ]
    # Looks (4,3) (2,2) (3,3) (5,5): one off by one -> exact 75%, within one 100%, MAE 0.25.
    assert (
        "appearance: 4 compared, exact 75.0%, within one 100.0%, mean absolute "
        "difference 0.25" in out
    )
    assert "GUI: 1 compared, exact 0.0%, within one 0.0%, mean absolute difference 2.00" in out
    assert "step 6 not re-judged: edit step without a screenshot" in out
    assert f"judgements: {run_dir.resolve() / 'judgements' / 'vl-72b.json'}" in out
    assert "step 3 re-judged" in err and "(5/5)" in err

    assert only_gui == 0 and quiet_err == ""
    report = json.loads(json_out)
    assert report["label"] == "gui-only" and [s["index"] for s in report["steps"]] == [3]
    assert report["models"] == {"critic": None, "feedback": NEW_FEEDBACK}
    assert report["agreement"]["gui"] == {
        "labelled": 1,
        "exact": 0.0,
        "within_one": 0.0,
        "mae": 2.0,
    }
    assert sorted(load_judgements(run_dir)) == ["gui-only", "vl-72b"]


def test_rejudge_usage_errors_exit_2_with_the_reason(tmp_path, capsys):
    run_dir = tmp_path / "run"
    stored_run(run_dir)
    assert main(["rejudge", str(run_dir), "--label", "a b", "--critic-model", "m"]) == 2
    assert "the label 'a b' cannot name a judgements file" in capsys.readouterr().err
    assert main(["rejudge", str(run_dir), "--label", "x", "--only", "gui"]) == 2
    assert (
        "no model set for the feedback role: pass --feedback-model (or a critic model, "
        "which it falls back to)" in capsys.readouterr().err
    )
    assert main(["rejudge", str(run_dir), "--label", "x", "--feedback-model", "m"]) == 2
    assert "no model set for the critic role: pass --critic-model" in capsys.readouterr().err
    assert main(["rejudge", str(tmp_path), "--label", "x", "--critic-model", "m"]) == 2
    assert "is not a WebGen run (no manifest.json)" in capsys.readouterr().err
    assert not (run_dir / "judgements").exists()


@pytest.mark.slow
def test_batch_prints_the_coder_table_writes_batch_json_and_resumes(tmp_path, capsys):
    coder = CoderScript([4, 3], gui_test=False)
    out_dir = tmp_path / "out"
    with ScriptedModelServer({"coder-a": coder, CRITIC: vision}) as server:
        args = [
            "batch",
            "--instruction",
            BAKERY,
            "--bench-ids",
            "1",
            "--coder-model",
            "coder-a",
            "--coder-model",
            f"ollama:{server.base_url_ollama}:no-such:coder",
            "--samples",
            "1",
            "--concurrency",
            "2",
            "--out",
            str(out_dir),
            "--no-gui-testing",
            "--coder-provider",
            "openai",
            "--coder-base-url",
            server.base_url_openai,
            "--critic-provider",
            "openai",
            "--critic-base-url",
            server.base_url_openai,
            "--critic-model",
            CRITIC,
        ]
        code = main(args)
        out, err = capsys.readouterr()
        asked = len(coder.requests)
        again = main([*args, "--json", "--quiet"])
        json_out, quiet_err = capsys.readouterr()

    assert code == 1, err
    lines = out.splitlines()
    assert lines[0].split()[0] == "coder" and lines[0].split()[-1] == "failures"
    # coder-a: two finished runs graded 4 and 3 -> mean 3.50, median 3.5, 2 steps each.
    assert lines[1].split()[:7] == ["coder-a", "2", "2", "3.50", "3.5", "-", "2.0"]
    assert lines[1].split()[-1] == "0"
    assert lines[2].split() == ["no-such:coder", "2", "0", "-", "-", "-", "-", "-", "-", "2"]
    bakery = item_id_for(BAKERY)
    for item in ("000001", bakery):
        failed = out_dir.resolve() / item / "no-such-coder" / "sample-1"
        assert any(
            line.startswith(f"failed: {failed}: ") and "no-such:coder" in line for line in lines
        )
    assert f"report: {out_dir.resolve() / 'batch.json'}" in out
    assert "webgen batch: 2 of 4 runs did not finish" in err
    assert f"{bakery}/coder-a/sample-1: started" in err
    assert "000001/coder-a/sample-1: step 1 edit, appearance" in err

    assert again == 1 and len(coder.requests) == asked  # finished runs were skipped
    assert quiet_err == "webgen batch: 2 of 4 runs did not finish\n"
    saved = json.loads((out_dir / "batch.json").read_text())
    assert {**json.loads(json_out), "written_at": saved["written_at"]} == saved
    assert sorted(item["id"] for item in saved["items"]) == sorted(["000001", bakery])
    assert [(r["coder"], r["finished"], r["failures"]) for r in saved["table"]] == [
        ("coder-a", 2, 0),
        ("no-such:coder", 0, 2),
    ]


def test_batch_with_an_unknown_bench_id_exits_2(tmp_path, capsys):
    code = main(
        [
            "batch",
            "--bench-ids",
            "999999",
            "--coder-model",
            "m",
            "--critic-model",
            "c",
            "--out",
            str(tmp_path / "out"),
        ]
    )
    assert code == 2
    assert "webgen batch: no task with id 999999 in the benchmark file" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_batch_runs_each_condition_in_its_own_folder_and_compares_them(tmp_path, capsys):
    coder = CoderScript([3, 3], gui_test=False)  # the critic reads 3 off either page
    out_dir = tmp_path / "out"
    with ScriptedModelServer({"coder-a": coder, CRITIC: vision}) as server:
        code = main([
            "batch", "--instruction", BAKERY, "--coder-model", "coder-a", "--out", str(out_dir),
            "--condition", "execution+no-backtracking+no-select-best", "--condition", "full",
            "--no-gui-testing", "--coder-provider", "openai",
            "--coder-base-url", server.base_url_openai,
            "--critic-provider", "openai", "--critic-base-url", server.base_url_openai,
            "--critic-model", CRITIC,
        ])  # fmt: skip
        out, err = capsys.readouterr()
        critic_calls = [r for r in server.chat_requests if r.model == CRITIC]

    assert code == 0, err
    # Only the full condition's edit step was looked at: an error check and a grade.
    assert len(critic_calls) == 2
    lines = out.splitlines()
    assert lines[0].split()[:2] == ["coder", "condition"]
    execution, full = (line.split() for line in lines[1:3])
    # execution: no critic, so no appearance grade; full: the page the critic graded.
    assert execution[:6] == ["coder-a", "execution+no-backtracking+no-select-best", "1", "1",
                             "-", "-"]  # fmt: skip
    assert full[:5] == ["coder-a", "full", "1", "1", "3.00"]
    item = out_dir.resolve() / item_id_for(BAKERY) / "coder-a"
    stored = {}
    for name in ("execution+no-backtracking+no-select-best", "full"):
        manifest = json.loads((item / name / "sample-1" / "manifest.json").read_text())
        stored[name] = (manifest["config"]["feedback"], manifest["config"]["backtracking"],
                        manifest["config"]["select_best"])  # fmt: skip
    assert stored == {"execution+no-backtracking+no-select-best": ("execution", False, False),
                      "full": ("full", True, True)}  # fmt: skip
    saved = json.loads((out_dir / "batch.json").read_text())
    assert saved["conditions"] == ["execution+no-backtracking+no-select-best", "full"]
    assert sorted(r["condition"] for r in saved["runs"]) == sorted(saved["conditions"])
    assert f"{item_id_for(BAKERY)}/coder-a/full/sample-1: started" in err


def test_batch_refuses_a_condition_spelled_wrong_or_mixed_with_the_single_flags(capsys):
    common = ["batch", "--instruction", BAKERY, "--coder-model", "m", "--critic-model", "c",
              "--out", "unused"]  # fmt: skip
    assert main([*common, "--condition", "full+no-gui"]) == 2
    assert "has 'no-gui' where only no-backtracking or no-select-best" in capsys.readouterr().err
    assert main([*common, "--paper-ablation", "--no-backtracking"]) == 2
    assert "not both" in capsys.readouterr().err
    assert main([*common, "--paper-ablation", "--condition", "full"]) == 2
    assert "the condition full is given twice" in capsys.readouterr().err
