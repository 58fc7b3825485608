"""Choosing how a site is served, and binding that command to our port on loopback."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from agent_core.errors import RuntimeFailure
from agent_core.runtime.plans import StartPlan, choose_start_command, launch_argv


def make_site(root: Path, scripts: dict[str, str] | None, index: bool = False) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    if scripts is not None:
        (root / "package.json").write_text(json.dumps({"name": "s", "scripts": scripts}))
    if index:
        (root / "index.html").write_text("<h1>hi</h1>")
    return root


@pytest.mark.parametrize(
    ("scripts", "argv", "source", "tool", "hot"),
    [
        ({"dev": "vite", "start": "node server.js"}, ("npm", "run", "dev"), "dev", "vite", True),
        ({"start": "node server.js"}, ("npm", "start"), "start", "other", False),
        ({"start": "react-scripts start"}, ("npm", "start"), "start", "other", True),
        ({"dev": "next dev"}, ("npm", "run", "dev"), "dev", "next", True),
        ({"dev": "tsc -b && vite"}, ("npm", "run", "dev"), "dev", "vite", True),
        (
            {"dev": "cross-env NODE_ENV=development vite"},
            ("npm", "run", "dev"),
            "dev",
            "vite",
            True,
        ),
        ({"dev": "astro dev"}, ("npm", "run", "dev"), "dev", "astro", True),
        (
            {"dev": "webpack serve --mode development"},
            ("npm", "run", "dev"),
            "dev",
            "webpack",
            True,
        ),
        ({"dev": "node watch.js"}, ("npm", "run", "dev"), "dev", "other", True),
        (
            {"build": "vite build", "preview": "vite preview"},
            ("npm", "run", "preview"),
            "preview",
            "vite",
            False,
        ),
    ],
)
def test_package_scripts_choose_the_plan(
    tmp_path: Path, scripts: dict, argv: tuple, source: str, tool: str, hot: bool
) -> None:
    plan = choose_start_command(make_site(tmp_path, scripts), None)
    assert (plan.argv, plan.source, plan.tool, plan.hot_reload) == (argv, source, tool, hot)


def test_build_then_preview_runs_the_build_first(tmp_path: Path) -> None:
    site = make_site(tmp_path, {"build": "vite build", "preview": "vite preview"}, index=True)
    plan = choose_start_command(site, None)
    assert plan.pre == (("npm", "run", "build"),)


def test_requested_command_wins_over_scripts(tmp_path: Path) -> None:
    site = make_site(tmp_path, {"dev": "vite", "serve": "vite --open"}, index=True)
    plan = choose_start_command(site, ["npm", "run", "serve"])
    assert plan.source == "requested"
    assert plan.argv == ("npm", "run", "serve")
    assert (plan.tool, plan.script_text) == ("vite", "vite --open")


def test_requested_command_that_fixes_its_port_gets_no_port_options(tmp_path: Path) -> None:
    site = make_site(tmp_path, {"dev": "vite"})
    plan = choose_start_command(site, ["npx", "vite", "--port", "4000"])
    assert plan.accepts_port is False
    assert launch_argv(plan, 5555) == ["npx", "vite", "--port", "4000"]


def test_dev_script_with_its_own_port_gets_no_port_options(tmp_path: Path) -> None:
    plan = choose_start_command(make_site(tmp_path, {"dev": "vite --port 3000"}), None)
    assert plan.accepts_port is False
    assert launch_argv(plan, 5555) == ["npm", "run", "dev"]


def test_index_html_without_package_json_uses_the_static_server(tmp_path: Path) -> None:
    plan = choose_start_command(make_site(tmp_path, None, index=True), None)
    assert plan.source == "static"
    assert plan.argv[0] == sys.executable
    assert plan.argv[-2:] == ("--dir", str(tmp_path))
    assert launch_argv(plan, 5555)[-4:] == ["--port", "5555", "--host", "127.0.0.1"]


def test_package_json_without_usable_scripts_falls_back_to_index_html(tmp_path: Path) -> None:
    plan = choose_start_command(make_site(tmp_path, {"build": "vite build"}, index=True), None)
    assert plan.source == "static"


def test_nothing_servable_says_what_to_add(tmp_path: Path) -> None:
    make_site(tmp_path, {"test": "vitest"})
    with pytest.raises(RuntimeFailure) as info:
        choose_start_command(tmp_path, None)
    assert info.value.phase == "serve"
    assert str(tmp_path) in str(info.value)
    assert "no index.html" in str(info.value)
    assert '"dev" script' in str(info.value)


def test_invalid_package_json_is_reported_with_its_path(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text("{ not json")
    with pytest.raises(RuntimeFailure) as info:
        choose_start_command(tmp_path, None)
    assert "package.json is not valid JSON" in str(info.value)


def test_editing_the_script_changes_the_plan(tmp_path: Path) -> None:
    before = choose_start_command(make_site(tmp_path, {"dev": "vite"}), None)
    after = choose_start_command(make_site(tmp_path, {"dev": "vite --clearScreen false"}), None)
    same = choose_start_command(make_site(tmp_path, {"dev": "vite --clearScreen false"}), None)
    assert before != after
    assert after == same


@pytest.mark.parametrize(
    ("plan", "expected"),
    [
        (
            StartPlan(("npm", "run", "dev"), "dev", "vite"),
            ["npm", "run", "dev", "--", "--host", "127.0.0.1", "--port", "5555", "--strictPort"],
        ),
        (
            StartPlan(("npm", "run", "dev", "--", "--open"), "requested", "vite"),
            [
                "npm",
                "run",
                "dev",
                "--",
                "--open",
                "--host",
                "127.0.0.1",
                "--port",
                "5555",
                "--strictPort",
            ],
        ),
        (
            StartPlan(("npx", "vite"), "requested", "vite"),
            ["npx", "vite", "--host", "127.0.0.1", "--port", "5555", "--strictPort"],
        ),
        (
            StartPlan(("npm", "run", "dev"), "dev", "next"),
            ["npm", "run", "dev", "--", "-H", "127.0.0.1", "-p", "5555"],
        ),
        (StartPlan(("npm", "start"), "start", "other"), ["npm", "start"]),
    ],
)
def test_launch_argv_binds_loopback_and_our_port(plan: StartPlan, expected: list[str]) -> None:
    assert launch_argv(plan, 5555) == expected
