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

from kg.io import formats
from kg.io.formats import Format
from kg.sparql.policy import DatasetSpec

if TYPE_CHECKING:
    from kg.http.service import AppContext


# -- the protocol -----------------------------------------------------------------------------


def content_type(fmt: Format) -> str:
    """The Content-Type of a protocol answer: the media type, with the charset where
    its registration defines one (text/*): the SPARQL results and RDF types are UTF-8
    by definition."""
    return fmt.content_type if fmt.media_type.startswith("text/") else fmt.media_type


def negotiate(request: Request, form: str) -> Format:
    """The format of the answer to a ``form`` query: ``format``/``output`` parameter
    first (a name, an alias or a media type), then the Accept header; HttpError 400 for
    a format name nobody knows, 406 when nothing acceptable can hold the answer."""
    from kg.http.context import HttpError

    offered = formats.formats_for(form)
    override = request.args.get("format") or request.args.get("output")
    if override is None and request.mimetype == "application/x-www-form-urlencoded":
        override = request.form.get("format") or request.form.get("output")
    if override:
        chosen = formats.by_name(override, offered)
        if chosen is not None:
            return chosen
        if "/" not in override and not formats.is_answer_format(override):
            raise HttpError(400, f"unknown format {override!r}")
        raise HttpError(406, f"format {override!r} cannot hold the answer to this {form} query")
    accepted = request.accept_mimetypes if request.headers.get("Accept", "").strip() else None
    chosen = formats.negotiate(accepted, offered)
    if chosen is None:
        allowed = ", ".join(sorted({m for f in offered for m in f.media_types}))
        raise HttpError(
            406, f"no accepted type can hold the answer to this {form} query (offered: {allowed})"
        )
    return chosen


def _one(values: list[str], name: str) -> str | None:
    from kg.http.context import HttpError

    if len(values) > 1:
        raise HttpError(400, f"more than one {name} parameter")
    return values[0] if values else None


#: The name rdflib gives a Dataset's default graph, which its SPARQLStore sends as
#: default-graph-uri when asked for the default graph: it means this server's own.
RDFLIB_DEFAULT_GRAPH = "urn:x-rdflib:default"


def _without_client_default(values: list[str]) -> list[str]:
    """``default-graph-uri`` values without rdflib's name for "the default graph":
    given alone, the query runs on the server's default graph, as if none were given."""
    return [value for value in values if value.strip() != RDFLIB_DEFAULT_GRAPH]


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
        # utf-8-sig: a byte-order mark is not part of the query or update.
        return request.get_data(cache=True).decode("utf-8-sig")
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
        _iris(_without_client_default(params.getlist("default-graph-uri")), "default-graph-uri"),
        _iris(params.getlist("named-graph-uri"), "named-graph-uri"),
    )
    timeout = _timeout(params)
    base = _base(ctx, request, "/sparql")
    service = ctx.service
    fmt = negotiate(request, service.form(text))
    key = "\x1f".join(
        [service.version(), text, fmt.name, repr(dataset), str(timeout), base]
    ).encode("utf-8")
    etag = hashlib.blake2b(key, digest_size=12).hexdigest()
    cache = "public, max-age=300" if ctx.config.update_token is None else "no-cache"
    if request.method in ("GET", "HEAD") and request.if_none_match.contains_weak(etag):
        response = Response(status=304)
    else:
        from kg.sparql.results import serialise

        result = service.run(text, timeout=timeout, dataset=dataset, base=base)
        response = Response(serialise(result, fmt), content_type=content_type(fmt))
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
        _iris(_without_client_default(params.getlist("using-graph-uri")), "using-graph-uri"),
        _iris(params.getlist("using-named-graph-uri"), "using-named-graph-uri"),
    )
    ctx.service.update(
        text, using=using, base=_base(ctx, request, "/update"), timeout=_timeout(params)
    )
    return Response(status=204)


# -- the Service Description --------------------------------------------------------------

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS_NS = formats.W3C_FORMATS
VOID = "http://rdfs.org/ns/void#"


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
    # Where the dataset served is described: its VoID (which names this endpoint as its
    # void:sparqlEndpoint) and its DCAT-AP catalogue (kg.http.described).
    from rdflib import RDFS

    from kg.http.described import CATALOG_PATH, VOID_PATH

    site = endpoint.rsplit("/", 1)[0]
    for path in (VOID_PATH, CATALOG_PATH):
        graph.add((service, RDFS.seeAlso, URIRef(site + path)))
    for iri in result_formats():
        graph.add((service, sd.resultFormat, URIRef(iri)))
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
    graph.add((dataset, RDFS.seeAlso, URIRef(site + VOID_PATH)))
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


def result_formats() -> list[str]:
    """The W3C IRIs of the formats the endpoint answers queries in, whatever their form."""
    found = (f for form in ("SELECT", "ASK", "CONSTRUCT") for f in formats.formats_for(form))
    return list(dict.fromkeys(f.w3c_iri for f in found if f.w3c_iri))


def service_description(ctx: AppContext, request: Request) -> Response:
    """The Service Description by content negotiation; a browser (text/html first) is
    sent to the HTML query page (303)."""
    from kg.http.context import HttpError

    rdf = formats.formats_for("CONSTRUCT")
    html = formats.formats_for("CONSTRUCT", formats.Audience.BROWSER)[0]
    accepted = request.accept_mimetypes if request.headers.get("Accept", "").strip() else None
    fmt = formats.negotiate(accepted, (*rdf, html))
    if fmt is None:
        served = ", ".join(f.label for f in rdf[:-1]) + f" or {rdf[-1].label}"
        raise HttpError(406, f"the service description is served as {served}")
    if fmt is html:
        response = Response(status=303)
        response.headers["Location"] = "/query"
        response.vary.add("Accept")
        return response
    graph = description(ctx, _base(ctx, request, "/sparql"))
    # Written by rdflib with the description's own prefixes (sd:, void:, formats:), which
    # the deterministic writers of kg.io.serialise do not know.
    if fmt.name == "json-ld":
        from kg.io.serialise import jsonld_context

        context = {
            **jsonld_context()["@context"],
            "sd": SD,
            "void": VOID,
            "formats": FORMATS_NS,
        }
        text = graph.serialize(format="json-ld", context=context, auto_compact=True)
    else:
        text = graph.serialize(format="pretty-xml" if fmt.name == "xml" else fmt.name)
    response = Response(text.encode("utf-8"), content_type=content_type(fmt))
    response.vary.add("Accept")
    return response
