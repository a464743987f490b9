"""The SPARQL 1.1 Protocol endpoint of ``kg serve``: ``/sparql`` (queries, and with
no query the Service Description) and ``/update``.

The endpoint reads the protocol (GET, POST form, POST body; ``default-graph-uri``,
``named-graph-uri``, ``using-graph-uri``, ``using-named-graph-uri``; ``timeout``),
negotiates the answer's format and runs the query through ``SparqlService``
(``kg.http.service``), which applies the server's policy and limits on the store.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from rdflib import Graph, Literal, URIRef
from werkzeug.wrappers import Request, Response

from kg.sparql.policy import DatasetSpec

if TYPE_CHECKING:
    from kg.http.context import AppContext
    from kg.sparql.results import Result


# -- the protocol -----------------------------------------------------------------------------

_RESULT_TYPES = {
    # format -> media type of the answer
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv; charset=utf-8",
    "tsv": "text/tab-separated-values; charset=utf-8",
    "turtle": "text/turtle; charset=utf-8",
    "nt": "application/n-triples",
    "json-ld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
}
# What a client may ask for, in the server's order of preference (first: the default).
_ACCEPT = {
    "SELECT": [
        ("application/sparql-results+json", "json"),
        ("application/sparql-results+xml", "xml"),
        ("text/csv", "csv"),
        ("text/tab-separated-values", "tsv"),
        ("application/json", "json"),
        ("application/xml", "xml"),
        ("text/xml", "xml"),
    ],
    "ASK": [
        ("application/sparql-results+json", "json"),
        ("application/sparql-results+xml", "xml"),
        ("application/json", "json"),
        ("application/xml", "xml"),
        ("text/xml", "xml"),
    ],
    "GRAPH": [
        ("text/turtle", "turtle"),
        ("application/n-triples", "nt"),
        ("application/ld+json", "json-ld"),
        ("application/rdf+xml", "rdfxml"),
        ("application/x-turtle", "turtle"),
        ("text/plain", "nt"),
        ("application/json", "json-ld"),
        ("application/xml", "rdfxml"),
    ],
}
# ?format= / ?output= names (Fuseki, WDQS, SPARQLWrapper), per kind of answer.
_NAMES_RESULTS = {"json": "json", "xml": "xml", "csv": "csv", "tsv": "tsv"}
_NAMES_GRAPH = {
    "turtle": "turtle",
    "ttl": "turtle",
    "n3": "turtle",
    "nt": "nt",
    "ntriples": "nt",
    "n-triples": "nt",
    "json-ld": "json-ld",
    "jsonld": "json-ld",
    "json": "json-ld",
    "xml": "rdfxml",
    "rdf": "rdfxml",
    "rdf+xml": "rdfxml",
    "rdfxml": "rdfxml",
}
_KNOWN_NAMES = set(_NAMES_RESULTS) | set(_NAMES_GRAPH)


def _kind(form: str) -> str:
    return form if form in ("SELECT", "ASK") else "GRAPH"


def negotiate(request: Request, form: str) -> str:
    """The format of the answer to a ``form`` query: ``format``/``output`` parameter
    first, then the Accept header; HttpError 406 when nothing acceptable can hold it."""
    from kg.http.context import HttpError

    kind = _kind(form)
    offered = _ACCEPT[kind]
    override = request.args.get("format") or request.args.get("output")
    if override is None and request.mimetype == "application/x-www-form-urlencoded":
        override = request.form.get("format") or request.form.get("output")
    if override:
        name = override.strip().lower()
        if "/" in name:
            for media, fmt in offered:
                if media == name.split(";")[0].strip():
                    return fmt
        else:
            table = _NAMES_GRAPH if kind == "GRAPH" else _NAMES_RESULTS
            if name in table and (kind != "ASK" or table[name] in ("json", "xml")):
                return table[name]
            if name not in _KNOWN_NAMES:
                raise HttpError(400, f"unknown format {override!r}")
        raise HttpError(406, f"format {override!r} cannot hold the answer to this {form} query")
    if not request.headers.get("Accept", "").strip():
        return offered[0][1]
    best = request.accept_mimetypes.best_match([media for media, _ in offered])
    if best is None:
        allowed = ", ".join(sorted({m for m, _ in offered}))
        raise HttpError(
            406, f"no accepted type can hold the answer to this {form} query (offered: {allowed})"
        )
    return dict(offered)[best]


def serialise(result: Result, fmt: str) -> bytes:
    """``result`` in ``fmt`` (a key of ``_RESULT_TYPES``)."""
    from kg.sparql import results

    if result.graph is not None or result.form in ("CONSTRUCT", "DESCRIBE"):
        graph = result.graph if result.graph is not None else Graph()
        if fmt == "json-ld":
            # The project's context, embedded: never a remote @context.
            return results.serialise(results.Result(result.form, graph=graph), "json-ld")
        from kg.io.serialise import export_graph

        return export_graph(graph, {"rdfxml": "xml"}.get(fmt, fmt))
    return results.serialise(result, fmt)


def _one(values: list[str], name: str) -> str | None:
    from kg.http.context import HttpError

    if len(values) > 1:
        raise HttpError(400, f"more than one {name} parameter")
    return values[0] if values else None


def _iris(values: list[str], name: str) -> tuple[str, ...]:
    from kg.core.errors import KgError
    from kg.http.context import HttpError
    from kg.sparql.catalogue import check_iri

    out = []
    for value in values:
        try:
            out.append(check_iri(value.strip(), f"{name} {value[:60]!r}"))
        except KgError as exc:
            raise HttpError(400, exc.message) from None
    return tuple(out)


def _body_text(request: Request, what: str) -> str:
    from kg.http.context import HttpError

    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise HttpError(415, f"the {what} must be UTF-8 (got charset={charset})")
    try:
        return request.get_data(cache=True).decode("utf-8")
    except UnicodeDecodeError:
        raise HttpError(400, f"the {what} is not valid UTF-8") from None


def _operation(request: Request, kind: str) -> tuple[str | None, Any]:
    """The query (or update) text and the parameters of a protocol request:
    GET (``?query=``), POST form-encoded, or POST direct (``application/sparql-query``
    / ``application/sparql-update``)."""
    from kg.http.context import HttpError

    direct = "application/sparql-query" if kind == "query" else "application/sparql-update"
    params = request.args
    if request.method in ("GET", "HEAD"):
        return _one(params.getlist(kind), kind), params
    mimetype = request.mimetype
    if mimetype == "application/x-www-form-urlencoded":
        from werkzeug.datastructures import CombinedMultiDict

        combined = CombinedMultiDict([request.args, request.form])
        return _one(combined.getlist(kind), kind), combined
    if mimetype == direct:
        if kind in params:
            raise HttpError(400, f"a {kind} both in the URL and in the body")
        return _body_text(request, kind), params
    if not mimetype:
        raise HttpError(
            415,
            f"a POST needs Content-Type application/x-www-form-urlencoded or {direct}",
        )
    raise HttpError(
        415,
        f"unsupported Content-Type {mimetype}: use application/x-www-form-urlencoded or {direct}",
    )


def _base(ctx: AppContext, request: Request, path: str) -> str:
    root = ctx.config.public_url or request.host_url
    return root.rstrip("/") + path


def _timeout(params: Any) -> float | None:
    from kg.http.context import HttpError

    raw = params.get("timeout")
    if raw is None or raw == "":
        return None
    try:
        seconds = float(raw)
    except ValueError:
        raise HttpError(400, f"timeout {raw[:20]!r} is not a number of seconds") from None
    if not seconds > 0:
        raise HttpError(400, "timeout must be positive")
    return seconds


def handle_query(ctx: AppContext, request: Request) -> Response:
    """SPARQL 1.1 Protocol query operation (GET, POST form, POST direct); with no
    query, the Service Description."""
    from kg.http.context import HttpError

    text, params = _operation(request, "query")
    if text is None:
        if "update" in params:
            raise HttpError(400, "updates go to /update (POST), not /sparql")
        if request.method == "POST":
            raise HttpError(
                400, "no query: send query=... or a body of type application/sparql-query"
            )
        return service_description(ctx, request)
    dataset = DatasetSpec(
        _iris(params.getlist("default-graph-uri"), "default-graph-uri"),
        _iris(params.getlist("named-graph-uri"), "named-graph-uri"),
    )
    timeout = _timeout(params)
    base = _base(ctx, request, "/sparql")
    service = ctx.service
    verdict = service.check(text, dataset)
    fmt = negotiate(request, verdict.form)
    key = "\x1f".join([service.version(), text, fmt, repr(dataset), str(timeout), base]).encode(
        "utf-8"
    )
    etag = hashlib.blake2b(key, digest_size=12).hexdigest()
    cache = "public, max-age=300" if ctx.config.update_token is None else "no-cache"
    if request.method in ("GET", "HEAD") and request.if_none_match.contains_weak(etag):
        response = Response(status=304)
    else:
        result = service.run(text, timeout=timeout, dataset=dataset, base=base)
        response = Response(serialise(result, fmt), content_type=_RESULT_TYPES[fmt])
    response.set_etag(etag, weak=True)
    response.headers["Cache-Control"] = cache
    response.vary.add("Accept")
    return response


def handle_update(ctx: AppContext, request: Request) -> Response:
    """SPARQL 1.1 Protocol update operation: 403 unless the server has an update token,
    then 401 (``WWW-Authenticate: Bearer``) without ``Authorization: Bearer <token>``."""
    from kg.http.context import HttpError

    if ctx.config.update_token is None:
        raise HttpError(403, "this server is read-only: updates are disabled")
    if request.method != "POST":
        raise HttpError(405, "updates are sent with POST", {"Allow": "POST"})
    if not ctx.service.check_token(request.headers.get("Authorization")):
        raise HttpError(
            401,
            "an update needs 'Authorization: Bearer <token>' with the server's token",
            {"WWW-Authenticate": 'Bearer realm="kg"'},
        )
    text, params = _operation(request, "update")
    if text is None:
        raise HttpError(
            400, "no update: send update=... or a body of type application/sparql-update"
        )
    using = DatasetSpec(
        _iris(params.getlist("using-graph-uri"), "using-graph-uri"),
        _iris(params.getlist("using-named-graph-uri"), "using-named-graph-uri"),
    )
    ctx.service.update(
        text, using=using, base=_base(ctx, request, "/update"), timeout=_timeout(params)
    )
    return Response(status=204)


# -- the Service Description --------------------------------------------------------------

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS_NS = "http://www.w3.org/ns/formats/"
VOID = "http://rdfs.org/ns/void#"
_SD_FORMATS = (
    "SPARQL_Results_JSON",
    "SPARQL_Results_XML",
    "SPARQL_Results_CSV",
    "SPARQL_Results_TSV",
    "Turtle",
    "N-Triples",
    "JSON-LD",
    "RDF_XML",
)
_SD_TYPES = [
    ("text/turtle", "turtle"),
    ("application/ld+json", "json-ld"),
    ("application/rdf+xml", "rdfxml"),
    ("application/n-triples", "nt"),
    ("application/x-turtle", "turtle"),
    ("text/plain", "nt"),
    ("application/json", "json-ld"),
    ("application/xml", "rdfxml"),
    ("text/html", "html"),
]


def description(ctx: AppContext, endpoint: str) -> Graph:
    """The SPARQL 1.1 Service Description of the endpoint at ``endpoint``."""
    from rdflib import RDF, Namespace

    from kg.core.namespaces import bind_all

    sd = Namespace(SD)
    void = Namespace(VOID)
    graph = Graph()
    bind_all(graph)
    graph.bind("sd", sd)
    graph.bind("void", void)
    graph.bind("formats", FORMATS_NS)
    service = URIRef(endpoint)
    graph.add((service, RDF.type, sd.Service))
    graph.add((service, sd.endpoint, service))
    graph.add((service, sd.supportedLanguage, sd.SPARQL11Query))
    for name in _SD_FORMATS:
        graph.add((service, sd.resultFormat, URIRef(FORMATS_NS + name)))
    if ctx.config.union_default_graph:
        graph.add((service, sd.feature, sd.UnionDefaultGraph))
    if ctx.config.allow_service:
        graph.add((service, sd.feature, sd.BasicFederatedQuery))
    graph.add(
        (
            service,
            sd.defaultEntailmentRegime,
            URIRef("http://www.w3.org/ns/entailment/Simple"),
        )
    )
    if ctx.config.update_token is not None:
        update = URIRef(endpoint.rsplit("/", 1)[0] + "/update")
        graph.add((update, RDF.type, sd.Service))
        graph.add((update, sd.endpoint, update))
        graph.add((update, sd.supportedLanguage, sd.SPARQL11Update))
    default_size, named = ctx.service.graph_sizes()
    dataset = URIRef(endpoint + "#dataset")
    graph.add((service, sd.defaultDataset, dataset))
    graph.add((dataset, RDF.type, sd.Dataset))
    default = URIRef(endpoint + "#default-graph")
    graph.add((dataset, sd.defaultGraph, default))
    graph.add((default, RDF.type, sd.Graph))
    graph.add((default, void.triples, Literal(default_size)))
    for index, (name, size) in enumerate(named, 1):
        node = URIRef(f"{endpoint}#named-graph-{index}")
        described = URIRef(f"{endpoint}#graph-{index}")
        graph.add((dataset, sd.namedGraph, node))
        graph.add((node, RDF.type, sd.NamedGraph))
        graph.add((node, sd.name, URIRef(name)))
        graph.add((node, sd.graph, described))
        graph.add((described, RDF.type, sd.Graph))
        graph.add((described, void.triples, Literal(size)))
    return graph


def service_description(ctx: AppContext, request: Request) -> Response:
    """The Service Description by content negotiation; a browser (text/html first) is
    sent to the HTML query page (303)."""
    from kg.http.context import HttpError

    fmt = "turtle"
    if request.headers.get("Accept", "").strip():
        best = request.accept_mimetypes.best_match([media for media, _ in _SD_TYPES])
        if best is None:
            raise HttpError(
                406, "the service description is served as Turtle, JSON-LD, RDF/XML or N-Triples"
            )
        fmt = dict(_SD_TYPES)[best]
    if fmt == "html":
        response = Response(status=303)
        response.headers["Location"] = "/query"
        response.vary.add("Accept")
        return response
    graph = description(ctx, _base(ctx, request, "/sparql"))
    if fmt == "json-ld":
        from kg.io.serialise import jsonld_context

        context = {
            **jsonld_context()["@context"],
            "sd": SD,
            "void": VOID,
            "formats": FORMATS_NS,
        }
        text = graph.serialize(format="json-ld", context=context, auto_compact=True)
    else:
        text = graph.serialize(format={"rdfxml": "pretty-xml"}.get(fmt, fmt))
    response = Response(text.encode("utf-8"), content_type=_RESULT_TYPES[fmt])
    response.vary.add("Accept")
    return response
