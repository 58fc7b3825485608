"""``webgen doctor``: real node, npm and Chromium, scripted model servers on loopback."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import keyring.backends.fail
import pytest

from app.cli import main
from tests.fakes.model_server import ScriptedModelServer, queue
from tests.support.env import path_without_node
from tests.support.keyring_backend import MemoryKeyring, installed
from tests.support.net import closed_port_url
from tests.support.qtlibs import (
    bwrap_works,
    env_without_display,
    resolved_libraries,
    without_libraries,
)

REPO = Path(__file__).resolve().parents[2]
SECRET = "sk-doctor-secret-7731"
MODELS = {"coder": "coder-7b", "critic": "critic-vl-7b", "feedback": "feedback-vl-7b"}


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch) -> Iterator[MemoryKeyring]:
    """Settings, state and runs under tmp_path; no Ollama found; keys in memory."""
    monkeypatch.setenv("WEBGEN_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("WEBGEN_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("WEBGEN_RUNS_DIR", str(tmp_path / "runs"))
    monkeypatch.setenv("OLLAMA_HOST", closed_port_url())
    with installed(MemoryKeyring()) as backend:
        yield backend


def use_server(
    monkeypatch,
    url: str,
    provider: str = "openai",
    keys: tuple = ("coder",),
    models: dict[str, str] = MODELS,
) -> None:
    """Point all three roles at ``url``; the roles in ``keys`` get SECRET from the env."""
    for role, model in models.items():
        upper = role.upper()
        monkeypatch.setenv(f"WEBGEN_{upper}_PROVIDER", provider)
        monkeypatch.setenv(f"WEBGEN_{upper}_BASE_URL", url)
        monkeypatch.setenv(f"WEBGEN_{upper}_MODEL", model)
        if role in keys:
            monkeypatch.setenv(f"WEBGEN_{upper}_API_KEY", SECRET)


def doctor(capsys, *args: str) -> tuple[int, str, list[str]]:
    """Run ``webgen doctor`` in-process: exit code, all output, the check lines."""
    code = main(["doctor", *args])
    out, err = capsys.readouterr()
    return code, out + err, out.strip().splitlines()


def line(lines: list[str], name: str) -> str:
    """The report line of check ``name`` (with its fix line, if any)."""
    for i, text in enumerate(lines):
        if text[6:].startswith(f"{name}: "):
            after = lines[i + 1] if i + 1 < len(lines) else ""
            return f"{text}\n{after}" if after.startswith("      fix:") else text
    raise AssertionError(f"no '{name}' line in:\n" + "\n".join(lines))


def scripted(*names: str, key: str | None = None) -> ScriptedModelServer:
    return ScriptedModelServer({n: queue() for n in names}, require_api_key=key)


@pytest.mark.slow
def test_all_good_with_openai_servers_and_keys_from_the_environment(capsys, monkeypatch):
    with (
        scripted(*MODELS.values(), key=SECRET) as server,
        scripted("qwen2.5vl:7b", "llama3.1:8b") as ollama,
    ):
        use_server(monkeypatch, server.base_url_openai, keys=tuple(MODELS))
        monkeypatch.setenv("OLLAMA_HOST", ollama.base_url_ollama)
        code, output, lines = doctor(capsys)
        auth = {r.headers.get("authorization") for r in server.requests}
        url = server.base_url_openai
    assert code == 0, output
    assert lines[-1] == "all good"
    assert all(text.startswith("ok    ") for text in lines[:-1]), output
    for role, model in MODELS.items():
        assert f"model '{model}', key set (env); the server offers it" in line(lines, role)
    assert f"openai server {url}: reachable, 3 models" in output
    assert "used by coder, critic, feedback" in output  # one server, asked once
    assert "vision: qwen2.5vl:7b" in line(lines, "ollama")
    for name in ("node", "npm", "chromium", "package PySide6", "playwright driver", "runs folder"):
        assert line(lines, name).startswith("ok")
    assert auth == {f"Bearer {SECRET}"}  # the key was used, and never shown
    assert SECRET not in output


@pytest.mark.slow
def test_a_server_that_is_down_fails_naming_its_url(capsys, monkeypatch):
    url = closed_port_url("/v1")
    use_server(monkeypatch, url)
    code, _output, lines = doctor(capsys)
    assert code == 1
    failed = line(lines, f"openai server {url}")
    assert failed.startswith("FAIL") and f"refused at {url}" in failed
    assert "used by coder, critic, feedback" in failed
    assert "check the URL / API key in Models… (Ctrl+,)" in failed
    assert "WEBGEN_CODER_API_KEY" in failed
    assert lines[-1].endswith("problems")


@pytest.mark.slow
def test_a_silent_server_times_out_within_a_few_seconds(capsys, monkeypatch):
    with socket.socket() as silent:  # accepts connections (backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/v1"
        use_server(monkeypatch, url, keys=())
        code, _output, lines = doctor(capsys, "--no-network")
        assert code == 0 and line(lines, "coder").startswith("ok")  # nothing asked
        code, _output, lines = doctor(capsys)
    failed = line(lines, f"openai server {url}")
    assert code == 1 and failed.startswith(f"FAIL  openai server {url}: timeout at {url}")
    assert "no answer within 3 s" in failed  # the check's own short timeout, not the role's


@pytest.mark.slow
def test_a_model_the_server_does_not_offer_is_a_warning(capsys, monkeypatch):
    with scripted("coder-7b", "critic-vl-7b") as server:
        use_server(
            monkeypatch, server.base_url_openai, models={**MODELS, "feedback": "no-such-model"}
        )
        code, output, lines = doctor(capsys, "--no-network")
        assert "the server" not in line(lines, "feedback")  # no server asked offline
        code, output, lines = doctor(capsys)
    assert code == 0, output  # warnings only
    warned = line(lines, "feedback")
    assert warned.startswith("warn") and "model 'no-such-model'" in warned
    assert "the server does not list it (it has: coder-7b, critic-vl-7b)" in warned
    assert "WEBGEN_FEEDBACK_MODEL" in warned
    assert line(lines, "coder").startswith("ok")


@pytest.mark.slow
def test_ollama_on_this_computer_lists_its_models_and_vision_ones(capsys, monkeypatch):
    names = ("qwen2.5-coder:7b", "qwen2.5vl:7b", "llava:latest")
    with scripted(*names) as ollama:
        monkeypatch.setenv("OLLAMA_HOST", ollama.base_url_ollama)
        use_server(
            monkeypatch,
            ollama.base_url_ollama,
            provider="ollama",
            keys=(),
            models={"coder": "qwen2.5-coder:7b", "critic": "llava"},
        )
        monkeypatch.setenv("WEBGEN_CODER_CONTEXT_LENGTH", "4096")
        code, output, lines = doctor(capsys)
        url = ollama.base_url_ollama
    assert code == 0, output
    found = line(lines, "ollama")
    assert found.startswith("ok") and f"running at {url}" in found
    assert "used by coder, critic, feedback, 3 models (vision: qwen2.5vl:7b, llava:latest)" in found
    assert "ollama server" not in output  # the same server is reported once
    assert "the server offers it" in line(lines, "coder")
    assert "the server offers it" in line(lines, "critic")  # as Ollama, "llava" is llava:latest
    context = line(lines, "coder context")
    assert context.startswith("warn  coder context: 4096 tokens, too few for the coding prompt")
    assert "Models… (Ctrl+,)" in context and "WEBGEN_CODER_CONTEXT_LENGTH" in context
    assert line(lines, "critic context").startswith("ok    critic context: 32768 tokens")


@pytest.mark.slow
def test_ollama_used_by_a_role_but_not_running_fails(capsys, monkeypatch):
    url = closed_port_url()
    monkeypatch.setenv("OLLAMA_HOST", url)
    use_server(monkeypatch, url, provider="ollama", keys=())
    code, _output, lines = doctor(capsys)
    assert code == 1
    failed = line(lines, "ollama")
    assert failed.startswith("FAIL") and f"refused at {url}" in failed
    assert "start Ollama (`ollama serve`)" in failed
    assert line(lines, "coder context").startswith("ok")  # 32768 by default


def test_nothing_configured_fails_with_where_to_set_models(capsys):
    code, _output, lines = doctor(capsys, "--no-network")
    assert code == 1
    failed = line(lines, "models")
    assert failed.startswith("FAIL  models: no models configured")
    assert "open Models… (Ctrl+,)" in failed and "WEBGEN_CODER_MODEL" in failed
    assert "README" in failed
    assert not [t for t in lines if t[6:].startswith(("ollama:", "openai server", "ollama server"))]


def test_a_broken_settings_file_is_named(capsys, tmp_path):
    settings = tmp_path / "config" / "settings.json"
    settings.parent.mkdir()
    settings.write_text("{ not json", encoding="utf-8")
    code, _output, lines = doctor(capsys, "--no-network")
    assert code == 1
    failed = line(lines, "model settings")
    assert failed.startswith("FAIL") and str(settings) in failed and "fix or delete" in failed


@pytest.mark.slow
def test_node_missing_from_path_fails_with_the_fix(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", path_without_node(tmp_path))
    code, _output, lines = doctor(capsys, "--no-network")
    assert code == 1
    for name in ("node", "npm"):
        failed = line(lines, name)
        assert failed.startswith(f"FAIL  {name}: {name} was not found on PATH")
        assert "https://nodejs.org" in failed and "package manager" in failed
    assert line(lines, "chromium").startswith("ok")


def test_a_node_older_than_18_fails(capsys, monkeypatch, tmp_path):
    bin_dir = Path(path_without_node(tmp_path))
    old_node = bin_dir / "node"
    old_node.write_text("#!/bin/sh\necho v16.20.2\n", encoding="utf-8")
    old_node.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    code, _output, lines = doctor(capsys, "--no-network")
    assert code == 1
    failed = line(lines, "node")
    assert failed.startswith(f"FAIL  node: v16.20.2 at {old_node} is older than Node.js 18")
    assert "https://nodejs.org" in failed


@pytest.mark.slow
def test_chromium_missing_fails_with_the_fix(capsys, monkeypatch, tmp_path):
    missing = tmp_path / "no-chromium"
    monkeypatch.setenv("WEBGEN_CHROMIUM", str(missing))
    code, _output, lines = doctor(capsys, "--no-network")
    assert code == 1
    failed = line(lines, "chromium")
    assert failed.startswith("FAIL") and f"does not exist: {missing}" in failed
    assert "apt install chromium" in failed and "WEBGEN_CHROMIUM" in failed


def test_the_sandbox_row_names_bubblewrap_when_it_confines(capsys):
    _code, _output, lines = doctor(capsys, "--no-network")
    row = line(lines, "sandbox")
    assert row.startswith("ok    sandbox: model-written code runs confined: bubblewrap")


def test_no_bubblewrap_is_a_warning_that_says_unconfined_with_the_fix(capsys, monkeypatch):
    monkeypatch.setenv("WEBGEN_BWRAP", "")
    _code, _output, lines = doctor(capsys, "--no-network")
    row = line(lines, "sandbox")
    assert row.startswith("warn  sandbox: model-written code would run UNCONFINED: bubblewrap")
    assert "apt install bubblewrap" in row


def test_a_required_sandbox_without_bubblewrap_fails(capsys, monkeypatch, tmp_path):
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "settings.json").write_text('{"sandbox": {"mode": "bwrap"}}')
    monkeypatch.setenv("WEBGEN_BWRAP", str(tmp_path / "no-bwrap"))
    code, _output, lines = doctor(capsys, "--no-network")
    assert code == 1 and line(lines, "sandbox").startswith("FAIL  sandbox:")


def test_a_sandbox_turned_off_is_a_warning(capsys, tmp_path):
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "settings.json").write_text('{"sandbox": {"mode": "off"}}')
    _code, _output, lines = doctor(capsys, "--no-network")
    assert line(lines, "sandbox").startswith("warn  sandbox: turned off in the settings")


@pytest.mark.slow
def test_a_failing_keyring_fails_and_no_key_is_shown(capsys, monkeypatch):
    with (
        scripted(*MODELS.values(), key=SECRET) as server,
        installed(keyring.backends.fail.Keyring()),
    ):
        use_server(monkeypatch, server.base_url_openai, keys=("coder",))
        code, output, lines = doctor(capsys)
        json_code, json_out, _ = doctor(capsys, "--json")
        url = server.base_url_openai
    assert code == json_code == 1
    failed = line(lines, "keyring")
    assert failed.startswith("FAIL  keyring: no usable keyring (keyring.backends.fail.Keyring)")
    assert "critic, feedback need a key" in failed
    assert "gnome-keyring" in failed and "WEBGEN_CRITIC_API_KEY" in failed
    assert "key set (env)" in line(lines, "coder") and "key missing" in line(lines, "critic")
    # The coder's key opens the server; the other roles, without one, are refused.
    refused = [t for t in lines if t.startswith(f"FAIL  openai server {url}")]
    assert len(refused) == 1 and "HTTP 401" in refused[0]
    assert "(used by critic, feedback)" in refused[0]
    assert SECRET not in output and SECRET not in json_out


def test_json_lists_every_check_with_status_detail_and_fix(capsys):
    code, output, _ = doctor(capsys, "--json", "--no-network")
    rows = json.loads(output)
    assert code == 1 and isinstance(rows, list) and rows
    for row in rows:
        assert set(row) == {"check", "status", "detail", "fix"}
        assert row["status"] in ("ok", "warn", "FAIL")
        assert row["fix"] or row["status"] == "ok"
    by_name = {row["check"]: row for row in rows}
    assert by_name["models"]["status"] == "FAIL"
    assert by_name["python"]["status"] == "ok"


def test_the_installed_command_runs_the_doctor(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("WEBGEN_")}
    env.update(
        WEBGEN_CONFIG_DIR=str(tmp_path / "config"),
        WEBGEN_STATE_DIR=str(tmp_path / "s"),
        WEBGEN_RUNS_DIR=str(tmp_path / "runs"),
        WEBGEN_CODER_API_KEY=SECRET,
    )
    done = subprocess.run(
        [sys.executable, "-m", "app", "doctor", "--no-network"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1, done.stderr
    assert "FAIL  models: no models configured" in done.stdout
    assert done.stdout.strip().splitlines()[-1].endswith("problems")
    assert SECRET not in done.stdout + done.stderr
    helped = subprocess.run(
        [sys.executable, "-m", "app", "--help"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "--self-test" in helped.stdout and "doctor" in helped.stdout


@pytest.mark.parametrize("frozen", [False, True], ids=["source", "bundle"])
def test_missing_pyarrow_is_only_a_warning_with_a_fix_that_fits_the_install(monkeypatch, frozen):
    """Parquet export is optional; a bundle user is not told to pip install into it."""
    from app.doctor import check_pyarrow

    monkeypatch.setitem(sys.modules, "pyarrow", None)  # makes `import pyarrow` fail
    if frozen:
        monkeypatch.setattr(sys, "frozen", True, raising=False)
    [check] = check_pyarrow()
    assert check.status == "warn" and "not installed (optional)" in check.detail
    assert "--parquet" in check.fix
    assert ("pip install" in check.fix) is not frozen


def doctor_json(tmp_path: Path, *prefix: str) -> dict[str, dict[str, str]]:
    """``webgen doctor --json --no-network`` as a real process (after ``prefix``), by check."""
    done = subprocess.run(
        [*prefix, sys.executable, "-m", "app", "doctor", "--json", "--no-network"],
        cwd=REPO,
        env=env_without_display(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr  # no models configured
    return {row["check"]: row for row in json.loads(done.stdout)}


def test_json_from_the_command_has_the_qt_platform_and_webengine_rows(tmp_path):
    rows = doctor_json(tmp_path)
    assert rows["qt platform"] == {
        "check": "qt platform",
        "status": "ok",
        "detail": "the libraries of the xcb plugin are all installed; "
        "the xcb plugin was not loaded: no display (DISPLAY is not set)",
        "fix": "",
    }
    assert rows["qt webengine libraries"]["status"] == "ok"


@pytest.mark.skipif(not bwrap_works(), reason="needs bubblewrap to hide libraries")
def test_missing_qt_libraries_are_named_with_one_apt_command_per_row(tmp_path):
    from app.qt_platform import QtFiles

    files = QtFiles.installed()
    found = resolved_libraries(*files.xcb, *files.webengine)
    hidden = ("libxcb-icccm.so.4", "libxcb-keysyms.so.1", "libgbm.so.1")
    rows = doctor_json(tmp_path, *without_libraries(found, *hidden))
    platform, webengine = rows["qt platform"], rows["qt webengine libraries"]
    assert platform["status"] == "FAIL"
    assert platform["detail"] == (
        "the window's xcb plugin cannot load, missing libxcb-icccm.so.4 (libxcb-icccm4), "
        "libxcb-keysyms.so.1 (libxcb-keysyms1)"
    )
    assert platform["fix"].startswith(
        "`apt install libxcb-icccm4 libxcb-keysyms1` (Debian/Ubuntu); "
        "`dnf install xcb-util-wm xcb-util-keysyms` (Fedora)"
    )
    assert webengine["status"] == "FAIL"
    assert webengine["detail"] == "Qt WebEngine cannot load, missing libgbm.so.1 (libgbm1)"
    assert webengine["fix"].startswith("`apt install libgbm1` (Debian/Ubuntu)")
    # Importing Qt WebEngine fails too, and the package row says so; the rest still ran.
    assert "libgbm.so.1" in rows["package PySide6"]["detail"]
    assert rows["python"]["status"] == "ok"
