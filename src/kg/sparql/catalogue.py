"""Stored SPARQL queries: the catalogue and their typed parameters (``kg.store`` runs
them).

One module because a stored query's header, its parameters and the terms they bind are
one contract with grlc (the same names, types and defaults): split, the rules of one
would be read without the others.

A stored query is a file ``queries/NAME.rq`` (``queries/checks/`` holds validation
checks, not stored queries). It starts with a grlc header, ``#+`` lines holding YAML
(``summary``, ``description``, ``tags``, ``defaults``, ``enumerate``, ``pagination``),
and names its parameters as grlc does: ``?_name`` is required, ``?__name`` optional,
and a suffix gives the type: ``_iri``, ``_integer``, ``_number``, ``_literal``,
``_PREFIX_TYPE`` (a datatype) or ``_LANG`` (a language tag). ``parameters`` reads them
with grlc's own regular expression, over the whole file as grlc does, so that grlc and
kg agree on every query (a test checks this against the installed grlc).

Values are checked against their type before anything runs, then **bound, never
pasted into the query text**:

* on the embedded store, with ``prepareQuery`` and ``initBindings``;
* elsewhere (Oxigraph, a remote endpoint), as a ``VALUES`` block of terms written as
  rdflib's ``n3()`` writes them (``kg.sparql.terms.sparql``), inserted as the first
  element of the outermost ``WHERE`` group.

Values become ``kg.sparql.terms.Term``s, not rdflib terms: checking and binding them
imports no rdflib, except for the few types whose check is rdflib's own (a datatype such
as ``xsd:date``, a double). Reading the ``#+`` header needs no YAML parser either when it
is the plain subset the shipped queries use (``kg.sparql.header``).

A query with ``#+ pagination: N`` is answered a page of N rows at a time, as grlc pages
it: page P is the query with ``LIMIT``/``OFFSET`` appended, page 1 when none is asked
(see ``page_text``). With ``#+ page_key_property`` too, ``run_page`` finds the same rows
without sorting the whole answer (docs/paging.md).

The two agree (and so the query is portable) when parameters appear only in triple
patterns, in ``FILTER``/``BIND`` of the outermost group, or in a ``FILTER`` directly
inside an ``OPTIONAL`` of the outermost group. A ``FILTER`` nested deeper (inside a
``GRAPH`` block's ``OPTIONAL``, a subquery, a ``UNION`` branch) is evaluated before
the ``VALUES`` join on a SPARQL server and sees the parameter unbound, while rdflib's
``initBindings`` pre-binds it everywhere; the parity test against Oxigraph catches
such a query.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple

from kg.core import paths
from kg.core.errors import InputError, ParameterError, QueryError, one_line
from kg.sparql import header as sparql_header
from kg.sparql import text as sparql_text

if TYPE_CHECKING:
    from rdflib.term import Identifier, Node

    from kg.sparql.results import Result
    from kg.sparql.terms import Term

# grlc's variable matcher (grlc.gquery.get_parameters), verbatim, so that the two
# read the same parameters from the same text.
_GRLC_PARAMETER = re.compile(
    r"\?"
    r"(?P<required>[_]{1,2})"
    r"(?P<name>[a-zA-Z0-9]+)"
    r"([_](?P<type>(iri)|(number)|(literal)|(integer)))?"
    r"([_](?P<prefix>[a-zA-Z0-9]+)[_](?P<userdefined>[a-zA-Z0-9]+))?"
    r"([_](?P<lang>[a-zA-Z0-9]+))?"
)
# What else a SPARQL variable name may continue with after grlc's match ends.
_VARNAME_CONTINUES = re.compile(r"[\w\u00b7\u0300-\u036f\u203f-\u2040]")

#: Parameter types, as ``kg query show`` names them.
TYPES = ("iri", "integer", "number", "literal", "string")

_XSD = "http://www.w3.org/2001/XMLSchema#"
# Characters RFC 3987 does not allow anywhere in an IRI, and that would end an
# IRIREF in SPARQL: space, <>"{}|^`\ and the controls.
_IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|^`\\\x7f-\x9f]')
_IRI_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
_PREFIXED = re.compile(r"^([A-Za-z][\w\-]*):(.*)$", re.DOTALL)
_INTEGER = re.compile(r"^[+-]?[0-9]+$")
_DECIMAL = re.compile(r"^[+-]?[0-9]*\.[0-9]+$")
_DOUBLE = re.compile(r"^[+-]?(?:[0-9]+\.[0-9]*|\.?[0-9]+)[eE][+-]?[0-9]+$")
_LANG_TAG = re.compile(r"^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$")
# Python refuses int() of longer digit strings; nothing sensible needs more.
_MAX_INTEGER_DIGITS = 4000


class Parameter(NamedTuple):
    """One parameter of a query, as grlc reads it."""

    name: str  # grlc's name: "body" for ?_body_iri
    variable: str  # the SPARQL variable without "?": "_body_iri"
    required: bool
    type: str  # one of TYPES; "string" is grlc's untyped parameter
    datatype: str | None = None  # "xsd:date" for ?_day_xsd_date (and "xsd:integer")
    lang: str | None = None  # "vi" for ?_name_vi
    default: str | None = None
    enum: tuple[str, ...] | None = None

    def describe_type(self) -> str:
        if self.lang:
            return f"string @{self.lang}"
        if self.datatype and self.type != "integer":
            return self.datatype
        return self.type


class StoredQuery(NamedTuple):
    name: str
    path: Path | None
    text: str  # the whole file, header included (a header is a SPARQL comment)
    summary: str = ""
    description: str = ""
    tags: tuple[str, ...] = ()
    parameters: tuple[Parameter, ...] = ()
    form: str = "SELECT"
    # The #+ header as read, which follows from ``text``: left out of the hash (a
    # mapping has none).
    metadata: Mapping[str, Any] = MappingProxyType({})
    pagination: int | None = None  # rows a page, from ``#+ pagination``; None: one answer
    # ``#+ page_key_property``: the IRI of the property whose objects are the values of
    # the first ORDER BY variable (see ``run_page``); None: pages are grlc's text only.
    page_key_property: str | None = None
    # ``#+ page_key_property: ^p``: the values are the property's subjects instead.
    page_key_subject: bool = False
    # ``#+ page_key_property: p|q``: every property that gives the key (the first is
    # ``page_key_property``).
    page_key_properties: tuple[str, ...] = ()
    # ``#+ page_key_rows``: about how many rows share one value of a subject key (the
    # rows of one article); ``run_page`` first asks for the rows wanted over this many.
    page_key_rows: int = 1

    @property
    def sparql(self) -> str:
        """The query without its ``#+`` header lines."""
        return "\n".join(
            line for line in self.text.split("\n") if not line.startswith("#+")
        ).lstrip("\n")

    def parameter(self, name: str) -> Parameter | None:
        return next((p for p in self.parameters if p.name == name), None)

    @property
    def has_lang(self) -> bool:
        return self.parameter("lang") is not None

    def __hash__(self) -> int:
        return hash((self.name, self.path, self.text))


# -- the catalogue ---------------------------------------------------------------------


def query_files(directory: str | Path | None = None) -> list[Path]:
    """The stored query files, sorted by name (``checks/`` is not searched)."""
    folder = Path(directory) if directory is not None else paths.queries_dir()
    return sorted(folder.glob("*.rq"))


def discover(directory: str | Path | None = None) -> list[StoredQuery]:
    """Every stored query of ``directory`` (default: the shipped ``queries/``)."""
    return [read(path) for path in query_files(directory)]


def names(directory: str | Path | None = None) -> list[str]:
    return [path.stem for path in query_files(directory)]


def get(name: str, directory: str | Path | None = None) -> StoredQuery:
    """The stored query called ``name``; InputError naming the known ones if none is."""
    folder = Path(directory) if directory is not None else paths.queries_dir()
    path = folder / f"{name}.rq"
    if "/" in name or "\\" in name or name.startswith(".") or not path.is_file():
        known = ", ".join(names(folder)) or "none"
        raise InputError(f"no stored query {name!r} (known: {known})")
    return read(path)


def read(path: str | Path) -> StoredQuery:
    path = Path(path)
    try:
        # utf-8-sig: a byte-order mark, as some editors write, is not part of the query.
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read: {exc}", path) from None
    return parse(text, name=path.stem, path=path)


def parse(text: str, name: str = "query", path: Path | None = None) -> StoredQuery:
    """A stored query from its text: header, parameters and form, all checked."""
    where = path if path is not None else name
    metadata = header(text, where)
    try:
        shape = sparql_text.shape(text)
        parameters = parse_parameters(text, metadata, shape.prefixes)
    except QueryError as exc:
        if exc.path is not None or path is None:
            raise
        raise QueryError(exc.message, path) from None
    for parameter in parameters:
        # A default or an enumerated value that would not pass the parameter's own
        # check is a bug of the query file, found when the catalogue is read.
        for value in ([parameter.default] if parameter.default is not None else []) + list(
            parameter.enum or []
        ):
            try:
                to_term(parameter, value, shape.prefixes)
            except InputError as exc:
                raise QueryError(f"bad default or enumerated value: {exc.message}", path) from None
    pagination = _pagination(text, metadata, shape, parameters, where)
    page_key_properties = _page_key_properties(text, metadata, shape, pagination, where)
    page_key_subject = str(metadata.get(PAGE_KEY_PROPERTY, "")).strip().startswith("^")
    page_key_rows = _page_key_rows(metadata, page_key_subject, where)
    tags = metadata.get("tags") or []
    return StoredQuery(
        name=name,
        path=path,
        text=text,
        summary=_text(metadata.get("summary")),
        description=_text(metadata.get("description")),
        tags=tuple(str(t) for t in tags) if isinstance(tags, list) else (str(tags),),
        parameters=parameters,
        form=shape.form,
        metadata=metadata,
        pagination=pagination,
        page_key_property=page_key_properties[0] if page_key_properties else None,
        page_key_subject=page_key_subject,
        page_key_properties=page_key_properties,
        page_key_rows=page_key_rows,
    )


def _pagination(
    text: str,
    metadata: Mapping[str, Any],
    shape: sparql_text.Shape,
    parameters: tuple[Parameter, ...],
    where: str | Path,
) -> int | None:
    """The page size of ``#+ pagination``, checked against what paging needs."""
    size = metadata.get("pagination")
    if size is None:
        return None
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= MAX_PAGE_SIZE:
        raise QueryError(
            f"#+ pagination must be a whole number of rows from 1 to {MAX_PAGE_SIZE}", where
        )
    if shape.form != "SELECT":
        raise QueryError(f"#+ pagination pages SELECT answers; this is a {shape.form}", where)
    if sparql_text.order_keys(text) is None:
        raise QueryError(
            "#+ pagination needs an ORDER BY: without one, pages may overlap or skip rows",
            where,
        )
    if {"LIMIT", "OFFSET"} & shape.keywords:
        # grlc strips every LIMIT and OFFSET before it adds its own, subqueries' too.
        raise QueryError("#+ pagination adds LIMIT and OFFSET: the query must have none", where)
    if any(p.name == PAGE for p in parameters):
        raise QueryError(f"#+ pagination uses the parameter name {PAGE!r}: rename ?_{PAGE}", where)
    return int(size)


def _page_key_properties(
    text: str,
    metadata: Mapping[str, Any],
    shape: sparql_text.Shape,
    pagination: int | None,
    where: str | Path,
) -> tuple[str, ...]:
    """The IRIs named by ``#+ page_key_property`` (prefixed names of the query's prologue
    or ``<IRI>``s, separated by ``|``, after a ``^`` when the key is their subject),
    checked against what ``run_page`` needs."""
    declared = metadata.get(PAGE_KEY_PROPERTY)
    if declared is None:
        return ()
    if pagination is None:
        raise QueryError(f"#+ {PAGE_KEY_PROPERTY} needs #+ pagination", where)
    if _first_order_key(text) is None:
        raise QueryError(
            f"#+ {PAGE_KEY_PROPERTY} needs an ORDER BY whose first condition is an "
            "ascending variable (?x or ASC(?x))",
            where,
        )
    found: list[str] = []
    for part in str(declared).strip().removeprefix("^").split("|"):
        name = part.strip()
        prefix, colon, local = name.partition(":")
        if name.startswith("<") and name.endswith(">") and _PLAIN_IRI.match(name[1:-1]):
            found.append(name[1:-1])
        elif colon and prefix in shape.prefixes and _LOCAL_NAME.match(local):
            found.append(shape.prefixes[prefix] + local)
        else:
            raise QueryError(
                f"#+ {PAGE_KEY_PROPERTY} {_short(name)} is not an <IRI> or a prefixed name "
                "the query declares",
                where,
            )
    return tuple(found)


def _page_key_rows(metadata: Mapping[str, Any], subject: bool, where: str | Path) -> int:
    """``#+ page_key_rows``: the rows one value of a subject key usually has (1 when
    not given: a row per resource)."""
    rows = metadata.get(PAGE_KEY_ROWS)
    if rows is None:
        return 1
    if not subject:
        # An object key is asked for as often as it occurs: its values count rows already.
        raise QueryError(
            f"#+ {PAGE_KEY_ROWS} needs a subject key (#+ {PAGE_KEY_PROPERTY}: ^p)", where
        )
    if isinstance(rows, bool) or not isinstance(rows, int) or not 1 <= rows <= MAX_PAGE_SIZE:
        raise QueryError(
            f"#+ {PAGE_KEY_ROWS} must be a whole number of rows from 1 to {MAX_PAGE_SIZE}", where
        )
    return rows


def _first_order_key(text: str) -> str | None:
    """The variable of the first condition of the outermost ORDER BY if it is ascending
    (``?x`` or ``ASC(?x)``), else None."""
    toks = list(sparql_text.tokens(text))
    for i, tok in enumerate(toks[:-2]):
        if tok.depth == 0 and tok.keyword == "ORDER" and toks[i + 1].keyword == "BY":
            first = toks[i + 2]
            if first.kind == "var":
                return first.text[1:]
            rest = toks[i + 3 : i + 6]
            if first.keyword == "ASC" and [t.text for t in rest[::2]] == ["(", ")"]:
                return rest[1].text[1:] if rest[1].kind == "var" else None
            return None
    return None


def _text(value: Any) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def header(text: str, where: str | Path = "query") -> dict[str, Any]:
    """The YAML of the ``#+`` lines, read as grlc reads it (``lstrip("#+")``): by
    ``kg.sparql.header`` when it is the plain subset the shipped queries use, else by
    PyYAML."""
    lines = [row.lstrip("#+") for row in text.split("\n") if row.startswith("#+")]
    if not lines:
        return {}
    plain = sparql_header.read(lines)
    if plain is not None:
        return plain
    import yaml

    try:
        data = yaml.safe_load("\n".join(lines))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or exc
        raise QueryError(f"bad YAML in the #+ header: {problem}", where, line) from None
    except RecursionError:
        # PyYAML's composer recurses once per level of [ and {.
        raise QueryError("bad YAML in the #+ header: nested too deep", where) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise QueryError("the #+ header must be a YAML mapping", where)
    return data


def _scalar(value: Any) -> str:
    # YAML reads `true` as a bool and `2020` as an int; a parameter value is text.
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _keyed(metadata: Mapping[str, Any], key: str) -> dict[str, Any]:
    """grlc's ``defaults`` / ``enumerate``: a list of one-key mappings (or one mapping)."""
    value = metadata.get(key)
    if value is None:
        return {}
    if isinstance(value, dict):
        return dict(value)
    if not isinstance(value, list):
        raise QueryError(f"#+ {key} must be a list of 'name: value' entries")
    out: dict[str, Any] = {}
    for item in value:
        if isinstance(item, dict):
            out.update(item)
        elif key == "enumerate" and isinstance(item, str):
            # grlc would ask the endpoint for the values; kg has no list to check
            # against, so any value is allowed.
            continue
        else:
            raise QueryError(f"#+ {key}: {item!r} is not a 'name: value' entry")
    return out


def parse_parameters(
    text: str, metadata: Mapping[str, Any] | None = None, prefixes: Mapping[str, str] | None = None
) -> tuple[Parameter, ...]:
    """The parameters of a query text, read exactly as grlc's ``get_parameters`` does.

    Raises QueryError where grlc's reading would not be the SPARQL variable (``?_x_iris``
    is the variable ``_x_iris`` but grlc's parameter ``x`` of type iri) and where one
    name is used for two different variables.
    """
    metadata = metadata or {}
    defaults = _keyed(metadata, "defaults")
    enums = _keyed(metadata, "enumerate")
    found: dict[str, Parameter] = {}
    for match in _GRLC_PARAMETER.finditer(text):
        name = match.group("name")
        variable = match.group(0)[1:]
        if _VARNAME_CONTINUES.match(text, match.end()):
            whole = re.match(r"[\w\u00b7\u0300-\u036f\u203f-\u2040]*", text[match.end() :])
            rest = whole.group() if whole else ""
            raise QueryError(
                f"variable ?{variable}{rest}: grlc reads it as parameter {name!r} "
                f"(?{variable}); rename it so that the whole variable is the parameter"
            )
        kind = match.group("type")
        datatype: str | None = None
        if kind == "integer":
            datatype = "xsd:integer"
        elif kind is None:
            kind = "string"
            if match.group("prefix") and match.group("userdefined"):
                datatype = f"{match.group('prefix')}:{match.group('userdefined')}"
        default = defaults.get(name)
        enum = enums.get(name)
        if enum is not None and not isinstance(enum, list):
            raise QueryError(f"#+ enumerate: the values of {name!r} must be a list")
        parameter = Parameter(
            name=name,
            variable=variable,
            required=len(match.group("required")) == 1,
            type=kind,
            datatype=datatype,
            lang=match.group("lang"),
            default=_scalar(default) if default is not None else None,
            enum=tuple(_scalar(v) for v in enum) if enum is not None else None,
        )
        previous = found.get(name)
        if previous is not None and previous.variable != variable:
            raise QueryError(
                f"parameter {name!r} is used as ?{previous.variable} and ?{variable}; "
                "use one variable per parameter"
            )
        found[name] = parameter
    if prefixes is not None:
        for parameter in found.values():
            if parameter.datatype:
                _datatype_iri(parameter.datatype, prefixes)
    return tuple(found.values())


# -- values ----------------------------------------------------------------------------


def _datatype_iri(datatype: str, prefixes: Mapping[str, str]) -> str:
    prefix, local = datatype.split(":", 1)
    if prefix in prefixes:
        return prefixes[prefix] + local
    if prefix == "xsd":
        return _XSD + local
    raise QueryError(f"datatype {datatype}: the query declares no PREFIX {prefix}:")


def check_iri(value: str, what: str = "value") -> str:
    """``value`` if it is an absolute IRI that can be written in SPARQL; else InputError.

    rdflib's URIRef accepts almost anything, so the check is here: no space, no
    ``<>"{}|^`\\``, no control characters, and a scheme.
    """
    bad = _IRI_FORBIDDEN.search(value)
    if bad:
        char = bad.group()
        shown = repr(char) if char.isprintable() and char != " " else f"U+{ord(char):04X}"
        raise ParameterError(f"{what} is not a valid IRI: {shown} is not allowed in an IRI")
    if not _IRI_SCHEME.match(value):
        raise ParameterError(f"{what} is not an absolute IRI (no scheme such as https:)")
    # The rest of RFC 3987 (percent-encoding, the host, one '#'), checked by Oxigraph's
    # IRI parser, which would otherwise refuse the value as bad SPARQL at a position in
    # a text the user never wrote.
    import pyoxigraph

    try:
        pyoxigraph.NamedNode(value)
    except ValueError as exc:
        raise ParameterError(f"{what} is not a valid IRI: {one_line(exc)}") from None
    return value


def expand_iri(value: str) -> str:
    """A full IRI from ``<iri>``, ``iri`` or ``prefix:local`` with a project prefix."""
    from kg.core.prefixes import PREFIXES

    value = value.strip()
    if value.startswith("<") and value.endswith(">"):
        return value[1:-1]
    match = _PREFIXED.match(value)
    if match and match.group(1) in PREFIXES and not match.group(2).startswith("//"):
        return PREFIXES[match.group(1)] + match.group(2)
    return value


def entity_iri(value: str) -> str:
    """The IRI ``value`` names (``<iri>``, ``iri`` or ``prefix:local`` with a project
    prefix); ParameterError if it is none of these."""
    full = expand_iri(value)
    if not _IRI_SCHEME.match(full):
        raise ParameterError(f"not an IRI or prefixed name: {_short(value)}")
    return check_iri(full, _short(value))


def unknown_prefix_of(value: str) -> str | None:
    """The message for ``value`` written ``prefix:local`` with a prefix kg does not
    declare (``nope:x``), None for anything else. Such a value is an absolute IRI with
    the scheme ``nope``, so only a caller that found nothing under it asks."""
    from kg.core.prefixes import PREFIXES, unknown_prefix

    match = _PREFIXED.match(value.strip())
    if match is None or match.group(1) in PREFIXES or match.group(2).startswith("//"):
        return None
    return unknown_prefix(match.group(1))


def to_term(parameter: Parameter, raw: str, prefixes: Mapping[str, str] | None = None) -> Term:
    """The RDF term a value stands for, checked against the parameter's type."""
    from kg.sparql import terms

    what = f"parameter {parameter.name!r}"
    if parameter.enum is not None and raw not in parameter.enum:
        raise ParameterError(f"{what}: {_short(raw)} is not one of {', '.join(parameter.enum)}")
    if parameter.type == "iri":
        return terms.iri(check_iri(expand_iri(raw), f"{what}: {_short(raw)}"))
    if parameter.type == "integer":
        text = raw.strip()
        if not _INTEGER.match(text):
            raise ParameterError(f"{what}: {_short(raw)} is not an integer")
        if len(text) > _MAX_INTEGER_DIGITS:
            raise ParameterError(f"{what}: integer too long ({len(text)} digits)")
        return terms.literal(str(int(text)), _XSD + "integer")
    if parameter.type == "number":
        text = raw.strip()
        for pattern, datatype in (
            (_INTEGER, "integer"),
            (_DECIMAL, "decimal"),
            (_DOUBLE, "double"),
        ):
            if pattern.match(text):
                # The value as given, in the lexical form rdflib writes it in.
                return terms.literal(terms.lexical(text, _XSD + datatype), _XSD + datatype)
        raise ParameterError(f"{what}: {_short(raw)} is not a number")
    if parameter.lang:
        if not _LANG_TAG.match(parameter.lang):
            raise QueryError(f"{what}: bad language tag {parameter.lang!r}")
        return terms.literal(raw, language=parameter.lang)
    if parameter.datatype:
        datatype = _datatype_iri(parameter.datatype, prefixes or {})
        # Whether a value is a valid xsd:date (and its canonical form) is rdflib's call.
        checked = terms.rdflib_literal(raw, datatype)
        if checked.ill_typed:
            raise ParameterError(f"{what}: {_short(raw)} is not a valid {parameter.datatype}")
        return terms.literal(str(checked), datatype)
    return terms.literal(raw)


def _short(value: str, limit: int = 60) -> str:
    shown = value if len(value) <= limit else value[:limit] + "…"
    return repr(shown)


def bindings(
    query: StoredQuery, values: Mapping[str, str] | None = None, lang: str | None = None
) -> dict[str, Term]:
    """The terms to bind, by SPARQL variable name, from the user's values and the
    defaults. Checked before anything runs: unknown and missing parameters and values
    of the wrong type are InputErrors naming the parameter."""
    given = dict(values or {})
    known = {p.name for p in query.parameters}
    for name in given:
        if name not in known:
            listed = ", ".join(sorted(known)) or "none"
            raise ParameterError(
                f"unknown parameter {name!r} for query {query.name!r} (its parameters: {listed})"
            )
    if lang is not None and "lang" in known:
        if "lang" in given and given["lang"] != lang:
            raise ParameterError(f"--lang {lang} and --param lang={given['lang']} disagree")
        given["lang"] = lang
    prefixes = sparql_text.shape(query.text).prefixes
    out: dict[str, Term] = {}
    for parameter in query.parameters:
        raw = given.get(parameter.name, parameter.default)
        if raw is None:
            if parameter.required:
                raise ParameterError(
                    f"missing required parameter {parameter.name!r} for query {query.name!r} "
                    f"(--param {parameter.name}=VALUE, {parameter.describe_type()})"
                )
            continue
        out[parameter.variable] = to_term(parameter, raw, prefixes)
    return out


# -- binding for a remote endpoint ------------------------------------------------------


def with_values(text: str, terms: Mapping[str, Term | Identifier]) -> str:
    """``text`` with one-row ``VALUES`` blocks binding ``terms`` (variable -> term), one
    block a variable, as the first elements of its outermost WHERE group.

    One block a variable, not one of several columns: Virtuoso 7.2 refuses a query
    that joins a literal of a several-column row with a triple and has an OPTIONAL
    beside it ("SP031 ... ssg_print_rvr_fixed_val(): no SPART_VARR_FIXED",
    unit-with-code-on-day); one-column blocks are the same join on every engine.
    Terms are written as rdflib's ``n3()`` writes them (``kg.sparql.terms.sparql``),
    escaping what would end a string or an IRI; IRIs were checked by ``check_iri``
    already, and are refused again if they hold what cannot be written. No other text
    is inserted.
    """
    from kg.sparql.terms import sparql

    if not terms:
        return text
    shape = sparql_text.shape(text)
    if shape.where_open is None:
        raise QueryError(
            "cannot bind parameters for a remote endpoint: the query has no WHERE group "
            "to put them in (write CONSTRUCT { ... } WHERE { ... }, DESCRIBE ... WHERE { ... })"
        )
    block = "".join(
        f" VALUES (?{variable}) {{ ({sparql(term)}) }}" for variable, term in terms.items()
    )
    block += "\n"
    return text[: shape.where_open] + block + text[shape.where_open :]


# -- running ---------------------------------------------------------------------------


def with_prefixes(text: str) -> str:
    """``text`` with PREFIX declarations for the project prefixes it uses without
    declaring them, as the Wikidata Query Service does for ad-hoc queries."""
    from kg.core.prefixes import PREFIXES

    shape = sparql_text.shape(text)
    missing = sorted(p for p in shape.used_prefixes if p in PREFIXES and p not in shape.prefixes)
    if not missing:
        return text
    return "".join(f"PREFIX {p}: <{PREFIXES[p]}>\n" for p in missing) + text


# -- pages -----------------------------------------------------------------------------

#: grlc's name for the page number (the query-string field, and ``kg query run --page``).
PAGE = "page"
#: The largest ``#+ pagination`` a query may set: a page is meant to be cheap to send.
MAX_PAGE_SIZE = 10_000
#: The most key values ``run_page`` asks for and sends back; past it, grlc's text runs.
MAX_PAGE_KEYS = 10_000
#: The header naming the property that gives the first ORDER BY key its values.
PAGE_KEY_PROPERTY = "page_key_property"
PAGE_KEY_ROWS = "page_key_rows"
_PLAIN_IRI = re.compile(r"[^\s<>\"{}|^`\\]+\Z")
_LOCAL_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*\Z")
# A page past this is a typo (OFFSET over 10^12 rows at the smallest page size).
_MAX_PAGE = 1_000_000_000_000


def page_number(query: StoredQuery, raw: str | int | None) -> int | None:
    """The page to run: None for a query without ``#+ pagination`` (a ParameterError if
    a page was asked of it), else ``raw`` checked, or page 1 when it is None, as grlc
    does."""
    if query.pagination is None:
        if raw is not None:
            raise ParameterError(f"query {query.name!r} is not paged: it has no {PAGE} to ask for")
        return None
    if raw is None:
        return 1
    text = str(raw).strip()
    if not _INTEGER.match(text) or len(text) > 20 or not 1 <= int(text) <= _MAX_PAGE:
        raise ParameterError(f"{PAGE} {_short(str(raw))} is not a page number (1, 2, 3 ...)")
    return int(text)


def page_asked(query: StoredQuery, values: dict[str, str], page: str | None) -> str | None:
    """The page asked for by ``--page`` (``page``) or by a ``page=N`` parameter, which
    the API and grlc take in the query string with the others: taken out of ``values``
    unless the query has a parameter of that name. ParameterError if the two disagree;
    the page itself is checked by ``page_number``."""
    if PAGE not in values or any(p.name == PAGE for p in query.parameters):
        return page
    given = values.pop(PAGE)
    if page is not None and page.strip() != given.strip():
        raise ParameterError(f"--page {page} and --param {PAGE}={given} disagree")
    return given


def page_text(query: StoredQuery, page: int) -> str:
    """The query for page ``page`` (from 1) of a paged query: grlc's ``LIMIT size OFFSET
    (page - 1) * size`` appended, except that it asks for one row more, to know whether
    there is a next page without counting the whole answer (grlc counts nothing: its
    ``last`` link is made up); ``cut_page`` drops that row. The rows of the page are
    grlc's."""
    size = query.pagination
    if size is None:
        raise QueryError(f"query {query.name!r} has no #+ pagination")
    # On a line of its own: the query may end with a comment.
    return f"{query.text.rstrip()}\nLIMIT {size + 1} OFFSET {(page - 1) * size}\n"


def page_key_text(query: StoredQuery, count: int) -> str:
    """The query for the ``count`` smallest values of the page key (see ``run_page``):
    the objects (or, with ``^``, the subjects) of ``#+ page_key_property`` in every named
    graph, in the engine's order."""
    key = _first_order_key(query.text)
    if query.page_key_property is None or key is None:
        raise QueryError(f"query {query.name!r} has no #+ {PAGE_KEY_PROPERTY}")
    path = "|".join(f"<{iri}>" for iri in query.page_key_properties or (query.page_key_property,))
    if query.page_key_subject:
        # Subjects are resources that every source restating them repeats (a document in
        # each article that names it): asked for once each, or the values found could all
        # be one. Unsorted: Oxigraph's store sorts IRIs slowly (a dictionary lookup per
        # comparison: 0.9 s for 21,570 at 10^7 quads), ``run_page`` sorts them itself.
        return (
            f"SELECT DISTINCT ?{key} WHERE {{ GRAPH ?page_key_graph {{ "
            f"?{key} {path} ?page_key_object }} }}\n"
        )
    # Objects are values that different rows share (the same offset in many sources):
    # asked for as often as they occur, so that the values found cover the rows wanted.
    return (
        f"SELECT ?{key} WHERE {{ GRAPH ?page_key_graph {{ "
        f"?page_key_subject {path} ?{key} }} }}\n"
        f"ORDER BY ?{key}\nLIMIT {count}\n"
    )


def keyed_page_text(query: StoredQuery, page: int, keys: Sequence[Term | Node]) -> str:
    """``page_text`` with the first ORDER BY variable bound to ``keys``: a ``VALUES``
    block first in the outermost WHERE group, which the engines join first, and first in
    the WHERE group of every sub-select that uses the variable itself (see
    ``_key_groups``)."""
    from kg.sparql.terms import sparql

    key = _first_order_key(query.text)
    shape = sparql_text.shape(query.text)
    if key is None or shape.where_open is None:
        raise QueryError(f"query {query.name!r} has no #+ {PAGE_KEY_PROPERTY}")
    block = f" VALUES ?{key} {{ {' '.join(sparql(term) for term in keys)} }}\n"
    text = query.text
    for offset in sorted({shape.where_open, *_key_groups(text, key)}, reverse=True):
        text = text[:offset] + block + text[offset:]
    return page_text(query._replace(text=text), page)


def _key_groups(text: str, key: str) -> list[int]:
    """The offsets just inside the WHERE group of each sub-select that uses ``?key`` in
    its own group (not only in a sub-select nested in it).

    Engines evaluate a sub-select in full before joining it, so a page restricted to its
    keys in the outer group only still pays for the whole sub-select. Restricting the
    sub-select too keeps the rows the same when it projects ``?key`` (the join keeps only
    its rows with those values anyway) or, when it does not, when ``?key`` stands there for
    the same values, narrowing what the sub-select finds to what the page's rows need:
    what ``#+ page_key_property`` promises (docs/paging.md)."""
    toks = list(sparql_text.tokens(text))
    # For each open brace: the offset after it if it opens a sub-select's WHERE group.
    groups: list[int | None] = []
    wanted: set[int] = set()
    select_depth: list[int] = []  # brace depths of sub-selects awaiting their group
    for tok in toks:
        if tok.keyword == "SELECT" and tok.depth > 0:
            select_depth.append(tok.depth)
        elif tok.kind == "open":
            opens_select = bool(select_depth) and select_depth[-1] == tok.depth
            if opens_select:
                select_depth.pop()
            groups.append(tok.end if opens_select else None)
        elif tok.kind == "close" and groups:
            groups.pop()
        elif tok.kind == "var" and tok.text[1:] == key:
            inner = next((g for g in reversed(groups) if g is not None), None)
            if inner is not None:
                wanted.add(inner)
    return sorted(wanted)


def run_page(query: StoredQuery, page: int, run: Callable[[str], Result]) -> Result:
    """Page ``page`` of a paged query, each text sent through ``run``: grlc's page
    (``page_text``), or, for a query with ``#+ page_key_property``, the same rows found
    without ordering the whole answer where that can be shown to give them.

    Engines evaluate and sort the whole answer before ``LIMIT`` (no top-k), so a page costs
    what the answer costs. With a page key: (1) the smallest values of the property, twice
    as many as the rows up to the end of the page, sorted (one index scan and a sort of
    plain values); (2) the page of the query restricted to rows whose first ORDER BY key is
    one of those values (``keyed_page_text``). If every row takes its key from that
    property in a named graph (what the header declares), the restricted rows are the rows
    whose key sorts at or before the last value found: a leading part of the whole ordered
    answer. So when they reach past the end of the page (one row more than the page), the
    page is exactly grlc's; when the values found were all the property has, the restricted
    rows are the whole answer, so the page is exact too. Else (rows share key values more
    than twice over) four times as many values are tried, up to ``MAX_PAGE_KEYS``; then
    grlc's text runs as it is, as it does for a key that is a blank node (it cannot be
    sent back).

    A subject key (``^p``): the distinct subjects, sorted here by their text (as SPARQL
    orders IRIs), as many as the rows up to the page's end over ``#+ page_key_rows``;
    grlc's text runs if the engine's page shows it orders them otherwise."""
    from kg.sparql.terms import BNODE, URI, parts

    size = query.pagination or 0
    # Twice the rows up to the page's end: rows may share a key value, or have none. A
    # subject is a resource with a row of its own, as a rule: as many as the rows (each
    # costs its rows, and a resource every source restates costs them in every source),
    # or fewer where the header says a subject has many rows (an article, its quotes).
    rows = page * size + 1
    wanted = -(-rows // query.page_key_rows) if query.page_key_subject else 2 * rows
    key = _first_order_key(query.text) or ""
    subjects: list[Term | Node] | None = None
    while query.page_key_property is not None and wanted <= MAX_PAGE_KEYS:
        if query.page_key_subject:
            if subjects is None:
                every = [row[key] for row in run(page_key_text(query, wanted)).solutions]
                if any(parts(v).kind != URI for v in every):
                    break
                # SPARQL orders IRIs by their text, code point by code point, as Python
                # orders strings; checked below against the engine's own order.
                subjects = sorted(every, key=lambda v: parts(v).value)
            found = subjects[:wanted]
        else:
            found = [row[key] for row in run(page_key_text(query, wanted)).solutions]
        values = list(dict.fromkeys(found))
        if not values or any(parts(v).kind == BNODE for v in values):
            break
        result = run(keyed_page_text(query, page, values))
        if subjects is not None and not _in_text_order(result, key):
            break  # an engine that orders IRIs otherwise: grlc's text is the page
        # Fewer values than asked for: they are all there are, so the restricted rows
        # are the whole answer.
        if len(result.solutions) > size or len(found) < wanted:
            return cut_page(query, page, result)
        wanted *= 4
    return cut_page(query, page, run(page_text(query, page)))


def _in_text_order(result: Result, key: str) -> bool:
    """Whether the engine ordered the IRIs of ``key`` in ``result`` by their text."""
    from itertools import pairwise

    from kg.sparql.terms import parts

    texts = [parts(row[key]).value for row in result.solutions if key in row]
    return all(a <= b for a, b in pairwise(texts))


def cut_page(query: StoredQuery, page: int, result: Result) -> Result:
    """``result`` of ``page_text(query, page)`` as the page: at most ``pagination`` rows,
    and ``next_page`` set when there is one more page."""
    from kg.sparql.results import Result

    size = query.pagination or 0
    solutions = result.solutions
    cut = Result(result.form, result.variables, solutions=solutions[:size])
    cut.next_page = page + 1 if len(solutions) > size else None
    return cut


# -- expected results ------------------------------------------------------------------


class ExpectedCase(NamedTuple):
    """One run of a stored query whose answer is checked in: its defaults, or its
    defaults with another value of ``lang``, or (a paged query) its second page."""

    query: StoredQuery
    lang: str | None  # None: every parameter at its default
    page: int | None = None  # None: the first page of a paged query, as when none is asked

    @property
    def filename(self) -> str:
        extension = "json" if self.query.form in ("SELECT", "ASK") else "nt"
        middle = f".{self.lang}" if self.lang else ""
        middle += f".page{self.page}" if self.page else ""
        return f"{self.query.name}{middle}.expected.{extension}"

    @property
    def id(self) -> str:
        shown = ",".join(
            [*([self.lang] if self.lang else []), *([f"page {self.page}"] if self.page else [])]
        )
        return f"{self.query.name}[{shown}]" if shown else self.query.name

    @property
    def text(self) -> str:
        """The query text this case runs: its page, for a paged query."""
        page = page_number(self.query, self.page)
        return self.query.text if page is None else page_text(self.query, page)


def expected_cases(directory: str | Path | None = None) -> list[ExpectedCase]:
    """The defaults of every stored query, every other enumerated ``lang``, and the
    second page of a paged query (empty if the shipped data has one page only: then the
    first is known to be the whole answer)."""
    cases: list[ExpectedCase] = []
    for stored in discover(directory):
        cases.append(ExpectedCase(stored, None))
        lang = stored.parameter("lang")
        if lang is not None and lang.enum:
            cases.extend(ExpectedCase(stored, v) for v in lang.enum if v != lang.default)
        if stored.pagination is not None:
            cases.append(ExpectedCase(stored, None, 2))
    return cases


def expected_text(case: ExpectedCase, result: Result) -> str:
    """The checked-in form of ``result``: SPARQL JSON results with rows normalised by
    ``results.normalised`` (see there), or a graph as sorted N-Triples."""
    from kg.sparql.results import normalised, to_json

    if result.graph is not None:
        from kg.io.serialise import export_graph

        return export_graph(result.graph, "nt").decode("utf-8")
    return to_json(normalised(result, sparql_text.order_keys(case.query.text)))


def parse_params(params: tuple[str, ...]) -> dict[str, str]:
    """``NAME=VALUE`` strings as a mapping; InputError for a malformed or repeated one."""
    values: dict[str, str] = {}
    for item in params:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise ParameterError(f"--param {item!r}: expected NAME=VALUE")
        if name in values:
            raise ParameterError(f"--param {name} given twice")
        values[name] = value
    return values
