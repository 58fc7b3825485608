"""The ``webgen`` command as a real process, and the scripted one-page run that ``webgen run``
tests (source and bundle) share."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping

from tests.support.agent import CriticScript
from tests.support.npm import REPO

PAGE = {"index.html": "<!doctype html><title>Stocks</title><h1>Stock reports</h1>"}
INSTRUCTION = "Please implement a website for generating stock reports."


def critic(n: int) -> CriticScript:
    """A critic that sees the stock page and grades it 4, ``n`` times."""
    return CriticScript([(CriticScript.check("stock page"), CriticScript.grade(4))] * n)


def webgen(
    *args: str, env: Mapping[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run ``webgen ARGS`` from the source tree and wait for it to end.

    Args:
        *args: The command line after ``webgen``.
        env: The process environment (default: this one's).
        timeout: Seconds before the process is killed and the test fails.

    Returns:
        The finished process, with its output as text.
    """
    return subprocess.run(
        [sys.executable, "-m", "app", *args], cwd=REPO, env=dict(env or os.environ),
        capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip
