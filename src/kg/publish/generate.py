"""Generated files: what each should contain, and whether the committed one does.

``kg generate`` rewrites them; ``kg generate --check`` only reports the stale ones,
so that a test can fail when someone edits the ontology but not what derives from it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from kg.core import paths
from kg.core.errors import InputError
from kg.core.files import Output

if TYPE_CHECKING:
    from kg.sparql.catalogue import ExpectedCase, StoredQuery

TARGETS = ("context", "evidence", "diagram", "reference", "catalogue", "readme", "expected")

#: Where the expected answers of the stored queries are checked in.
EXPECTED_DIR = ("tests", "queries")
#: The engine whose answers are checked in: rdflib, the reference (the other engines are
#: compared with them; SPARQL leaves some orders to the engine).
REFERENCE = "rdflib"
#: The generated pages of the docs site (docs/), by target.
MODEL_PAGE = ("docs", "model.md")
CATALOGUE_PAGE = ("docs", "query-catalogue.md")
REFERENCE_PAGE = ("docs", "ontology.md")
#: The hand-written pages whose quoted figures ``kg generate readme`` fills in.
FIGURE_PAGES = ("README.md", "docs/*.md")
#: The engine of the gazetteer's queries (tagged ``gazetteer``): the rdflib engine does
#: not hold the gazetteer (kg.store.rdflib.shared_dataset), the default one does.
GAZETTEER_REFERENCE = "memory"


def reference(case: ExpectedCase) -> str:
    """The engine whose answer to ``case`` is checked in."""
    return GAZETTEER_REFERENCE if "gazetteer" in case.query.tags else REFERENCE


def _checkout() -> Path:
    root = paths.project_root()
    if root is None:
        raise InputError("kg generate rewrites files of a source checkout; none was found")
    return root


def context_outputs() -> list[Output]:
    from kg.io.jsonld import context_text, generated_context

    _checkout()
    return [Output(paths.context_path(), context_text(generated_context()).encode("utf-8"))]


def diagram_outputs(render_svg: bool = True) -> list[Output]:
    from kg.io.parse import parse_graph
    from kg.publish import diagram

    root = _checkout()
    ontology = parse_graph(paths.ontology_path())
    mermaid = diagram.mermaid(ontology)
    page_path = root.joinpath(*MODEL_PAGE)
    try:
        page = page_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("no page to put the model diagram in", page_path) from None
    outputs = [
        Output(root / "docs" / "model.mmd", mermaid.encode("utf-8")),
        Output(
            page_path,
            diagram.replace_readme_block(page, mermaid, page_path).encode("utf-8"),
        ),
    ]
    if render_svg:
        svg = diagram.render_svg(diagram.dot(ontology))
        if svg is not None:
            outputs.append(Output(root / "docs" / "model.svg", svg, checked=False))
    return outputs


def evidence_outputs() -> list[Output]:
    """``data/<slug>/evidence.trig`` rendered from each ``data/<slug>/evidence.tsv``."""
    _checkout()
    tables = sorted(paths.data_dir().glob("*/evidence.tsv"))
    if not tables:
        return []
    try:
        from kg.publish import evidence
    except ImportError as exc:
        raise InputError(f"cannot render evidence: {exc}", tables[0]) from None
    return [
        Output(table.with_name("evidence.trig"), evidence.render(table.parent.name).encode("utf-8"))
        for table in tables
    ]


def _example_invocation(stored: StoredQuery) -> str:
    from kg.core.terms import short_name

    example = f"kg query run {stored.name}"
    for p in stored.parameters:
        if p.type == "iri" and p.default is not None and "--param" not in example:
            example += f" --param {p.name}={short_name(p.default)}"
    if stored.pagination is not None:
        example += " --page 2"
    if stored.has_lang:
        example += " --lang vi"
    return example


def _example_url(stored: StoredQuery) -> str:
    """The example invocation's request to ``/api/queries`` (the same values)."""
    from kg.core.terms import short_name

    values: list[str] = []
    for p in stored.parameters:
        if p.type == "iri" and p.default is not None and not values:
            values.append(f"{p.name}={short_name(p.default)}")
    if stored.pagination is not None:
        values.append("page=2")
    if stored.has_lang:
        values.append("lang=vi")
    query = "?" + "&".join(values) if values else ""
    return f"/api/queries/{stored.name}{query}"


def catalogue_markdown() -> str:
    """The query catalogue page: how stored queries run, then every stored query, from
    its header: title, description, parameters, pagination and an example."""
    from kg.core.terms import short_name
    from kg.io import formats
    from kg.sparql import catalogue as queries

    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    forms = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
    offered = (f for form in forms for f in formats.formats_for(form, formats.Audience.TERMINAL))
    stored_queries = queries.discover()
    lines = [
        "# Query catalogue",
        "",
        "<!-- Generated by `kg generate catalogue` from the headers of queries/*.rq. "
        "Do not edit. -->",
        "",
        "`kg query list` lists them, `kg query show NAME` prints one with its parameters, and",
        "`kg query run NAME [--param NAME=VALUE ...] [--lang vi|en] [--format "
        + "|".join(formats.names(offered))
        + "]`",
        "runs one on the embedded store, or on any SPARQL 1.1 endpoint with `--endpoint URL`",
        "(`--timeout SECONDS`); `kg sparql QUERY|FILE|-` runs ad-hoc SPARQL the same ways.",
        "Parameters follow grlc (`?_name_type` required, `?__name_type` optional; types `iri`,",
        "`integer`, `number`, `literal`, `PREFIX_TYPE`, a language tag, or none): values are",
        "checked against their type before anything runs and bound, never pasted into the",
        "text (`initBindings` locally, a `VALUES` block first in the outermost `WHERE` group",
        "remotely), so a query must use a parameter only in triple patterns, in `FILTER` or",
        "`BIND` of the outermost group, or in a `FILTER` directly inside one of its `OPTIONAL`s;",
        "never where it would be bound (`VALUES ?_x`, `AS ?_x`): grlc's own app serves",
        "`queries/` unchanged at `/api-local/NAME` (its `config.ini`: `[local] local_sparql_dir`",
        "the folder, `[defaults] sparql_endpoint` the `/sparql` of `kg serve`) and pastes each",
        "value over its variable.",
        "Each query's answer on the shipped data is checked in under `tests/queries/`; after a",
        "change to the data or a query, check the new answer and write it with",
        "`kg generate expected`. Tests run every query on Oxigraph and through grlc too, and",
        "compare.",
        "Lists that grow with the data are paged as grlc pages them (`#+ pagination: N` in",
        "the header, N rows a page, in the query's ORDER BY, which must name every column):",
        "`kg query run NAME --page P` prints page P (default 1) and says on stderr whether a",
        "next page follows; `/api/queries/NAME?page=P` adds a `Link` header. How a page is",
        "found without sorting the whole answer (`#+ page_key_property`): [paging](paging.md).",
        "Over HTTP, every query is also `GET /api/queries/NAME` of `kg serve`",
        "([HTTP API](http-api.md)) and a form at `/queries/NAME`.",
        "",
        f"{len(stored_queries)} stored queries:",
        "",
        "| query | what it answers |",
        "|---|---|",
    ]
    lines += [f"| [`{q.name}`](#{q.name}) | {cell(q.summary)} |" for q in stored_queries]
    lines.append("")
    for stored in stored_queries:
        lines += [f"## `{stored.name}` {{ #{stored.name} }}", "", f"**{stored.summary}**", ""]
        if stored.description:
            lines += [" ".join(stored.description.split()), ""]
        facts = [f"form: {stored.form}"]
        if stored.tags:
            facts.append("tags: " + ", ".join(f"`{t}`" for t in stored.tags))
        facts.append(
            f"paged: {stored.pagination} rows a page (`--page P`, `?page=P`, default 1)"
            if stored.pagination is not None
            else "paged: no (one answer)"
        )
        lines += ["; ".join(facts) + ".", ""]
        if stored.parameters:
            lines += ["| parameter | type | default | required |", "|---|---|---|---|"]
            for p in stored.parameters:
                kind = p.describe_type() if p.enum is None else " \\| ".join(p.enum)
                default = "—"
                if p.default is not None:
                    default = f"`{short_name(p.default) if p.type == 'iri' else p.default}`"
                required = "no"
                if p.required:
                    required = "yes" if p.default is None else "no (the default)"
                lines.append(f"| `{p.name}` | {kind} | {default} | {required} |")
            lines.append("")
        else:
            lines += ["No parameters.", ""]
        lines += ["```console", f"$ {_example_invocation(stored)}", "```", ""]
        lines += [f"Over HTTP: `GET {_example_url(stored)}` of `kg serve`.", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def catalogue_outputs() -> list[Output]:
    """docs/query-catalogue.md, from the headers of the stored queries."""
    root = _checkout()
    return [Output(root.joinpath(*CATALOGUE_PAGE), catalogue_markdown().encode("utf-8"))]


def figure_outputs() -> list[Output]:
    """README.md and the docs pages that quote figures, each figure computed again."""
    from kg.publish import figures

    root = _checkout()
    pages = [root / pattern for pattern in FIGURE_PAGES if "*" not in pattern]
    for pattern in FIGURE_PAGES:
        if "*" in pattern:
            pages += sorted(root.glob(pattern))
    quoted = {}
    for page in pages:
        try:
            quoted[page] = page.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise InputError("no page to put the figures in", page) from None
    quoted = {page: text for page, text in quoted.items() if figures.FIGURE.search(text)}
    if not quoted:
        return []
    values = figures.compute()
    return [
        Output(page, figures.fill(text, values, page).encode("utf-8"))
        for page, text in quoted.items()
    ]


def expected_outputs() -> list[Output]:
    """tests/queries/*.expected.*: the answer of every stored query on the shipped data.

    Not part of ``all``: a changed answer is to be looked at, then written deliberately
    with ``kg generate expected``.
    """
    import kg.store
    from kg.sparql import catalogue as queries

    folder = _checkout().joinpath(*EXPECTED_DIR)
    return [
        Output(
            folder / case.filename,
            queries.expected_text(case, kg.store.run_case(case, store=reference(case))).encode(),
        )
        for case in queries.expected_cases()
    ]


def reference_outputs() -> list[Output]:
    """docs/ontology.md: the reference page of the ontology and its vocabularies, with
    an example of each term from the shipped data."""
    from kg.io.parse import load, parse_graph
    from kg.publish import reference

    root = _checkout()
    page = reference.markdown(
        parse_graph(paths.ontology_path()), parse_graph(paths.vocabulary_path()), load()
    )
    return [Output(root.joinpath(*REFERENCE_PAGE), page.encode("utf-8"))]


def outputs(target: str, render_svg: bool = True) -> list[Output]:
    if target == "context":
        return context_outputs()
    if target == "diagram":
        return diagram_outputs(render_svg)
    if target == "evidence":
        return evidence_outputs()
    if target == "reference":
        return reference_outputs()
    if target == "catalogue":
        return catalogue_outputs()
    if target == "readme":
        return figure_outputs()
    if target == "expected":
        return expected_outputs()
    if target == "all":
        # Context and evidence first: evidence is data, and the context, the figures
        # and the examples are read from the data files as they are on disk (run `all`
        # twice after an evidence change that brings a new property or figure).
        planned = (
            context_outputs()
            + evidence_outputs()
            + reference_outputs()
            + diagram_outputs(render_svg)
            + catalogue_outputs()
            + figure_outputs()
        )
        paths_written = [o.path for o in planned]
        twice = {p for p in paths_written if paths_written.count(p) > 1}
        if twice:
            # Two targets rewriting one file would each undo the other's change.
            raise InputError(f"generated by two targets: {', '.join(map(str, sorted(twice)))}")
        return planned
    raise InputError(f"unknown generate target {target!r} (valid: {', '.join(TARGETS)}, all)")
