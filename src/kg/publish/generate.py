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
    from kg.sparql.catalogue import ExpectedCase

TARGETS = ("context", "evidence", "diagram", "reference", "catalogue", "expected")

#: Where the expected answers of the stored queries are checked in.
EXPECTED_DIR = ("tests", "queries")
#: The engine whose answers are checked in: rdflib, the reference (the other engines are
#: compared with them; SPARQL leaves some orders to the engine).
REFERENCE = "rdflib"
#: The engine of the gazetteer's queries (tagged ``gazetteer``): the rdflib engine does
#: not hold the gazetteer (kg.store.rdflib.shared_dataset), the default one does.
GAZETTEER_REFERENCE = "memory"


def reference(case: ExpectedCase) -> str:
    """The engine whose answer to ``case`` is checked in."""
    return GAZETTEER_REFERENCE if "gazetteer" in case.query.tags else REFERENCE


CATALOGUE_START = "<!-- queries:start -->"
CATALOGUE_END = "<!-- queries:end -->"


def _checkout() -> Path:
    root = paths.project_root()
    if root is None:
        raise InputError("kg generate rewrites files of a source checkout; none was found")
    return root


def context_outputs() -> list[Output]:
    from kg.io.serialise import jsonld_context_text

    _checkout()
    return [Output(paths.context_path(), jsonld_context_text().encode("utf-8"))]


def diagram_outputs(render_svg: bool = True) -> list[Output]:
    from kg.io.parse import parse_graph
    from kg.publish import diagram

    root = _checkout()
    ontology = parse_graph(paths.ontology_path())
    mermaid = diagram.mermaid(ontology)
    readme_path = root / "README.md"
    try:
        readme = readme_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("no README.md to put the model diagram in", readme_path) from None
    outputs = [
        Output(root / "docs" / "model.mmd", mermaid.encode("utf-8")),
        Output(
            readme_path,
            diagram.replace_readme_block(readme, mermaid, readme_path).encode("utf-8"),
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


def catalogue_markdown() -> str:
    """The README's query catalogue: one table row per stored query, from its header."""
    from kg.core.terms import short_name
    from kg.io import formats
    from kg.sparql import catalogue as queries

    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    forms = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
    offered = (f for form in forms for f in formats.formats_for(form, formats.Audience.TERMINAL))
    lines = [
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
        "next page follows; `/api/queries/NAME?page=P` adds a `Link` header.",
        "",
        "| query | what it answers | parameters | example |",
        "|---|---|---|---|",
    ]
    for stored in queries.discover():
        params: list[str] = []
        example = f"kg query run {stored.name}"
        for p in stored.parameters:
            about = [p.describe_type() if p.enum is None else " \\| ".join(p.enum)]
            if p.default is not None:
                shown = short_name(p.default) if p.type == "iri" else p.default
                about.append(f"default `{shown}`")
            if not p.required:
                about.append("optional")
            params.append(f"`{p.name}` ({', '.join(about)})")
            if p.type == "iri" and p.default is not None and "--param" not in example:
                example += f" --param {p.name}={short_name(p.default)}"
        if stored.pagination is not None:
            params.append(f"`page` ({stored.pagination} rows a page, default `1`)")
            example += " --page 2"
        if stored.has_lang:
            example += " --lang vi"
        lines.append(
            f"| `{stored.name}` | {cell(stored.summary)} | {'; '.join(params) or '—'} "
            f"| `{example}` |"
        )
    return "\n".join(lines) + "\n"


def replace_catalogue(readme: str, catalogue: str, where: Path) -> str:
    """``readme`` with ``catalogue`` between the queries markers; nothing else changes."""
    start = readme.find(CATALOGUE_START)
    end = readme.find(CATALOGUE_END)
    if start < 0 or end < start:
        raise InputError(f"no {CATALOGUE_START} ... {CATALOGUE_END} block", where)
    head = readme[: start + len(CATALOGUE_START)]
    return f"{head}\n{catalogue}{readme[end:]}"


def catalogue_outputs(readme: str | None = None) -> list[Output]:
    """README.md with the query catalogue regenerated (from ``readme``, if given:
    the README as another target already rewrote it)."""
    root = _checkout()
    readme_path = root / "README.md"
    if readme is None:
        try:
            readme = readme_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise InputError("no README.md to put the query catalogue in", readme_path) from None
    text = replace_catalogue(readme, catalogue_markdown(), readme_path)
    return [Output(readme_path, text.encode("utf-8"))]


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
    """docs/ontology.md: the reference page of the ontology and its vocabularies."""
    from kg.io.parse import parse_graph
    from kg.publish import reference

    root = _checkout()
    page = reference.markdown(
        parse_graph(paths.ontology_path()), parse_graph(paths.vocabulary_path())
    )
    return [Output(root / "docs" / "ontology.md", page.encode("utf-8"))]


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
    if target == "expected":
        return expected_outputs()
    if target == "all":
        # Context and evidence first: they are inputs of nothing here, but evidence
        # is data and the diagram only reads the ontology. The diagram and the
        # catalogue both rewrite README.md: the catalogue goes into the diagram's text.
        planned = (
            context_outputs()
            + evidence_outputs()
            + reference_outputs()
            + diagram_outputs(render_svg)
        )
        readme = _checkout() / "README.md"
        text = next(o.data for o in planned if o.path == readme).decode("utf-8")
        return [o for o in planned if o.path != readme] + catalogue_outputs(text)
    raise InputError(f"unknown generate target {target!r} (valid: {', '.join(TARGETS)}, all)")
