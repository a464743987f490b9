"""Ad-hoc SPARQL parity across engines: the corpus tests/parity/queries/*.rq (each with
a one-line comment saying what it probes) over the fixture tests/parity/data.trig, on
the rdflib engine, Oxigraph in memory and Virtuoso (external).

Answers are compared as multisets of rows of RDF terms (in order when the query has
ORDER BY), with three normalisations that SPARQL itself makes: numbers by datatype and
value (``98.0`` and ``98`` are one xsd:decimal; the lexical form is probed with STR),
language tags case-insensitively, and blank nodes by kind only (their labels are the
engine's). The reference answer per SPARQL 1.1 is tests/parity/expected/NAME.txt;
an engine known to answer otherwise is listed in tests/parity/differences.yaml with
what it answers in tests/parity/expected/NAME.ENGINE.txt. So a new difference fails,
and so does a listed one that disappears. docs/engines.md is rendered from those files.

``KG_PARITY_WRITE=1`` writes the engine-specific answer files and the docs table from
what the engines answer now (the reference files and the YAML are written by hand).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pytest
import yaml
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

import kg.store
from kg.core.errors import KgError
from kg.io.parse import load
from kg.sparql.results import Result
from kg.sparql.text import order_keys
from kg.store.base import KgStore

HERE = Path(__file__).parent / "parity"
DATA = HERE / "data.trig"
QUERIES = sorted((HERE / "queries").glob("*.rq"))
EXPECTED = HERE / "expected"
DIFFERENCES: dict[str, dict[str, str]] = (
    yaml.safe_load((HERE / "differences.yaml").read_text(encoding="utf-8")) or {}
)
DOCS = Path(__file__).parent.parent / "docs" / "engines.md"
WRITE = bool(os.environ.get("KG_PARITY_WRITE"))
ENGINES = ("rdflib", "oxigraph", "virtuoso")
_XSD = "http://www.w3.org/2001/XMLSchema#"
_NUMERIC = {
    _XSD + t
    for t in (
        *("integer", "decimal", "double", "float", "int", "long", "short", "byte"),
        *("nonNegativeInteger", "nonPositiveInteger", "negativeInteger", "positiveInteger"),
        *("unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte"),
    )
}


def render(term: Node | None) -> str:
    """One term as a line of an answer file: N-Triples-like, numbers by value."""
    if term is None:
        return "UNDEF"
    if isinstance(term, BNode):
        return "_:b"
    if isinstance(term, URIRef):
        return f"<{term}>"
    assert isinstance(term, Literal)
    text = (
        str(term)
        .replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\t", "\\t")
    )
    if term.language:
        return f'"{text}"@{term.language.lower()}'
    datatype = str(term.datatype) if term.datatype is not None else _XSD + "string"
    if datatype in _NUMERIC:
        try:
            number = Decimal(str(term))
            if number.is_finite():
                text = format(number.normalize(), "f")
            else:  # rdflib writes Python's "inf"; XSD writes "INF"
                text = "NaN" if number.is_nan() else ("-INF" if number < 0 else "INF")
        except InvalidOperation:
            pass
    if datatype == _XSD + "string":
        return f'"{text}"'
    short = datatype.replace(_XSD, "xsd:")
    return f'"{text}"^^{short}'


def answer(result: Result, ordered: bool) -> list[str]:
    """The answer as lines: a header of variables, then the rows (sorted unless ordered)."""
    if result.form == "ASK":
        return [str(result.boolean).lower()]
    rows = ["\t".join(render(row.get(v)) for v in result.variables) for row in result.rows]
    return ["\t".join("?" + v for v in result.variables), *(rows if ordered else sorted(rows))]


def read_answer(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def run_on(store: KgStore, path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    try:
        return answer(kg.store.run_text(text, store=store), bool(order_keys(text)))
    # An engine refusing a query is an answer too; so is a term rdflib cannot read back
    # (ValueError: Virtuoso's "60"^^xsd:duration). Anything else is a bug and raises.
    except (KgError, ValueError) as error:
        return [f"ERROR {type(error).__name__}"]


def check(engine: str, store: KgStore, path: Path) -> None:
    name = path.stem
    got = run_on(store, path)
    reference = EXPECTED / f"{name}.txt"
    own = EXPECTED / f"{name}.{engine}.txt"
    listed = engine in DIFFERENCES.get(name, {})
    if WRITE and listed:
        own.write_text("\n".join(got) + "\n", encoding="utf-8")
    if listed:
        assert read_answer(own) == got, f"{name}: {engine} answers otherwise than listed"
        assert read_answer(reference) != got, (
            f"{name}: {engine} now gives the reference answer; remove it from differences.yaml"
        )
    else:
        assert read_answer(reference) == got, (
            f"{name}: {engine} differs from the reference (fix it in kg or list it)"
        )


@pytest.fixture(scope="module")
def embedded() -> Iterator[dict[str, KgStore]]:
    # kg's own default graph (the union of the named graphs), as Virtuoso's: the corpus
    # queries without GRAPH read the fixture's one named graph on all three.
    stores = {
        "rdflib": kg.store.open_store("rdflib"),
        "oxigraph": kg.store.open_store("memory"),
    }
    for store in stores.values():
        store.load([DATA])
    yield stores
    for store in stores.values():
        store.close()


def test_the_corpus_is_large_and_commented() -> None:
    assert len(QUERIES) >= 50
    for path in QUERIES:
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# ") and len(first) > 10, path.name
        assert (EXPECTED / f"{path.stem}.txt").is_file(), f"{path.stem}: no reference answer"


def test_differences_name_known_queries_engines_and_files() -> None:
    names = {p.stem for p in QUERIES}
    for name, engines in DIFFERENCES.items():
        assert name in names, name
        for engine, how in engines.items():
            assert engine in ENGINES and how.strip(), (name, engine)
            assert (EXPECTED / f"{name}.{engine}.txt").is_file(), (name, engine)
    listed = {f"{n}.{e}" for n, engines in DIFFERENCES.items() for e in engines}
    for path in EXPECTED.glob("*.*.txt"):
        assert path.name[: -len(".txt")] in listed, f"{path.name} is not in differences.yaml"


@pytest.mark.parametrize("path", QUERIES, ids=lambda p: p.stem)
@pytest.mark.parametrize("engine", ["rdflib", "oxigraph"])
def test_embedded_engines(engine: str, path: Path, embedded: dict[str, KgStore]) -> None:
    check(engine, embedded[engine], path)


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KgStore]:
    from kg.publish.push import push
    from virtuoso_server import VirtuosoServer

    with VirtuosoServer(tmp_path_factory.mktemp("parity-virtuoso")) as server:
        assert push(load([DATA]), server.sparql_url, user="dba", password="dba").ok
        store = kg.store.open_store(server.sparql_url)
        yield store
        store.close()


@pytest.mark.external
@pytest.mark.parametrize("path", QUERIES, ids=lambda p: p.stem)
def test_virtuoso(path: Path, virtuoso: KgStore) -> None:
    check("virtuoso", virtuoso, path)


def table_row(name: str, engines: dict[str, str]) -> str:
    def cell(path: Path) -> str:
        lines = read_answer(path)
        shown = (line.replace("\t", " · ") for line in lines[1:] or lines)
        return "<br>".join(f"`{line}`" for line in shown).replace("|", "\\|")

    comment = (HERE / "queries" / f"{name}.rq").read_text(encoding="utf-8").splitlines()[0]
    reference = cell(EXPECTED / f"{name}.txt")
    how = "<br>".join(f"**{e}**: {engines[e]}" for e in ENGINES if e in engines)
    answers = "<br>".join(
        f"**{e}**: {cell(EXPECTED / f'{name}.{e}.txt')}" for e in ENGINES if e in engines
    )
    return f"| `{name}`: {comment[2:]} | {reference} | {answers} | {how} |"


def test_docs_table_matches_the_differences() -> None:
    rows = [table_row(name, engines) for name, engines in sorted(DIFFERENCES.items())]
    table = "\n".join(
        [
            "| query | SPARQL 1.1 answer | engines that differ | how, and who is right |",
            "| --- | --- | --- | --- |",
            *rows,
        ]
    )
    begin, end = "<!-- parity table: begin -->", "<!-- parity table: end -->"
    text = DOCS.read_text(encoding="utf-8")
    if WRITE:
        head, _, rest = text.partition(begin)
        _, _, tail = rest.partition(end)
        text = f"{head}{begin}\n{table}\n{end}{tail}"
        DOCS.write_text(text, encoding="utf-8")
    assert f"{begin}\n{table}\n{end}" in text, "docs/engines.md is stale: KG_PARITY_WRITE=1"


# -- kg.sparql.functions: the rdflib engine's REGEX and REPLACE -------------------------------


def test_rdflib_itself_still_misreads_replace_flags() -> None:
    # kg.sparql.functions exists for this bug: when rdflib fixes it, the patch can go.
    from rdflib.plugins.sparql import operators
    from rdflib.plugins.sparql.parserutils import CompValue

    expr = CompValue(
        "Builtin_REPLACE",
        arg=Literal("aXbXcX"),
        pattern=Literal("x"),
        replacement=Literal("-"),
        flags=Literal("i"),
    )
    assert str(operators.Builtin_REPLACE(expr, None)) == "aXbXcX"  # "i" taken as count=2


@pytest.mark.parametrize(
    ("text", "pattern", "flags", "replacement", "expected"),
    [
        ("aXbXcX", "x", "i", "-", "a-b-c-"),
        ("a\nb", "a.b", "s", "-", "-"),
        ("a\nb", "^b", "m", "B", "a\nB"),
        ("aXbXcX", "b X c", "x", "[$0]", "aX[bXc]X"),
        ("a b c", "[ ]|b", "x", "", "ac"),
        ("1+1", "1+1", "q", "$1", "$1"),
        ("Huế", "(H)(y)?", "", "\\$$2$1", "$Huế"),
        ("abc", "b", "", "\\\\", "a\\c"),
    ],
)
def test_rdflib_replace_honours_xpath_flags(
    text: str, pattern: str, flags: str, replacement: str, expected: str
) -> None:
    row = " ".join(Literal(v).n3() for v in (text, pattern, replacement, flags))
    query = (
        f"SELECT ?r WHERE {{ VALUES (?in ?pattern ?replacement ?flags) {{ ({row}) }} "
        "BIND(REPLACE(?in, ?pattern, ?replacement, ?flags) AS ?r) }"
    )
    result = kg.store.run_text(query, store=kg.store.open_store("rdflib"))
    assert [str(row["r"]) for row in result.rows] == [expected]


def test_bad_flags_and_patterns_are_expression_errors_on_rdflib() -> None:
    store = kg.store.open_store("rdflib")
    text = (
        'SELECT ?ok ?flag ?pattern WHERE { BIND("ok" AS ?ok) '
        'BIND(REGEX("a", "a", "z") AS ?flag) BIND(REPLACE("a", "(", "") AS ?pattern) }'
    )
    rows = kg.store.run_text(text, store=store).rows
    assert [{k: str(v) for k, v in row.items()} for row in rows] == [{"ok": "ok"}]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("2 * 3", '"6"^^xsd:integer'),
        ("7 / 2", '"3.5"^^xsd:decimal'),
        ("1.5 * 2", '"3"^^xsd:decimal'),
        ("2.5 * 2.0E0", '"5"^^xsd:double'),
        ('xsd:float("1.5") / 2', '"0.75"^^xsd:float'),
        ("1.0E0 / 0", '"INF"^^xsd:double'),
        ("-1.0E0 / 0.0", '"-INF"^^xsd:double'),
        ("0.0E0 / 0", '"NaN"^^xsd:double'),
        ("1 / 0", "UNDEF"),
        ("1.0 / 0.0", "UNDEF"),
        ('"a" * 2', "UNDEF"),
    ],
)
def test_rdflib_multiplies_and_divides_as_xpath(expression: str, expected: str) -> None:
    query = (
        "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\n"
        f'SELECT ?x ?row WHERE {{ BIND("row" AS ?row) BIND({expression} AS ?x) }}'
    )
    result = kg.store.run_text(query, store=kg.store.open_store("rdflib"))
    assert [render(row.get("x")) for row in result.rows] == [expected]


def test_rdflib_itself_still_multiplies_integers_into_decimals() -> None:
    # kg.sparql.functions replaces rdflib's * and / for this; when rdflib fixes it, drop it.
    from rdflib.plugins.sparql import operators
    from rdflib.plugins.sparql.parserutils import CompValue

    expr = CompValue("MultiplicativeExpression", expr=Literal(2), op=["*"], other=[Literal(3)])
    assert operators.MultiplicativeExpression(expr, None).datatype == URIRef(_XSD + "decimal")
