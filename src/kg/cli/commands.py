"""The ``kg`` command tree, in click: every command, its options and its help.

``kg.cli.main`` (the console script) comes here for everything but the common forms of
``kg query run`` that ``kg.cli.dispatch`` answers without importing click.

Importing this module must stay cheap (it runs for ``kg --help``): rdflib and pyshacl
are imported inside the commands that need them.

Exit codes are those of ``kg.core.errors``: 0 success, 1 does not conform (or, for
``kg generate --check``, out of date), 2 error, 128 + N stopped by signal N (129 SIGHUP,
130 SIGINT, 143 SIGTERM; ``kg.cli.outcome.finish`` installs the handlers).
"""

from __future__ import annotations

from typing import Any

import click

from kg.cli.describe import register as register_describe_command
from kg.cli.draft import register as register_draft_commands
from kg.cli.link import register as register_link_commands
from kg.cli.options import (
    FormatChoice,
    emit,
    exit_with,
    input_files,
    loaded_store,
    output_option,
    refuse_output_over_inputs,
    sources_of,
    store_option,
    write_or_check,
)
from kg.cli.outcome import finish, setup_logging
from kg.cli.push import register as register_push_command
from kg.cli.query import register as register_query_commands
from kg.cli.serve import register as register_serve_command
from kg.core.errors import (
    EXIT_ERROR,
    EXIT_NONCONFORMING,
    KgError,
)
from kg.core.text import printable
from kg.core.version import __version__
from kg.io import formats

EXPORT_FORMATS = formats.names(formats.export_formats())


class KgFailure(click.ClickException):
    """A KgError on its way out: one line on stderr, exit code 2, no traceback."""

    exit_code = EXIT_ERROR

    def __init__(self, error: KgError) -> None:
        super().__init__(str(error))
        self.exit_code = error.exit_code

    def show(self, file: Any = None) -> None:
        click.echo(f"kg: error: {printable(self.message)}", err=True)


class KgGroup(click.Group):
    """A group that turns KgError from any of its commands into a KgFailure."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KgError as error:
            raise KgFailure(error) from None


paths_argument = click.argument("paths", nargs=-1, type=click.Path(path_type=str))
shapes_option = click.option(
    "--shapes",
    type=click.Path(dir_okay=False, path_type=str),
    default=None,
    help="SHACL shapes file (default: the shipped ontology/shapes.ttl).",
)
checks_option = click.option(
    "--checks",
    "checks_dir",
    type=click.Path(file_okay=False, path_type=str),
    default=None,
    help="Folder of *-violation.rq SPARQL checks (default: the shipped queries/checks).",
)

engine_option = click.option(
    "--engine",
    type=click.Choice(["auto", "pyshacl", "turbo"]),
    default="auto",
    show_default=True,
    help="pyshacl: the reference (pyshacl, rdflib SPARQL); turbo: the same results, faster "
    "(pyshacl-turbo, pyoxigraph; installed where pyshacl-turbo has wheels); auto: turbo "
    "when installed. The report's first line names the engine that ran.",
)


@click.group(cls=KgGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="kg")
def cli() -> None:
    """kg: a linked-data knowledge graph of Vietnamese public administration.

    Commands that take PATH arguments read the shipped ontology and data when none
    is given; a directory stands for the RDF files under it.

    Exit codes: 0 success, 1 the data does not conform (or generated files are out of
    date), 2 error, 128 + the signal's number when stopped by a signal (129 SIGHUP, 130
    SIGINT, 143 SIGTERM; no temporary or half-written file is left).
    """
    setup_logging()


@cli.command()
@paths_argument
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "turtle"]),
    default="text",
    show_default=True,
    help="text: a readable report; turtle: the SHACL validation report graph.",
)
@output_option
@shapes_option
@checks_option
@engine_option
@store_option
@click.option(
    "--graph",
    "graphs",
    multiple=True,
    metavar="IRI",
    help="Validate only this named graph (repeatable): its subjects are the focus nodes, "
    "checked against it, the ontology and the data its nodes lead to (see docs/stores.md).",
)
def validate(
    paths: tuple[str, ...],
    fmt: str,
    output: str,
    shapes: str | None,
    checks_dir: str | None,
    engine: str,
    store: str | None,
    graphs: tuple[str, ...],
) -> None:
    """Validate data against the SHACL shapes and the SPARQL checks.

    Both engines give the same results; turbo is several times faster. The report
    starts with the engine that ran (engine: turbo (pyshacl-turbo X.Y.Z)).
    Exits 0 if the data conforms, 1 if it does not, 2 on error.
    """
    from kg.validation.shacl import validate as run

    refuse_output_over_inputs(output, sources_of(paths), shapes, checks_dir)
    with loaded_store(store, sources_of(paths)) as held:
        if graphs:
            from kg.sparql.catalogue import expand_iri
            from kg.validation.subset import graph_subset, restrict

            names = [expand_iri(g) for g in graphs]
            subset, focus = graph_subset(held.dataset(), names)
            checked = run(subset, shapes=shapes, checks_dir=checks_dir, engine=engine)
            result = restrict(checked, focus)
        else:
            # The store itself: on Oxigraph, turbo validates without an rdflib copy.
            result = run(held, shapes=shapes, checks_dir=checks_dir, engine=engine)
    report = result.text() if fmt == "text" else result.to_turtle()
    emit(report.encode("utf-8"), output)
    if not result.conforms:
        exit_with(EXIT_NONCONFORMING)


@cli.command()
@paths_argument
@click.option(
    "-f",
    "--format",
    "fmt",
    type=FormatChoice(formats.export_formats()),
    default="turtle",
    show_default=True,
    help="Triple formats ("
    + ", ".join(f.name for f in formats.export_formats() if not f.keeps_graphs)
    + ") merge the named graphs; quad formats ("
    + ", ".join(f.name for f in formats.export_formats() if f.keeps_graphs)
    + ") keep them.",
)
@output_option
@store_option
def export(paths: tuple[str, ...], fmt: str, output: str, store: str | None) -> None:
    """Serialise the data in one RDF format, byte for byte reproducibly.

    With no PATHS, the shipped data without the gazetteer, as kg build releases it in
    kg-VERSION.EXT (the gazetteer is its own dataset: kg export data/gazetteer -f nquads;
    docs/gazetteer.md). A store given with --store is written as it holds its data.
    """
    from kg.core import paths as shipped
    from kg.store import export as run
    from kg.store import store_spec

    sources = sources_of(paths)
    if sources is None and store_spec(store) in ("memory", "rdflib"):
        sources = [str(p) for p in shipped.default_sources()]
    refuse_output_over_inputs(output, sources)
    with loaded_store(store, sources) as held:
        data = run(held, fmt)  # N-Quads and N-Triples of Oxigraph: without an rdflib copy
    emit(data, output)


@cli.command()
@paths_argument
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@output_option
@store_option
def stats(paths: tuple[str, ...], fmt: str, output: str, store: str | None) -> None:
    """Count triples per named graph and instances per class, and the share of each facts
    graph's statements that have evidence or are marked editorial or inferred."""
    from kg.publish.stats import stats as run

    refuse_output_over_inputs(output, sources_of(paths))
    with loaded_store(store, sources_of(paths)) as held:
        result = run(held)
    emit((result.text() if fmt == "text" else result.to_json()).encode("utf-8"), output)


@cli.command()
@paths_argument
@click.option(
    "-d",
    "--dir",
    "out_dir",
    default="dist",
    show_default=True,
    type=click.Path(file_okay=False, path_type=str),
    help="Folder to write the release files to.",
)
@click.option(
    "--base-url",
    default="https://w3id.org/vn-kg/",
    show_default=True,
    metavar="URL",
    help="Where the release is published: the catalogue gives URL/dist/<file> as each "
    "file's download and URL/sparql as the endpoint.",
)
@shapes_option
@checks_option
@store_option
def build(
    paths: tuple[str, ...],
    out_dir: str,
    base_url: str,
    shapes: str | None,
    checks_dir: str | None,
    store: str | None,
) -> None:
    """Validate the data (default: the shipped data), then write it in every format.

    Files are named after the ontology's owl:versionInfo (kg-0.1.0.ttl, .jsonld, .nt,
    .nq, .trig, .rdf), with kg-0.1.0.catalog.ttl, their DCAT-AP catalogue (sizes and
    SHA-256 digests; see docs/dcat.md). The first line names the validation engine that
    ran. If the data does not conform, nothing is written, the report is printed and the
    exit code is 1.
    The files are replaced as a set: a failure or a stop leaves the previous ones.
    """
    from kg.publish.build import build as run

    inputs = input_files(sources_of(paths), shapes, checks_dir)
    with loaded_store(store, sources_of(paths)) as held:
        result = run(
            out_dir, held, shapes=shapes, checks_dir=checks_dir, inputs=inputs, base_url=base_url
        )
    if not result.ok or result.validation.results:
        click.echo(result.validation.text(), nl=False)
    else:
        click.echo(f"engine: {result.validation.engine}")
    if not result.ok:
        exit_with(EXIT_NONCONFORMING)
    for path in result.files:
        click.echo(f"wrote {path}")
    if result.stats is not None:
        click.echo(result.stats.text(), nl=False)


# -- generate --------------------------------------------------------------------------

check_option = click.option(
    "--check",
    is_flag=True,
    default=False,
    help="Write nothing; exit 1 and name the files that are out of date.",
)


@cli.group(cls=KgGroup)
@check_option
@click.pass_context
def generate(ctx: click.Context, check: bool) -> None:
    """Regenerate the files derived from the model and the data.

    With --check (before or after the target), nothing is written: the command exits
    1 and names the files that are out of date.
    """
    ctx.ensure_object(dict)
    ctx.obj["check"] = check


def _generated(target: str, render_svg: bool) -> list[Any]:
    """What ``target`` writes; the pages made from the front ends (the commands' help,
    the OpenAPI document) are generated here, above the layers that cannot see them."""
    from kg.publish import generate as gen

    if target == "cli-reference":
        from kg.cli import help_page

        return help_page.outputs(cli)
    if target == "http-api":
        from kg.http import reference as http_reference

        return http_reference.outputs()
    planned = gen.outputs(target, render_svg=render_svg)
    if target == "all":
        planned += _generated("cli-reference", render_svg) + _generated("http-api", render_svg)
    return planned


def _run_generate(ctx: click.Context, target: str, check: bool) -> None:
    check = check or bool((ctx.obj or {}).get("check"))
    write_or_check(_generated(target, render_svg=not check), check, "kg generate all")


@generate.command()
@check_option
@click.pass_context
def context(ctx: click.Context, check: bool) -> None:
    """The JSON-LD context ontology/context.jsonld, from the prefix map."""
    _run_generate(ctx, "context", check)


@generate.command()
@check_option
@click.pass_context
def reference(ctx: click.Context, check: bool) -> None:
    """docs/ontology.md, the reference page of the ontology and its vocabularies."""
    _run_generate(ctx, "reference", check)


@generate.command()
@check_option
@click.pass_context
def evidence(ctx: click.Context, check: bool) -> None:
    """data/<slug>/evidence.trig from each data/<slug>/evidence.tsv."""
    _run_generate(ctx, "evidence", check)


@generate.command()
@check_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["mermaid", "dot"]),
    default="mermaid",
    show_default=True,
    help="Diagram language, for -o.",
)
@click.option(
    "-o",
    "--output",
    default=None,
    metavar="FILE",
    help="Write only the diagram, in --format, to FILE (- is stdout).",
)
@click.pass_context
def diagram(ctx: click.Context, check: bool, fmt: str, output: str | None) -> None:
    """The model diagram, from ontology/kg.ttl.

    Without -o: docs/model.mmd, the Mermaid block of docs/model.md, and docs/model.svg
    when Graphviz is installed.
    """
    if output is None:
        _run_generate(ctx, "diagram", check)
        return
    from kg.core import paths
    from kg.io.parse import parse_graph
    from kg.publish import diagram as dia

    refuse_output_over_inputs(output, [], paths.ontology_path())

    emit(dia.render(parse_graph(paths.ontology_path()), fmt).encode("utf-8"), output)


@generate.command()
@check_option
@click.pass_context
def catalogue(ctx: click.Context, check: bool) -> None:
    """docs/query-catalogue.md, from the headers of queries/*.rq."""
    _run_generate(ctx, "catalogue", check)


@generate.command()
@check_option
@click.pass_context
def readme(ctx: click.Context, check: bool) -> None:
    """The figures README.md and docs/*.md quote, from the queries of queries/figures/."""
    _run_generate(ctx, "readme", check)


@generate.command(name="cli-reference")
@check_option
@click.pass_context
def cli_reference(ctx: click.Context, check: bool) -> None:
    """docs/cli-reference.md, from every command's --help."""
    _run_generate(ctx, "cli-reference", check)


@generate.command(name="http-api")
@check_option
@click.pass_context
def http_api(ctx: click.Context, check: bool) -> None:
    """docs/http-api.md and docs/openapi.json, from the stored queries' OpenAPI document."""
    _run_generate(ctx, "http-api", check)


@generate.command()
@check_option
@click.pass_context
def expected(ctx: click.Context, check: bool) -> None:
    """tests/queries/*.expected.*: every stored query's answer (not part of all).

    Run it deliberately, after checking that a changed answer is right.
    """
    _run_generate(ctx, "expected", check)


@generate.command(name="all")
@check_option
@click.pass_context
def all_(ctx: click.Context, check: bool) -> None:
    """Everything but the expected query answers: context, evidence, reference, diagram,
    catalogue, readme, cli-reference and http-api."""
    _run_generate(ctx, "all", check)


# The command groups of their own modules (kg query and kg sparql, kg link, kg push,
# kg serve), added once the group exists; like this one, those modules import only
# click at load time.
register_query_commands(cli)
register_link_commands(cli, KgGroup)
register_push_command(cli)
register_serve_command(cli)
register_describe_command(cli)
register_draft_commands(cli, KgGroup)


def main(argv: list[str] | None = None) -> None:
    """The console script for every command but those ``kg.cli.dispatch`` answers: click
    reads the arguments and runs the command; ``kg.cli.outcome.finish`` ends it."""
    finish(lambda: cli.main(args=argv, prog_name="kg"))
