"""Process environments for running ``webgen`` as a user would: scripted models, no Node.js."""

from __future__ import annotations

import os
from pathlib import Path

from tests.fakes.model_server import ScriptedModelServer
from tests.support.agent import CODER, CRITIC, FEEDBACK

SECRET = "sk-test-secret-4242"
NODE_NAMES = {"node", "nodejs", "npm", "npx", "corepack"}


def cli_env(server: ScriptedModelServer, tmp_path: Path, provider: str = "openai") -> dict:
    """The current environment with all three roles on ``server`` (the coder's key is SECRET).

    Every ``WEBGEN_*`` variable of the current environment is dropped; settings and state
    go under ``tmp_path``.
    """
    url = server.base_url_openai if provider == "openai" else server.base_url_ollama
    env = {k: v for k, v in os.environ.items() if not k.startswith("WEBGEN_")}
    env.update(
        {
            "WEBGEN_CONFIG_DIR": str(tmp_path / "config"),
            "WEBGEN_STATE_DIR": str(tmp_path / "state"),
            "WEBGEN_CODER_PROVIDER": provider,
            "WEBGEN_CODER_BASE_URL": url,
            "WEBGEN_CODER_MODEL": CODER,
            "WEBGEN_CODER_API_KEY": SECRET,
            "WEBGEN_CRITIC_PROVIDER": provider,
            "WEBGEN_CRITIC_BASE_URL": url,
            "WEBGEN_CRITIC_MODEL": CRITIC,
            "WEBGEN_FEEDBACK_PROVIDER": provider,
            "WEBGEN_FEEDBACK_BASE_URL": url,
            "WEBGEN_FEEDBACK_MODEL": FEEDBACK,
        }
    )
    return env


def path_without_node(root: Path) -> str:
    """A PATH with every program of the current one except Node.js, npm and friends."""
    bin_dir = root / "bin-without-node"
    bin_dir.mkdir()
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        if not folder or not Path(folder).is_dir():
            continue
        for entry in Path(folder).iterdir():
            target = bin_dir / entry.name
            if entry.name not in NODE_NAMES and not target.exists():
                target.symlink_to(entry)
    return str(bin_dir)
