"""The dataset's description over HTTP: VoID at ``/.well-known/void`` (the place the
VoID specification, section 7.2, gives it) and the DCAT-AP catalogue at ``/catalog``.

Both answer the ``kgg:void`` graph of the data being served (``data/void.trig`` for the
shipped data: VoID and DCAT-AP in one description), in every RDF format of the formats
registry by content negotiation, as an entity is; a browser is sent (303) to the page of
the dataset or of the catalogue. The endpoint the description names is this server's own
``/sparql`` (``--public-url`` behind a proxy), not the project's published one: whoever
runs ``kg serve`` serves the dataset. With ``--dist``, the downloads it names are this
server's ``/dist/`` too. The SPARQL Service Description links to both.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from werkzeug.wrappers import Request, Response

from kg.http.downloads import DIST_PATH

if TYPE_CHECKING:
    from rdflib import Graph

    from kg.http.service import AppContext

VOID_PATH = "/.well-known/void"
CATALOG_PATH = "/catalog"


def root(ctx: AppContext, request: Request) -> str:
    """Where this server is reached, without a final slash."""
    return (ctx.config.public_url or request.host_url + request.script_root.lstrip("/")).rstrip("/")


def description_graph(ctx: AppContext, request: Request) -> Graph:
    """The data's ``kgg:void`` graph, naming this server's endpoint, with what DCAT-AP
    checks about the vocabularies it uses; HttpError 404 when the data holds none."""
    from kg.core.namespaces import G_VOID
    from kg.http.context import HttpError
    from kg.publish.dcat import harvested, with_downloads, with_endpoint

    query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{G_VOID}> {{ ?s ?p ?o }} }}"
    result = ctx.service.run(query)
    if result.graph is None or len(result.graph) == 0:
        raise HttpError(404, f"the data served has no description (no graph <{G_VOID}>)")
    here = root(ctx, request)
    graph = with_endpoint(result.graph, here + "/sparql")
    if ctx.config.dist is not None:
        graph = with_downloads(graph, here + DIST_PATH)
    return harvested(graph)


def _answer(ctx: AppContext, request: Request, page_of: str) -> Response:
    from kg.http import api
    from kg.http.pages import ENTITY_FORMATS, HTML, local_path
    from kg.sparql.results import Result, serialise

    fmt = api.choose_format(request, ENTITY_FORMATS)
    if fmt is HTML:
        response = Response(status=303)
        response.headers["Location"] = local_path(request, page_of) or page_of
    else:
        graph = description_graph(ctx, request)
        body = serialise(Result("DESCRIBE", graph=graph), fmt)
        response = Response(body, content_type=fmt.content_type)
    response.vary.add("Accept")
    return response


def handle_void(ctx: AppContext, request: Request) -> Response:
    """``/.well-known/void``: the VoID description of the dataset."""
    from kg.linking.linksets import KG_DATASET

    return _answer(ctx, request, str(KG_DATASET))


def handle_catalog(ctx: AppContext, request: Request) -> Response:
    """``/catalog``: the DCAT-AP catalogue of the dataset, its mapping set and this
    endpoint (the same description: VoID and DCAT are one graph)."""
    from kg.linking.linksets import CATALOG

    return _answer(ctx, request, str(CATALOG))
