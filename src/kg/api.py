"""The stored queries over HTTP: ``/api/queries`` (the catalogue), ``/api/queries/{name}``
(results by content negotiation) and ``/api/openapi.json`` (OpenAPI 3, generated from
the queries' grlc headers)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from werkzeug.wrappers import Request, Response

if TYPE_CHECKING:
    from kg.server import AppContext


def handle_catalogue(ctx: AppContext, request: Request) -> Response:
    raise NotImplementedError


def handle_query(ctx: AppContext, request: Request, name: str) -> Response:
    raise NotImplementedError


def handle_openapi(ctx: AppContext, request: Request) -> Response:
    raise NotImplementedError
