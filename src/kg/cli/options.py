"""Click options shared by the command modules (kg.cli, kg.cli.query)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NoReturn

import click

# Re-exported: the command modules take every shared piece from here.
from kg.cli.output import emit as emit
from kg.cli.output import input_files as input_files
from kg.cli.output import refuse_output_over_inputs as refuse_output_over_inputs
from kg.cli.stored import format_named
from kg.io import formats
from kg.store.base import UNION_DEFAULT_GRAPH

if TYPE_CHECKING:
    from kg.io.formats import Format
    from kg.store import KgStore

output_option = click.option(
    "-o",
    "--output",
    default="-",
    show_default=True,
    metavar="FILE",
    help="Write to FILE instead of stdout (- is stdout). A file is replaced atomically (a "
    "symbolic link: the file it points at); a device or FIFO is written through; FILE must "
    "not be one of the inputs.",
)

store_option = click.option(
    "--store",
    "store",
    envvar="KG_STORE",
    show_envvar=True,
    default=None,
    metavar="SPEC",
    help="Where the data is held: memory (Oxigraph in memory, the default), rdflib (rdflib "
    "in memory), oxigraph:PATH (a persistent Oxigraph store in the folder PATH, loaded once "
    "and reloaded only when the source files change) or the URL of a SPARQL endpoint "
    "(query-only).",
)

union_default_option = click.option(
    "--union-default-graph/--no-union-default-graph",
    "union_default_graph",
    default=UNION_DEFAULT_GRAPH,
    show_default=True,
    help="Whether a query's default graph is the union of the named graphs (every triple "
    "kg holds is in a named graph). A remote endpoint chooses its own.",
)


class FormatChoice(click.Choice):  # type: ignore[type-arg]
    """A ``-f/--format`` of the formats ``offered``: their names, and the aliases the
    registry ``kg.io.formats`` gives them (``ttl``, ``jsonld``, ``rdfxml`` ...), read as
    the name; ``--help`` lists the names."""

    def __init__(self, offered: Sequence[Format]) -> None:
        self.offered = tuple(offered)
        super().__init__(formats.names(self.offered))

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str):
            value = format_named(value, self.offered) or value
        return super().convert(value, param, ctx)


def check_union_choice(endpoint: str | None, store: str | None) -> None:
    """Refuse an explicit --union-default-graph/--no-union-default-graph for a remote
    endpoint, whose default graph kg cannot choose (the option would be a silent no-op)."""
    context = click.get_current_context()
    source = context.get_parameter_source("union_default_graph")
    if source is not click.core.ParameterSource.COMMANDLINE:
        return
    from kg.core.errors import InputError
    from kg.store import store_spec

    if endpoint is not None or store_spec(store).startswith(("http:", "https:")):
        raise InputError(
            "--union-default-graph/--no-union-default-graph applies to a local store: "
            "a remote endpoint chooses its own default graph"
        )


def load_dataset(store: str | None, sources: list[str] | None) -> Any:
    """The data of ``sources`` (None: the shipped data without the gazetteer, a dataset of
    its own that rdflib takes seconds to read) as an rdflib Dataset, held in the
    store ``store`` names (None: $KG_STORE or memory): parsed by kg.io.parse in memory, or
    read back from an Oxigraph store that is loaded first when it does not hold them."""
    from kg.store import open_store, store_spec

    if store_spec(store) in ("memory", "rdflib"):
        from kg.core import paths
        from kg.io.parse import load

        return load(paths.default_sources() if sources is None else sources)
    opened = open_store(store)
    try:
        opened.load(sources)
        return opened.dataset()
    finally:
        opened.close()


@contextmanager
def loaded_store(store: str | None, sources: list[str] | None) -> Iterator[KgStore]:
    """The store ``store`` names (None: $KG_STORE or memory), holding ``sources`` (None:
    the shipped data), for a command that works on the store itself rather than on an
    rdflib copy of it; closed afterwards."""
    from kg.store import open_store

    opened = open_store(store)
    try:
        opened.load(sources)
        yield opened
    finally:
        opened.close()


timeout_option = click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    metavar="SECONDS",
    help="Seconds --endpoint may take in all, retries of transient failures included (default 30).",
)

query_timeout_option = click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    metavar="SECONDS",
    help=(
        "Seconds the query may take in all. Locally it runs in a child process stopped "
        "there (default: no limit); with --endpoint, retries of transient failures "
        "included (default 30)."
    ),
)


data_option = click.option(
    "--data",
    "sources",
    multiple=True,
    type=click.Path(path_type=str),
    metavar="PATH",
    help="Query these RDF files or folders (repeatable) instead of the shipped data.",
)


def exit_with(code: int) -> NoReturn:
    raise click.exceptions.Exit(code)


def sources_of(paths: tuple[str, ...]) -> list[str] | None:
    return list(paths) if paths else None


def write_or_check(planned: list[Any], check: bool, regenerate: str) -> None:
    """Write the generated files that changed (``kg generate``, ``kg link``), or with
    ``check`` write nothing, name the stale ones and exit 1; ``regenerate`` is the
    command that brings them up to date."""
    from kg.core import files
    from kg.core.errors import EXIT_NONCONFORMING

    if check:
        stale = files.stale(planned)
        for path in stale:
            click.echo(f"out of date: {path}", err=True)
        if stale:
            click.echo(f"run `{regenerate}` to regenerate", err=True)
            exit_with(EXIT_NONCONFORMING)
        return
    for path in files.write(planned):
        click.echo(f"wrote {path}")
