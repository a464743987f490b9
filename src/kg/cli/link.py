"""``kg link``: links to public-administration datasets (data/links/), SSSOM, VoID/DCAT.

Imports are lazy: ``kg --help`` must not load rdflib or the administrative-unit dataset.
"""

from __future__ import annotations

from typing import Any

import click

from kg.cli.options import (
    data_option,
    emit,
    refuse_output_over_inputs,
    sources_of,
    write_or_check,
)

check_option = click.option(
    "--check",
    is_flag=True,
    default=False,
    help="Write nothing; exit 1 and name the files that are out of date.",
)


def _finish(planned: list[Any], check: bool) -> None:
    write_or_check(planned, check, "kg link all")


def register(cli: click.Group, group_class: type[click.Group]) -> None:
    """Add the ``link`` group to ``cli``."""

    @cli.group(cls=group_class)
    def link() -> None:
        """Link the graph with public-administration datasets (data/links/).

        admin, reviewed, sssom and void regenerate files under data/ (the same bytes
        every time; --check only reports stale files); wikidata proposes candidates
        for review and writes nothing under data/.
        """

    @link.command()
    @check_option
    def admin(check: bool) -> None:
        """Administrative units across time, from the vietnamadminunits dataset.

        Writes data/gazetteer/admin-units.trig (every unit of the country before and
        after the 2025 reform: codes, names, types, containment, validity, points,
        whole or partial succession; docs/gazetteer.md), data/links/admin-units.trig
        (the units around the article's places) and renders each hand-curated
        data/links/*-curated.tsv into TriG.
        """
        from kg.linking.admin import admin_outputs, curated_outputs
        from kg.linking.gazetteer import gazetteer_output

        _finish([gazetteer_output(), *admin_outputs(), *curated_outputs()], check)

    @link.command()
    @check_option
    def reviewed(check: bool) -> None:
        """data/links/wikidata.trig and osm.trig from the reviewed mappings table."""
        from kg.linking.linksets import reviewed_outputs

        _finish(reviewed_outputs(), check)

    @link.command()
    @check_option
    def sssom(check: bool) -> None:
        """Every link as an SSSOM mapping set: data/links/kg.sssom.tsv (metadata embedded)."""
        from kg.linking.linksets import sssom_outputs

        _finish(sssom_outputs(), check)

    @link.command()
    @check_option
    def void(check: bool) -> None:
        """The dataset described with VoID and DCAT: data/void.trig."""
        from kg.linking.linksets import void_outputs

        _finish(void_outputs(), check)

    @link.command(name="all")
    @check_option
    def all_(check: bool) -> None:
        """admin, reviewed, sssom and void, in that order (each reads what the last wrote)."""
        from kg.linking.admin import admin_outputs, curated_outputs
        from kg.linking.gazetteer import gazetteer_output
        from kg.linking.linksets import reviewed_outputs, sssom_outputs, void_outputs

        _finish([gazetteer_output(), *admin_outputs(), *curated_outputs()], check)
        _finish(reviewed_outputs(), check)
        _finish(sssom_outputs(), check)
        _finish(void_outputs(), check)

    @link.command()
    @click.option(
        "-o",
        "--output",
        default="-",
        show_default=True,
        metavar="FILE",
        help="Write the N-Triples to FILE instead of stdout, as -o of kg export does.",
    )
    def units(output: str) -> None:
        """The vietnamadminunits dataset as N-Triples, to serve from a second endpoint.

        The federated query queries/federated/admin-unit-codes.rq joins the graph with
        it, e.g. loaded into a local Oxigraph: oxigraph load --location DIR --file FILE,
        then oxigraph serve --location DIR --bind 127.0.0.1:7879.
        """
        from kg.linking.admin import units_ntriples

        emit(units_ntriples(), output)

    @link.command()
    @click.argument("file", metavar="FILE.csv", type=click.Path(path_type=str))
    @click.option("--column", required=True, metavar="NAME", help="The column of addresses.")
    @click.option(
        "--date",
        "day",
        required=True,
        metavar="YYYY-MM-DD",
        help="Resolve to the units valid on this day (before 2025-07-01: provinces, "
        "districts and communes; from then: the 2025 provinces and communes).",
    )
    @click.option(
        "-o",
        "--output",
        required=True,
        metavar="OUT.csv",
        help="The input's columns and rows, then kg_status, kg_iri, kg_code, kg_name, "
        "kg_level, kg_score, kg_current_codes and kg_validity ('start unknown' for a unit "
        "the data gives no start, before 2025-06-30); replaced atomically.",
    )
    @click.option(
        "--sssom",
        default=None,
        metavar="FILE",
        help="Also write the matched rows as an SSSOM mapping set (TSV), together with "
        "OUT.csv: both or neither.",
    )
    @data_option
    @click.option(
        "--progress/--no-progress",
        default=None,
        help="A progress bar on stderr (default: on a terminal, for 1,000 rows or more).",
    )
    def addresses(
        file: str,
        column: str,
        day: str,
        output: str,
        sssom: str | None,
        sources: tuple[str, ...],
        progress: bool | None,
    ) -> None:
        """Resolve free-text addresses in a CSV column to administrative units.

        Each address ("xã Nam Điền, h. Nam Trực, Nam Định", with or without
        diacritics, abbreviated, in any order, with small typing errors) is resolved to
        the most specific unit valid on --date that it names, read from the graph
        (--data: other files); a name that fits several units is reported ambiguous,
        with them all, never guessed. See docs/addresses.md.
        """
        import sys
        from pathlib import Path

        from kg.core.errors import ParameterError
        from kg.linking.addresses import describe, link_csv, parse_day

        when = parse_day(day)
        data = sources_of(sources)
        refuse_output_over_inputs(output, data, file)
        if sssom is not None:
            refuse_output_over_inputs(sssom, data, file)
            if Path(sssom).resolve() == Path(output).resolve():
                raise ParameterError("--sssom and -o name the same file")
        show = progress if progress is not None else sys.stderr.isatty()
        resolutions = link_csv(
            file,
            column,
            when,
            output,
            sssom=sssom,
            sources=data,
            progress=_progress_bar if show else None,
        )
        counts = describe(resolutions)
        click.echo(
            f"{counts['matched']} matched, {counts['ambiguous']} ambiguous, "
            f"{counts['unmatched']} unmatched: {output}",
            err=True,
        )

    @link.command()
    @click.option(
        "--endpoint",
        default=None,
        metavar="URL",
        help="SPARQL endpoint to ask (default: the public Wikidata endpoint).",
    )
    @click.option(
        "--timeout",
        default=30.0,
        show_default=True,
        type=click.FloatRange(min=1),
        help="Seconds to wait for each query.",
    )
    @click.option(
        "--only",
        multiple=True,
        metavar="IRI",
        help="Only this resource (repeatable); default: every place and topic.",
    )
    @click.option(
        "-o",
        "--output",
        default="-",
        show_default=True,
        metavar="FILE",
        help="Write the candidates (TSV) to FILE instead of stdout; never under data/links.",
    )
    def wikidata(endpoint: str | None, timeout: float, only: tuple[str, ...], output: str) -> None:
        """Ask a Wikidata-style endpoint for candidates, scored, for review.

        Candidates are found by Vietnamese and English label and, for places, by
        OpenStreetMap relation ID (P402), and scored on name, OSM relation, country,
        type and parent. Only reviewed links enter data/links/ (mappings-reviewed.tsv).
        """
        from pathlib import Path

        from kg.core import paths
        from kg.core.errors import InputError
        from kg.io.parse import load
        from kg.linking.wikidata import DEFAULT_ENDPOINT, candidates, candidates_tsv

        # Checked before the endpoint is asked, which takes minutes.
        if output != "-":
            if (paths.data_dir() / "links").resolve() in Path(output).resolve().parents:
                raise InputError("candidates are for review: write them outside data/links", output)
            refuse_output_over_inputs(output, None)
        url = endpoint or DEFAULT_ENDPOINT
        data = candidates_tsv(candidates(load(), url, timeout, list(only) or None), url)
        emit(data, output)


#: Files shorter than this are resolved before a bar would be seen.
PROGRESS_FROM = 1000


def _progress_bar(numbers: Any) -> Any:
    """``numbers`` with a bar on stderr, redrawn at each whole per cent."""
    import sys

    total = len(numbers)
    if total < PROGRESS_FROM:
        yield from numbers
        return
    shown = -1
    for done, number in enumerate(numbers):
        percent = done * 100 // total
        if percent != shown:
            shown = percent
            bar = "#" * (percent // 4)
            sys.stderr.write(f"\rresolving [{bar:<25}] {percent:3d}% of {total} rows")
            sys.stderr.flush()
        yield number
    sys.stderr.write(f"\rresolving [{'#' * 25}] 100% of {total} rows\n")
    sys.stderr.flush()
