"""``kg describe``: one entity's description, as ``kg serve`` answers its IRI; imports
only click until run."""

from __future__ import annotations

import click

from kg.cli.options import FormatChoice, data_option, emit, output_option, store_option
from kg.io.formats import formats_for

# The RDF formats an entity's IRI answers in (kg.http.pages.GRAPH_FORMATS), repeated here
# so that --help needs no werkzeug; a test checks that the two agree.
DESCRIBE_FORMATS = ("json-ld", "turtle", "nt", "xml")


@click.command()
@click.argument("iri")
@click.option(
    "-f",
    "--format",
    "fmt",
    type=FormatChoice(
        [next(f for f in formats_for("DESCRIBE") if f.name == name) for name in DESCRIBE_FORMATS]
    ),
    default="json-ld",
    show_default=True,
    help="json-ld: the framed document a web developer reads (the entity at the top with "
    "short keys, what it points to nested, what points at it under @reverse), with the "
    "context embedded.",
)
@output_option
@data_option
@store_option
def describe(iri: str, fmt: str, output: str, sources: tuple[str, ...], store: str | None) -> None:
    """What the graph says about IRI (a full IRI or a prefixed name such as
    body:huyen-uy-nam-truc), what points at it and what its links are called: the
    description `kg serve` gives for the IRI."""
    from pathlib import Path

    from kg.core.errors import InputError
    from kg.http import pages
    from kg.http.app import create_app
    from kg.http.context import ServerConfig
    from kg.sparql.catalogue import entity_iri, unknown_prefix_of

    full = entity_iri(iri)
    chosen = next(f for f in pages.GRAPH_FORMATS if f.name == fmt)
    config = ServerConfig(
        sources=tuple(Path(s) for s in sources) if sources else None,
        store=store,
        isolate_queries=False,
    )
    app = create_app(config)
    try:
        data = pages.describe_as(app.ctx, full, chosen)
    finally:
        app.close()
    if data is None:
        raise InputError(unknown_prefix_of(iri) or f"nothing in the graph is called {full}")
    emit(data, output)


def register(group: click.Group) -> None:
    group.add_command(describe)
