"""The cold query path imports neither rdflib nor PyYAML, and what it does without them
is what rdflib and PyYAML did: parameter values written as rdflib's ``n3()`` writes them,
literals of answers in rdflib's lexical forms, headers read as ``yaml.safe_load`` reads
them (issue 12, item 5)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
import yaml
from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from kg.core import paths
from kg.core.errors import InputError
from kg.sparql import catalogue as queries
from kg.sparql import header
from kg.sparql.terms import Term, lexical, sparql, to_rdflib

SRC = Path(__file__).resolve().parents[1] / "src"

# Runs kg's console entry point with argv[1:] and prints, on stderr's last line, which
# modules of rdflib and PyYAML were imported by then, whether click and logging were, and
# which of the standard library's costly modules kg imported (Python's start had not).
_RUN_KG = """\
import json, sys
started = set(sys.modules)
import kg.cli
try:
    kg.cli.main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
else:
    code = 0
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("rdflib", "yaml"))
front = sorted(m for m in ("click", "logging") if m in sys.modules)
costly = sorted(m for m in COSTLY if m in sys.modules and m not in started)
report = {"code": code, "loaded": loaded, "front": front, "costly": costly}
sys.stderr.write("\\n" + json.dumps(report) + "\\n")
"""
# dataclasses imports inspect, which imports ast, dis and tokenize: about a tenth of a
# cold `kg query run` (bench/results.md), so the records on its path are NamedTuples.
COSTLY = ("dataclasses", "inspect", "ast", "dis", "tokenize")


def _imports_of(*argv: str) -> tuple[str, dict[str, object]]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
    }
    program = f"COSTLY = {COSTLY!r}\n{_RUN_KG}"
    done = subprocess.run(
        [sys.executable, "-c", program, *argv], capture_output=True, text=True, env=env, timeout=120
    )
    report = json.loads(done.stderr.strip().splitlines()[-1])
    return done.stdout, report


@pytest.mark.parametrize("fmt", ["table", "csv", "tsv", "json", "xml"])
def test_a_stored_query_on_the_default_engine_imports_no_rdflib_and_no_yaml(fmt: str) -> None:
    out, report = _imports_of("query", "run", "party-members-count", "-f", fmt)
    assert report == {"code": 0, "loaded": [], "front": [], "costly": []}
    assert "kgo" in out or "ontology#" in out or "https://w3id.org/vn-kg/" in out


def test_a_stored_query_on_an_oxigraph_folder_imports_no_rdflib(tmp_path: Path) -> None:
    store = f"oxigraph:{tmp_path / 'store'}"
    for loading in (True, False):  # loading the folder, then opening it loaded
        out, report = _imports_of("query", "run", "party-members-count", "--store", store)
        assert report["code"] == 0 and report["loaded"] == [] and report["front"] == []
        # Loading writes the folder's manifest (kg.core.files); a query on it writes nothing.
        assert loading or report["costly"] == []
        assert "(1 row)" in out


def test_a_query_on_a_loaded_folder_writes_nothing_and_keeps_writers_out(tmp_path: Path) -> None:
    # The folder is opened read-only (a writable open writes and syncs a log, a manifest
    # and an options file every time), holding RocksDB's lock as a writable open does.
    import kg.store

    folder = tmp_path / "store"
    argv = ["query", "run", "party-members-count", "-f", "csv", "--store", f"oxigraph:{folder}"]
    _imports_of(*argv)  # loads it

    def files() -> dict[str, tuple[int, int]]:
        return {
            str(f.relative_to(folder)): (f.stat().st_size, f.stat().st_mtime_ns)
            for f in folder.rglob("*")
            if f.is_file()
        }

    loaded = files()
    out, report = _imports_of(*argv)
    assert report["code"] == 0 and len(out.splitlines()) == 2
    assert files() == loaded
    reading = kg.store.open_store(f"oxigraph:{folder}")
    try:
        assert len(reading) > 0
        writer = f"import pyoxigraph; pyoxigraph.Store({str(folder / 'oxigraph')!r})"
        refused = subprocess.run([sys.executable, "-c", writer], capture_output=True, text=True)
        assert refused.returncode != 0 and "LOCK" in refused.stderr
        _, report = _imports_of("stats", "--store", f"oxigraph:{folder}")
        assert report["code"] == 2
        with pytest.raises(InputError, match="one process at a time"):
            kg.store.open_store(f"oxigraph:{folder}").load([paths.data_dir() / "void.trig"])
    finally:
        reading.close()
    assert subprocess.run([sys.executable, "-c", writer], capture_output=True).returncode == 0
    assert files() != loaded  # that writable open wrote, as RocksDB's always do


@pytest.mark.parametrize("where", ["memory", "folder"])
def test_the_release_n_quads_are_loaded_by_oxigraph_without_rdflib(
    where: str, tmp_path: Path
) -> None:
    # What `kg build` publishes, read back with --data: Oxigraph's N-Quads parser
    # (Store.load in memory, bulk_load into a folder), no rdflib on the way.
    import kg.store

    held = kg.store.open_store("memory")
    held.load()
    release = tmp_path / "kg.nq"
    release.write_bytes(held.export("nquads"))
    argv = ["query", "run", "party-members-count", "--data", str(release), "-f", "csv"]
    if where == "folder":
        argv += ["--store", f"oxigraph:{tmp_path / 'store'}"]
    out, report = _imports_of(*argv)
    assert report["code"] == 0 and report["loaded"] == []
    assert out.splitlines()[0].startswith("statistic,") and len(out.splitlines()) == 2


def test_ad_hoc_sparql_and_ask_import_no_rdflib() -> None:
    out, report = _imports_of(
        "sparql", "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s a kgo:Count } }", "-f", "csv"
    )
    assert report["code"] == 0 and report["loaded"] == []
    assert report["front"] == ["click", "logging"]
    assert out.split()[0] == "n" and int(out.split()[1]) > 0
    out, report = _imports_of("sparql", "ASK { GRAPH ?g { ?s ?p ?o } }", "-f", "json")
    assert report["code"] == 0 and report["loaded"] == []
    assert json.loads(out)["boolean"] is True


def test_a_construct_query_may_import_rdflib() -> None:
    # Its answer is a graph, written by rdflib's serialisers: the check above can fail.
    _, report = _imports_of(
        "sparql", "CONSTRUCT { ?s a kgo:Count } WHERE { GRAPH ?g { ?s a kgo:Count } }"
    )
    assert report["code"] == 0
    assert "rdflib" in report["loaded"]


# -- parameter values, written as rdflib wrote them -------------------------------------

# The injection payloads of tests/test_store.py and tests/test_queries_remote.py, and
# more text that has to be escaped.
HOSTILE = [
    '"} } UNION { GRAPH ?g { ?value ?property ?x } } #',
    '"',
    "\\u0022",
    "x> } ; DROP ALL #",
    "1 } UNION { ?s ?p ?o }",
    "a\nb",
    "x" * 100_000,
    "'''\"\"\"\\",
    "",
    "\\",
    "a\r\nb\tc",
    'line\n"',
    'line\n""',
    'line\n"""',
    'line\n""""',
    '"""\n',
    "Nam Trực \u0000 \u2028 \U0001f600",
]

TYPED = queries.parse(
    "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\n"
    "SELECT * WHERE { ?_thing_iri ?p ?__n_integer , ?__x_number , ?__t_vi , ?__s_literal , "
    "?__u , ?__day_xsd_date , ?__tag_EN }",
    name="typed",
)


def _rdflib_term(parameter: str, raw: str) -> object:
    """The term the rdflib path made of ``raw`` (kg before issue 12, item 5)."""
    if parameter == "thing":
        return URIRef(queries.expand_iri(raw))
    if parameter == "n":
        return Literal(str(int(raw.strip())), datatype=XSD.integer)
    if parameter == "x":
        text = raw.strip()
        kind = (
            "integer"
            if text.lstrip("+-").isdigit()
            else "double"
            if "e" in text.lower()
            else "decimal"
        )
        return Literal(text, datatype=XSD[kind])
    if parameter == "t":
        return Literal(raw, lang="vi")
    if parameter == "tag":
        return Literal(raw, lang="EN")
    if parameter == "day":
        return Literal(raw, datatype=XSD.date)
    return Literal(raw)


CASES = [
    ("thing", "https://example.org/a"),
    ("thing", "body:huyen-uy-nam-truc"),
    ("thing", "<urn:x:1>"),
    ("thing", "https://w3id.org/vn-kg/id/body/" + "x" * 5000),
    ("thing", "https://example.org/đảng?q=1&r=é#frag"),
    *[("n", v) for v in ["0", "+007", "-0", "-12", " 42 ", "9" * 3000]],
    *[
        ("x", v)
        for v in [
            "98.0",
            "+1.50",
            ".5",
            "-.50",
            "1e3",
            "1.0E+3",
            ".5e-3",
            "1.e2",
            "7",
            "-0",
            "1e400",
        ]
    ],
    *[("day", v) for v in ["2021-11-01", "0001-01-01", "2021-11-01Z", "2021-11-01+07:00"]],
    *[(name, value) for name in ("t", "s", "u", "tag") for value in HOSTILE],
]


@pytest.mark.parametrize(
    ("parameter", "raw"), CASES, ids=[f"{p}-{i}" for i, (p, _) in enumerate(CASES)]
)
def test_bound_values_are_written_as_rdflib_wrote_them(parameter: str, raw: str) -> None:
    terms = queries.bindings(TYPED, {"thing": "urn:x:0", parameter: raw})
    variable = TYPED.parameter(parameter).variable  # type: ignore[union-attr]
    term = terms[variable]
    before = _rdflib_term(parameter, raw)
    assert isinstance(term, Term)
    assert to_rdflib(term) == before
    assert type(to_rdflib(term)) is type(before)
    if raw.endswith('\\"') and "\n" in raw:
        return  # see test_a_long_string_ending_in_backslash_quote_is_written_right
    assert sparql(term) == before.n3()  # type: ignore[attr-defined]


@pytest.mark.parametrize("text", [*HOSTILE, 'a\nb\\"', 'a\n\\\\"', 'a\n\\"x"'])
def test_written_strings_read_back_as_the_same_string(text: str) -> None:
    for term in (Term("literal", text), Term("literal", text, None, "vi")):
        line = f"<urn:x:s> <urn:x:p> {sparql(term)} ."
        (parsed,) = ox.parse(line.encode("utf-8"), format=ox.RdfFormat.TURTLE)
        assert parsed.object.value == text


def test_a_long_string_ending_in_backslash_quote_is_written_right() -> None:
    # rdflib leaves the last quote unescaped after an escaped backslash: the string it
    # writes ends one quote early. kg escapes the quote; nothing else differs.
    text = 'a\nb\\"'
    assert Literal(text).n3() == '"""a\nb\\\\""""'
    assert sparql(Term("literal", text)) == '"""a\nb\\\\\\""""'


@pytest.mark.parametrize(
    ("value", "datatype"),
    [
        ("7", "integer"),
        ("007", "integer"),
        ("-0", "integer"),
        ("98", "decimal"),
        ("98.0", "decimal"),
        ("-0.50", "decimal"),
        ("1E7", "double"),
        ("1.0E-3", "double"),
        ("INF", "double"),
        ("NaN", "float"),
        ("true", "boolean"),
        ("1", "boolean"),
        ("2021-11-01", "date"),
        ("2021-11-01Z", "date"),
        ("2021-11-01T00:00:00Z", "dateTime"),
        ("2021", "gYear"),
        ("P1Y", "duration"),
        ("x", "string"),
        ("not a number", "integer"),
    ],
)
def test_answer_literals_get_the_lexical_forms_rdflib_gave_them(value: str, datatype: str) -> None:
    iri = str(XSD[datatype])
    assert lexical(value, iri) == str(Literal(value, datatype=URIRef(iri)))


# -- headers, read as PyYAML reads them ------------------------------------------------


def _header_lines(text: str) -> list[str]:
    return [row.lstrip("#+") for row in text.split("\n") if row.startswith("#+")]


@pytest.mark.parametrize("path", sorted(paths.queries_dir().glob("*.rq")), ids=lambda p: p.stem)
def test_the_shipped_headers_are_read_without_yaml_as_yaml_reads_them(path: Path) -> None:
    lines = _header_lines(path.read_text(encoding="utf-8"))
    plain = header.read(lines)
    assert plain is not None
    assert plain == yaml.safe_load("\n".join(lines))


TRICKY = [
    "summary: 2020",
    "summary: yes",
    "summary: On",
    "summary: null",
    "summary: ~",
    "summary: 2021-11-01",
    "summary: a: b",
    "summary: a #comment",
    "summary: 'quoted'",
    'summary: "a \\" b"',
    'summary: "a: b"',
    "summary: [a, b]",
    "summary: {a: b}",
    "summary: &anchor a",
    "summary: !!int 3",
    "summary: |\n  a\n  b",
    "summary: >-\n  a\n  b",
    "summary: >\n  a\n    b\n  c",
    "summary: >\n  a\n\n  b",
    "summary: a\nsummary: b",
    "on: a",
    "tags:\n- a\n- b",
    "tags:\n  - a\n  - 3",
    "defaults:\n  - body: https://example.org/a\n  - lang: en",
    "defaults:\n  - lang: no",
    "enumerate:\n  - lang:\n    - vi\n    - en\n  - other:\n    - x",
    "enumerate:\n  - lang:\n    - vi\n  - plain",
    "enumerate:\n  - lang:\n  - vi",
    "defaults:\n  - body: a\n    extra: b",
    "a: x\n b: y",
    "a: x\n  - y",
    "description: >\n  The text: with a colon, a #hash, and 'quotes'.\n  Second line.",
    "# a comment\nsummary: a",
    "summary: a\t b",
    "summary: a ",
]


@pytest.mark.parametrize("text", TRICKY)
def test_other_yaml_is_left_to_pyyaml_or_read_alike(text: str) -> None:
    lines = [" " + line for line in text.split("\n")]
    plain = header.read(lines)
    if plain is None:
        return
    assert plain == yaml.safe_load("\n".join(lines))


def test_a_header_outside_the_subset_still_reads() -> None:
    stored = queries.parse("#+ summary: 2020\n#+ tags: [a, b]\nSELECT * WHERE { ?s ?p ?o }")
    assert stored.summary == "2020"
    assert stored.tags == ("a", "b")
