"""The scripted one-page run that ``webgen run`` tests (source and bundle) share."""

from __future__ import annotations

from tests.support.agent import CriticScript

PAGE = {"index.html": "<!doctype html><title>Stocks</title><h1>Stock reports</h1>"}
INSTRUCTION = "Please implement a website for generating stock reports."


def critic(n: int) -> CriticScript:
    """A critic that sees the stock page and grades it 4, ``n`` times."""
    return CriticScript([(CriticScript.check("stock page"), CriticScript.grade(4))] * n)
