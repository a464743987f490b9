"""``kg serve``: the graph over HTTP, as a thin layer over the library.

One WSGI application (``create_app``) routes each request to a handler in the module
responsible for it, and ``serve`` runs it under waitress, a pure-Python production
WSGI server that buffers slow clients itself, caps request bodies and headers, and
answers from a pool of threads, so that one slow query does not hold up the others.

Routes (the paths are part of the public interface; docs/serving.md lists them):

* ``/sparql``: the SPARQL 1.1 Protocol query endpoint (``kg.http.endpoint``); with no
  query, its Service Description.
* ``/update``: SPARQL 1.1 Update, refused (403) unless the server has an update token.
* ``/api/queries``, ``/api/queries/{name}``, ``/api/openapi.json``: the stored queries
  over HTTP and their OpenAPI 3 description (``kg.http.api``).
* ``/.well-known/void``, ``/catalog``: the dataset's VoID and DCAT-AP description
  (``kg.http.described``).
* ``/dist/<file>``: the release files of ``--dist DIR``, at their download URLs
  (``kg.http.downloads``).
* ``/``, ``/queries``, ``/query``: HTML start page, catalogue with a form per query,
  SPARQL query page; every other path is an entity IRI of the graph mapped onto the
  server: ``https://w3id.org/vn-kg/PATH`` is served at ``/PATH``, e.g. ``/id/body/x``
  (``kg.http.pages``).

Errors are one line of text (``application/json`` under ``/api``) with the status:
never a traceback or a file path. Unexpected exceptions are logged on the server and
answered 500 with a fixed message.
"""

from __future__ import annotations

import logging
import secrets
import signal
import threading
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from kg.http.context import SERVE_STORE, Handler, HttpError, ServerConfig
from kg.http.service import AppContext, SparqlService, request_began, server_policy

if TYPE_CHECKING:
    from rdflib import Dataset

    from kg.store import KgStore


log = logging.getLogger("kg.http.app")
access_log = logging.getLogger("kg.http.app.access")

#: Fixed limits of the HTTP layer (waitress), chosen here rather than left implicit.
MAX_HEADER_BYTES = 65_536  # request line and headers (more: 431)
IDLE_TIMEOUT = 30  # seconds a kept-alive connection may send nothing (then closed)
# ... or this long, once the connection limit is reached (``shed_idle``).
IDLE_UNDER_PRESSURE = 1.0
INBUF_OVERFLOW = 524_288  # bytes of a request body kept in memory (more: a temp file)
OUTBUF_OVERFLOW = 1_048_576  # bytes of an answer kept in memory (more: a temp file)
MAX_PARAMETERS = 1_000  # parameters in the URL, and fields of a form body (more: 400)


def _rules() -> tuple[Map, dict[str, Handler]]:
    from kg.http import api, described, downloads, endpoint
    from kg.http import pages as browse

    handlers: dict[str, Handler] = {
        "sparql": endpoint.handle_query,
        "update": endpoint.handle_update,
        "api_catalogue": api.handle_catalogue,
        "api_query": api.handle_query,
        "api_openapi": api.handle_openapi,
        "start": browse.handle_start,
        "catalogue": browse.handle_catalogue,
        "stored": browse.handle_stored,
        "query_page": browse.handle_query_page,
        "yasgui": browse.handle_yasgui_page,
        "static": browse.handle_static,
        "health": handle_health,
        "context": browse.handle_context,
        "void": described.handle_void,
        "dcat_catalog": described.handle_catalog,
        "download": downloads.handle_download,
        "entity": browse.handle_entity,
    }
    rules = Map(
        [
            Rule("/sparql", endpoint="sparql", methods=["GET", "POST", "HEAD"]),
            Rule("/update", endpoint="update", methods=["GET", "POST"]),
            Rule("/api/queries", endpoint="api_catalogue", methods=["GET", "HEAD"]),
            Rule("/api/queries/<name>", endpoint="api_query", methods=["GET", "POST", "HEAD"]),
            Rule("/api/openapi.json", endpoint="api_openapi", methods=["GET", "HEAD"]),
            Rule("/", endpoint="start", methods=["GET", "HEAD"]),
            Rule("/queries", endpoint="catalogue", methods=["GET", "HEAD"]),
            Rule("/queries/<name>", endpoint="stored", methods=["GET", "HEAD"]),
            Rule("/query", endpoint="query_page", methods=["GET", "HEAD"]),
            Rule("/yasgui", endpoint="yasgui", methods=["GET", "HEAD"]),
            Rule("/static/<path:name>", endpoint="static", methods=["GET", "HEAD"]),
            Rule("/health", endpoint="health", methods=["GET", "HEAD"]),
            Rule("/context.jsonld", endpoint="context", methods=["GET", "HEAD"]),
            Rule(described.VOID_PATH, endpoint="void", methods=["GET", "HEAD"]),
            Rule(described.CATALOG_PATH, endpoint="dcat_catalog", methods=["GET", "HEAD"]),
            Rule(downloads.DIST_PATH + "<path:name>", endpoint="download", methods=["GET", "HEAD"]),
            Rule("/<path:path>", endpoint="entity", methods=["GET", "HEAD"]),
        ],
        strict_slashes=False,
        merge_slashes=False,
    )
    return rules, handlers


def handle_health(ctx: AppContext, request: Request) -> Response:
    """Liveness for load balancers: 200 and the number of quads served."""
    return Response(f"ok {ctx.service.size()}\n", mimetype="text/plain")


def error_response(request: Request, status: int, message: str) -> Response:
    """The one shape of every error: a status and a one-line message."""
    message = " ".join(message.split())
    if request.path.startswith("/api/"):
        import json

        body = json.dumps({"status": status, "error": message}, ensure_ascii=False) + "\n"
        return Response(body, status=status, mimetype="application/json")
    return Response(f"{message}\n", status=status, mimetype="text/plain")


def _count_parameters(request: Request) -> None:
    """HttpError 400 past ``MAX_PARAMETERS`` in the URL or a form body (werkzeug caps
    only multipart forms); counted on the raw bytes, before anything is parsed."""
    where = {"URL": request.query_string}
    if request.mimetype == "application/x-www-form-urlencoded":
        where["form body"] = request.get_data(cache=True)
    for name, raw in where.items():
        if raw.count(b"&") >= MAX_PARAMETERS:
            raise HttpError(400, f"more than {MAX_PARAMETERS} parameters in the {name}")


class App:
    """The WSGI application."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.map, self.handlers = _rules()

    def close(self) -> None:
        """Stop the queries running and release the store (an Oxigraph folder's lock)."""
        self.ctx.service.close()

    def dispatch(self, request: Request) -> Response:
        from kg.core.errors import KgError

        config = self.ctx.config
        length = request.content_length
        if length is not None and length > config.max_body:
            return error_response(
                request, 413, f"request body over the limit of {config.max_body} bytes"
            )
        adapter = self.map.bind_to_environ(request.environ)
        try:
            _count_parameters(request)
            if request.method == "OPTIONS":
                # Which methods a path takes (and, with --cors-origin, the preflight).
                allowed = sorted(set(adapter.allowed_methods()) | {"OPTIONS"})
                if len(allowed) == 1:
                    raise NotFound()
                response = Response(status=204)
                response.headers["Allow"] = ", ".join(allowed)
            else:
                rule, values = adapter.match(return_rule=True)
                response = self.handlers[rule.endpoint](self.ctx, request, **values)
        except HttpError as exc:
            response = error_response(request, exc.status, exc.message)
            response.headers.update(exc.headers)
        except KgError as exc:
            # A bad parameter, query or input: the client's to fix (400), unless the
            # error says otherwise (kg.http.endpoint: a timeout is 503, the row cap 422).
            status = getattr(exc, "http_status", 400)
            response = error_response(request, status, str(exc))
            if status == 503:  # out of time, memory or workers: worth another try later
                response.headers["Retry-After"] = "10"
        except HTTPException as exc:
            response = error_response(request, exc.code or 500, exc.description or exc.name)
            if exc.code == 405 and exc.valid_methods:  # type: ignore[attr-defined]
                response.headers["Allow"] = ", ".join(exc.valid_methods)  # type: ignore[attr-defined]
        except Exception:
            incident = secrets.token_hex(4)
            log.exception("internal error %s on %s %s", incident, request.method, request.path)
            response = error_response(request, 500, f"internal error (incident {incident})")
        self._cors(request, response)
        return response

    def _cors(self, request: Request, response: Response) -> None:
        origins = self.ctx.config.cors_origins
        if not origins:
            return
        # With CORS on, the answer depends on Origin (its headers, or their absence): a
        # cache keyed without it would give one origin's answer to another, or to a
        # request without Origin.
        response.vary.add("Origin")
        origin = request.headers.get("Origin")
        if origin is None:
            return
        if "*" in origins:
            response.headers["Access-Control-Allow-Origin"] = "*"
        elif origin in origins:
            response.headers["Access-Control-Allow-Origin"] = origin
        else:
            return
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = "Accept, Content-Type"
            response.headers["Access-Control-Max-Age"] = "600"

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        started = time.monotonic()
        request = Request(environ)
        # The body cap holds for chunked bodies too (no Content-Length to check first).
        request.max_content_length = self.ctx.config.max_body
        with request_began(started):
            response = self.dispatch(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        # One line per request: never the query string (it may hold a query), a body
        # or a header (it may hold the token).
        access_log.info(
            "%s %s %d %.0fms",
            request.method,
            request.path,
            response.status_code,
            (time.monotonic() - started) * 1000,
        )
        return response(environ, start_response)


def create_app(config: ServerConfig | None = None, dataset: Dataset | None = None) -> App:
    """The WSGI application over ``dataset`` (an rdflib Dataset, held by the rdflib
    engine), or else over the store ``config.store`` names holding ``config.sources``."""
    from kg.sparql.catalogue import discover
    from kg.store import open_store

    config = config or ServerConfig()
    policy = server_policy(config)
    union = config.union_default_graph
    store: KgStore
    if dataset is not None:
        from kg.store.rdflib import RdflibStore, copy_of

        store = RdflibStore(copy_of(dataset), policy=policy, union_default=union)
    else:
        store = open_store(config.store or SERVE_STORE, policy=policy, union_default=union)
        store.load(list(config.sources) if config.sources else None)
    if config.isolate_queries:
        store = isolated(store, config)
    store.prepare([stored.text for stored in discover()])
    return App(AppContext(config, SparqlService(store, config)))


def isolated(store: KgStore, config: ServerConfig) -> KgStore:
    """``store`` with every query in a child process under the server's limits, as
    many at once as the server has threads."""
    from kg.store.isolated import IsolatedStore

    megabyte = 1_048_576
    return IsolatedStore(
        store,
        workers=config.threads,
        memory=config.query_memory * megabyte if config.query_memory else None,
        max_answer_bytes=config.max_answer * megabyte,
    )


#: Seconds the threads still answering get to finish once the server is told to stop.
STOP_GRACE = 3.0


def _waitress_classes(request_timeout: float) -> tuple[Any, Any]:
    """A waitress channel whose own errors (400, 413, 431, and 408 for a request not
    received in time) are one line of text like the application's, that refuses a
    request framed both by Content-Length and Transfer-Encoding, and a maintenance
    step that answers 408 to requests still arriving after ``request_timeout``."""
    from waitress.channel import HTTPChannel
    from waitress.parser import HTTPRequestParser, ParsingError
    from waitress.task import ErrorTask
    from waitress.utilities import BadRequest

    class SingleFramingParser(HTTPRequestParser):  # type: ignore[misc]
        """RFC 9112 §6.1: a request with both Content-Length and Transfer-Encoding
        may be a smuggling attempt (a proxy in front may frame it by the other header).
        waitress would go by Transfer-Encoding (HTTP/1.1) or Content-Length (1.0) and
        keep the connection; kg answers 400, and the error closes the connection, so
        nothing after it is read as another request."""

        def parse_header(self, header_plus: bytes) -> None:
            super().parse_header(header_plus)
            headers: Any = self.headers
            framed_by_encoding = self.chunked or "TRANSFER_ENCODING" in headers
            if framed_by_encoding and "CONTENT_LENGTH" in headers:
                raise ParsingError("both Content-Length and Transfer-Encoding")

    class RequestTimeout(BadRequest):  # type: ignore[misc]
        code = 408
        reason = "Request Timeout"

    class OneLineErrorTask(ErrorTask):  # type: ignore[misc]
        def execute(self) -> None:
            error: Any = self.request.error
            detail = " ".join(str(error.body).split())
            body = f"{error.reason}: {detail}\n".encode()
            self.status = f"{error.code} {error.reason}"
            self.response_headers.append(("Content-Type", "text/plain; charset=utf-8"))
            self.set_close_on_finish()
            self.content_length = len(body)
            self.write(body)

    class Channel(HTTPChannel):  # type: ignore[misc]
        error_task_class = OneLineErrorTask
        parser_class = SingleFramingParser
        request: Any  # the request being received (waitress's)
        request_began: float | None = None
        #: Set by the server (``_answer_health_inline``) while ``received`` runs: answer
        #: the request just received on this thread, not in the task queue.
        answer_inline = False

        def received(self, data: bytes) -> bool:
            current: Any = self.request
            if data and current is None:
                self.request_began = time.monotonic()
            self.answer_inline = False
            done: bool = super().received(data)
            current = self.request
            if current is None:  # every request received is complete
                self.request_began = None
            if self.answer_inline:
                self.answer_inline = False
                self.service()
            return done

        def time_out_request(self, now: float) -> None:
            """Called on the server's thread, as ``received``: a request that has been
            arriving for too long becomes a 408 answered by the task threads."""
            with self.requests_lock:
                request: Any = self.request
                began = self.request_began
                if request is None or began is None or now - began < request_timeout:
                    return
                if self.requests or self.will_close or self.close_when_flushed:
                    return
                request.error = RequestTimeout(
                    f"the request was not received within {request_timeout:g} s"
                )
                request.completed = True
                self.request = None
                self.request_began = None
                self.requests.append(request)
                self.server.add_task(self)

    return Channel, RequestTimeout


def _answer_health_inline(server: Any) -> None:
    """``GET /health`` is answered on the server's own thread as soon as it is received,
    not queued behind the requests waiting for a task thread: a load balancer sees a
    live server even while every thread waits for a query. Only when the connection has
    nothing else queued or unsent (the answer is a few bytes, written at once)."""
    queue = server.add_task

    def add_task(channel: Any) -> None:
        requests = channel.requests
        if (
            getattr(channel, "answer_inline", None) is False
            and threading.current_thread() is threading.main_thread()
            and len(requests) == 1
            and not requests[0].error
            and requests[0].command in ("GET", "HEAD")
            and requests[0].path == "/health"
            and channel.total_outbufs_len == 0
        ):
            channel.answer_inline = True  # Channel.received answers it, lock released
        else:
            queue(channel)

    server.add_task = add_task


def shed_idle(server: Any, now: float) -> None:
    """At the connection limit, close every connection idle (no request being answered
    or received) for ``IDLE_UNDER_PRESSURE`` seconds, so that new clients get in:
    otherwise connections that never send a byte would keep everyone out until
    ``IDLE_TIMEOUT``. ``now``: waitress's clock (``time.time``)."""
    if len(server._map) < server.adj.connection_limit:
        return
    for channel in list(server.active_channels.values()):
        busy = channel.requests or getattr(channel, "request", None) is not None
        if not busy and now - channel.last_activity >= IDLE_UNDER_PRESSURE:
            channel.will_close = True


def _waitress_server(waitress: Any, app: App, config: ServerConfig) -> Any:
    """The waitress server for ``app``, bound and listening (OSError if it cannot)."""
    return waitress.create_server(
        app,
        host=config.host,
        port=config.port,
        threads=config.threads,
        max_request_body_size=config.max_body,
        # Header floods: waitress answers 431 past this many bytes of headers.
        max_request_header_size=MAX_HEADER_BYTES,
        # An idle kept-alive connection is closed after this long (a request being
        # answered is not idle).
        channel_timeout=IDLE_TIMEOUT,
        # Connections past the limit wait in the listen backlog until one closes.
        connection_limit=config.connection_limit,
        inbuf_overflow=INBUF_OVERFLOW,
        outbuf_overflow=OUTBUF_OVERFLOW,
        # How often idle connections and slow requests are looked for (seconds).
        cleanup_interval=1,
        ident="kg",
        clear_untrusted_proxy_headers=True,
    )


def serve(config: ServerConfig, dataset: Dataset | None = None) -> None:
    """Load the data, then answer HTTP requests until SIGTERM or SIGINT (Ctrl-C).

    Logs ``listening on http://HOST:PORT/`` with the port actually bound (so ``--port
    0`` picks a free one and says which), one line per request, and ``stopped``.
    """
    import waitress

    from kg.core.errors import InputError

    app = create_app(config, dataset)
    try:
        server = _waitress_server(waitress, app, config)
    except OSError as exc:  # the address was free when kg serve checked it, then taken
        app.close()
        raise InputError(
            f"cannot listen on {config.host}:{config.port}: {exc.strerror or exc}"
        ) from None
    channel_class, _ = _waitress_classes(config.request_timeout)
    server.channel_class = channel_class
    idle_cleanup = server.maintenance

    def maintenance(now: float) -> None:
        idle_cleanup(now)
        shed_idle(server, now)
        moment = time.monotonic()
        for channel in list(server.active_channels.values()):
            if isinstance(channel, channel_class):
                channel.time_out_request(moment)

    server.maintenance = maintenance
    _answer_health_inline(server)
    listening = getattr(server, "effective_listen", None) or [
        (server.effective_host, server.effective_port)
    ]
    for host, port in listening:
        shown = f"[{host}]" if ":" in str(host) else host
        log.warning("kg serve: listening on http://%s:%s/", shown, port)

    # The handler only sets a flag and wakes the loop: an exception raised from it
    # would land wherever the main thread is, and waitress's handlers catch and log
    # exceptions (a SIGTERM during a write was swallowed that way).
    stopping = threading.Event()

    def stop(signum: int, frame: Any) -> None:
        stopping.set()
        server.pull_trigger()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        while not stopping.is_set():
            server.asyncore.loop(
                timeout=server.adj.asyncore_loop_timeout,
                map=server._map,
                use_poll=server.adj.asyncore_use_poll,
                count=1,
            )
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        # The queries first: the threads waiting for them then finish at once, and the
        # store's lock is free for a server started right after this one.
        app.close()
        server.task_dispatcher.shutdown(timeout=STOP_GRACE)
        server.close()
    log.warning("kg serve: stopped")
