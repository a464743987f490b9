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
        "--title-en",
        default="",
        help="The title in English (the shapes ask every resource for an English label).",
    )
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
        title_en: str,
    ) -> None:
        """Add TEXT_FILE as a source: the text (NFC) under data/sources/, the article
        resource in data/ID/facts.trig and an empty evidence table, all or nothing.
        Refuses an ID or a text already present."""
        from kg.authoring.sources import SourceInfo, add_source

        written = add_source(
            text_file,
            SourceInfo(
                source_id=source_id,
                title=title,
                published=published,
                author=author,
                url=url,
                title_en=title_en,
            ),
            _checkout_data_dir("kg source add"),
        )
        for path in written:
            click.echo(f"wrote {path}", err=True)

    @cli.group(cls=_draft_group(group_class), invoke_without_command=False)
    def draft() -> None:
        """Draft the facts of a source (kg draft ID), then apply the reviewed draft
        (kg draft apply ID DRAFT.csv)."""

    @draft.command("propose")
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
        help="Draft this text, not data/sources/ID.txt (to try a text before adding it).",
    )
    def propose(source_id: str, output: str, published: str, text_file: Path | None) -> None:
        """(The default: kg draft ID.) Propose the facts of source ID, one CSV row per
        candidate with the words that support it (kind, quote, start, end, value, bound,
        unit, identifier, iri, confidence, triples, decision). Entities the graph holds
        are matched, never duplicated; the author reviews the rows."""
        from kg.authoring.workflow import draft_source
        from kg.core import paths

        folder = paths.data_dir()
        text_path = text_file or folder / "sources" / f"{source_id}.txt"
        refuse_output_over_inputs(output, None, text_path)
        emit(draft_source(source_id, text_path, folder, published or None), output)

    @draft.command("apply")
    @click.argument("source_id", metavar="ID")
    @click.argument(
        "draft_file", metavar="DRAFT.csv", type=click.Path(dir_okay=False, path_type=Path)
    )
    def apply(source_id: str, draft_file: Path) -> None:
        """Write the accepted rows of DRAFT.csv (decision: accept) into data/ID/facts.trig
        and data/ID/evidence.tsv, regenerate the evidence graph and validate: all or
        nothing. Rejected and undecided rows change nothing."""
        from kg.authoring.apply import apply_draft

        _checkout_data_dir("kg draft apply")
        click.echo(apply_draft(source_id, draft_file).summary(), err=True)


def _draft_group(base: type[click.Group]) -> type[click.Group]:
    class DraftGroup(base):  # type: ignore[valid-type,misc]
        """``kg draft ID`` drafts (the hidden ``propose`` command); ``kg draft apply``
        applies. A first argument that is not a subcommand is a source ID."""

        def resolve_command(
            self, ctx: click.Context, args: list[str]
        ) -> tuple[str | None, click.Command | None, list[str]]:
            if args and args[0] not in self.commands and not args[0].startswith("-"):
                args = ["propose", *args]
            return super().resolve_command(ctx, args)  # type: ignore[no-any-return]

        def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
            formatter.write_usage("kg draft", "ID [-o DRAFT.csv] | apply ID DRAFT.csv")

    return DraftGroup
