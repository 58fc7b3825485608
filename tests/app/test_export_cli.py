"""``webgen export`` as a user runs it, on real runs; the files are read back."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from agent_core.export import PARQUET_MISSING
from app.cli import main
from tests.agent_core.export.test_records import build_runs
from tests.support.runs import StepSpec, build_run

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def runs_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("export") / "runs"
    build_runs(folder)
    return folder


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_a_folder_of_runs_becomes_step_records(runs_folder, tmp_path, capsys):
    out = tmp_path / "grpo.jsonl"
    assert main(["export", "--format", "step-grpo", str(runs_folder), "--out", str(out)]) == 0
    assert capsys.readouterr().out.strip() == f"Wrote 6 records from 3 runs (2 groups) to {out}"
    records = read_jsonl(out)
    assert [(r["run_dir"], r["step"], r["reward"]) for r in records] == [
        ("run-a", 1, 4.0), ("run-a", 2, 7.0), ("run-a", 3, 7.0),
        ("run-b", 1, 2.0), ("run-b", 2, 0.0), ("run-c", 1, 5.0)]  # fmt: skip
    assert records[1]["advantage"] == pytest.approx(1.0882, abs=1e-4)


def test_reward_and_human_label_options(runs_folder, tmp_path, capsys):
    out = tmp_path / "look.jsonl"
    run_a = runs_folder / "run-a"
    args = ["export", "--format", "step-grpo", str(run_a), "--out", str(out)]
    assert main([*args, "--reward", "appearance", "--human-labels"]) == 0
    assert capsys.readouterr().out.strip() == f"Wrote 3 records from 1 run (1 group) to {out}"
    records = read_jsonl(out)
    # One run alone: the person's look 2 on all three steps -> equal rewards, advantages 0.
    assert [(r["reward"], r["reward_source"], r["advantage"]) for r in records] == [
        (2.0, "human", 0.0)
    ] * 3


def test_sft_writes_one_conversation_per_run(runs_folder, tmp_path, capsys):
    out = tmp_path / "sft.jsonl"
    assert main(["export", "--format", "sft", str(runs_folder), "--out", str(out)]) == 0
    assert capsys.readouterr().out.strip() == f"Wrote 3 records from 3 runs (2 groups) to {out}"
    records = read_jsonl(out)
    assert [(r["schema"], r["run_dir"], r["best_step"]) for r in records] == [
        ("webgen-sft/1", "run-a", 3),
        ("webgen-sft/1", "run-b", 1),
        ("webgen-sft/1", "run-c", 1),
    ]
    assert records[0]["messages"][0]["role"] == "system"
    assert [m["role"] for m in records[0]["messages"][1:]] == ["user", "assistant"] * 3 + ["user"]


def test_sft_refuses_step_grpo_options(runs_folder, tmp_path, capsys):
    out = tmp_path / "sft.jsonl"
    code = main(
        ["export", "--format", "sft", str(runs_folder), "--out", str(out), "--reward", "gui"]
    )
    assert code == 2
    assert "--reward and --human-labels apply to --format step-grpo only" in (
        capsys.readouterr().err
    )
    assert not out.exists()


def test_a_folder_without_runs_is_a_clear_error_and_keeps_the_old_file(tmp_path, capsys):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.txt").write_text("not a run")
    out = tmp_path / "data.jsonl"
    out.write_text("earlier export\n")
    code = main(["export", "--format", "step-grpo", str(tmp_path / "notes"), "--out", str(out)])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith(
        f"webgen: {tmp_path / 'notes'} is neither a WebGen run nor a folder of runs"
    )
    assert out.read_text() == "earlier export\n"
    assert main(["export", "--format", "sft", str(tmp_path / "nope"), "--out", str(out)]) == 2
    assert "nope does not exist" in capsys.readouterr().err


def test_runs_without_steps_write_nothing(tmp_path, capsys):
    empty = build_run(tmp_path / "empty", []).run_dir
    out = tmp_path / "data.jsonl"
    assert main(["export", "--format", "step-grpo", str(empty), "--out", str(out)]) == 1
    assert "nothing to export: none of the 1 run given has a committed step" in (
        capsys.readouterr().err
    )
    assert not out.exists()


def test_parquet_without_pyarrow_says_how_to_get_it(runs_folder, tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # what a missing package looks like
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    out = tmp_path / "grpo.parquet"
    assert main(["export", "--format", "step-grpo", str(runs_folder), "--out", str(out)]) == 2
    assert capsys.readouterr().err.strip() == f"webgen: {PARQUET_MISSING}"
    assert not out.exists() and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fmt", ["step-grpo", "sft"])
def test_parquet_reads_back_like_the_jsonl(fmt, runs_folder, tmp_path, capsys):
    pq = pytest.importorskip("pyarrow.parquet")
    jsonl, parquet = tmp_path / "data.jsonl", tmp_path / "data.parquet"
    assert main(["export", "--format", fmt, str(runs_folder), "--out", str(jsonl)]) == 0
    assert main(["export", "--format", fmt, str(runs_folder), "--out", str(parquet)]) == 0
    assert f"to {parquet}" in capsys.readouterr().out
    expected = read_jsonl(jsonl)
    table = pq.read_table(parquet)
    assert table.column_names == list(expected[0])
    assert table.to_pylist() == expected  # nested prompt/messages and human read back as is


def test_parquet_flag_with_any_file_name(runs_folder, tmp_path, capsys):
    pq = pytest.importorskip("pyarrow.parquet")
    out = tmp_path / "grpo.data"
    args = ["export", "--format", "step-grpo", str(runs_folder / "run-c"), "--out", str(out)]
    assert main([*args, "--parquet"]) == 0
    assert pq.read_table(out).column("instruction").to_pylist() == ["Build a todo app"]


def test_no_key_from_the_environment_reaches_the_file(tmp_path):
    secret = "sk-proj-export-9d8c7b6a"
    role = {
        "provider": "openai",
        "model": "coder-7b",
        "api_key_env": "WEBGEN_CODER_API_KEY",
        "base_url": "http://127.0.0.1:9/v1",
    }
    build_run(
        tmp_path / "runs" / "keyed",
        [StepSpec(appearance=4)],
        models={"coder": role, "critic": role, "feedback": role},
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("WEBGEN_")}
    env.update({"WEBGEN_CODER_API_KEY": secret, "OPENAI_API_KEY": secret})
    out = tmp_path / "out.jsonl"
    done = subprocess.run(
        [sys.executable, "-m", "app", "export", "--format", "step-grpo",
         str(tmp_path / "runs"), "--out", str(out)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"Wrote 1 record from 1 run (1 group) to {out}"
    text = out.read_text()
    assert secret not in text + done.stdout + done.stderr
    assert "WEBGEN_CODER_API_KEY" not in text and "127.0.0.1" not in text
    assert str(tmp_path) not in text
