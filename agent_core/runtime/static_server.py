"""A static file server for sites without package.json.

Run as ``python -m agent_core.runtime.static_server --dir D --port N``. It binds 127.0.0.1,
serves ``index.html`` for directories, sends ``Cache-Control: no-store`` so every screenshot
shows the latest files, and prints its URL once it listens. A port in use is reported as
"Port N is already in use" (exit code 1), like vite does.
"""

from __future__ import annotations

import argparse
import errno
import functools
import sys
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

_TYPES = {
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".wasm": "application/wasm",
    ".webp": "image/webp",
}


class NoStoreHandler(SimpleHTTPRequestHandler):
    """Serves files with caching disabled and logs only failed requests."""

    # One table for the class, never changed. Not a ClassVar: the standard library's stubs
    # declare this attribute per instance, and a class variable may not override that.
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, **_TYPES}  # noqa: RUF012

    def end_headers(self) -> None:
        """Add ``Cache-Control: no-store`` to every response."""
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def translate_path(self, path: str) -> str:
        """The file for ``path``; one reached through a link leaving the folder is not served.

        Sandboxed code can make links in the workspace, and this server runs unconfined: a
        link to ``~/.ssh`` must not put the user's files on the page.
        """
        local = super().translate_path(path)
        root = Path(self.directory).resolve()
        if not Path(local).resolve().is_relative_to(root):
            return str(root / "__outside_the_site__")
        return local

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Log only requests that failed (status 400 and above)."""
        if (isinstance(code, int) and code >= 400) or str(code).startswith(("4", "5")):
            super().log_request(code, size)


def main(argv: list[str] | None = None) -> int:
    """Serve ``--dir`` on ``--host:--port`` until terminated.

    Args:
        argv: Command-line arguments (default: ``sys.argv[1:]``).

    Returns:
        The exit code.
    """
    parser = argparse.ArgumentParser(description="Serve a folder over HTTP on loopback.")
    parser.add_argument("--dir", required=True, type=Path, help="folder to serve")
    parser.add_argument("--port", type=int, default=0, help="port (0: any free port)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind")
    args = parser.parse_args(argv)
    if not args.dir.is_dir():
        print(f"Cannot serve {args.dir}: it is not a folder", flush=True)
        return 2
    handler = functools.partial(NoStoreHandler, directory=str(args.dir))
    try:
        server = ThreadingHTTPServer((args.host, args.port), handler)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            print(f"Port {args.port} is already in use", flush=True)
        else:
            print(f"Cannot listen on {args.host}:{args.port}: {exc}", flush=True)
        return 1
    port = server.server_address[1]
    print(f"Serving {args.dir} at http://{args.host}:{port}/", flush=True)
    try:
        server.serve_forever(poll_interval=0.25)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
