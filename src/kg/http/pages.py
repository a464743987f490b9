"""HTML for people: the start page, the catalogue with a form per stored query, the
SPARQL query page, and a page for every entity IRI of the graph mapped onto the server
(with Turtle, JSON-LD and N-Triples for the same IRI by content negotiation).

One module because every page shares one small HTML vocabulary (escaping, links to
entities, term cells, the results table) and one cache; the pages are short, and a
split would scatter the escaping rules that keep them safe.

How IRIs map onto the server: an IRI ``https://w3id.org/vn-kg/PATH`` is served at
``/PATH`` (``…/id/body/huyen-uy-nam-truc`` at ``/id/body/huyen-uy-nam-truc``). A browser
never sends the fragment of a ``#`` IRI, so ``…/PATH#frag`` is served on the page of
``…/PATH``, in an element whose ``id`` is ``frag``: ``kgo:PartyBody`` is
``/ontology#PartyBody`` on the ontology page, an annotation's ``#target``, ``#quote`` and
``#position`` are sections of the annotation's page. The RDF description of ``/PATH``
holds the triples of ``…/PATH`` and of its ``#`` IRIs.

Every page is built from ``ctx.service.run`` answers (under the server's limits), with
every value HTML-escaped, and links only to pages of this server or to ``http(s)`` IRIs.
No script, stylesheet or font comes from elsewhere: ``/static/kg.css`` is in the package,
and so is the one script, the YASGUI editor of ``/yasgui`` (``static/yasgui/``).
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias, cast
from urllib.parse import quote, urlencode

from werkzeug.wrappers import Request, Response

from kg.core.errors import KgError
from kg.core.namespaces import BASE, GAZETTEER_GRAPHS, KINDS, ONTOLOGY_IRI
from kg.http import api
from kg.io import formats
from kg.io.formats import Format

if TYPE_CHECKING:
    from rdflib.term import Identifier, Node

    from kg.http.service import AppContext
    from kg.sparql.results import Result

STATIC_DIR = Path(__file__).resolve().parent / "static"
_STATIC_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".js": "text/javascript; charset=utf-8",
}

#: What an entity's IRI answers: its page first (for a browser), then its description.
ENTITY_FORMATS = formats.formats_for("DESCRIBE", formats.Audience.BROWSER)
HTML = ENTITY_FORMATS[0]
GRAPH_FORMATS = formats.formats_for("DESCRIBE")

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDFS = "http://www.w3.org/2000/01/rdf-schema#"
_SKOS = "http://www.w3.org/2004/02/skos/core#"
RDF_TYPE = _RDF + "type"
LABELS = (_RDFS + "label", _SKOS + "prefLabel")
DEFINITION = _SKOS + "definition"
_KGO = BASE + "ontology#"

# Readable names of the standard properties whose local name alone reads badly.
_PROPERTY_NAMES = {
    RDF_TYPE: "type",
    _RDFS + "label": "label",
    _SKOS + "prefLabel": "preferred label",
    _SKOS + "altLabel": "alternative label",
    _RDFS + "subClassOf": "subclass of",
    _RDFS + "subPropertyOf": "subproperty of",
    "http://www.w3.org/2002/07/owl#sameAs": "same as",
    "http://www.w3.org/ns/oa#hasBody": "body (what it is evidence for)",
    "http://www.w3.org/ns/oa#hasTarget": "target (where the words are)",
}

_PREFIXES = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX dct: <http://purl.org/dc/terms/>
"""

# Outgoing triples of ?s, with the labels of their objects (one row per label).
Q_OUT = (
    _PREFIXES
    + """SELECT ?g ?p ?o ?label WHERE {
    GRAPH ?g { ?s ?p ?o }
    OPTIONAL { GRAPH ?lg { ?o rdfs:label|skos:prefLabel ?label } }
}"""
)
# Incoming triples of ?o, with the labels of their subjects.
Q_IN = (
    _PREFIXES
    + """SELECT ?g ?s ?p ?label WHERE {
    GRAPH ?g { ?s ?p ?o }
    OPTIONAL { GRAPH ?lg { ?s rdfs:label|skos:prefLabel ?label } }
}"""
)
# The labels of the properties used (from the ontology, where it has them).
Q_LABEL = _PREFIXES + "SELECT ?label WHERE { GRAPH ?g { ?x rdfs:label|skos:prefLabel ?label } }"
# Evidence: the annotations whose body is ?body (or the annotation ?annotation itself).
Q_EVIDENCE = (
    _PREFIXES
    + """SELECT ?annotation ?body ?g ?source ?article ?articleLabel
    ?exact ?prefix ?suffix ?start ?end
WHERE {
    GRAPH ?g {
        ?annotation oa:hasBody ?body ; oa:hasTarget ?target .
        ?target oa:hasSource ?source ; oa:hasSelector ?quote .
        ?quote a oa:TextQuoteSelector ; oa:exact ?exact .
        OPTIONAL { ?quote oa:prefix ?prefix }
        OPTIONAL { ?quote oa:suffix ?suffix }
        OPTIONAL {
            ?target oa:hasSelector ?position .
            ?position a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end .
        }
        OPTIONAL { ?source dct:isFormatOf ?article }
    }
    OPTIONAL {
        GRAPH ?ag { ?article rdfs:label ?articleLabel }
        FILTER (LANG(?articleLabel) = "vi")
    }
}
ORDER BY ?start ?annotation"""
)
# Every subject of one named graph (the ontology page, a graph's page).
Q_GRAPH_SUBJECTS = "SELECT DISTINCT ?s WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?s"
Q_GRAPH_SIZE = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
Q_GRAPHS = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"
# Entities whose IRI starts with ?start (the listing of one kind).
Q_KIND = (
    _PREFIXES
    + """SELECT DISTINCT ?s WHERE {
    GRAPH ?g { ?s ?p ?o }
    FILTER (STRSTARTS(STR(?s), ?start))
} ORDER BY ?s"""
)

_TITLE_VI = "Đồ thị tri thức về tổ chức Đảng và hành chính công Việt Nam"

_EXAMPLE_QUERY = """# The project prefixes (kgo:, body:, rdfs: ...) need no PREFIX lines.
# Every triple is in a named graph: match with GRAPH ?g { ... }.
SELECT ?body ?label WHERE {
  GRAPH ?g { ?body a org:Organization ; rdfs:label ?label . }
  FILTER (LANG(?label) = "vi")
}
ORDER BY ?label
LIMIT 20
"""


# -- HTML helpers ----------------------------------------------------------------------


def esc(value: object) -> str:
    return escape(str(value), quote=True)


def local_path(request: Request, iri: str) -> str | None:
    """The path of ``iri`` on this server, if it is under BASE."""
    if not iri.startswith(BASE):
        return None
    rest = iri[len(BASE) :]
    path, _, fragment = rest.partition("#")
    url = request.script_root + "/" + quote(path, safe="/:@!$&'()*+,;=-._~")
    if fragment:
        url += "#" + quote(fragment, safe="/:@!$&'()*+,;=-._~?")
    return url


def href_for(request: Request, iri: str) -> str | None:
    """Where a link to ``iri`` goes: its page here, the IRI itself if it is http(s),
    else nowhere (no ``javascript:`` or ``data:`` link ever comes out of the data)."""
    here = local_path(request, iri)
    if here is not None:
        return here
    if re.match(r"^https?://", iri, re.IGNORECASE):
        return iri
    return None


def short(iri: str) -> str:
    from kg.core.terms import short_name

    return short_name(iri)


def _words(local: str) -> str:
    local = local.replace("_", " ").replace("-", " ")
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", local).lower()


def property_name(iri: str, labels: Mapping[str, str]) -> str:
    """A readable name of a property: its English label in the graph, a known name, or
    its local name in words."""
    if labels.get("en"):
        return labels["en"]
    if iri in _PROPERTY_NAMES:
        return _PROPERTY_NAMES[iri]
    local = re.split(r"[#/]", iri)[-1]
    return _words(local) or iri


def page(
    request: Request,
    title: str,
    body: str,
    *,
    lang: str = "en",
    status: int = 200,
    alternates: Iterable[tuple[str, str]] = (),
) -> Response:
    root = request.script_root
    links = "".join(
        f'<link rel="alternate" type="{esc(t)}" href="{esc(h)}">\n' for t, h in alternates
    )
    html = f"""<!DOCTYPE html>
<html lang="{esc(lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)} — kg</title>
<link rel="stylesheet" href="{esc(root)}/static/kg.css">
{links}</head>
<body>
<header class="site"><nav aria-label="site">
<a href="{esc(root)}/">kg</a>
<a href="{esc(root)}/queries">Stored queries</a>
<a href="{esc(root)}/query">SPARQL</a>
<a href="{esc(root)}/yasgui">Editor</a>
<a href="{esc(root)}/ontology">Ontology</a>
<a href="{esc(root)}/api/openapi.json">API</a>
</nav></header>
<main>
{body}
</main>
</body>
</html>
"""
    response = Response(html, status=status, content_type="text/html; charset=utf-8")
    return response


def error_page(request: Request, status: int, message: str) -> Response:
    titles = {400: "Bad request", 404: "Not found", 406: "Not acceptable", 503: "Too slow"}
    title = titles.get(status, "Error")
    body = f'<h1>{esc(title)}</h1>\n<p class="error" role="alert">{esc(message)}</p>'
    return page(request, title, body, status=status)


def literal_html(term: Any) -> str:
    from rdflib import Literal

    assert isinstance(term, Literal)
    text = esc(str(term))
    if term.language:
        return (
            f'<span lang="{esc(term.language)}">{text}</span> <small>@{esc(term.language)}</small>'
        )
    if term.datatype is not None:
        return f"{text} <small>{esc(short(str(term.datatype)))}</small>"
    return text


def term_html(request: Request, term: Node, label: str | None = None) -> str:
    """A term as HTML: an IRI as a link (its label, else its short name), a literal with
    its language or datatype, a blank node as ``_:id``."""
    from rdflib import BNode, Literal

    if isinstance(term, Literal):
        return literal_html(term)
    if isinstance(term, BNode):
        return f"<code>_:{esc(term)}</code>"
    iri = str(term)
    text = esc(label) if label else f"<code>{esc(short(iri))}</code>"
    target = href_for(request, iri)
    if target is None:
        return f'<span title="{esc(iri)}">{text}</span>'
    return f'<a href="{esc(target)}" title="{esc(iri)}">{text}</a>'


def cell_html(request: Request, term: Node | None) -> str:
    """A results-table cell: its text is exactly the value (an IRI's short name, a
    literal's lexical form), language and datatype in attributes."""
    from rdflib import BNode, Literal

    if term is None:
        return "<td></td>"
    if isinstance(term, Literal):
        attrs = ""
        if term.language:
            attrs = f' lang="{esc(term.language)}"'
        elif term.datatype is not None:
            attrs = f' title="{esc(short(str(term.datatype)))}"'
        return f"<td{attrs}>{esc(str(term))}</td>"
    if isinstance(term, BNode):
        return f"<td>_:{esc(term)}</td>"
    iri = str(term)
    target = href_for(request, iri)
    if target is None:
        return f'<td title="{esc(iri)}">{esc(short(iri))}</td>'
    return f'<td><a href="{esc(target)}" title="{esc(iri)}">{esc(short(iri))}</a></td>'


def results_html(request: Request, result: Result) -> str:
    if result.form == "ASK":
        return f'<p class="boolean">{"true" if result.boolean else "false"}</p>'
    if result.graph is not None:
        from kg.sparql.results import serialise

        text = serialise(result, GRAPH_FORMATS[0]).decode("utf-8")
        return f"<pre>{esc(text)}</pre>"
    head = "".join(f'<th scope="col">{esc(v)}</th>' for v in result.variables)
    rows = "\n".join(
        "<tr>" + "".join(cell_html(request, row.get(v)) for v in result.variables) + "</tr>"
        for row in result.rows
    )
    count = len(result.rows)
    return (
        f'<p class="meta">{count} row{"" if count == 1 else "s"}</p>\n'
        f'<table class="results">\n<thead><tr>{head}</tr></thead>\n'
        f"<tbody>\n{rows}\n</tbody>\n</table>"
    )


# -- running ---------------------------------------------------------------------------


def _run(ctx: AppContext, text: str, **terms: Node) -> Result:
    """Run with ``terms`` bound (never pasted into the text), under the limits."""
    return api.run(ctx, text, cast("dict[str, Identifier]", terms))


class _Cache:
    """A small LRU of rendered entity answers (the data is read-only while serving)."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self.items: OrderedDict[tuple[str, str], tuple[bytes, str]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple[str, str]) -> tuple[bytes, str] | None:
        with self.lock:
            value = self.items.get(key)
            if value is not None:
                self.items.move_to_end(key)
            return value

    def put(self, key: tuple[str, str], value: tuple[bytes, str]) -> None:
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)


def _cache(ctx: AppContext) -> _Cache:
    cache = ctx.extra.get("browse_cache")
    if not isinstance(cache, _Cache):
        cache = ctx.extra.setdefault("browse_cache", _Cache())
    assert isinstance(cache, _Cache)
    return cache


# -- simple pages ----------------------------------------------------------------------


def handle_start(ctx: AppContext, request: Request) -> Response:
    root = request.script_root
    kinds = "\n".join(
        f'<li><a href="{esc(root)}/id/{esc(kind)}"><code>{esc(kind)}</code></a> — {esc(what)}</li>'
        for kind, what in KINDS.items()
    )
    body = f"""<h1>kg <span class="alt" lang="vi">{esc(_TITLE_VI)}</span></h1>
<p>A linked-data knowledge graph of Vietnamese party and state bodies, the documents they
issue, the people who hold their posts, and the figures reported about them — every fact
tied to the exact words of its source.</p>
<ul>
<li><a href="{esc(root)}/queries">Stored queries</a>: a form per query, results as a table</li>
<li><a href="{esc(root)}/query">SPARQL query page</a>
(the protocol endpoint is <a href="{esc(root)}/sparql"><code>/sparql</code></a>)</li>
<li><a href="{esc(root)}/ontology">The ontology</a>, every term with its labels and definition</li>
<li><a href="{esc(root)}/id/article/nam-truc-2021-11-01">The source article</a></li>
<li>For programs: <a href="{esc(root)}/api/queries">the stored queries as JSON</a>, described by
<a href="{esc(root)}/api/openapi.json">an OpenAPI document</a>; JSON-LD with short keys,
named in <a href="{esc(root)}/context.jsonld">the JSON-LD context</a></li>
<li>For harvesters: the dataset described in <a href="{esc(root)}/.well-known/void">VoID</a>
and as a <a href="{esc(root)}/catalog">DCAT-AP catalogue</a></li>
</ul>
<h2>Entities by kind</h2>
<p>Every IRI <code>{esc(BASE)}PATH</code> is served at <code>/PATH</code>; ask for
{_media_types_html(GRAPH_FORMATS)} to get its description.</p>
<ul>
{kinds}
</ul>"""
    return page(request, "kg", body)


def _media_types_html(offered: Iterable[Format]) -> str:
    codes = [f"<code>{esc(f.media_type)}</code>" for f in offered]
    return ", ".join(codes[:-1]) + f" or {codes[-1]}"


def handle_static(ctx: AppContext, request: Request, name: str) -> Response:
    from kg.http.context import HttpError

    path = (STATIC_DIR / name).resolve()
    media = _STATIC_TYPES.get(path.suffix)
    hidden = any(part.startswith(".") for part in name.split("/"))
    if media is None or hidden or not path.is_relative_to(STATIC_DIR) or not path.is_file():
        raise HttpError(404, f"no static file {name!r}")
    response = Response(path.read_bytes(), content_type=media)
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


def _parameter_input(query_name: str, parameter: Any, value: str | None) -> str:
    ident = f"{query_name}--{parameter.name}"
    need = "required" if parameter.required and parameter.default is None else ""
    kind = parameter.describe_type()
    label = f'<label for="{esc(ident)}">{esc(parameter.name)}</label> '
    hint = f' <small id="{esc(ident)}-hint">{esc(kind)}</small>'
    if parameter.enum is not None:
        options = "".join(
            f'<option value="{esc(v)}"{" selected" if v == value else ""}>{esc(v)}</option>'
            for v in parameter.enum
        )
        control = (
            f'<select id="{esc(ident)}" name="{esc(parameter.name)}" '
            f'aria-describedby="{esc(ident)}-hint" {need}>{options}</select>'
        )
    else:
        control = (
            f'<input type="text" id="{esc(ident)}" name="{esc(parameter.name)}" '
            f'value="{esc(value or "")}" aria-describedby="{esc(ident)}-hint" {need}>'
        )
    return f"<p>{label}{control}{hint}</p>"


def handle_context(ctx: AppContext, request: Request) -> Response:
    """The JSON-LD context, ``https://w3id.org/vn-kg/context.jsonld``: readable from any
    origin (a browser's script, or pyld in one, fetches it), whatever ``--cors-origin``
    says, since it is the same public file for everyone."""
    from kg.core import paths
    from kg.io.jsonld import MEDIA_TYPE

    response = Response(paths.context_path().read_bytes(), content_type=MEDIA_TYPE)
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


def _query_form(request: Request, stored: Any, values: Mapping[str, str] | None = None) -> str:
    values = values or {}
    inputs = "\n".join(
        _parameter_input(stored.name, p, values.get(p.name, p.default)) for p in stored.parameters
    )
    action = f"{request.script_root}/queries/{quote(stored.name)}"
    return f"""<form class="query" method="get" action="{esc(action)}"
 aria-label="{esc(stored.name)}">
{inputs or "<p>No parameters.</p>"}
<p><button type="submit">Run {esc(stored.name)}</button></p>
</form>"""


def handle_catalogue(ctx: AppContext, request: Request) -> Response:
    root = request.script_root
    sections = []
    for stored in api.stored_queries(ctx):
        tags = ", ".join(stored.tags)
        sparql = f"{root}/api/queries/{quote(stored.name)}?format=sparql"
        sections.append(
            f"""<section id="{esc(stored.name)}">
<h2>{esc(stored.name)}</h2>
<p><strong>{esc(stored.summary)}</strong></p>
<p>{esc(stored.description)}</p>
<p class="meta">{esc(stored.form)}{" · tags: " + esc(tags) if tags else ""} ·
<a href="{esc(sparql)}">SPARQL</a></p>
{_query_form(request, stored)}
</section>"""
        )
    body = (
        "<h1>Stored queries</h1>\n<p>Each form runs one stored query; its values are checked "
        "against their types and bound to the query, never pasted into it. The same queries "
        f'answer programs at <a href="{esc(root)}/api/queries">/api/queries</a>.</p>\n'
        + "\n".join(sections)
    )
    return page(request, "Stored queries", body)


def handle_stored(ctx: AppContext, request: Request, name: str) -> Response:
    from kg.http.context import HttpError

    root = request.script_root
    try:
        stored = api.stored_query(ctx, name)
    except HttpError as exc:
        return error_page(request, exc.status, exc.message)
    try:
        values = api.request_values(request, (*api.RESERVED, "page"))
        result, _ = api.answer(ctx, request, stored)  # a paged query: the page asked for
    except HttpError as exc:
        return error_page(request, exc.status, exc.message)
    except KgError as exc:
        body = (
            f"<h1>{esc(stored.name)}</h1>\n"
            f'<p class="error" role="alert">{esc(str(exc))}</p>\n'
            + _query_form(request, stored, values if "values" in locals() else None)
        )
        return page(request, stored.name, body, status=400)
    given = [(k, v) for k, v in request.args.items(multi=True) if k != "format"]
    links = []
    for fmt in formats.formats_for(stored.form):
        url = f"{root}/api/queries/{quote(stored.name)}?" + urlencode(
            [*given, ("format", fmt.name)]
        )
        links.append(
            f'<a href="{esc(url)}" type="{esc(fmt.media_type)}">{esc(fmt.name.upper())}</a>'
        )
    body = f"""<h1>{esc(stored.name)}</h1>
<p><strong>{esc(stored.summary)}</strong></p>
<nav class="formats" aria-label="formats">The same results as {" ".join(links)}</nav>
{_query_form(request, stored, values)}
{results_html(request, result)}"""
    if result.next_page is not None:
        later = [(k, v) for k, v in given if k != "page"] + [("page", str(result.next_page))]
        url = f"{root}/queries/{quote(stored.name)}?" + urlencode(later)
        body += f'\n<p><a href="{esc(url)}" rel="next">Next page</a></p>'
    return page(request, stored.name, body)


def _query_page_formats() -> list[tuple[str, str]]:
    """The choices of the query page: the HTML table, then every format of any answer,
    by name (``xml`` is SPARQL XML or RDF/XML, as the answer's form says)."""
    media: dict[str, list[str]] = {}
    for form in ("SELECT", "ASK", "CONSTRUCT"):
        for fmt in formats.formats_for(form):
            types = media.setdefault(fmt.name, [])
            if fmt.media_type not in types:
                types.append(fmt.media_type)
    return [
        (HTML.name, "HTML table (on this page)"),
        *((name, f"{name} ({', '.join(types)})") for name, types in media.items()),
    ]


_QUERY_PAGE_FORMATS = _query_page_formats()


def handle_query_page(ctx: AppContext, request: Request) -> Response:
    """A form: SPARQL text and an output format. Submitted (GET to this page), the query
    runs under the server's limits: HTML shows the results below the form, any other
    format answers with the results in that format."""
    from kg.http.context import HttpError
    from kg.sparql import catalogue as queries

    text = request.args.get("query")
    fmt_name = request.args.get("format", "html")
    results = ""
    status = 200
    if text is not None and text.strip():
        try:
            # The server's policy (SERVICE, FROM) applies as on /sparql: in the service.
            result = api.run(ctx, queries.with_prefixes(text))
            offered = formats.formats_for(result.form, formats.Audience.BROWSER)
            chosen = formats.by_name(fmt_name, offered)
            if chosen is None:
                raise HttpError(
                    400,
                    f"format {fmt_name!r} cannot hold {result.form} results "
                    f"(use one of: {', '.join(formats.names(offered))})",
                )
            if chosen is not HTML:
                from kg.sparql.results import serialise

                return Response(serialise(result, chosen), content_type=chosen.content_type)
            results = f"<h2>Results</h2>\n{results_html(request, result)}"
        except (HttpError, KgError) as exc:
            status = exc.status if isinstance(exc, HttpError) else 400
            message = exc.message if isinstance(exc, HttpError) else str(exc)
            results = f'<p class="error" role="alert">{esc(message)}</p>'
    choices = "".join(
        f'<option value="{esc(v)}"{" selected" if v == fmt_name else ""}>{esc(label)}</option>'
        for v, label in _QUERY_PAGE_FORMATS
    )
    root = request.script_root
    shown = text if text is not None else _EXAMPLE_QUERY
    body = f"""<h1>SPARQL query</h1>
<p>Runs on this server's store under its time limit and row cap. Programs should use the
SPARQL 1.1 Protocol endpoint <a href="{esc(root)}/sparql"><code>/sparql</code></a>.</p>
<form class="query" method="get" action="{esc(root)}/query" id="sparql-form">
<p><label for="query">Query</label></p>
<textarea id="query" name="query" spellcheck="false">{esc(shown)}</textarea>
<p><label for="format">Output format</label>
<select id="format" name="format">{choices}</select>
<button type="submit">Run query</button></p>
</form>
{results}"""
    return page(request, "SPARQL query", body, status=status)


# -- the YASGUI editor ------------------------------------------------------------------

#: The <style> elements YASGUI adds (column-resizer, in yasgui.min.js, for its result
#: tables and while a column is dragged): allowed by their hashes, so that no other
#: inline style is. tests/test_yasgui.py checks that the bundle still holds them.
YASGUI_INLINE_STYLES = (
    (
        " .grip-resizable{table-layout:fixed;} .grip-resizable > tbody > tr > td, .grip-r"
        "esizable > tbody > tr > th{overflow:hidden} .grip-padding > tbody > tr > td, .gr"
        "ip-padding > tbody > tr > th{padding-left:0!important; padding-right:0!important"
        ";} .grip-container{ height:0px; position:relative;} .grip-handle{margin-left:-5p"
        "x; position:absolute; z-index:5; } .grip-handle .grip-resizable{position:absolut"
        "e;background-color:red;filter:alpha(opacity=1);opacity:0;width:10px;height:100%;"
        "cursor: col-resize;top:0px} .grip-lastgrip{position:absolute; width:1px; } .grip"
        "-drag{ border-left:1px dotted black;\t} .grip-flex{width:auto!important;} .grip-h"
        "andle.grip-disabledgrip .grip-resizable{cursor:default; display:none;}"
    ),
    "*{cursor:col-resize!important}",
)


def _style_hash(css: str) -> str:
    import base64
    import hashlib

    return "'sha256-" + base64.b64encode(hashlib.sha256(css.encode()).digest()).decode() + "'"


#: The policy of the editor page alone (the other pages run no script). Scripts and
#: stylesheets come from this server only ('unsafe-eval' is not needed; the icons are
#: inline SVG, no font or data: image), and the editor may query this server only
#: (connect-src 'self'), whatever endpoint is typed into it.
YASGUI_CSP = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self' " + " ".join(_style_hash(css) for css in YASGUI_INLINE_STYLES),
        "img-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
)


def _example_text(stored: Any) -> str:
    """The stored query as the editor runs it on ``/sparql``: its defaults bound, its
    project prefixes declared (the endpoint adds none)."""
    from kg.sparql import catalogue as queries

    try:
        text = queries.with_values(stored.sparql, queries.bindings(stored))
    except KgError:  # a required parameter without a default: shown unbound
        text = stored.sparql
    return queries.with_prefixes(text)


def yasgui_config(ctx: AppContext, request: Request) -> dict[str, Any]:
    """What ``static/kg-yasgui.js`` sets YASGUI up with (read from the page, so that the
    script is a static file and no inline script is needed)."""
    from kg.core.prefixes import PREFIXES
    from kg.sparql import catalogue as queries

    return {
        "endpoint": request.script_root + "/sparql",
        "prefixes": PREFIXES,
        "query": queries.with_prefixes(_EXAMPLE_QUERY),
        "examples": [
            {"name": s.name, "summary": s.summary, "query": _example_text(s)}
            for s in api.stored_queries(ctx)
        ],
        "formats": [{"name": name, "label": label} for name, label in _QUERY_PAGE_FORMATS[1:]],
    }


def handle_yasgui_page(ctx: AppContext, request: Request) -> Response:
    """YASGUI on ``/sparql``; without JavaScript, the plain form of ``/query``."""
    import json

    root = request.script_root
    # A JSON data block is never run, so the policy needs no hash for it; "<" is escaped
    # so that no value can close the element.
    config = json.dumps(yasgui_config(ctx, request), ensure_ascii=False).replace("<", "\\u003c")
    choices = "".join(
        f'<option value="{esc(v)}">{esc(label)}</option>' for v, label in _QUERY_PAGE_FORMATS
    )
    body = f"""<h1>SPARQL editor</h1>
<p>YASGUI on this server's endpoint <a href="{esc(root)}/sparql"><code>/sparql</code></a>:
prefix completion (type <code>PREFIX</code>) knows the project prefixes, the stored queries
are offered as examples, results show as a table. <a href="{esc(root)}/query">The plain
query page</a> works without JavaScript.</p>
<link rel="stylesheet" href="{esc(root)}/static/yasgui/yasgui.min.css">
<div id="kg-yasgui-tools"></div>
<div id="yasgui"></div>
<noscript>
<form class="query" method="get" action="{esc(root)}/query" id="sparql-form">
<p><label for="query">Query</label></p>
<textarea id="query" name="query" spellcheck="false">{esc(_EXAMPLE_QUERY)}</textarea>
<p><label for="format">Output format</label>
<select id="format" name="format">{choices}</select>
<button type="submit">Run query</button></p>
</form>
</noscript>
<script type="application/json" id="kg-yasgui-config">{config}</script>
<script src="{esc(root)}/static/yasgui/yasgui.min.js"></script>
<script src="{esc(root)}/static/kg-yasgui.js"></script>"""
    response = page(request, "SPARQL editor", body)
    response.headers["Content-Security-Policy"] = YASGUI_CSP
    return response


# -- entity pages ----------------------------------------------------------------------


@dataclass
class Fact:
    graph: str
    subject: Node
    predicate: str
    value: Node
    labels: dict[str, str] = field(default_factory=dict)  # the value's (or subject's), by lang


@dataclass
class Description:
    iri: str
    out: list[Fact]  # of the IRI and of its # IRIs
    incoming: list[Fact]
    evidence: list[dict[str, Node]]
    property_labels: dict[str, dict[str, str]]


def _label_map(rows: Iterable[Mapping[str, Node]], key: str = "label") -> dict[str, str]:
    out: dict[str, str] = {}
    for row in rows:
        label = row.get(key)
        if label is None:
            continue
        lang = getattr(label, "language", None) or ""
        out.setdefault(lang, str(label))
    return out


_FactKey: TypeAlias = "tuple[Node, str, str, Node]"


def _statement(subject: Node, row: Mapping[str, Any]) -> _FactKey:
    return (subject, str(row["g"]), str(row["p"]), row["o"])


def _collect(grouped: dict[_FactKey, Fact], subject: Node, row: Mapping[str, Any]) -> None:
    """Add ``row`` (``?g ?p ?o ?label``, one row per label of ``?o``) to its fact."""
    key = _statement(subject, row)
    fact = grouped.get(key)
    if fact is None:
        fact = grouped[key] = Fact(key[1], subject, key[2], row["o"])
    label = row.get("label")
    if label is not None:
        fact.labels.setdefault(getattr(label, "language", None) or "", str(label))


def _facts(ctx: AppContext, subject: Node) -> list[Fact]:
    grouped: dict[_FactKey, Fact] = {}
    for row in _run(ctx, Q_OUT, s=subject).rows:
        _collect(grouped, subject, row)
    return list(grouped.values())


#: How deep ``describe`` follows chains of blank nodes (a list of 20 items is 40 deep).
BLANK_DEPTH = 64


def _blank_facts(ctx: AppContext, root: Node) -> list[Fact]:
    """The statements of the blank nodes that hang from ``root``, however deep.

    A blank node cannot be bound into a query (SPARQL has no syntax for it: Oxigraph
    refuses ``VALUES ?s { _:b }``, and a label means nothing between queries on other
    stores), so each depth is one query that walks the chain from ``root`` itself.
    """
    found: dict[_FactKey, Fact] = {}
    for depth in range(1, BLANK_DEPTH + 1):
        chain = " ".join(
            f"GRAPH ?g{i} {{ ?b{i - 1} ?p{i} ?b{i} }} FILTER (isBlank(?b{i}))"
            for i in range(1, depth + 1)
        )
        text = _PREFIXES + (
            f"SELECT ?b{depth} ?g ?p ?o ?label WHERE {{ {chain} "
            f"GRAPH ?g {{ ?b{depth} ?p ?o }} "
            "OPTIONAL { GRAPH ?lg { ?o rdfs:label|skos:prefLabel ?label } } }"
        )
        grouped: dict[_FactKey, Fact] = {}
        for row in _run(ctx, text, b0=root).rows:
            node = row[f"b{depth}"]
            if _statement(node, row) not in found:  # else a cycle: already described
                _collect(grouped, node, row)
        if not grouped:
            break
        found.update(grouped)
    return list(found.values())


def describe(ctx: AppContext, iri: str, *, evidence: bool = True) -> Description | None:
    """What the graph says about ``iri``, its ``#`` IRIs and the blank nodes that hang
    from them; None if it says nothing."""
    from rdflib import URIRef

    subject = URIRef(iri)
    out = _facts(ctx, subject)
    seen: set[Node] = {subject}
    frontier = [f.value for f in out if str(f.value).startswith(iri + "#")]
    while frontier:
        node = frontier.pop()
        if node in seen:
            continue
        seen.add(node)
        more = _facts(ctx, node)
        out.extend(more)
        frontier.extend(f.value for f in more if str(f.value).startswith(iri + "#"))
    for root in sorted(seen, key=str):
        blank = _blank_facts(ctx, root)
        out.extend(blank)
        seen.update(f.subject for f in blank)
    incoming: dict[tuple[str, str, Node], Fact] = {}
    for row in _run(ctx, Q_IN, o=subject).rows:
        if row["s"] in seen:
            continue
        key = (str(row["g"]), str(row["p"]), row["s"])
        fact = incoming.get(key)
        if fact is None:
            fact = incoming[key] = Fact(key[0], row["s"], key[1], subject)
        label = row.get("label")
        if label is not None:
            fact.labels.setdefault(getattr(label, "language", None) or "", str(label))
    if not out and not incoming:
        return None
    notes: list[dict[str, Node]] = []
    if evidence:
        notes = list(_run(ctx, Q_EVIDENCE, body=subject).rows)
        if not notes and any(
            f.predicate == RDF_TYPE and str(f.value) == "http://www.w3.org/ns/oa#Annotation"
            for f in out
        ):
            notes = list(_run(ctx, Q_EVIDENCE, annotation=subject).rows)
    predicates = {f.predicate for f in out} | {f.predicate for f in incoming.values()}
    property_labels = {
        p: _label_map(_run(ctx, Q_LABEL, x=URIRef(p)).rows) for p in sorted(predicates)
    }
    return Description(iri, out, list(incoming.values()), notes, property_labels)


def _graph_of_description(description: Description) -> Any:
    from rdflib import Graph, Literal, URIRef

    from kg.core.namespaces import bind_all

    graph = Graph()
    bind_all(graph)
    # What points here too, as the HTML page shows it: an entity's links are mostly
    # stated on the other end (a body's posts, a statistic's evidence).
    for fact in [*description.out, *description.incoming]:
        graph.add((fact.subject, URIRef(fact.predicate), fact.value))
    # And the label of each thing linked (not of a class: a type is no link), so that a
    # reader of any format sees what it is called. skos:prefLabel is a subproperty of
    # rdfs:label, so a concept's preferred label is an rdfs:label too.
    described = {fact.subject for fact in description.out}
    label = URIRef(LABELS[0])
    for fact in [*description.out, *description.incoming]:
        linked = fact.subject if fact in description.incoming else fact.value
        if fact.predicate == RDF_TYPE or linked in described or isinstance(linked, Literal):
            continue
        for lang, text in fact.labels.items():
            graph.add((linked, label, Literal(text, lang=lang or None)))
    return graph


def entity_bytes(description: Description, fmt: Format) -> bytes:
    """The description of an entity in an RDF format: in JSON-LD the framed document
    of ``kg.io.jsonld`` (the entity at the top, what it points to nested in it)."""
    graph = _graph_of_description(description)
    if fmt.name == "json-ld":
        from kg.io.jsonld import entity_bytes as framed

        return framed(graph, description.iri)
    from kg.sparql.results import Result, serialise

    return serialise(Result("DESCRIBE", graph=graph), fmt)


def describe_as(ctx: AppContext, iri: str, fmt: Format) -> bytes | None:
    """What ``kg serve`` answers for ``iri`` in the RDF format ``fmt`` (``kg describe``
    prints the same bytes); None when the graph says nothing about it."""
    if iri == ONTOLOGY_IRI:
        description = _ontology_description(ctx)
    else:
        description = describe(ctx, iri, evidence=False) if _is_iri(iri) else None
    return None if description is None else entity_bytes(description, fmt)


def _own_labels(description: Description, subject: str) -> dict[str, str]:
    labels: dict[str, str] = {}
    for predicate in LABELS:
        for fact in description.out:
            if str(fact.subject) == subject and fact.predicate == predicate:
                lang = getattr(fact.value, "language", None) or ""
                labels.setdefault(lang, str(fact.value))
    return labels


def _pick(labels: Mapping[str, str], *langs: str) -> str | None:
    for lang in (*langs, "en", "vi", ""):
        if labels.get(lang):
            return labels[lang]
    return next(iter(labels.values()), None)


def _property_cell(request: Request, predicate: str, labels: Mapping[str, str]) -> str:
    name = property_name(predicate, labels)
    target = href_for(request, predicate)
    code = f"<code>{esc(short(predicate))}</code>"
    if target is not None:
        code = f'<a href="{esc(target)}" title="{esc(predicate)}">{code}</a>'
    vi = labels.get("vi")
    alt = f' <span lang="vi" class="meta">({esc(vi)})</span>' if vi and vi != name else ""
    return f"{esc(name)}{alt}<br><small>{code}</small>"


def _graph_cell(request: Request, graph: str) -> str:
    return term_html(request, _uri(graph))


def _uri(iri: str) -> Node:
    from rdflib import URIRef

    return URIRef(iri)


def _sort_facts(facts: list[Fact], labels: Mapping[str, Mapping[str, str]]) -> list[Fact]:
    def key(f: Fact) -> tuple[int, str, str, str]:
        first = 0 if f.predicate == RDF_TYPE else 1 if f.predicate in LABELS else 2
        return (
            first,
            property_name(f.predicate, labels.get(f.predicate, {})),
            str(f.value),
            f.graph,
        )

    return sorted(facts, key=key)


def _facts_table(
    request: Request, facts: list[Fact], description: Description, caption: str
) -> str:
    rows = []
    for fact in _sort_facts(facts, description.property_labels):
        label = _pick(fact.labels, "en")
        rows.append(
            "<tr><td>"
            + _property_cell(
                request, fact.predicate, description.property_labels.get(fact.predicate, {})
            )
            + "</td><td>"
            + term_html(request, fact.value, label)
            + (
                f' <span lang="vi" class="meta">({esc(fact.labels["vi"])})</span>'
                if fact.labels.get("vi") and fact.labels.get("vi") != label
                else ""
            )
            + "</td><td>"
            + _graph_cell(request, fact.graph)
            + "</td></tr>"
        )
    return (
        f'<table class="facts"><caption>{esc(caption)}</caption>\n'
        '<thead><tr><th scope="col">property</th><th scope="col">value</th>'
        '<th scope="col">named graph</th></tr></thead>\n<tbody>\n'
        + "\n".join(rows)
        + "\n</tbody></table>"
    )


def _incoming_table(request: Request, description: Description) -> str:
    rows = []
    facts = sorted(description.incoming, key=lambda f: (f.predicate, str(f.subject), f.graph))
    for fact in facts:
        label = _pick(fact.labels, "en")
        rows.append(
            "<tr><td>"
            + term_html(request, fact.subject, label)
            + "</td><td>"
            + _property_cell(
                request, fact.predicate, description.property_labels.get(fact.predicate, {})
            )
            + "</td><td>"
            + _graph_cell(request, fact.graph)
            + "</td></tr>"
        )
    return (
        '<table class="incoming"><caption>What points here</caption>\n'
        '<thead><tr><th scope="col">from</th><th scope="col">property</th>'
        '<th scope="col">named graph</th></tr></thead>\n<tbody>\n'
        + "\n".join(rows)
        + "\n</tbody></table>"
    )


def _evidence_html(request: Request, description: Description) -> str:
    if not description.evidence:
        return ""
    items = []
    for row in description.evidence:
        prefix = esc(str(row.get("prefix", "")))
        suffix = esc(str(row.get("suffix", "")))
        exact = esc(str(row["exact"]))
        article = row.get("article") or row.get("source")
        named = ""
        if article is not None:
            title = row.get("articleLabel")
            named = f"from {term_html(request, article)}"
            if title is not None:
                named = f'from <cite lang="vi">{term_html(request, article, str(title))}</cite>'
        where = ""
        if row.get("start") is not None and row.get("end") is not None:
            where = f", characters {esc(row['start'])}–{esc(row['end'])}"
        annotation = term_html(request, row["annotation"], "annotation")
        items.append(
            '<figure class="evidence">\n'
            f'<blockquote lang="vi">…{prefix}<mark>{exact}</mark>{suffix}…</blockquote>\n'
            f"<figcaption>{named}{where} · {annotation} · "
            f"in {_graph_cell(request, str(row['g']))}</figcaption>\n</figure>"
        )
    return (
        f'<section id="evidence"><h2>Evidence ({len(items)})</h2>\n'
        + "\n".join(items)
        + "</section>"
    )


def _related_html(request: Request, description: Description) -> str:
    from rdflib import URIRef

    related: dict[str, dict[str, str]] = {}
    for fact in description.out:
        value = str(fact.value)
        if (
            isinstance(fact.value, URIRef)
            and value.startswith(BASE)
            and fact.predicate != RDF_TYPE
            and not value.startswith((description.iri + "#", _KGO))
        ):
            related.setdefault(value, fact.labels)
    for fact in description.incoming:
        if str(fact.subject).startswith(BASE):
            related.setdefault(str(fact.subject), fact.labels)
    related.pop(description.iri, None)
    if not related:
        return ""
    items = "\n".join(
        f"<li>{term_html(request, _uri(iri), _pick(labels, 'en'))}"
        + (f' <span lang="vi" class="meta">{esc(labels["vi"])}</span>' if labels.get("vi") else "")
        + "</li>"
        for iri, labels in sorted(related.items())
    )
    heading = f"<h2>Related entities ({len(related)})</h2>"
    return f'<section id="related">{heading}\n<ul>\n{items}\n</ul></section>'


def entity_html(request: Request, description: Description) -> tuple[str, str]:
    """The title and body of an entity's page."""
    iri = description.iri
    labels = _own_labels(description, iri)
    vi, en = labels.get("vi"), labels.get("en")
    title = vi or en or _pick(labels) or short(iri)
    heading = f'<span lang="vi">{esc(vi)}</span>' if vi else esc(title)
    if en and en != vi:
        heading += f' <span class="alt" lang="en">{esc(en)}</span>'
    types = [f for f in description.out if str(f.subject) == iri and f.predicate == RDF_TYPE]
    type_list = ", ".join(term_html(request, f.value, _pick(f.labels, "en")) for f in types)
    own = [f for f in description.out if str(f.subject) == iri]
    hashes: dict[str, list[Fact]] = {}
    for fact in description.out:
        subject = str(fact.subject)
        if subject != iri:
            hashes.setdefault(subject, []).append(fact)
    alternates = "".join(
        f'<a href="?format={esc(f.name)}" type="{esc(f.media_type)}">{esc(f.name)}</a> '
        for f in GRAPH_FORMATS
    )
    parts = [
        f"<h1>{heading}</h1>",
        f'<p class="iri"><code>{esc(iri)}</code></p>',
        f"<p>Type: {type_list}</p>" if type_list else "",
        f'<nav class="formats" aria-label="formats">This description as {alternates}</nav>',
        _evidence_html(request, description),
        f'<section id="facts"><h2>Facts ({len(own)})</h2>\n'
        + _facts_table(request, own, description, "What the graph says about it")
        + "</section>",
    ]
    for subject, facts in sorted(hashes.items()):
        fragment = subject.partition("#")[2] if "#" in subject else ""
        sub_labels = _own_labels(description, subject)
        name = _pick(sub_labels, "en")
        ident = f' id="{esc(fragment)}"' if fragment else ""
        heading_text = f"#{esc(fragment)}" if fragment else esc(short(subject))
        if name:
            heading_text += f" — {esc(name)}"
        vi_name = sub_labels.get("vi")
        vi_html = (
            f' <span lang="vi" class="alt">{esc(vi_name)}</span>'
            if vi_name and vi_name != name
            else ""
        )
        parts.append(
            f'<section class="term"{ident}><h2>{heading_text}{vi_html}</h2>\n'
            f'<p class="iri"><code>{esc(subject)}</code></p>\n'
            + _facts_table(
                request, facts, description, f"What the graph says about {short(subject)}"
            )
            + "</section>"
        )
    if description.incoming:
        parts.append(
            f'<section id="incoming"><h2>What points here ({len(description.incoming)})</h2>\n'
            + _incoming_table(request, description)
            + "</section>"
        )
    parts.append(_related_html(request, description))
    return title, "\n".join(p for p in parts if p)


def _ontology_description(ctx: AppContext) -> Description | None:
    """The ontology IRI and every ``kgo:`` term: the terms are its ``#`` IRIs."""
    from rdflib import URIRef

    from kg.core.namespaces import G_ONTOLOGY

    description = describe(ctx, ONTOLOGY_IRI, evidence=False)
    if description is None:
        return None
    subjects = [
        row["s"]
        for row in _run(ctx, Q_GRAPH_SUBJECTS, g=G_ONTOLOGY).rows
        if str(row["s"]).startswith(_KGO)
    ]
    predicates = set(description.property_labels)
    for subject in subjects:
        facts = _facts(ctx, subject)
        description.out.extend(facts)
        predicates.update(f.predicate for f in facts)
    for predicate in sorted(predicates - set(description.property_labels)):
        description.property_labels[predicate] = _label_map(
            _run(ctx, Q_LABEL, x=URIRef(predicate)).rows
        )
    return description


# How the data uses the ontology's terms, for the examples of the reference page: the
# first instance of each class, the first subject of each property (IRI order), outside
# the graphs that define the terms; then the values and labels of those (one query each,
# the IRIs written as terms, never pasted raw).
# The examples are the article's, as in docs/ontology.md (made from kg's dataset): the
# gazetteer, a dataset of its own, is left out.
_NOT_DATA_FILTER = 'FILTER (?g NOT IN ({}) && !STRSTARTS(STR(?g), "' + GAZETTEER_GRAPHS + '"))'
Q_CLASS_USES = (
    "SELECT ?term (MIN(STR(?s)) AS ?subject) WHERE { GRAPH ?g { ?s a ?term } "
    "FILTER (isIRI(?s) && isIRI(?term) && STRSTARTS(STR(?term), ?kgo)) %s } GROUP BY ?term"
)
Q_PROPERTY_USES = (
    "SELECT ?p (MIN(STR(?s)) AS ?subject) WHERE { GRAPH ?g { ?s ?p ?o } "
    "FILTER (isIRI(?s) && STRSTARTS(STR(?p), ?kgo)) %s } GROUP BY ?p"
)
Q_GRAPH = "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"


def _ontology_uses(ctx: AppContext) -> Any:
    from rdflib import Literal, URIRef

    from kg.publish import reference as ref
    from kg.sparql.terms import sparql

    not_data = _NOT_DATA_FILTER.format(", ".join(sparql(URIRef(g)) for g in ref.NOT_DATA))
    kgo = Literal(_KGO)
    uses = ref.Uses()
    for row in _run(ctx, Q_CLASS_USES % not_data, kgo=kgo).rows:
        uses.add_instance(URIRef(str(row["term"])), URIRef(str(row["subject"])))
    firsts = {
        URIRef(str(row["p"])): URIRef(str(row["subject"]))
        for row in _run(ctx, Q_PROPERTY_USES % not_data, kgo=kgo).rows
    }
    if firsts:
        pairs = " ".join(f"({sparql(s)} {sparql(p)})" for p, s in sorted(firsts.items()))
        text = (
            f"SELECT ?s ?p ?o WHERE {{ VALUES (?s ?p) {{ {pairs} }} "
            f"GRAPH ?g {{ ?s ?p ?o }} {not_data} }}"
        )
        for row in _run(ctx, text).rows:
            uses.add_triple(URIRef(str(row["p"])), URIRef(str(row["s"])), row["o"])
    subjects = sorted({*uses.instances.values(), *firsts.values()}, key=str)
    if subjects:
        listed = " ".join(sparql(s) for s in subjects)
        text = (
            f"{_PREFIXES}SELECT ?s ?label WHERE {{ VALUES ?s {{ {listed} }} "
            f'GRAPH ?g {{ ?s rdfs:label ?label }} FILTER (LANG(?label) = "en") {not_data} }}'
        )
        for row in _run(ctx, text).rows:
            uses.add_label(URIRef(str(row["s"])), str(row["label"]))
    return uses


def _reference_term_html(request: Request, term: Any) -> str:
    from rdflib import URIRef

    def names_html(names: list[str]) -> str:
        return ", ".join(
            f'<a href="#{esc(n[4:])}"><code>{esc(n)}</code></a>'
            if n.startswith("kgo:")
            else f"<code>{esc(n)}</code>"
            for n in names
        )

    rows = [
        ("vi", f'<span lang="vi">{esc(term.labels["vi"])}</span>'),
        ("en", esc(term.labels["en"])),
        ("definition", esc(term.definition)),
        *((label, names_html(names)) for label, names in term.relations),
    ]
    example = term.example
    if example is not None:
        shown = term_html(request, example.subject, example.subject_label or None)
        if example.value is not None:
            value = example.value
            shown += " → " + (
                term_html(request, value)
                if isinstance(value, URIRef)
                else f"<code>{esc(_reference_value(value))}</code>"
            )
        rows.append(("example", shown))
    cells = "\n".join(f"<tr><th>{esc(k)}</th><td>{v}</td></tr>" for k, v in rows)
    return (
        f'<section id="{esc(term.local)}" class="term">\n<h3><code>{esc(term.name)}</code></h3>\n'
        f'<p class="iri"><code>{esc(term.iri)}</code></p>\n<table>\n{cells}\n</table>\n</section>'
    )


def _reference_value(value: Any) -> str:
    from kg.publish.reference import example_value

    return example_value(value)


def ontology_reference_html(request: Request, reference: Any) -> tuple[str, str]:
    """The ontology's reference page, as docs/ontology.md has it, with every term in an
    element whose ``id`` is its fragment (``kgo:PartyBody`` is ``#PartyBody``)."""
    parts = [
        "<h1>Ontology reference</h1>",
        f"<ul>\n<li>IRI: <code>{esc(reference.iri)}</code></li>\n"
        f"<li>Version: {esc(reference.version)} (<code>{esc(reference.version_iri)}</code>)</li>\n"
        f'<li>Licence: <a href="{esc(reference.licence)}">{esc(reference.licence)}</a></li>\n'
        f"<li>Preferred prefix: <code>kgo:</code> <code>{esc(_KGO)}</code></li>\n</ul>",
        f"<p>{esc(reference.description)}</p>",
        '<nav aria-label="contents"><ul>'
        + "".join(
            f'<li><a href="#{esc(_section_id(title))}">{esc(title)}</a> ({len(terms)})</li>'
            for title, terms in reference.sections
        )
        + '<li><a href="#concept-schemes">Concept schemes</a></li></ul></nav>',
    ]
    for title, terms in reference.sections:
        parts.append(f'<section id="{esc(_section_id(title))}">\n<h2>{esc(title)}</h2>')
        parts += [_reference_term_html(request, term) for term in terms]
        parts.append("</section>")
    parts.append('<section id="concept-schemes">\n<h2>Concept schemes</h2>')
    for scheme in reference.schemes:
        rows = "\n".join(
            f"<tr><td>{term_html(request, c.iri, c.name)}</td>"
            f'<td lang="vi">{esc(c.vi)}</td><td>{esc(c.en)}</td>'
            f"<td>{esc(', '.join(c.broader))}</td></tr>"
            for c in scheme.concepts
        )
        parts.append(
            f"<h3>{term_html(request, scheme.iri, scheme.en)}</h3>\n"
            f'<p lang="vi">{esc(scheme.vi)}</p>\n<p>{esc(scheme.definition)}</p>\n'
            "<table>\n<tr><th>concept</th><th>vi</th><th>en</th><th>broader</th></tr>\n"
            f"{rows}\n</table>"
        )
    parts.append("</section>")
    return "Ontology reference", "\n".join(parts)


def _section_id(title: str) -> str:
    return title.lower().replace(" ", "-")


def _ontology_reference_page(ctx: AppContext, request: Request) -> Response | None:
    from rdflib import Graph, URIRef

    from kg.core.namespaces import G_ONTOLOGY, G_VOCABULARY
    from kg.publish import reference as ref

    graphs = []
    for name in (G_ONTOLOGY, G_VOCABULARY):
        graph = _run(ctx, Q_GRAPH, g=URIRef(str(name))).graph
        graphs.append(graph if graph is not None else Graph())
    if len(graphs[0]) == 0:
        return None
    reference = ref.reference(graphs[0], graphs[1], uses=_ontology_uses(ctx))
    title, body = ontology_reference_html(request, reference)
    alternates = [(f.media_type, f"?format={f.name}") for f in GRAPH_FORMATS]
    return page(request, title, body, alternates=alternates)


def _kind_listing(ctx: AppContext, request: Request, path: str) -> Response | None:
    """``/id/KIND``: the entities of one kind; ``/id``: the kinds."""
    from rdflib import Literal

    parts = path.strip("/").split("/")
    if parts == ["id"]:
        return handle_start(ctx, request)
    if len(parts) != 2 or parts[0] != "id" or parts[1] not in KINDS:
        return None
    start = f"{BASE}id/{parts[1]}/"
    rows = _run(ctx, Q_KIND, start=Literal(start)).rows
    items = "\n".join(
        f"<li>{term_html(request, row['s'])}</li>" for row in rows if "#" not in str(row["s"])
    )
    body = (
        f"<h1>Entities of kind <code>{esc(parts[1])}</code></h1>\n"
        f"<p>{esc(KINDS[parts[1]])}: every IRI starting with <code>{esc(start)}</code>.</p>\n"
        f"<ul>\n{items}\n</ul>"
    )
    return page(request, f"kind {parts[1]}", body)


def _graph_page(ctx: AppContext, request: Request, iri: str) -> Response | None:
    """A named graph's page: its size and its subjects."""
    graph = _uri(iri)
    size = _run(ctx, Q_GRAPH_SIZE, g=graph).rows
    count = int(str(size[0]["n"])) if size and "n" in size[0] else 0
    if count == 0:
        return None
    subjects = _run(ctx, Q_GRAPH_SUBJECTS, g=graph).rows
    items = "\n".join(f"<li>{term_html(request, row['s'])}</li>" for row in subjects[:2000])
    body = (
        f"<h1>Named graph <code>{esc(short(iri))}</code></h1>\n"
        f'<p class="iri"><code>{esc(iri)}</code></p>\n'
        f"<p>{count} triples about {len(subjects)} subjects.</p>\n<ul>\n{items}\n</ul>"
    )
    return page(request, short(iri), body)


def handle_entity(ctx: AppContext, request: Request, path: str) -> Response:
    from kg.http.context import HttpError

    iri = BASE + path
    try:
        fmt = api.choose_format(request, ENTITY_FORMATS)
    except HttpError as exc:
        response = Response(
            f"{exc.message}\n", status=exc.status, content_type="text/plain; charset=utf-8"
        )
        response.vary.add("Accept")
        return response
    # Keyed by the data's version, as the query answers are: after an update the
    # pages made before it are never served again (they age out of the cache).
    version = ctx.service.version()
    key = (f"{version}\x1f{request.script_root}\x1f{iri}", fmt.name)
    cached = _cache(ctx).get(key)
    if cached is not None:
        data, content_type = cached
        response = Response(data, content_type=content_type)
        response.vary.add("Accept")
        return response
    try:
        response = _entity_response(ctx, request, path, iri, fmt)
    except HttpError as exc:
        response = error_page(request, exc.status, exc.message)
    response.vary.add("Accept")
    if response.status_code == 200:
        _cache(ctx).put(key, (response.get_data(), response.content_type or ""))
    return response


def _is_iri(value: str) -> bool:
    return _iri_problem(value) is None


def _iri_problem(value: str) -> str | None:
    """Why ``value`` is no IRI (an entity path with a space, ``<`` or a broken
    percent-escape), None if it is one."""
    from kg.core.errors import ParameterError
    from kg.sparql.catalogue import check_iri

    try:
        check_iri(value, value)
    except ParameterError as exc:
        return exc.message
    return None


def _entity_response(
    ctx: AppContext, request: Request, path: str, iri: str, fmt: Format
) -> Response:
    if iri == ONTOLOGY_IRI and fmt is HTML:
        # For a browser, the ontology's documentation (the reference docs/ontology.md
        # is); its RDF description stays for RDF clients.
        reference = _ontology_reference_page(ctx, request)
        if reference is not None:
            return reference
        description = None
    elif iri == ONTOLOGY_IRI:
        description = _ontology_description(ctx)
    elif (problem := _iri_problem(iri)) is not None:
        # Said before any query: the pages tried next (a kind, a named graph) would put
        # the path in SPARQL, and the parser's refusal would read as the server's fault.
        if fmt is HTML:
            return error_page(request, 404, problem)
        return Response(f"{problem}\n", status=404, content_type="text/plain; charset=utf-8")
    else:
        description = describe(ctx, iri, evidence=fmt is HTML)
    if description is None:
        if fmt is HTML:
            listing = _kind_listing(ctx, request, path)
            if listing is not None:
                return listing
            graph = _graph_page(ctx, request, iri)
            if graph is not None:
                return graph
        message = f"nothing in the graph is called {iri}"
        if fmt is HTML:
            return error_page(request, 404, message)
        return Response(f"{message}\n", status=404, content_type="text/plain; charset=utf-8")
    if fmt is not HTML:
        return Response(entity_bytes(description, fmt), content_type=fmt.content_type)
    title, body = entity_html(request, description)
    if iri.startswith(BASE + "id/place/"):
        from kg.http.places import place_html

        body += "\n" + place_html(ctx, request, iri, term_html)
    alternates = [(f.media_type, f"?format={f.name}") for f in GRAPH_FORMATS]
    return page(request, title, body, alternates=alternates)
