"""``kg query`` and ``kg sparql``: the command line over ``kg.sparql.catalogue``.

Registered on the ``kg`` group by ``kg.cli``. Like it, this module imports only click
at load time; rdflib, YAML and SPARQLWrapper are imported by the commands that need
them, so that ``kg --help`` stays fast.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kg.cli.options import (
    FormatChoice,
    check_union_choice,
    data_option,
    output_option,
    query_timeout_option,
    refuse_output_over_inputs,
    store_option,
    union_default_option,
)
from kg.cli.stored import (
    ANSWER_FORMATS,
    LANGUAGES,
    check_format,
    offered,
    run_stored,
    write_answer,
)
from kg.core.errors import InputError, ParameterError, QueryError
from kg.sparql.catalogue import parse_params
from kg.sparql.results import MAX_CELL_WIDTH

format_option = click.option(
    "-f",
    "--format",
    "fmt",
    type=FormatChoice(ANSWER_FORMATS),
    default=None,
    help="SELECT: "
    + ", ".join(offered("SELECT"))
    + "; ASK: "
    + ", ".join(offered("ASK"))
    + "; CONSTRUCT and DESCRIBE: "
    + ", ".join(offered("CONSTRUCT"))
    + " (xml: SPARQL XML results, or RDF/XML for a graph). The first is the default. "
    + f"table cuts a value past {MAX_CELL_WIDTH} characters (…); the others hold it whole.",
)
param_option = click.option(
    "-p",
    "--param",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help="A parameter value (repeatable). IRIs may be written prefix:local with a "
    "project prefix, e.g. body=body:huyen-uy-nam-truc.",
)
endpoint_option = click.option(
    "--endpoint",
    metavar="URL",
    default=None,
    help="Run on this SPARQL 1.1 endpoint instead of the embedded store.",
)


@click.group()
def query() -> None:
    """Stored SPARQL queries: list them, show one, run one.

    The queries are the files queries/*.rq; each starts with a grlc header (#+ lines:
    summary, description, tags, defaults, enumerate, pagination) and names its
    parameters as grlc does (?_name_type required, ?__name_type optional).
    """


@query.command(name="list")
def list_() -> None:
    """List the stored queries: name, summary, parameters."""
    from kg.sparql.catalogue import discover

    for stored in discover():
        params = " ".join(
            f"{p.name}{'' if p.required else '?'}={p.default}"
            if p.default is not None
            else f"{p.name}{'' if p.required else '?'}"
            for p in stored.parameters
        )
        if stored.pagination is not None:
            params = f"{params} page?=1".lstrip()
        line = f"{stored.name}\t{stored.summary}"
        click.echo(f"{line}\t[{params}]" if params else line)


@query.command()
@click.argument("name")
def show(name: str) -> None:
    """Show a stored query: its header, its parameters with types and defaults, its SPARQL."""
    from kg.sparql.catalogue import get

    stored = get(name)
    click.echo(f"name:        {stored.name}")
    click.echo(f"form:        {stored.form}")
    click.echo(f"summary:     {stored.summary}")
    if stored.description:
        click.echo(f"description: {stored.description}")
    if stored.tags:
        click.echo(f"tags:        {', '.join(stored.tags)}")
    click.echo("parameters:" + ("" if stored.parameters else "  none"))
    for p in stored.parameters:
        parts = [p.describe_type(), "required" if p.required else "optional"]
        if p.default is not None:
            parts.append(f"default {p.default}")
        if p.enum is not None:
            parts.append(f"one of {', '.join(p.enum)}")
        click.echo(f"  {p.name} (?{p.variable}): {'; '.join(parts)}")
    if stored.pagination is not None:
        click.echo(f"pages:       {stored.pagination} rows a page (--page N, default 1)")
    click.echo("")
    click.echo(stored.sparql.rstrip("\n"))


@query.command()
@click.argument("name")
@param_option
@format_option
@click.option(
    "--lang",
    type=click.Choice(LANGUAGES),
    default=None,
    help="Language of the labels: sets the query's lang parameter (ignored if it has none).",
)
@click.option(
    "--page",
    metavar="N",
    default=None,
    help="The page to print, from 1 (default 1), of a query with #+ pagination (the rows a "
    "page). Whether there is a next page is said on stderr.",
)
@endpoint_option
@query_timeout_option
@data_option
@store_option
@union_default_option
@output_option
def run(
    name: str,
    params: tuple[str, ...],
    fmt: str | None,
    lang: str | None,
    page: str | None,
    endpoint: str | None,
    timeout: float | None,
    sources: tuple[str, ...],
    store: str | None,
    union_default_graph: bool,
    output: str,
) -> None:
    """Run a stored query on the embedded store or on --endpoint.

    Parameter values are checked against their types before anything runs, then bound
    (never pasted into the query): exit 2 naming the parameter if one is wrong.

    A query with #+ pagination prints one page (page 1 unless --page is given), and
    says on stderr which page it printed and the --page of the next one, if any.
    """
    check_union_choice(endpoint, store)
    run_stored(
        name,
        params,
        fmt,
        output,
        lang=lang,
        page=page,
        endpoint=endpoint,
        timeout=timeout,
        sources=sources,
        store=store,
        union_default=union_default_graph,
    )


@click.command()
@click.argument("source", metavar="QUERY|FILE|-")
@param_option
@format_option
@endpoint_option
@query_timeout_option
@data_option
@store_option
@union_default_option
@output_option
def sparql(
    source: str,
    params: tuple[str, ...],
    fmt: str | None,
    endpoint: str | None,
    timeout: float | None,
    sources: tuple[str, ...],
    store: str | None,
    union_default_graph: bool,
    output: str,
) -> None:
    """Run ad-hoc SPARQL: the query text, a file holding it, or - for stdin.

    QUERY|FILE is read as a file only when it is an existing file; anything else is
    query text, however long. A single word ending in .rq or .sparql that is not an
    existing file is an error ("no such file"), not query text.

    The project prefixes (kgo:, body:, rdfs: ...) may be used without declaring them.
    Every triple is in a named graph; the default graph is their union (as on kg serve's
    /sparql) unless --no-union-default-graph, which leaves it empty (match with
    GRAPH ?g { ... }). SELECT * lists its columns in the order the variables first
    appear in the query.
    """
    check_union_choice(endpoint, store)
    import kg.store
    from kg.sparql import catalogue as queries
    from kg.store import store_spec

    path: str | None = None
    is_file = source != "-" and _is_existing_file(source)
    refuse_output_over_inputs(
        output, [] if endpoint else list(sources) or None, source if is_file else None
    )
    if source == "-":
        text = sys.stdin.read().removeprefix("\ufeff")
    elif is_file:
        path = source
        try:
            # utf-8-sig: a byte-order mark is not part of the query.
            text = Path(source).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read: {exc}", source) from None
    elif _names_a_query_file(source):
        # Run as text it would fail as "not a SPARQL query", hiding the mistyped path.
        raise InputError("no such file", source)
    else:
        text = source
    try:
        # Ad-hoc text runs as written: #+ pagination pages stored queries only.
        stored = queries.parse(queries.with_prefixes(text), name="query")._replace(pagination=None)
        if fmt is not None:
            check_format(fmt, stored.form)
        values = parse_params(params)
        result = kg.store.run(
            stored,
            values,
            endpoint=endpoint,
            timeout=timeout,
            sources=list(sources) or None,
            store=store_spec(store),
            union_default=union_default_graph,
        )
    except (InputError, QueryError) as exc:
        # A bad or refused query read from a file: name the file, as for data files.
        # A bad --param value is not the file's fault: its message stays as it is (the
        # same as the HTTP API gives for it).
        if (
            path is not None
            and exc.path in (None, "query")
            and endpoint is None
            and not isinstance(exc, ParameterError)
        ):
            exc.path = path
        raise
    write_answer(result, fmt, output)


_QUERY_FILE_SUFFIXES = (".rq", ".sparql")


def _is_existing_file(source: str) -> bool:
    # Query text is tried as a path too: a long one is "File name too long" (OSError)
    # and one with a NUL byte a ValueError; neither names a file.
    try:
        return Path(source).is_file()
    except (OSError, ValueError):
        return False


def _names_a_query_file(source: str) -> bool:
    """A single word ending in a query file suffix: meant as a path, never as a query."""
    return not any(c.isspace() for c in source) and source.lower().endswith(_QUERY_FILE_SUFFIXES)


def register(group: click.Group) -> None:
    group.add_command(query)
    group.add_command(sparql)
