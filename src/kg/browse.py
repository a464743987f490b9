"""HTML for people: the start page, the catalogue with a form per stored query, the
SPARQL query page, and a page for every entity IRI of the graph mapped onto the server
(with Turtle and JSON-LD for the same IRI by content negotiation)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from werkzeug.wrappers import Request, Response

if TYPE_CHECKING:
    from kg.server import AppContext


def handle_start(ctx: AppContext, request: Request) -> Response:
    raise NotImplementedError


def handle_catalogue(ctx: AppContext, request: Request) -> Response:
    raise NotImplementedError


def handle_stored(ctx: AppContext, request: Request, name: str) -> Response:
    raise NotImplementedError


def handle_query_page(ctx: AppContext, request: Request) -> Response:
    raise NotImplementedError


def handle_static(ctx: AppContext, request: Request, name: str) -> Response:
    raise NotImplementedError


def handle_entity(ctx: AppContext, request: Request, path: str) -> Response:
    raise NotImplementedError
