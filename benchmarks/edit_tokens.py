"""Completion tokens for a small change: the whole file again, or one search/replace edit.

Counts the reply a coder would send to change one line of the fixture site's App.jsx (and of
a larger page), in both reply formats, with SmolLM2's tokenizer (llama.cpp's
``/extras/tokenize``), else with the length estimate.

    .venv/bin/python -m benchmarks.edit_tokens [--no-server]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
from pathlib import Path

from agent_core.llm.token_count import TokenCounter, estimate_tokens
from agent_core.protocol.actions import EditAction, FileAction
from agent_core.protocol.render import render_reply
from agent_core.protocol.structured import render_structured
from tests.support.npm import site_files
from tests.support.tiny_model import TinyModelServer


def cases() -> dict[str, tuple[str, str, str]]:
    """name -> (path, file before, the one line that changes)."""
    app = site_files("vite-react")["src/App.jsx"]
    rows = "\n".join(f"        <tr><td>Stock {n}</td><td>{n * 3.5:.2f}</td></tr>"
                     for n in range(60))
    page = ("export default function Table() {\n  return (\n    <table>\n"
            f"{rows}\n    </table>\n  );\n}}\n")
    return {"App.jsx (fixture site)": ("src/App.jsx", app, app.splitlines()[2]),
            "Table.jsx, 60 rows": ("src/Table.jsx", page, page.splitlines()[20])}


def replies(path: str, before: str, line: str) -> dict[str, str]:
    """The four replies that make the same change."""
    after = before.replace(line, line + " {/* changed */}", 1)
    whole, edit = FileAction(path, after), EditAction(path, line + "\n",
                                                       line + " {/* changed */}\n")
    return {"text, whole file": render_reply([whole]), "text, edit": render_reply([edit]),
            "structured, whole file": render_structured([whole]),
            "structured, edit": render_structured([edit])}


async def count_all(counter: TokenCounter | None) -> dict[str, dict[str, int]]:
    results: dict[str, dict[str, int]] = {}
    for name, (path, before, line) in cases().items():
        results[name] = {kind: (await counter.count(text) if counter else estimate_tokens(text))
                         for kind, text in replies(path, before, line).items()}
    return results


def main() -> None:
    """Command-line entry."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-server", action="store_true", help="estimate, do not tokenize")
    args = parser.parse_args()
    if args.no_server:
        results, how = asyncio.run(count_all(None)), "length estimate"
    else:
        with tempfile.TemporaryDirectory() as tmp:
            server = TinyModelServer(Path(tmp) / "server.log").start()
            try:
                results = asyncio.run(count_all(TokenCounter(server.base_url)))
            finally:
                server.stop()
        how = "SmolLM2 tokenizer"
    print(f"completion tokens for a one-line change ({how}):")
    for name, counts in results.items():
        print(f"  {name}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    print(json.dumps(results))


if __name__ == "__main__":
    main()
