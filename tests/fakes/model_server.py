"""A scripted model server on loopback speaking the OpenAI and Ollama chat protocols.

It is a real HTTP/1.1 server in a background thread, so the real ``openai`` and ``ollama``
clients talk to it over a socket, independent of any test's event loop, and processes
started by a test (a CLI under test) can reach it too.

Usage::

    with ScriptedModelServer({"coder-model": queue("hello", Reply(status=500))}) as server:
        ...  # point a client at server.base_url_openai or server.base_url_ollama

``python -m tests.fakes.serve_script --script FILE.json --port-file PATH`` serves
``{"model": ["reply", {"status": 500}, ...]}`` until killed.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from collections.abc import Callable, Mapping
from dataclasses import replace
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.fakes.interrupts import Interrupts
from tests.fakes.model_script import (
    EXHAUSTED,
    RecordedRequest,
    Reply,
    Script,
    error_payload,
    ollama_done,
    ollama_show,
    ollama_tags,
    openai_completion,
    openai_models,
    parse_request,
    queue,
    unknown_model_payload,
)
from tests.fakes.stream_events import DONE, STALL, stream_events

N_REFUSED = "Only one completion choice is allowed"
"""What llama.cpp's own server answers to an OpenAI ``n`` above 1 (HTTP 500 in some versions,
400 in others)."""

__all__ = ["EXHAUSTED", "N_REFUSED", "RecordedRequest", "Reply", "Script", "ScriptedModelServer",
           "queue"]


def _phrase(status: int) -> str:
    try:
        return f"scripted {HTTPStatus(status).phrase.lower()}"
    except ValueError:
        return f"scripted status {status}"


class _Stopping(Exception):
    """The server is shutting down: abandon the response."""


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = True

    def __init__(self, address: tuple[str, int], owner: ScriptedModelServer) -> None:
        super().__init__(address, _Handler)
        self.owner = owner
        self.stopping = threading.Event()
        self.connections: set[socket.socket] = set()
        self.conn_lock = threading.Lock()

    def close_connections(self) -> None:
        with self.conn_lock:
            connections = list(self.connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _HTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""

    def setup(self) -> None:
        super().setup()
        # Small streamed writes must not wait for delayed ACKs (Nagle): send at once.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.server.conn_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        with self.server.conn_lock:
            self.server.connections.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    # --- dispatch ---------------------------------------------------------------------

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def _handle(self, method: str) -> None:
        path = self.path.split("?", 1)[0]
        try:
            body = self._read_body()
            headers = {k.lower(): v for k, v in self.headers.items()}
            request = parse_request(method, path, headers, body)
            self.server.owner._record(request)
            interrupts = self.server.owner.interrupts
            self._arrival = interrupts.arrive(path) if interrupts is not None else None
            if not self._authorized(headers):
                self._refuse_key(request, headers)
                return
            self._route(method, path, request)
        except (_Stopping, OSError):
            self.close_connection = True

    def _authorized(self, headers: Mapping[str, str]) -> bool:
        key = self.server.owner.require_api_key
        return key is None or headers.get("authorization") == f"Bearer {key}"

    def _refuse_key(self, request: RecordedRequest, headers: Mapping[str, str]) -> None:
        """A 401 as OpenAI (or a key-checking proxy in front of Ollama) sends it."""
        if request.protocol == "ollama":
            self._send_json(401, {"error": "unauthorized"})
            return
        if "authorization" in headers:
            message = "Incorrect API key provided. Check the key and try again."
        else:
            message = "You didn't provide an API key in the Authorization header (Bearer)."
        body = error_payload("openai", 401, message)
        self._send_json(401, body, {"WWW-Authenticate": 'Bearer realm="scripted"'})

    def _read_body(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        if not length:
            return {}
        raw = self.rfile.read(length)
        try:
            data = json.loads(raw)
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}

    def _route(self, method: str, path: str, request: RecordedRequest) -> None:
        owner = self.server.owner
        if (method, path) == ("GET", "/v1/models"):
            self._send_json(200, openai_models(owner.model_names))
        elif (method, path) == ("GET", "/api/tags"):
            self._send_json(200, ollama_tags(owner.model_names))
        elif (method, path) == ("GET", "/api/version"):
            self._send_json(200, {"version": "0.6.0"})
        elif (method, path) == ("GET", "/props") and owner.served_context:
            self._send_json(200, {"default_generation_settings": {"n_ctx": owner.served_context}})
        elif (method, path) == ("POST", "/api/show"):
            if request.model in owner.model_names:
                self._send_json(200, ollama_show(request.model, owner.served_context or 32768))
            else:
                self._send_json(404, unknown_model_payload("ollama", request.model))
        elif method == "POST" and request.is_chat:
            self._chat(request)
        else:
            self._send_json(404, error_payload(request.protocol, 404, f"no route {path}"))

    def _chat(self, request: RecordedRequest) -> None:
        script = self.server.owner._script_for(request.model)
        if script is None:
            self._send_json(404, unknown_model_payload(request.protocol, request.model))
            return
        asked, mode = request.replies_asked, self.server.owner.multi_reply
        if asked > 1 and mode.startswith("refuse"):  # as llama.cpp's own server answers n > 1
            status = 500 if mode == "refuse-500" else 400
            self._send_json(status, error_payload("openai", status, N_REFUSED))
            return
        try:
            replies = [self._answer(script, request, i)
                       for i in range(asked if mode == "honour" else 1)]
        except Exception as exc:  # a broken script must show up as a failing request
            message = f"the script for '{request.model}' raised {exc!r}"
            self._send_json(500, error_payload(request.protocol, 500, message))
            return
        reply, others = replies[0], replies[1:]
        self._wait(reply.delay_s)
        failed = next((r for r in replies if r.status != 200), None)
        if failed is not None:
            body = failed.error_body
            if body is None:
                body = error_payload(request.protocol, failed.status, _phrase(failed.status))
            self._send_json(failed.status, body, failed.headers)
        elif request.stream:
            self._stream(request, reply, others)
        else:
            self._whole(request, reply, others)

    @staticmethod
    def _answer(script: Script, request: RecordedRequest, choice: int) -> Reply:
        answer = script(request if choice == 0 else replace(request, choice=choice))
        return answer if isinstance(answer, Reply) else Reply(text=str(answer))

    # --- replies ----------------------------------------------------------------------

    def _wait(self, seconds: float) -> None:
        if seconds > 0 and self.server.stopping.wait(seconds):
            raise _Stopping

    def _send_json(
        self, status: int, payload: dict[str, Any] | str, headers: Mapping[str, str] | None = None
    ) -> None:
        is_text = isinstance(payload, str)
        data = (payload if is_text else json.dumps(payload)).encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain" if is_text else "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _whole(self, request: RecordedRequest, reply: Reply, others: list[Reply]) -> None:
        if request.protocol == "openai":
            payload = openai_completion(request, reply, others)
        else:
            payload = ollama_done(request, reply, reply.text)
        if not reply.drop_connection:
            self._send_json(200, payload, reply.headers)
            return
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data[: len(data) // 2])
        self._drop()

    def _stream(self, request: RecordedRequest, reply: Reply, others: list[Reply]) -> None:
        openai = request.protocol == "openai"
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream" if openai else "application/x-ndjson")
        self.send_header("Transfer-Encoding", "chunked")
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        for index, event in enumerate(stream_events(request, reply, others)):
            if event is None:
                self._drop()
                return
            if event is STALL:
                self._wait(reply.stall_s)
                continue
            if index > 1:
                self._wait(reply.chunk_delay_s)
            self._write_chunk(event)
            if openai and event != DONE and self._interrupted():
                self._write_chunk(DONE)  # llama-cpp-python's end of an interrupted stream
                break
        self._write_chunk(b"")

    def _interrupted(self) -> bool:
        interrupts = self.server.owner.interrupts
        return interrupts is not None and interrupts.cuts(self._arrival)

    def _write_chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):X}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _drop(self) -> None:
        """Cut the connection in the middle of a body."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)


class ScriptedModelServer:
    """A loopback HTTP server answering chat requests from per-model scripts.

    Args:
        scripts: Model name -> script; a script gets a RecordedRequest and returns a
            Reply or a str. Requests for other models get each protocol's 404.
        host: Address to bind, loopback by default.
        port: Port to bind; 0 picks a free one.
        on_request: Called (in a server thread) with every request as it is recorded.
        require_api_key: When set, every request must carry ``Authorization: Bearer KEY``;
            others get the protocol's HTTP 401 (model listing included).
        multi_reply: What an OpenAI request for several replies (``n``) gets: ``ignore``
            answers one reply, as llama.cpp's servers do; ``honour`` calls the script once
            per reply (``RecordedRequest.choice`` says which) and streams the replies
            interleaved by choice index, as OpenAI and vLLM do; ``refuse`` answers HTTP 400
            and ``refuse-500`` HTTP 500 (llama.cpp's server does either, by version).
        interrupt_requests: Behave like llama-cpp-python's server: a request arriving while
            an OpenAI stream is sent ends that stream early, with ``[DONE]`` and no finish
            reason (``interrupts`` records which; see ``tests.fakes.interrupts``).

    Attributes:
        scripts: The live model -> script mapping (may be changed while running).
        require_api_key: The key demanded, or None (may be changed while running).
    """

    def __init__(
        self,
        scripts: Mapping[str, Script] | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        on_request: Callable[[RecordedRequest], None] | None = None,
        require_api_key: str | None = None,
        multi_reply: str = "ignore",
        interrupt_requests: bool = False,
    ) -> None:
        self.scripts: dict[str, Script] = dict(scripts or {})
        self.require_api_key = require_api_key
        self.multi_reply = multi_reply
        self.interrupts = Interrupts() if interrupt_requests else None
        self.served_context: int | None = None
        """Set it to answer llama.cpp's ``GET /props`` and Ollama's ``/api/show`` with it."""
        self._address = (host, port)
        self._on_request = on_request
        self._requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle --------------------------------------------------------------------

    def start(self) -> ScriptedModelServer:
        """Bind and serve in a background thread; returns self."""
        if self._httpd is not None:
            return self
        self._httpd = _HTTPServer(self._address, self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.02},
            name=f"scripted-model-server:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, cutting any response in progress; returns within about a second."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.stopping.set()
        httpd.shutdown()
        httpd.close_connections()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> ScriptedModelServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # --- addresses and records ----------------------------------------------------------

    @property
    def port(self) -> int:
        """The bound port (the server must be started)."""
        if self._httpd is None:
            raise RuntimeError("ScriptedModelServer is not running; call start() first")
        return int(self._httpd.server_address[1])

    @property
    def base_url_ollama(self) -> str:
        """Base URL for an Ollama client, e.g. ``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url_openai(self) -> str:
        """Base URL for an OpenAI client, e.g. ``http://127.0.0.1:PORT/v1``."""
        return f"{self.base_url_ollama}/v1"

    @property
    def model_names(self) -> list[str]:
        """The models the server offers (its script names)."""
        return list(self.scripts)

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of every request received so far, in arrival order."""
        with self._lock:
            return list(self._requests)

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        """Only the chat requests (no listing, version or show calls)."""
        return [r for r in self.requests if r.is_chat]

    def set_script(self, model: str, script: Script) -> None:
        """Add or replace the script of ``model``."""
        with self._lock:
            self.scripts[model] = script

    def _script_for(self, model: str) -> Script | None:
        with self._lock:
            return self.scripts.get(model)

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)
        if self._on_request is not None:
            self._on_request(request)
