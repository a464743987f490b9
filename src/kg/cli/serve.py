"""``kg serve``: a thin layer over ``kg.http.app.serve``; imports only click until run."""

from __future__ import annotations

import os
import re
from pathlib import Path

import click

from kg.cli.options import data_option, store_option, union_default_option

# The defaults live in kg.http.app; they are repeated here only so that --help can show
# them without importing werkzeug (a test checks that the two agree).
DEFAULT_PORT = 8000
DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_ROWS = 10_000
DEFAULT_MAX_BODY = 1_048_576
DEFAULT_THREADS = 8
DEFAULT_CACHE_SIZE = 512
DEFAULT_REQUEST_TIMEOUT = 30.0
DEFAULT_CONNECTION_LIMIT = 100
DEFAULT_QUERY_MEMORY = 1024
DEFAULT_CACHE_MEMORY = 64
DEFAULT_MAX_ANSWER = 256


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=DEFAULT_PORT,
    show_default=True,
    help="Port to listen on.",
)
@data_option
@store_option
@click.option(
    "--update-token-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Accept SPARQL Update with 'Authorization: Bearer <token>', the token read from "
    "this file (or from $KG_UPDATE_TOKEN). Without either, the server is read-only.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=DEFAULT_TIMEOUT,
    show_default=True,
    metavar="SECONDS",
    help="Time limit of one query.",
)
@click.option(
    "--max-rows",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_ROWS,
    show_default=True,
    help="Most rows (or triples) an answer may hold; a larger answer is an error.",
)
@click.option(
    "--max-body",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_BODY,
    show_default=True,
    metavar="BYTES",
    help="Largest request body accepted (larger: 413).",
)
@click.option(
    "--threads",
    type=click.IntRange(min=1),
    default=DEFAULT_THREADS,
    show_default=True,
    help="Requests answered at the same time.",
)
@click.option(
    "--request-timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=DEFAULT_REQUEST_TIMEOUT,
    show_default=True,
    metavar="SECONDS",
    help="Time a client has to send a whole request, headers and body, from its first "
    "byte (slower: 408 and disconnected).",
)
@click.option(
    "--connection-limit",
    type=click.IntRange(min=1),
    default=DEFAULT_CONNECTION_LIMIT,
    show_default=True,
    help="Connections open at once; more wait to be accepted.",
)
@click.option(
    "--cache-size",
    type=click.IntRange(min=0),
    default=DEFAULT_CACHE_SIZE,
    show_default=True,
    help="Answers to repeated queries kept until the data changes (0: no cache).",
)
@click.option(
    "--cache-memory",
    type=click.IntRange(min=0),
    default=DEFAULT_CACHE_MEMORY,
    show_default=True,
    metavar="MB",
    help="Memory the cached answers may hold; the least recently used go first (0: no cache).",
)
@click.option(
    "--query-memory",
    type=click.IntRange(min=0),
    default=DEFAULT_QUERY_MEMORY,
    show_default=True,
    metavar="MB",
    help="Memory one query may use above what the server holds (over it: 503); 0: no limit.",
)
@click.option(
    "--max-answer",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_ANSWER,
    show_default=True,
    metavar="MB",
    help="Largest answer a query may produce, before it is written in a format (over it: 422).",
)
@click.option("--allow-service", is_flag=True, help="Let queries call other endpoints (SERVICE).")
@click.option(
    "--allow-remote-from",
    is_flag=True,
    help="Let FROM / FROM NAMED fetch graphs that are not in the store.",
)
@click.option(
    "--cors-origin",
    "cors_origins",
    multiple=True,
    metavar="ORIGIN",
    help="Answer cross-origin requests from ORIGIN (repeatable; * for any). Default: none.",
)
@union_default_option
@click.option(
    "--public-url",
    default=None,
    metavar="URL",
    help="The URL the server is reached at from outside (behind a proxy), for links.",
)
@click.option(
    "--dist",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    metavar="DIR",
    help="Serve the release files of DIR (written by kg build -d DIR) at /dist/, their "
    "download URLs. Default: none (/dist/ answers 404).",
)
def serve(
    host: str,
    port: int,
    sources: tuple[str, ...],
    store: str | None,
    update_token_file: Path | None,
    timeout: float,
    max_rows: int,
    max_body: int,
    threads: int,
    request_timeout: float,
    connection_limit: int,
    cache_size: int,
    cache_memory: int,
    query_memory: int,
    max_answer: int,
    allow_service: bool,
    allow_remote_from: bool,
    cors_origins: tuple[str, ...],
    union_default_graph: bool,
    public_url: str | None,
    dist: Path | None,
) -> None:
    """Serve the graph over HTTP: a SPARQL 1.1 endpoint (/sparql), the stored queries
    (/api/queries, described at /api/openapi.json) and a page for every entity IRI.

    Read-only unless an update token is given. Each query runs in a process of its own,
    stopped at the time limit or the memory limit, under a row cap. Stop it with Ctrl-C
    or SIGTERM.
    """
    import logging
    import sys

    from kg.core.errors import InputError
    from kg.http.app import serve as run_server
    from kg.http.context import ServerConfig, check_update_token

    token = os.environ.get("KG_UPDATE_TOKEN") or None
    if update_token_file is not None:
        try:
            token = update_token_file.read_text(encoding="utf-8-sig").strip() or None
        except UnicodeDecodeError:
            raise InputError("the update token file is not UTF-8", update_token_file) from None
        if token is None:
            raise InputError("the update token file is empty", update_token_file)
    if token is not None:
        try:
            check_update_token(token)
        except InputError as exc:
            exc.path = str(update_token_file) if update_token_file else "$KG_UPDATE_TOKEN"
            raise
    config = ServerConfig(
        host=host,
        port=port,
        sources=tuple(Path(s) for s in sources) or None,
        store=store,
        update_token=token,
        timeout=timeout,
        max_rows=max_rows,
        max_body=max_body,
        allow_service=allow_service,
        allow_remote_from=allow_remote_from,
        cors_origins=cors_origins,
        union_default_graph=union_default_graph,
        threads=threads,
        cache_size=cache_size,
        cache_memory=cache_memory,
        query_memory=query_memory,
        max_answer=max_answer,
        public_url=public_url,
        request_timeout=request_timeout,
        connection_limit=connection_limit,
        dist=dist.resolve() if dist is not None else None,
    )
    # Logs go to standard error: "listening on http://HOST:PORT/" (the port actually
    # bound, for --port 0), then one line per request (method, path, status, time).
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    for name in ("kg.http.app", "kg.http.app.access"):
        logging.getLogger(name).setLevel(logging.INFO)
    # kg.internal: internal errors with their tracebacks (kg.core.errors.internal_error).
    for name in ("kg.http.app", "kg.internal"):
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.propagate = False
    check_address(host, port)
    run_server(config)


# A host name as RFC 1123 spells one: dot-separated labels of letters, digits and
# hyphens, neither starting nor ending with a hyphen.
_HOST_NAME = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*\.?")


def check_address(host: str, port: int) -> None:
    """InputError unless ``kg serve`` can listen on ``host``:``port``, found before the
    data loads (which can take minutes) rather than after: a host that is neither an
    IP address nor a host name (``999.1.1.1``, ``not a host``), one that does not
    resolve or is not an address of this machine, a port in use or reserved. The
    sockets bound to check are closed at once (waitress binds its own)."""
    import errno
    import ipaddress
    import socket

    from kg.core.errors import InputError

    try:
        ipaddress.ip_address(host)
    except ValueError:
        looks_numeric = all(label.isdigit() for label in host.rstrip(".").split("."))
        if looks_numeric or len(host) > 253 or not _HOST_NAME.fullmatch(host):
            raise InputError(f"--host {host!r}: not an IP address or a host name") from None
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (OSError, UnicodeError) as exc:
        why = getattr(exc, "strerror", None) or str(exc)
        raise InputError(f"--host {host}: cannot resolve it ({why})") from None
    for family, kind, protocol, _, address in dict.fromkeys(found):
        with socket.socket(family, kind, protocol) as probe:
            # As waitress does: a port whose last connections are in TIME_WAIT is free.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(address)
            except OSError as exc:
                where = f"{host} port {port}"
                if exc.errno == errno.EADDRINUSE:
                    raise InputError(
                        f"cannot listen on {where}: the port is in use (another server? "
                        "choose another with --port, or --port 0 for any free one)"
                    ) from None
                if exc.errno == errno.EADDRNOTAVAIL:
                    raise InputError(
                        f"cannot listen on {where}: {address[0]} is not an address of this machine"
                    ) from None
                if exc.errno == errno.EACCES:
                    raise InputError(
                        f"cannot listen on {where}: permission denied (ports below 1024 "
                        "need privileges)"
                    ) from None
                raise InputError(f"cannot listen on {where}: {exc.strerror or exc}") from None


def register(group: click.Group) -> None:
    group.add_command(serve)
