"""What must be in place before a run starts, each problem with what to do about it."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
from dataclasses import dataclass
from urllib.parse import urlsplit

from agent_core.browser.chromium import find_chromium
from agent_core.config import ModelSettings, Provider, RoleConfig
from agent_core.errors import ConfigError, WebGenError
from agent_core.llm.factory import list_server_models
from agent_core.llm.vision import VISION_HINTS as VISION_HINTS  # re-exported
from agent_core.llm.vision import looks_like_vision_model as looks_like_vision_model
from app import settings as app_settings

log = logging.getLogger(__name__)

OLLAMA_URL = "http://localhost:11434"
OLLAMA_PORT = 11434
DETECT_TIMEOUT_S = 5.0
"""A local Ollama lists its models at once; a silent address must not stall first start."""


def ollama_url() -> str:
    """Where to look for Ollama: ``OLLAMA_HOST`` (Ollama's own variable) or the default.

    ``OLLAMA_HOST`` is read as Ollama reads it: ``host``, ``host:port`` or a URL; without a
    scheme the port is 11434, and an empty host is this computer. A bind-all address
    (``0.0.0.0`` or ``[::]``), which tells a server to listen everywhere, is reached on
    loopback.
    """
    raw = os.environ.get("OLLAMA_HOST", "").strip()
    if not raw:
        return OLLAMA_URL
    scheme, sep, rest = raw.partition("://")
    if not sep:
        scheme, rest, port = "http", raw, OLLAMA_PORT
    else:
        port = {"http": 80, "https": 443}.get(scheme.lower(), OLLAMA_PORT)
    try:
        parts = urlsplit(f"{scheme}://{rest}")
        host, port = parts.hostname or "127.0.0.1", parts.port or port
    except ValueError:  # a malformed address: the client will say what is wrong with it
        return f"{scheme}://{rest}"
    if host in ("0.0.0.0", "::"):
        host = "127.0.0.1"
    elif ":" in host:
        host = f"[{host}]"
    path = parts.path.strip("/")
    return f"{scheme}://{host}:{port}" + (f"/{path}" if path else "")


def same_server(url_a: str, url_b: str) -> bool:
    """Whether two base URLs name the same server (``localhost`` is ``127.0.0.1``)."""

    def norm(url: str) -> str:
        url = url.strip().rstrip("/").lower()
        return url.replace("://localhost:", "://127.0.0.1:").replace("://[::1]:", "://127.0.0.1:")

    return norm(url_a) == norm(url_b)


@dataclass(frozen=True)
class Problem:
    """Something that stops a run, and how to fix it."""

    what: str
    fix: str
    needs_settings: bool = False

    def text(self) -> str:
        """One line for the notice bar."""
        return " ".join(part for part in (self.what, self.fix) if part)


def model_settings() -> ModelSettings | Problem:
    """The three roles from the environment and the settings file, or what is missing."""
    try:
        data = app_settings.load_settings_file()
    except ConfigError as exc:
        return Problem(
            f"The model settings cannot be used: {exc}.",
            "Fix or delete that file, then choose the models again.",
        )
    try:
        return app_settings.resolve_model_settings({}, file_data=data)
    except WebGenError as exc:
        return Problem(
            f"No model is configured ({exc}).",
            "Open Models… (Ctrl+,) to choose a server and models for each role.",
            needs_settings=True,
        )


def tool_problems(chromium_path: str | None = None) -> list[Problem]:
    """Node/npm and a Chromium, which every run needs."""
    problems = []
    path = os.environ.get("PATH", "")
    if shutil.which("node", path=path) is None or shutil.which("npm", path=path) is None:
        problems.append(
            Problem(
                "Node.js and npm were not found on PATH.",
                "Install Node.js 18 or newer (https://nodejs.org) and restart WebGen Studio.",
            )
        )
    try:
        find_chromium(chromium_path)
    except WebGenError as exc:
        problems.append(Problem(f"{exc}", ""))
    return problems


async def detect_ollama(url: str | None = None) -> list[str] | None:
    """Models of an Ollama server at ``url`` (default ``ollama_url()``), or None.

    Anything that keeps the server from answering (refused, silent, a malformed
    ``OLLAMA_HOST``) means "no Ollama here": this only decides what to propose.
    """
    url = url or ollama_url()
    probe = RoleConfig(provider=Provider.OLLAMA, base_url=url, timeout_s=DETECT_TIMEOUT_S)
    try:
        return await list_server_models(probe)
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        log.info("no Ollama at %s: %s", url, exc)
        return None
