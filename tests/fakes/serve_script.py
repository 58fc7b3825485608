"""``python -m tests.fakes.serve_script``: the scripted model server as a process, serving
``{"model": ["reply", {"status": 500}, ...]}`` from a JSON file until SIGTERM or SIGINT (for
tests that start programs which must reach a model server of their own)."""

from __future__ import annotations

import argparse
import json
import signal
import threading
from pathlib import Path

from tests.fakes.model_script import RecordedRequest, Reply, Script, queue
from tests.fakes.model_server import ScriptedModelServer


def _load_script_file(path: Path) -> dict[str, Script]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise SystemExit(f"{path}: expected an object of model name -> list of replies")
    return {name: queue(*[Reply.from_json(item) for item in items]) for name, items in data.items()}


def main(argv: list[str] | None = None) -> None:
    """Serve scripted replies from a JSON file until SIGTERM or SIGINT."""
    parser = argparse.ArgumentParser(prog="python -m tests.fakes.serve_script")
    parser.add_argument("--script", type=Path, required=True, help="JSON: model -> replies")
    parser.add_argument("--port-file", type=Path, required=True, help="where to write the port")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--requests-log", type=Path, help="append one JSON line per request")
    args = parser.parse_args(argv)

    log_lock = threading.Lock()

    def log(request: RecordedRequest) -> None:
        if args.requests_log is not None:
            with log_lock, args.requests_log.open("a", encoding="utf-8") as out:
                out.write(json.dumps(request.summary()) + "\n")

    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    with ScriptedModelServer(_load_script_file(args.script), port=args.port, on_request=log) as s:
        partial = args.port_file.with_name(args.port_file.name + ".tmp")
        partial.write_text(str(s.port), encoding="utf-8")
        partial.replace(args.port_file)
        while not done.wait(0.2):
            pass


if __name__ == "__main__":
    main()
