"""The sandbox choice reaches every command that runs model code: run, resume, bench, batch."""

from __future__ import annotations

import json

import pytest

from agent_core.config import DependencyScripts, SandboxMode
from app import bench
from app.cli import _run_config, build_parser


@pytest.fixture(autouse=True)
def settings_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("WEBGEN_CONFIG_DIR", str(tmp_path))
    return tmp_path


def test_run_flags_override_the_settings_file(settings_dir):
    (settings_dir / "settings.json").write_text(json.dumps(
        {"sandbox": {"mode": "bwrap", "dependency_scripts": "all", "page_internet": False}}))
    parser = build_parser()
    from_file = _run_config(parser.parse_args(["run", "x", "--out", "r"]))
    assert from_file.sandbox.mode is SandboxMode.BWRAP and not from_file.sandbox.page_internet
    flagged = _run_config(parser.parse_args(["run", "x", "--out", "r", "--no-sandbox"]))
    assert flagged.sandbox.mode is SandboxMode.OFF
    assert flagged.sandbox.dependency_scripts is DependencyScripts.ALL  # the file's, kept


def test_bench_and_batch_take_the_sandbox_flags():
    parser = build_parser()
    args = parser.parse_args(["bench", "--tasks", "t.jsonl", "--require-sandbox",
                              "--page-offline", "--all-install-scripts"])
    config = bench._run_config(args)
    assert config.sandbox.mode is SandboxMode.BWRAP and not config.sandbox.page_internet
    assert config.sandbox.dependency_scripts is DependencyScripts.ALL
    batch = parser.parse_args(["batch", "--instruction", "a site", "--coder-model", "m",
                               "--out", "o", "--no-sandbox"])
    assert batch.sandbox is SandboxMode.OFF


def test_the_two_modes_cannot_be_asked_together():
    with pytest.raises(SystemExit):
        build_parser().parse_args(["run", "x", "--out", "r", "--no-sandbox", "--require-sandbox"])
