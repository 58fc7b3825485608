"""``webgen run --image``: pictures checked before anything is made, kept, and sent."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fakes.model_server import ScriptedModelServer, queue
from tests.support.agent import CODER, CRITIC, ReferenceCritic, coder_reply
from tests.support.cli import INSTRUCTION, PAGE
from tests.support.env import cli_env
from tests.support.pictures import mockup, size_and_format

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def webgen(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "app", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)


def test_repeated_image_flags_reach_the_coder_and_stay_in_the_run(tmp_path):
    (tmp_path / "wide.png").write_bytes(mockup(2000, 1000))
    (tmp_path / "mock.webp").write_bytes(mockup(300, 200, fmt="WEBP"))
    critic = ReferenceCritic(1, {"note": "Same header.", "match": 4})
    with ScriptedModelServer({CODER: queue(coder_reply(PAGE)), CRITIC: critic}) as server:
        done = webgen("run", INSTRUCTION, "--out", str(tmp_path / "run"), "--max-steps", "1",
                      "--no-gui-testing", "--coder-vision", "yes", "--image-max-side", "800",
                      "--image", str(tmp_path / "wide.png"), "--image",
                      str(tmp_path / "mock.webp"), env=cli_env(server, tmp_path))
        coder = [r for r in server.chat_requests if r.model == CODER]

    assert done.returncode == 0, done.stderr
    assert "wide.png (2000x1000) scaled to 800x400" in done.stderr
    assert "reference match 4/5: Same header." in done.stderr
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    kept = [(tmp_path / "run" / p).read_bytes() for p in manifest["images"]]
    assert [size_and_format(k) for k in kept] == [(800, 400, "PNG"), (300, 200, "JPEG")]
    assert coder[0].images == kept


def test_a_bad_image_is_refused_before_the_run_folder_is_made(tmp_path):
    (tmp_path / "notes.png").write_text("not a picture")
    with ScriptedModelServer({}) as server:
        done = webgen("run", INSTRUCTION, "--out", str(tmp_path / "run"), "--image",
                      str(tmp_path / "notes.png"), env=cli_env(server, tmp_path))

    assert done.returncode == 2
    assert "webgen: notes.png is not a PNG, JPEG, WebP image" in done.stderr
    assert not (tmp_path / "run").exists()


def test_resume_with_a_request_and_a_picture_continues_a_finished_run(tmp_path):
    (tmp_path / "green.png").write_bytes(mockup(600, 400, band=(30, 160, 60)))
    critic = ReferenceCritic(2, {"note": "Green header as in the picture.", "match": 5})
    coder = queue(coder_reply(PAGE), coder_reply(PAGE))
    run_dir = str(tmp_path / "run")
    with ScriptedModelServer({CODER: coder, CRITIC: critic}) as server:
        env = cli_env(server, tmp_path)
        first = webgen("run", INSTRUCTION, "--out", run_dir, "--max-steps", "1",
                       "--no-gui-testing", "--coder-vision", "yes", env=env)
        again = webgen("resume", run_dir, "--request", "Make the header green like this.",
                       "--image", str(tmp_path / "green.png"), "--max-steps", "1", env=env)
        asked = [r for r in server.chat_requests if r.model == CODER]

    assert first.returncode == 0, first.stderr
    assert again.returncode == 0, again.stderr
    step = json.loads((tmp_path / "run" / "steps" / "000002.json").read_text())
    assert step["request"] == "Make the header green like this."
    picture = (tmp_path / "run" / step["images"][0]).read_bytes()
    assert size_and_format(picture) == (600, 400, "PNG")
    assert "Make the header green like this." in asked[1].messages[-1]["content"][0]["text"]
    assert asked[1].images == [picture] and not asked[0].images
    assert step["reference"]["match_grade"] == 5
