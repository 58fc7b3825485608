"""``webgen run --from TEMPLATE|DIR``: a run that starts from a template or a project folder."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fakes.model_server import ScriptedModelServer, queue
from tests.support.agent import CODER, CRITIC, FEEDBACK, coder_reply, graded
from tests.support.env import cli_env

REPO = Path(__file__).resolve().parents[2]
TEMPLATE_HTML = (REPO / "resources" / "templates" / "plain-html" / "index.html").read_text()


def webgen(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "app", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=180)


def run_from(tmp_path: Path, start: str, coder: list[str]) -> tuple[subprocess.CompletedProcess,
                                                                     list[str]]:
    """``webgen run --from start`` with a scripted coder; returns the result and its prompts."""
    scripts = {CODER: queue(*coder), CRITIC: graded(4, 4), FEEDBACK: queue()}
    with ScriptedModelServer(scripts) as server:
        done = webgen("run", "A bakery page", "--out", str(tmp_path / "run"), "--from", start,
                      "--json", "--no-gui-testing", env=cli_env(server, tmp_path))
        prompts = [r.texts[1] for r in server.chat_requests if r.model == CODER]
    return done, prompts


@pytest.mark.slow
def test_a_run_from_a_template_builds_on_its_files(tmp_path):
    page = TEMPLATE_HTML.replace("<h1>New site</h1>", "<h1>Crumb &amp; Co bakery</h1>")
    done, prompts = run_from(tmp_path, "plain-html",
                             [coder_reply({"index.html": page}), coder_reply(signal="finish")])
    assert done.returncode == 0, done.stderr
    assert "starting from the Plain HTML template (3 files)" in done.stderr
    # The coder was shown the template's files before its first reply.
    assert "Starting files:" in prompts[0] and "--- script.js ---" in prompts[0]
    assert "Clicked ${clicks} times" in prompts[0]
    workspace = tmp_path / "run" / "workspace"
    assert sorted(p.name for p in workspace.iterdir()) == ["index.html", "script.js",
                                                           "style.css"]
    assert "Crumb &amp; Co bakery" in (workspace / "index.html").read_text()
    first = json.loads(done.stdout)["steps"][0]
    assert first["files_changed"] == ["index.html"]  # measured against the template
    assert not first["has_error"] and first["appearance_grade"] == 4


@pytest.mark.slow
def test_a_run_from_a_folder_copies_it_without_dependencies(tmp_path):
    project = tmp_path / "my-project"
    for rel, text in {"index.html": "<!doctype html><h1>Old bakery</h1>",
                      "js/menu.js": "export const menu = ['bread'];\n",
                      "node_modules/left-pad/index.js": "module.exports = 1;\n",
                      ".git/HEAD": "ref: refs/heads/main\n",
                      "js/node_modules/x.js": "nested\n"}.items():
        (project / rel).parent.mkdir(parents=True, exist_ok=True)
        (project / rel).write_text(text)
    done, prompts = run_from(tmp_path, str(project), [coder_reply(signal="finish")])
    assert done.returncode in (0, 3), done.stderr
    workspace = tmp_path / "run" / "workspace"
    copied = sorted(p.relative_to(workspace).as_posix() for p in workspace.rglob("*")
                    if p.is_file())
    assert copied == ["index.html", "js/menu.js"]
    assert "--- js/menu.js ---" in prompts[0] and "left-pad" not in prompts[0]
    assert (project / "node_modules" / "left-pad" / "index.js").exists()  # the source is kept


def test_a_folder_over_the_limit_is_refused_and_no_run_is_made(tmp_path):
    project = tmp_path / "huge"
    project.mkdir()
    for n in range(2_001):
        (project / f"page{n}.html").write_text("<p>x</p>")
    with ScriptedModelServer({}) as server:
        done = webgen("run", "A bakery page", "--out", str(tmp_path / "run"), "--from",
                      str(project), env=cli_env(server, tmp_path))
    assert done.returncode == 2
    assert "too big to start a run from: it has more than 2,000 files" in done.stderr
    assert not (tmp_path / "run").exists()
    assert len(list(project.iterdir())) == 2_001


def test_an_unknown_start_names_the_templates(tmp_path):
    with ScriptedModelServer({}) as server:
        done = webgen("run", "A bakery page", "--out", str(tmp_path / "run"), "--from",
                      "react-native", env=cli_env(server, tmp_path))
    assert done.returncode == 2
    assert "--from react-native: not a template (vite-react, react-ts, vue, svelte, vanilla, " \
           "plain-html) and not a folder" in done.stderr
    assert not (tmp_path / "run").exists()
