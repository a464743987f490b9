"""The stored queries over HTTP: ``/api/queries`` (the catalogue), ``/api/queries/{name}``
(results by content negotiation) and ``/api/openapi.json`` (OpenAPI 3, generated from
the queries' grlc headers).

Parameter values arrive as query-string fields named as the query's parameters, or in
the body of a POST (form fields, or a JSON object of them; any other body is 415); they
go through ``kg.sparql.catalogue.bindings``, exactly as ``kg query run -p`` values do,
so a bad value gets the same message over HTTP (400, JSON
``{"status": 400, "error": MESSAGE}``) as on the command line (``kg: error: MESSAGE``).
They are bound to the prepared query, never pasted into its text. ``format`` is a
reserved field: it overrides the ``Accept`` header. So is ``page`` for a query with
``#+ pagination``, as in grlc: the answer is that page (page 1 if none is asked), and an
RFC 8288 ``Link`` header gives the ``first`` page, the ``prev`` one and the ``next`` one
if there is another (no ``last``: knowing it would cost the whole answer).

``python -m kg.http.api`` prints the OpenAPI document (``docs/openapi.json`` is its output,
checked by a test).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from kg.core.errors import InputError
from kg.io import formats
from kg.io.formats import Format, formats_for

if TYPE_CHECKING:
    from rdflib.term import Identifier

    from kg.http.service import AppContext
    from kg.sparql.catalogue import Parameter, StoredQuery
    from kg.sparql.results import Result
    from kg.sparql.terms import Term

OPENAPI_VERSION = "3.0.3"


#: The query itself (format=sparql or Accept: application/sparql-query).
SPARQL_FORMAT = formats.formats_for(formats.Kind.QUERY)[0]

RESERVED = ("format",)


# -- helpers shared with kg.http.pages -----------------------------------------------------


def queries_dir(ctx: AppContext) -> Path | None:
    """The folder of the stored queries the server offers (None: the shipped ones).

    ``ctx.extra["queries_dir"]`` overrides it (the tests serve a folder of their own).
    """
    folder = ctx.extra.get("queries_dir")
    return Path(folder) if folder is not None else None


def stored_queries(ctx: AppContext) -> list[StoredQuery]:
    from kg.sparql.catalogue import discover

    return discover(queries_dir(ctx))


def stored_query(ctx: AppContext, name: str) -> StoredQuery:
    """The stored query ``name``, or 404 naming the known ones."""
    from kg.http.context import HttpError
    from kg.sparql.catalogue import get

    try:
        return get(name, queries_dir(ctx))
    except InputError as exc:
        raise HttpError(404, exc.message) from None


#: The bodies a POST may carry its parameter values in; any other body is refused (415)
#: rather than ignored, which would run the query without the values the client sent.
BODY_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data", "application/json")


def request_values(request: Request, reserved: tuple[str, ...] = RESERVED) -> dict[str, str]:
    """The parameter values of a request (query string, then the body of a POST: form
    fields or a JSON object), checked as the command line checks ``-p NAME=VALUE``: the
    same messages for the same mistakes."""
    from kg.sparql.catalogue import parse_params

    items: list[tuple[str, str]] = list(request.args.items(multi=True))
    if request.method == "POST":
        items.extend(_body_values(request))
    return parse_params(tuple(f"{key}={value}" for key, value in items if key not in reserved))


def _body_values(request: Request) -> list[tuple[str, str]]:
    from kg.http.context import HttpError

    if request.mimetype == "application/json":
        return _json_values(request)
    if request.mimetype in BODY_TYPES:
        return list(request.form.items(multi=True))
    if request.mimetype or request.get_data(cache=True):
        raise HttpError(
            415,
            f"a body of type {request.mimetype or 'unknown'} is not read here; "
            f"send the parameters as {', '.join(BODY_TYPES)} or in the query string",
        )
    return []


def _json_values(request: Request) -> list[tuple[str, str]]:
    """The members of a JSON object body: a string, number or boolean per parameter
    (a list of them for a parameter given more than once, as repeated form fields)."""
    from kg.http.context import HttpError

    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise HttpError(415, f"a JSON body must be UTF-8 (got charset={charset})")
    try:
        document = json.loads(request.get_data(cache=True).decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise HttpError(400, "the JSON body is not valid UTF-8 JSON") from None
    if not isinstance(document, dict):
        raise HttpError(400, "the JSON body must be an object of parameter values")
    values: list[tuple[str, str]] = []
    for key, value in document.items():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, bool):
                values.append((key, "true" if item else "false"))
            elif isinstance(item, str | int | float):
                values.append((key, str(item)))
            else:
                raise HttpError(
                    400, f"the JSON value of {key!r} must be a string, a number or a boolean"
                )
    return values


def bind(stored: StoredQuery, values: Mapping[str, str]) -> dict[str, Term]:
    from kg.sparql.catalogue import bindings

    return bindings(stored, values)


def run(ctx: AppContext, text: str, terms: Mapping[str, Term | Identifier] | None = None) -> Result:
    """Run under the server's limits: a timeout is 503, an answer over the row cap 422,
    any other failure the client's (400)."""
    from kg.core.errors import QueryTimeout, TooManyRows
    from kg.http.context import HttpError

    try:
        return ctx.service.run(text, terms)
    except QueryTimeout as exc:
        raise HttpError(503, exc.message, {"Retry-After": "10"}) from None
    except TooManyRows as exc:  # as /sparql answers it
        raise HttpError(422, exc.message) from None


def choose_format(request: Request, options: Sequence[Format]) -> Format:
    """``format=`` if given (its name, an alias or a media type; 400 if it does not
    fit), else the best ``Accept`` match (406 listing the media types if none is
    acceptable)."""
    from kg.http.context import HttpError

    wanted = request.args.get("format")
    if wanted is not None:
        chosen = formats.by_name(wanted, options)
        if chosen is None:
            names = ", ".join(o.name for o in options)
            raise HttpError(400, f"format {wanted!r} is not available here (use one of: {names})")
        return chosen
    accepted = request.accept_mimetypes if request.headers.get("Accept") else None
    chosen = formats.negotiate(accepted, options)
    if chosen is None:
        types = ", ".join(o.media_type for o in options)
        raise HttpError(406, f"none of the accepted media types is available (available: {types})")
    return chosen


def _base(request: Request, ctx: AppContext) -> str:
    if ctx.config.public_url:
        return ctx.config.public_url.rstrip("/")
    return request.host_url.rstrip("/") + request.script_root


# -- handlers --------------------------------------------------------------------------


def _json(document: Any, status: int = 200) -> Response:
    body = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    return Response(body, status=status, content_type="application/json; charset=utf-8")


def describe(stored: StoredQuery, base: str = "") -> dict[str, Any]:
    """One entry of the catalogue."""
    return {
        "name": stored.name,
        "summary": stored.summary,
        "description": stored.description,
        "tags": list(stored.tags),
        "form": stored.form,
        "parameters": [
            {
                "name": p.name,
                "type": p.describe_type(),
                "required": p.required,
                "default": p.default,
                "enum": list(p.enum) if p.enum is not None else None,
            }
            for p in stored.parameters
        ],
        "formats": {f.name: f.media_type for f in formats_for(stored.form)},
        "pagination": stored.pagination,
        "links": {
            "run": f"{base}/api/queries/{stored.name}",
            "sparql": f"{base}/api/queries/{stored.name}?format=sparql",
            "form": f"{base}/queries#{stored.name}",
        },
    }


def handle_catalogue(ctx: AppContext, request: Request) -> Response:
    base = _base(request, ctx)
    document = {
        "queries": [describe(q, base) for q in stored_queries(ctx)],
        "openapi": f"{base}/api/openapi.json",
    }
    return _json(document)


def _fields(request: Request) -> list[tuple[str, str]]:
    """The fields of a request, query string then form body, in their order."""
    fields = list(request.args.items(multi=True))
    if request.method == "POST":
        fields.extend(request.form.items(multi=True))
    return fields


def page_links(ctx: AppContext, request: Request, page: int, next_page: int | None) -> str:
    """The ``Link`` header of a page (RFC 8288): the same request with another ``page``."""
    from urllib.parse import urlencode

    from kg.sparql.catalogue import PAGE

    others = [(k, v) for k, v in _fields(request) if k != PAGE]
    url = _base(request, ctx) + request.path

    def link(number: int, rel: str) -> str:
        return f'<{url}?{urlencode([*others, (PAGE, str(number))])}>; rel="{rel}"'

    links = [link(next_page, "next")] if next_page is not None else []
    if page > 1:
        links.append(link(page - 1, "prev"))
    links.append(link(1, "first"))
    return ", ".join(links)


def answer(
    ctx: AppContext, request: Request, stored: StoredQuery, reserved: tuple[str, ...] = RESERVED
) -> tuple[Result, int | None]:
    """The answer to ``request`` (its values bound, under the server's limits), and the
    page it is (None for a query that is not paged)."""
    from kg.sparql.catalogue import PAGE, page_number, run_page

    page = page_number(stored, dict(_fields(request)).get(PAGE))
    if page is not None:
        reserved = (*reserved, PAGE)
    terms = bind(stored, request_values(request, reserved))
    if page is None:
        return run(ctx, stored.text, terms), None
    return run_page(stored, page, lambda text: run(ctx, text, terms)), page


def handle_query(ctx: AppContext, request: Request, name: str) -> Response:
    stored = stored_query(ctx, name)
    options = (*formats_for(stored.form), SPARQL_FORMAT)
    fmt = choose_format(request, options)
    if fmt is SPARQL_FORMAT:
        response = Response(stored.text, content_type=fmt.content_type)
    else:
        from kg.sparql.results import serialise

        result, page = answer(ctx, request, stored)
        response = Response(serialise(result, fmt), content_type=fmt.content_type)
        if page is not None:
            response.headers["Link"] = page_links(ctx, request, page, result.next_page)
    response.vary.add("Accept")
    return response


def handle_openapi(ctx: AppContext, request: Request) -> Response:
    document = openapi_document(stored_queries(ctx), ctx.config.public_url)
    return _json(document)


# -- OpenAPI ---------------------------------------------------------------------------


def _schema(parameter: Parameter) -> dict[str, Any]:
    schema: dict[str, Any]
    if parameter.type == "iri":
        schema = {"type": "string", "format": "iri"}
    elif parameter.type == "integer":
        schema = {"type": "integer"}
    elif parameter.type == "number":
        schema = {"type": "number"}
    else:
        schema = {"type": "string"}
    if parameter.enum is not None:
        schema["enum"] = list(parameter.enum)
    if parameter.default is not None:
        default: Any = parameter.default
        if parameter.type == "integer":
            default = int(default)
        elif parameter.type == "number":
            default = float(default)
        schema["default"] = default
    return schema


def _parameter(parameter: Parameter) -> dict[str, Any]:
    what = parameter.describe_type()
    note = f"SPARQL variable ?{parameter.variable}, {what}"
    if parameter.type == "iri":
        note += "; a full IRI, <IRI> or prefix:local with a project prefix"
    if parameter.required and parameter.default is not None:
        note += f"; the query needs it, and it defaults to {parameter.default}"
    return {
        "name": parameter.name,
        "in": "query",
        "description": note,
        # Required over HTTP only when the query needs it and has no default for it.
        "required": parameter.required and parameter.default is None,
        "schema": _schema(parameter),
    }


def _error_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _operation(stored: StoredQuery) -> dict[str, Any]:
    options = formats_for(stored.form)
    content: dict[str, Any] = {}
    for fmt in options:
        if fmt.name == "json":
            schema: dict[str, Any] = {"$ref": "#/components/schemas/SparqlResults"}
        elif fmt.name == "json-ld":
            schema = {"type": "object"}
        else:
            schema = {"type": "string"}
        content[fmt.media_type] = {"schema": schema}
    content[SPARQL_FORMAT.media_type] = {"schema": {"type": "string"}}
    names = [f.name for f in options] + [SPARQL_FORMAT.name]
    parameters = [_parameter(p) for p in stored.parameters]
    if stored.pagination is not None:
        parameters.append(_page_parameter(stored.pagination))
    parameters.append(
        {
            "name": "format",
            "in": "query",
            "description": "The answer's format, overriding Accept "
            "(sparql: the query text itself).",
            "required": False,
            "schema": {"type": "string", "enum": names},
        }
    )
    operation: dict[str, Any] = {
        "operationId": stored.name,
        "summary": stored.summary or stored.name,
        "tags": list(stored.tags),
        "parameters": parameters,
        "responses": {
            "200": {"description": f"The {stored.form} query's answer.", "content": content},
            "400": _error_response("A bad parameter value, or the query failed."),
            "406": _error_response("None of the accepted media types is available."),
            "422": _error_response("The answer has more rows than the server's cap."),
            "503": _error_response("The query ran past the server's time limit."),
        },
    }
    if stored.pagination is not None:
        ok = operation["responses"]["200"]
        ok["description"] = f"One page ({stored.pagination} rows) of the query's answer."
        ok["headers"] = {
            "Link": {
                "description": 'RFC 8288 links to the other pages: rel="next" (when there is '
                'one), rel="prev" and rel="first".',
                "schema": {"type": "string"},
            }
        }
    if stored.description:
        operation["description"] = stored.description
    return operation


def _post_operation(stored: StoredQuery) -> dict[str, Any]:
    """The GET operation with the parameter values in the body (a form or a JSON
    object); ``format`` and ``page`` stay in the query string."""
    operation = _operation(stored)
    operation["operationId"] = f"{stored.name}-post"
    properties: dict[str, Any] = {}
    for parameter in stored.parameters:
        properties[parameter.name] = {
            **_schema(parameter),
            "description": _parameter(parameter)["description"],
        }
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    required = [p.name for p in stored.parameters if p.required and p.default is None]
    if required:
        schema["required"] = required
    operation["parameters"] = [
        p for p in operation["parameters"] if p["name"] in ("format", "page")
    ]
    operation["requestBody"] = {
        "description": "The parameter values, as form fields or as a JSON object (any "
        "other body: 415).",
        "required": False,
        "content": {
            "application/x-www-form-urlencoded": {"schema": schema},
            "application/json": {"schema": schema},
        },
    }
    operation["responses"]["415"] = _error_response("A body that is neither a form nor JSON.")
    return operation


def _page_parameter(size: int) -> dict[str, Any]:
    """grlc's ``page`` parameter of a paged query."""
    return {
        "name": "page",
        "in": "query",
        "description": f"The page of the answer, from 1 ({size} rows a page, in the query's "
        "order); the Link header names the next one.",
        "required": False,
        "schema": {"type": "integer", "minimum": 1, "default": 1},
    }


def _components() -> dict[str, Any]:
    term = {
        "type": "object",
        "required": ["type", "value"],
        "properties": {
            "type": {"type": "string", "enum": ["uri", "literal", "bnode"]},
            "value": {"type": "string"},
            "datatype": {"type": "string"},
            "xml:lang": {"type": "string"},
        },
    }
    return {
        "schemas": {
            "Error": {
                "type": "object",
                "required": ["status", "error"],
                "properties": {"status": {"type": "integer"}, "error": {"type": "string"}},
            },
            "SparqlResults": {
                "description": "SPARQL 1.1 Query Results JSON Format.",
                "type": "object",
                "required": ["head"],
                "properties": {
                    "head": {
                        "type": "object",
                        "properties": {"vars": {"type": "array", "items": {"type": "string"}}},
                    },
                    "boolean": {"type": "boolean"},
                    "results": {
                        "type": "object",
                        "properties": {
                            "bindings": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "additionalProperties": {"$ref": "#/components/schemas/Term"},
                                },
                            }
                        },
                    },
                },
            },
            "Term": term,
            "Parameter": {
                "type": "object",
                "required": ["name", "type", "required"],
                "properties": {
                    "name": {"type": "string"},
                    "type": {"type": "string"},
                    "required": {"type": "boolean"},
                    "default": {"type": "string", "nullable": True},
                    "enum": {"type": "array", "items": {"type": "string"}, "nullable": True},
                },
            },
            "StoredQuery": {
                "type": "object",
                "required": ["name", "summary", "form", "parameters", "links"],
                "properties": {
                    "name": {"type": "string"},
                    "summary": {"type": "string"},
                    "description": {"type": "string"},
                    "tags": {"type": "array", "items": {"type": "string"}},
                    "form": {"type": "string", "enum": ["SELECT", "ASK", "CONSTRUCT", "DESCRIBE"]},
                    "parameters": {
                        "type": "array",
                        "items": {"$ref": "#/components/schemas/Parameter"},
                    },
                    "formats": {"type": "object", "additionalProperties": {"type": "string"}},
                    "pagination": {"type": "integer", "nullable": True},
                    "links": {"type": "object", "additionalProperties": {"type": "string"}},
                },
            },
            "Catalogue": {
                "type": "object",
                "required": ["queries"],
                "properties": {
                    "queries": {
                        "type": "array",
                        "items": {"$ref": "#/components/schemas/StoredQuery"},
                    },
                    "openapi": {"type": "string"},
                },
            },
        }
    }


def openapi_document(stored: list[StoredQuery], public_url: str | None = None) -> dict[str, Any]:
    """The OpenAPI 3 description of the stored-query API: one path per stored query,
    one parameter per query parameter. Deterministic for the same queries."""
    from kg.core.version import __version__

    paths: dict[str, Any] = {
        "/api/queries": {
            "get": {
                "operationId": "catalogue",
                "summary": "The stored queries, with their parameters and links",
                "tags": ["catalogue"],
                "responses": {
                    "200": {
                        "description": "The catalogue.",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/Catalogue"}
                            }
                        },
                    }
                },
            }
        }
    }
    for query in sorted(stored, key=lambda q: q.name):
        paths[f"/api/queries/{query.name}"] = {
            "get": _operation(query),
            "post": _post_operation(query),
        }
    document: dict[str, Any] = {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "kg stored queries",
            "version": __version__,
            "description": "The stored SPARQL queries of the kg knowledge graph of Vietnamese "
            "public administration, generated from their grlc headers. Parameter values are "
            "checked against their types and bound to the query, never pasted into it. "
            "Answers are negotiated with Accept, or chosen with format=.",
            "license": {"name": "MIT"},
        },
        "paths": paths,
        "components": _components(),
    }
    if public_url:
        document["servers"] = [{"url": public_url.rstrip("/")}]
    return document


def openapi_text(directory: str | Path | None = None) -> str:
    from kg.sparql.catalogue import discover

    document = openapi_document(discover(directory))
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


if __name__ == "__main__":  # pragma: no cover - python -m kg.http.api > docs/openapi.json
    sys.stdout.write(openapi_text())
