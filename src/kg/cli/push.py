"""``kg push``: the command line over ``kg.publish.push``.

Registered on the ``kg`` group by ``kg.cli``; like it, this module imports only click at
load time.
"""

from __future__ import annotations

import click

from kg.cli.options import load_dataset, store_option, timeout_option
from kg.core.errors import EXIT_NONCONFORMING

#: The environment variable ``--password`` falls back to.
PASSWORD_VARIABLE = "KG_PUSH_PASSWORD"

# The --data of kg query and kg sparql, with the words of this command.
data_option = click.option(
    "--data",
    "sources",
    multiple=True,
    type=click.Path(path_type=str),
    metavar="PATH",
    help="Push these RDF files or folders (repeatable) instead of the shipped data.",
)


@click.command()
@click.option(
    "--endpoint",
    required=True,
    metavar="URL",
    help="The SPARQL query endpoint of the store, where the counts are checked "
    "(Oxigraph http://HOST/query, Virtuoso http://HOST/sparql).",
)
@click.option(
    "--graph-store",
    metavar="URL",
    default=None,
    help="The SPARQL 1.1 Graph Store URL the graphs are PUT to. Derived when not given: "
    "Oxigraph .../query -> .../store; Virtuoso .../sparql -> .../sparql-graph-crud-auth "
    "(with --user; .../sparql-graph-crud without). Other stores need it.",
)
@click.option("--user", default=None, help="User for the Graph Store (HTTP authentication).")
@click.option(
    "--password",
    envvar=PASSWORD_VARIABLE,
    show_envvar=True,
    default=None,
    help=f"Password for --user; better given in the environment variable {PASSWORD_VARIABLE} "
    "than on the command line. Never printed.",
)
@click.option(
    "--auth",
    type=click.Choice(["digest", "basic"]),
    default="digest",
    show_default=True,
    help="HTTP authentication scheme of the Graph Store (Virtuoso's "
    "/sparql-graph-crud-auth wants digest).",
)
@timeout_option
@data_option
@store_option
def push(
    endpoint: str,
    graph_store: str | None,
    user: str | None,
    password: str | None,
    auth: str,
    timeout: float | None,
    sources: tuple[str, ...],
    store: str | None,
) -> None:
    """Load the graph into a triple store, one named graph per source graph, and verify.

    Each named graph is replaced whole on the store (HTTP PUT, SPARQL 1.1 Graph Store
    Protocol, N-Triples in UTF-8); graphs of the store that the data does not have are
    left alone. Then the triples of each graph are counted on --endpoint and a table
    says, per graph, the triples sent and found, ok or mismatch.

    Exit codes: 0 every graph matches, 1 some graph holds another number of triples
    than was sent, 2 error (bad option, the store refuses or cannot be reached; one line
    naming the URL, the graph and the cause).
    """
    from kg.publish.push import push as run

    report = run(
        load_dataset(store, list(sources) or None),
        endpoint,
        graph_store=graph_store,
        user=user,
        password=password,
        auth=auth,
        timeout=timeout,
    )
    click.echo(report.table(), nl=False)
    if not report.ok:
        raise click.exceptions.Exit(EXIT_NONCONFORMING)


def register(group: click.Group) -> None:
    group.add_command(push)
