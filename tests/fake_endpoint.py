"""A programmable SPARQL endpoint and Graph Store on loopback, for tests (shared helper).

``FakeEndpoint()`` listens on a free port (real sockets, one thread per connection).
``script(*steps)`` sets what the next requests get, one step per request, the last step
repeating: each step is a ``Step`` (status, headers, body) or one of the names

* ``"ok"``: a 200 SPARQL JSON answer: for a ``COUNT(*)`` on ``GRAPH <IRI>``, the number
  of N-Triples lines last PUT to that graph; for anything else ``ASK`` true;
* ``"hang"``: read the request, then answer nothing until the server stops;
* ``"reset"``: read the request, then close the connection without a byte;
* ``"truncated"``: 200 with ``Content-Length: 1000`` and 40 bytes, then close;
* ``"partial-206"``, ``"partial-s1tat"``: a well-formed answer marked incomplete
  (HTTP 206; Virtuoso's ``X-SQL-State: S1TAT``);
* ``"invalid-json"``: 200, ``application/sparql-results+json``, not JSON;
* ``Redirect(url, status)``: a redirect to ``url`` (``fake.url_on(port)`` names the
  same path on another port);
* ``"trickle"``: 200 and the start of a JSON answer, then one byte every 0.1 s, without
  end (``"trickle-headers"``: the status line and headers so, never ending them);
* ``Huge(size, declared)``: 200 and ``size`` bytes of a JSON answer that never ends,
  sent as fast as the client reads, with a ``Content-Length`` only when ``declared``;
  ``fake.sent`` counts the bytes written.

A ``PUT`` that gets ``"ok"`` stores its body for the graph in ``?graph=`` and answers
204. ``requests`` lists ``(method, monotonic time)`` of every request received.
"""

from __future__ import annotations

import http.server
import json
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote_plus, urlparse


@dataclass(frozen=True)
class Step:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


@dataclass(frozen=True)
class Redirect:
    location: str
    status: int = 302


@dataclass(frozen=True)
class Huge:
    size: int
    declared: bool = False


_COUNT = re.compile(r"GRAPH\s*<([^>]*)>")


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._serve(b"")

    def do_POST(self) -> None:
        self._serve(self._body())

    def do_PUT(self) -> None:
        self._serve(self._body())

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length)

    def _serve(self, body: bytes) -> None:
        fake = self.server.fake
        step = fake.next_step(self.command)
        if step == "hang":
            fake.stopping.wait()
            self.close_connection = True
            return
        if step == "reset":
            self.close_connection = True
            return
        if step == "truncated":
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b'{"head": {"vars": ["n"]}, "results": {"b')
            self.wfile.flush()
            self.close_connection = True
            return
        if isinstance(step, Redirect):
            step = Step(step.status, {"Location": step.location})
        elif isinstance(step, Huge):
            self._huge(step)
            return
        elif step in ("trickle", "trickle-headers"):
            self._trickle(headers_only=step == "trickle-headers")
            return
        if step == "invalid-json":
            step = Step(200, {"Content-Type": "application/sparql-results+json"}, b"{not json")
        elif step in ("ok", "partial-206", "partial-s1tat"):
            if self.command == "PUT":
                graph = parse_qs(urlparse(self.path).query).get("graph", [""])[0]
                fake.graphs[graph] = body
                step = Step(204)
            else:
                answer = self._answer(body)
                status = 206 if step == "partial-206" else 200
                headers = {"Content-Type": "application/sparql-results+json"}
                if step == "partial-s1tat":
                    headers["X-SQL-State"] = "S1TAT"
                    headers["X-SQL-Message"] = "RC...: Returning incomplete results"
                step = Step(status, headers, answer)
        assert isinstance(step, Step)
        self.send_response(step.status)
        for name, value in step.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(step.body)))
        self.end_headers()
        self.wfile.write(step.body)

    def _trickle(self, headers_only: bool) -> None:
        fake = self.server.fake
        start = b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n"
        if headers_only:
            self.wfile.write(start[:9])
            drip = start[9:] + b"X-Padding: " + b"x" * 100_000
        else:
            self.wfile.write(start + b"Content-Length: 100000\r\n\r\n")
            drip = b'{"head": {"vars": ["n"]}, "results": {"bindings": [' + b" " * 100_000
        self.close_connection = True
        for byte in drip:
            if fake.stopping.wait(0.1):
                return
            try:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
            except OSError:
                return

    def _huge(self, step: Huge) -> None:
        fake = self.server.fake
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        if step.declared:
            self.send_header("Content-Length", str(step.size))
        self.end_headers()
        self.close_connection = True
        block = b" " * 65_536
        self.wfile.write(b'{"head": {"vars": ["n"]}, "results": {"bindings": [')
        while fake.sent < step.size and not fake.stopping.is_set():
            try:
                self.wfile.write(block)
            except OSError:
                return
            fake.sent += len(block)

    def _answer(self, body: bytes) -> bytes:
        text = unquote_plus(body.decode("utf-8", "replace"))
        found = _COUNT.search(text) if "COUNT" in text.upper() else None
        if found is None:
            return json.dumps({"head": {}, "boolean": True}).encode()
        lines = self.server.fake.graphs.get(found.group(1), b"").count(b"\n")
        row = {"n": {"type": "literal", "value": str(lines), "datatype": XSD_INTEGER}}
        return json.dumps({"head": {"vars": ["n"]}, "results": {"bindings": [row]}}).encode()


XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeEndpoint


class FakeEndpoint:
    """``with FakeEndpoint() as fake: fake.script("ok"); fake.url``."""

    def __init__(self) -> None:
        self.server = _Server(("127.0.0.1", 0), _Handler)
        self.server.fake = self
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/sparql"
        self.store_url = f"http://127.0.0.1:{self.port}/store"
        self.steps: list[Step | str] = ["ok"]
        self.requests: list[tuple[str, float]] = []
        self.graphs: dict[str, bytes] = {}
        self.sent = 0
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def script(self, *steps: Step | str) -> FakeEndpoint:
        with self._lock:
            self.steps = list(steps)
            self.requests = []
            self.sent = 0
        return self

    def url_on(self, port: int, path: str = "/sparql") -> str:
        return f"http://127.0.0.1:{port}{path}"

    def next_step(self, method: str) -> Step | str:
        with self._lock:
            self.requests.append((method, time.monotonic()))
            return self.steps.pop(0) if len(self.steps) > 1 else self.steps[0]

    def __enter__(self) -> FakeEndpoint:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.server.shutdown()
        self.server.server_close()
