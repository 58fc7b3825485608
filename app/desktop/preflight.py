"""What must be in place before a run starts, each problem with what to do about it."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass

from agent_core.browser.chromium import find_chromium
from agent_core.config import ModelSettings, Provider, RoleConfig
from agent_core.errors import WebGenError
from agent_core.llm.factory import list_server_models
from app import settings as app_settings

OLLAMA_URL = "http://localhost:11434"


def ollama_url() -> str:
    """Where to look for Ollama: ``OLLAMA_HOST`` (Ollama's own variable) or the default."""
    host = os.environ.get("OLLAMA_HOST", "").strip()
    if not host:
        return OLLAMA_URL
    return host if "://" in host else f"http://{host}"


@dataclass(frozen=True)
class Problem:
    """Something that stops a run, and how to fix it."""

    what: str
    fix: str
    needs_settings: bool = False

    def text(self) -> str:
        """One line for the notice bar."""
        return f"{self.what} {self.fix}"


def model_settings() -> ModelSettings | Problem:
    """The three roles from the environment and the settings file, or what is missing."""
    try:
        return app_settings.resolve_model_settings({})
    except WebGenError as exc:
        return Problem(f"No model is configured ({exc}).",
                       "Open Models… (Ctrl+,) to choose a server and models for each role.",
                       needs_settings=True)


def tool_problems(chromium_path: str | None = None) -> list[Problem]:
    """Node/npm and a Chromium, which every run needs."""
    problems = []
    path = os.environ.get("PATH", "")
    if shutil.which("node", path=path) is None or shutil.which("npm", path=path) is None:
        problems.append(Problem(
            "Node.js and npm were not found on PATH.",
            "Install Node.js 18 or newer (https://nodejs.org) and restart WebGen Studio."))
    try:
        find_chromium(chromium_path)
    except WebGenError as exc:
        problems.append(Problem(f"{exc}", ""))
    return problems


async def detect_ollama(url: str | None = None) -> list[str] | None:
    """Models of an Ollama server at ``url`` (default ``ollama_url()``), or None."""
    url = url or ollama_url()
    try:
        return await list_server_models(RoleConfig(provider=Provider.OLLAMA, base_url=url))
    except WebGenError:
        return None
