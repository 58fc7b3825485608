"""``webgen batch --candidates 1 2``: every item once per N, the grades compared per N."""

from __future__ import annotations

import json

import pytest

from agent_core.errors import ConfigError
from agent_core.experiments import item_id_for
from app.cli import build_parser, main
from app.flags import role_flags
from app.settings import resolve_model_settings
from tests.agent_core.experiments.batch_support import CoderScript, vision
from tests.app.test_experiments_cli import BAKERY, isolated_settings  # noqa: F401
from tests.fakes.model_server import ScriptedModelServer
from tests.support.agent import CRITIC


@pytest.mark.slow
def test_each_candidate_count_is_run_apart_and_gets_its_row(tmp_path, capsys):
    # One candidate gets the page graded 2 (a grade that low is an error step); two
    # candidates get 2 and 4, and the 4 wins.
    coder = CoderScript([2, 2, 4], gui_test=False)
    out_dir = tmp_path / "out"
    with ScriptedModelServer({"coder-a": coder, CRITIC: vision}) as server:
        code = main([
            "batch", "--instruction", BAKERY, "--coder-model", "coder-a", "--out", str(out_dir),
            "--candidates", "1", "2", "--no-gui-testing", "--concurrency", "1",
            "--coder-provider", "openai", "--coder-base-url", server.base_url_openai,
            "--critic-provider", "openai", "--critic-base-url", server.base_url_openai,
            "--critic-model", CRITIC,
        ])  # fmt: skip
        out, err = capsys.readouterr()

    assert code == 0, err
    lines = [line.split() for line in out.splitlines()]
    assert lines[0][:2] == ["coder", "condition"] and "error" in lines[0]
    # coder, condition, runs, finished, look mean, look median, GUI mean, steps, error steps
    assert lines[1][:9] == ["coder-a", "full", "1", "1", "2.00", "2.0", "-", "2.0", "1.0"]
    assert lines[2][:9] == ["coder-a", "full+candidates-2", "1", "1", "4.00", "4.0", "-", "4.0",
                            "1.0"]
    item = out_dir.resolve() / item_id_for(BAKERY) / "coder-a"
    manifests = {name: json.loads((item / name / "sample-1" / "manifest.json").read_text())
                 for name in ("full", "full+candidates-2")}
    assert [m["config"].get("candidates") for m in manifests.values()] == [None, 2]
    saved = json.loads((out_dir / "batch.json").read_text())
    assert saved["conditions"] == ["full", "full+candidates-2"]
    assert [(r["condition"], r["mean_appearance"], r["mean_error_steps"])
            for r in saved["table"]] == [("full", 2.0, 1.0), ("full+candidates-2", 4.0, 1.0)]


def test_candidate_counts_are_checked_before_anything_runs(capsys):
    common = ["batch", "--instruction", BAKERY, "--coder-model", "m", "--critic-model", "c",
              "--out", "unused"]  # fmt: skip
    assert main([*common, "--candidates", "2", "1", "2"]) == 2
    assert "--candidates gives 2 twice" in capsys.readouterr().err
    assert main([*common, "--condition", "full+candidates-2", "--candidates", "1", "4"]) == 2
    assert "either in --condition (+candidates-N) or as several" in capsys.readouterr().err
    assert main([*common, "--condition", "full+candidates-x"]) == 2
    assert "write candidates-N with N a whole number" in capsys.readouterr().err


def test_the_coder_multi_reply_setting_comes_from_the_flag_or_the_environment(tmp_path, capsys):
    base = ["run", "x", "--out", str(tmp_path / "run"), "--coder-model", "m",
            "--critic-model", "c"]  # fmt: skip
    args = build_parser().parse_args([*base, "--coder-multi-reply", "never"])
    assert resolve_model_settings(role_flags(args), env={}).coder.multi_reply == "never"
    args = build_parser().parse_args(base)
    assert resolve_model_settings(role_flags(args), env={}).coder.multi_reply == "auto"
    env = {"WEBGEN_CODER_MULTI_REPLY": "Never"}
    assert resolve_model_settings(role_flags(args), env=env).coder.multi_reply == "never"
    with pytest.raises(ConfigError, match="WEBGEN_CODER_MULTI_REPLY: multi-reply must be auto, "
                       "never, not 'sometimes'"):
        resolve_model_settings(role_flags(args), env={"WEBGEN_CODER_MULTI_REPLY": "sometimes"})
    with pytest.raises(SystemExit):
        build_parser().parse_args([*base, "--coder-multi-reply", "sometimes"])
    assert "invalid choice: 'sometimes'" in capsys.readouterr().err
