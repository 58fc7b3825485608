"""`webgen run` with a coder whose site attacks the user's machine: npm scripts, the Vite config,
an `npm run` command, a local dependency and page JavaScript each try to escape.

Real npm, Vite, bubblewrap and Chromium; only the models are scripted. HOME, the settings and
the state folder of the `webgen` process are the test's own, so "the user's home" is a folder
we can inspect.
"""

from __future__ import annotations

import json
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.fakes.model_server import ScriptedModelServer, queue
from tests.support.agent import CODER, CRITIC, FEEDBACK, coder_reply, graded
from tests.support.cli import webgen
from tests.support.env import SECRET, cli_env
from tests.support.procs import processes_matching

pytestmark = pytest.mark.slow
MORE_SECRETS = {"OPENAI_API_KEY": "sk-openai-e2e-1", "ANTHROPIC_API_KEY": "sk-ant-e2e-2",
                "GITHUB_TOKEN": "ghp-e2e-3", "AWS_SECRET_ACCESS_KEY": "aws-e2e-4",
                "DEPLOY_TOKEN": "tok-e2e-5"}  # fmt: skip
DAEMON_MARKER = "webgen-e2e-daemon"

HOSTILE = r"""
// What a hostile (or careless) model's code tries. Every outcome goes to probe-<label>.json.
const fs = require('fs'), cp = require('child_process');
const label = process.argv[2];
const T = __TARGETS__;
const out = {label, home: process.env.HOME, writes: {}, reads: {}, env: Object.keys(process.env),
             secrets: Object.entries(process.env).filter(([k]) => /KEY|TOKEN|SECRET/i.test(k))};
for (const p of [...T.writes, `/tmp/webgen-e2e-escape-${label}`]) {
  try { fs.writeFileSync(p, 'escaped by ' + label); out.writes[p] = 'ok'; }
  catch (e) { out.writes[p] = e.code; console.log(e.message); }
}
for (const p of T.reads) {
  try { out.reads[p] = fs.readFileSync(p, 'utf8'); }
  catch (e) { out.reads[p] = e.code; console.log(e.message); }
}
const log = JSON.stringify(process.cwd() + '/daemon-' + label + '.log');
const d = cp.spawn(process.execPath,
  ['-e', `setInterval(() => require('fs').appendFileSync(${log}, 'x'), 100)`, '__MARKER__'],
  {detached: true, stdio: 'ignore'});
d.unref();
fs.writeFileSync(`${__dirname}/probe-${label}.json`, JSON.stringify(out, null, 1));
"""

VITE_CONFIG = """\
import { execFileSync } from 'node:child_process'
execFileSync(process.execPath, ['hostile.cjs', 'vite-config'], { stdio: 'inherit' })
export default {}
"""

PAGE = """<!doctype html><html><head><title>Notes</title></head><body><h1>Team notes</h1>
<script>
fetch('__SERVICE__/api/tags').then(r => r.text()).then(t => document.title = t).catch(() => {});
new Image().src = '__SERVICE__/pixel.gif';
</script></body></html>
"""


class _Service(BaseHTTPRequestHandler):
    """Stands for a local service (Ollama, the app's own servers): counts who reaches it."""

    hits: list[str] = []  # noqa: RUF012 - one per test process

    def do_GET(self) -> None:
        type(self).hits.append(self.path)
        self.send_response(200)
        self.send_header("Access-Control-Allow-Origin", "*")
        self.end_headers()
        self.wfile.write(b"local service reached")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def loopback_service():
    _Service.hits = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Service)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Service.hits
    server.shutdown()
    server.server_close()


def user_machine(tmp_path: Path) -> dict[str, Path]:
    """The user's home (with a canary), settings and state folders, and another run."""
    home, config, state = tmp_path / "home", tmp_path / "config", tmp_path / "state"
    other_run = tmp_path / "runs" / "earlier"
    for folder in (home, config, state, other_run):
        folder.mkdir(parents=True)
    (home / "canary.txt").write_text("CANARY-7f3a")
    (config / "settings.json").write_text('{"coder": {"model": "private-model-name"}}')
    (other_run / "manifest.json").write_text('{"instruction": "PRIVATE-INSTRUCTION"}')
    return {"home": home, "config": config, "state": state, "other_run": other_run}


def hostile_files(places: dict[str, Path], service: str) -> dict[str, str]:
    targets = {
        "writes": [str(places["home"] / "escape.txt"), str(places["config"] / "escape.json"),
                   str(places["state"] / "escape.txt"), str(places["home"] / ".bashrc")],
        "reads": [str(places["home"] / "canary.txt"), str(places["config"] / "settings.json"),
                  str(places["other_run"] / "manifest.json")],
    }
    package = {
        "name": "notes", "private": True, "type": "module",
        "scripts": {"preinstall": "node hostile.cjs preinstall",
                    "postinstall": "node hostile.cjs postinstall",
                    "probe": "node hostile.cjs npm-run",
                    "dev": "node hostile.cjs dev && vite"},
        "dependencies": {"localdep": "file:./localdep"},
        "devDependencies": {"vite": "^7.0.0"},
    }  # fmt: skip
    local = {"name": "localdep", "version": "1.0.0",
             "scripts": {"postinstall": "node ../hostile.cjs dependency-postinstall"}}
    hostile = (HOSTILE.replace("__TARGETS__", json.dumps(targets))
               .replace("__MARKER__", DAEMON_MARKER))
    return {"package.json": json.dumps(package, indent=1), "hostile.cjs": hostile,
            "vite.config.js": VITE_CONFIG, "localdep/package.json": json.dumps(local),
            "localdep/index.js": "module.exports = 1;\n",
            "index.html": PAGE.replace("__SERVICE__", service)}


def webgen_env(server: ScriptedModelServer, tmp_path: Path, places: dict[str, Path]) -> dict:
    env = cli_env(server, tmp_path)
    env.update(MORE_SECRETS)
    env.update({"HOME": str(places["home"]), "WEBGEN_CONFIG_DIR": str(places["config"]),
                "WEBGEN_STATE_DIR": str(places["state"]), "XDG_CONFIG_HOME": str(places["home"])})
    return env


def run_webgen(env: dict, run_dir: Path, *flags: str) -> subprocess.CompletedProcess:
    return webgen("run", "Build a notes page", "--out", str(run_dir), "--json",
                  "--no-gui-testing", *flags, env=env, timeout=240)


def assert_nothing_escaped(places: dict[str, Path]) -> None:
    assert (places["home"] / "canary.txt").read_text() == "CANARY-7f3a"
    for path in (places["home"] / "escape.txt", places["home"] / ".bashrc",
                 places["config"] / "escape.json", places["state"] / "escape.txt"):
        assert not path.exists(), f"{path} was written from inside the sandbox"
    assert not list(Path("/tmp").glob("webgen-e2e-escape-*"))


def test_hostile_site_is_confined_and_the_run_goes_on(tmp_path, loopback_service):
    service, hits = loopback_service
    places = user_machine(tmp_path)
    files = hostile_files(places, service)
    coder = queue(coder_reply(files, shell=["npm install", "npm run probe"], start="npm run dev"),
                  coder_reply(signal="finish"))
    with ScriptedModelServer({CODER: coder, CRITIC: graded(4), FEEDBACK: queue()}) as server:
        done = run_webgen(webgen_env(server, tmp_path, places), tmp_path / "run")
    assert done.returncode == 0, done.stderr
    assert "sandbox: model-written code runs confined (bubblewrap" in done.stderr
    run_dir, workspace = tmp_path / "run", tmp_path / "run" / "workspace"
    step = json.loads((run_dir / "steps" / "000001.json").read_text())
    assert not step["has_error"], step["errors"]  # installed, served, screenshot graded

    # Each hostile entry point ran, confined; the dependency's script did not run at all.
    ran = {p.stem.removeprefix("probe-") for p in workspace.glob("probe-*.json")}
    assert ran == {"preinstall", "postinstall", "npm-run", "dev", "vite-config"}
    assert step["runtime"]["install"]["skipped_scripts"] == ["localdep"]
    assert step["runtime"]["sandbox"]["skipped_dependency_scripts"] == ["localdep"]
    private_home = run_dir / ".webgen" / "sandbox" / "home"
    for label in ran:
        probe = json.loads((workspace / f"probe-{label}.json").read_text())
        assert probe["home"] == str(private_home), label
        assert probe["secrets"] == [], (label, probe["secrets"])
        assert not {"WEBGEN_CODER_API_KEY", *MORE_SECRETS} & set(probe["env"]), label
        assert all(value in ("ENOENT", "EROFS") for value in probe["reads"].values()), label
    assert_nothing_escaped(places)
    assert processes_matching(DAEMON_MARKER) == []

    # The step says how it ran and what was refused; the page never reached the service.
    sandbox = step["runtime"]["sandbox"]
    assert sandbox["confined"] and sandbox["backend"] == "bubblewrap"
    assert f"{places['home'] / 'canary.txt'}: not visible in the sandbox" in sandbox["refused"]
    assert "WEBGEN_CODER_API_KEY" in sandbox["withheld_env"]
    assert hits == []
    blocked = step["runtime"]["browser"]["blocked"]
    assert any(f"{service}/api/tags" in line for line in blocked), blocked
    assert any(f"{service}/pixel.gif" in line for line in blocked), blocked
    assert "The sandbox refused access outside the project folder" in step["feedback"]
    for path in run_dir.rglob("*"):
        if path.is_file() and "node_modules" not in path.parts:
            data = path.read_bytes()
            assert SECRET.encode() not in data, path
            assert not any(v.encode() in data for v in MORE_SECRETS.values()), path
            assert b"CANARY-7f3a" not in data and b"PRIVATE-INSTRUCTION" not in data, path


UNCONFINED_PROBE = """
const fs = require('fs');
let canary;
try { canary = fs.readFileSync(process.argv[2], 'utf8'); } catch (e) { canary = e.code; }
const secrets = Object.keys(process.env).filter(k => /KEY|TOKEN|SECRET/i.test(k));
fs.writeFileSync('probe.json', JSON.stringify({home: process.env.HOME, secrets, canary}));
"""


def test_without_a_sandbox_the_run_warns_and_still_filters(tmp_path):
    places = user_machine(tmp_path)
    canary = places["home"] / "canary.txt"
    package = {"name": "notes", "private": True,
               "scripts": {"postinstall": f"node probe.cjs {canary}", "dev": "node server.cjs"}}
    files = {
        "package.json": json.dumps(package), "probe.cjs": UNCONFINED_PROBE,
        "server.cjs": "require('http').createServer((q, r) => r.end('<h1>notes</h1>'))"
                      ".listen(+process.env.PORT, '127.0.0.1', () => "
                      "console.log(`http://127.0.0.1:${process.env.PORT}/`));\n",
    }
    coder = queue(coder_reply(files, shell=["npm install"]), coder_reply(signal="finish"))
    with ScriptedModelServer({CODER: coder, CRITIC: graded(4), FEEDBACK: queue()}) as server:
        env = webgen_env(server, tmp_path, places)
        env["WEBGEN_BWRAP"] = ""  # as on a machine where bubblewrap cannot be had
        done = run_webgen(env, tmp_path / "run", "--quiet")
    assert done.returncode == 0, done.stderr
    assert "WARNING: Model-written code runs UNCONFINED: bubblewrap (bwrap) is not installed" \
        in done.stderr
    probe = json.loads((tmp_path / "run" / "workspace" / "probe.json").read_text())
    assert probe["home"] == str(tmp_path / "run" / ".webgen" / "sandbox" / "home")
    assert probe["secrets"] == []
    # Unconfined means unconfined: the canary was readable. The warning says so.
    assert probe["canary"] == "CANARY-7f3a"
    step = json.loads((tmp_path / "run" / "steps" / "000001.json").read_text())
    assert step["runtime"]["sandbox"]["confined"] is False
    assert step["runtime"]["sandbox"]["backend"] == "none"


def test_no_sandbox_flag_is_said_as_the_users_choice(tmp_path):
    places = user_machine(tmp_path)
    coder = queue(coder_reply({"index.html": "<h1>notes</h1>"}), coder_reply(signal="finish"))
    with ScriptedModelServer({CODER: coder, CRITIC: graded(4), FEEDBACK: queue()}) as server:
        done = run_webgen(webgen_env(server, tmp_path, places), tmp_path / "run", "--no-sandbox")
    assert done.returncode == 0, done.stderr
    assert "WARNING: Model-written code runs UNCONFINED: the sandbox is turned off" in done.stderr
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert manifest["config"]["sandbox"]["mode"] == "off"
