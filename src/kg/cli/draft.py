"""``kg source add`` and ``kg draft``: adding an article and drafting its facts.

Imports are lazy: ``kg --help`` must not load rdflib or a store.
"""

from __future__ import annotations

from pathlib import Path

import click

from kg.cli.options import emit, refuse_output_over_inputs


def _checkout_data_dir(command: str) -> Path:
    """The data folder of the source checkout ``command`` writes to."""
    from kg.core import paths
    from kg.core.errors import InputError

    if paths.project_root() is None:
        raise InputError(
            f"{command} writes into the project's data/ folder: run it in a source checkout "
            "(git clone, pip install -e .), not an installed wheel"
        )
    return paths.data_dir()


def register(cli: click.Group, group_class: type[click.Group]) -> None:
    """Add ``kg source`` and ``kg draft`` to ``cli``."""

    @cli.group(cls=group_class)
    def source() -> None:
        """The source texts the facts are drawn from (data/sources/)."""

    @source.command("add")
    @click.argument("text_file", type=click.Path(dir_okay=False, path_type=Path))
    @click.option(
        "--id", "source_id", required=True, help="The source's ID, e.g. nam-truc-2021-11-01."
    )
    @click.option("--title", default="", help="The article's title, as written.")
    @click.option(
        "--published",
        default="",
        metavar="DATE[TIME]",
        help="Publication date or date-time (YYYY-MM-DD is taken at 00:00 +07:00).",
    )
    @click.option("--author", default="", help="The author's name, as written.")
    @click.option("--url", default="", help="Where the article was published.")
    def add(
        text_file: Path,
        source_id: str,
        title: str,
        published: str,
        author: str,
        url: str,
    ) -> None:
        """Add TEXT_FILE as a source: the text (NFC) under data/sources/, the article
        resource in data/ID/facts.trig and an empty evidence table, all or nothing.
        Refuses an ID or a text already present."""
        from kg.authoring.sources import SourceInfo, add_source

        written = add_source(
            text_file,
            SourceInfo(source_id, title, published, author, url),
            _checkout_data_dir("kg source add"),
        )
        for path in written:
            click.echo(f"wrote {path}", err=True)

    @cli.command()
    @click.argument("source_id", metavar="ID")
    @click.option(
        "-o",
        "--output",
        default="-",
        metavar="FILE",
        help="Where the draft CSV goes (default: standard output).",
    )
    @click.option(
        "--published",
        default="",
        metavar="YYYY-MM-DD",
        help="The publication date (default: the article's schema:datePublished).",
    )
    @click.option(
        "--text",
        "text_file",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Draft this text instead of data/sources/ID.txt (to try a text before adding it).",
    )
    def draft(source_id: str, output: str, published: str, text_file: Path | None) -> None:
        """Propose the facts of source ID, one CSV row per candidate with the words that
        support it (kind, quote, start, end, value, bound, unit, identifier, iri,
        confidence, triples, decision). Entities the graph holds are matched, never
        duplicated; the author reviews the rows."""
        from kg.authoring.workflow import draft_source
        from kg.core import paths

        folder = paths.data_dir()
        text_path = text_file or folder / "sources" / f"{source_id}.txt"
        refuse_output_over_inputs(output, None, text_path)
        emit(draft_source(source_id, text_path, folder, published or None), output)
