"""Round trips of generated data through every export format.

For each format in ``kg.io.formats.export_formats()``: ``kg.io.serialise.export`` writes a generated
dataset, ``kg.io.parse.load`` reads the file back, and the two are the same (triple formats:
the union of the graphs; quad formats: every named graph), compared after kg's own
canonical blank node labelling, which is an isomorphism test. Or the exporter refuses
with a KgError; it never writes something that reads back differently.

The data: Vietnamese text in NFC and NFD, quotes, backslashes, line breaks and control
characters; language tags; XSD and custom datatypes, well- and ill-typed; IRIs with
percent-encoding, unicode, ``#`` fragments, query strings, sub-delimiters.

What a format cannot carry, found here, and what kg does (docs/security.md):

* an IRI with a character no IRI may hold (space, NUL, ``<>"{}|^`\\``): refused by
  every exporter (and by the loader);
* RDF/XML: text with a character XML 1.0 forbids (NUL and most C0 controls), a
  predicate IRI that cannot be split into namespace and XML name (ending in ``/``,
  ``#``, a digit...): refused by the RDF/XML exporter, the other formats carry them.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from rdflib import BNode, Dataset, Literal, URIRef  # noqa: E402
from rdflib.namespace import XSD  # noqa: E402

from kg.core.errors import KgError  # noqa: E402
from kg.io.formats import export_formats  # noqa: E402
from kg.io.parse import load, new_dataset  # noqa: E402
from kg.io.serialise import canonical_quads, export  # noqa: E402

EXPORTERS = {f.name: f for f in export_formats()}

VIETNAMESE = "Nam Trực Định Hải Hậu Ủy ban nhân dân xã Bình Minh đảng viên người"
IRI_CHARS = (
    "abcxyzABC0129-._~"  # unreserved
    "!$&'()*+,;=:@/"  # sub-delims and path characters
    "ựđươàáạảãĐỦ"  # unicode (an IRI, not a URI)
)
BASES = (
    "https://example.org/",
    "http://ví-dụ.vn/đơn-vị/",
    "urn:x-kg:",
    "https://w3id.org/vn-kg/id/place/",
)


@st.composite
def iris(draw: st.DrawFn) -> URIRef:
    base = draw(st.sampled_from(BASES))
    path = draw(st.text(alphabet=IRI_CHARS, min_size=1, max_size=12))
    pct = draw(st.sampled_from(["", "%20", "%C3%A1", "%25", "%2F"]))
    query = draw(st.sampled_from(["", "?q=1", "?a=b&c=d%20e", "?"]))
    fragment = draw(st.sampled_from(["", "#x", "#", "#đ"]))
    return URIRef(base + path + pct + query + fragment)


def _forms(text: str) -> st.SearchStrategy[str]:
    return st.sampled_from([unicodedata.normalize("NFC", text), unicodedata.normalize("NFD", text)])


texts = st.one_of(
    st.text(max_size=30),
    st.text(alphabet=VIETNAMESE + "\"'\\\n\r\t<>&", max_size=30).flatmap(_forms),
    st.sampled_from(["", " ", "\x00", "\x01", "\x7f", "\ufffe", "]]>", '"""', "\\u0041"]),
)

DATATYPED = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(lambda n: (str(n), XSD.integer)),
    st.decimals(allow_nan=False, allow_infinity=False, places=3).map(
        lambda d: (str(d), XSD.decimal)
    ),
    st.floats(allow_nan=True, allow_infinity=True).map(lambda f: (repr(f), XSD.double)),
    st.sampled_from(["INF", "-INF", "NaN", "1e999"]).map(lambda s: (s, XSD.double)),
    st.booleans().map(lambda b: (str(b).lower(), XSD.boolean)),
    st.dates().map(lambda d: (d.isoformat(), XSD.date)),
    st.tuples(texts, st.sampled_from([XSD.integer, XSD.date, XSD.string])),  # ill-typed
    st.tuples(texts, iris()),  # a custom datatype
)


@st.composite
def literals(draw: st.DrawFn) -> Literal:
    kind = draw(st.sampled_from(["plain", "lang", "typed"]))
    if kind == "plain":
        return Literal(draw(texts))
    if kind == "lang":
        lang = draw(st.sampled_from(["vi", "en", "vi-VN", "en-GB", "x-kg-test"]))
        return Literal(draw(texts), lang=lang)
    lexical, datatype = draw(DATATYPED)
    return Literal(lexical, datatype=datatype)


@st.composite
def datasets(draw: st.DrawFn) -> Dataset:
    ds = new_dataset()
    bnodes = [BNode(f"n{i}") for i in range(3)]
    graphs = draw(st.lists(iris(), min_size=1, max_size=3, unique=True))
    for _ in range(draw(st.integers(min_value=1, max_value=8))):
        s = draw(st.one_of(iris(), st.sampled_from(bnodes)))
        p = draw(iris())
        o = draw(st.one_of(iris(), st.sampled_from(bnodes), literals()))
        ds.graph(draw(st.sampled_from(graphs))).add((s, p, o))
    return ds


def _read_back(data: bytes, extension: str, tmp: Path) -> Dataset:
    path = tmp / f"roundtrip.{extension}"
    path.write_bytes(data)
    return load([path])


def _assert_round_trip(ds: Dataset, fmt: str, tmp: Path) -> None:
    exporter = EXPORTERS[fmt]
    try:
        data = export(ds, fmt)
    except KgError as exc:
        # Refused with a clear error: allowed where the format cannot carry the data
        # (RDF/XML); the generated IRIs are valid, so any other format must write them.
        assert fmt == "xml", f"{fmt} refused: {exc}"
        assert "RDF/XML cannot" in str(exc), str(exc)
        return
    try:
        back = _read_back(data, exporter.extension, tmp)
    except KgError as exc:
        raise AssertionError(f"{fmt}: written, not read back: {exc}\n{data[:3000]!r}") from None
    before = set(canonical_quads(ds))
    after = set(canonical_quads(back))
    if not exporter.keeps_graphs:
        # A triple format merges the graphs: compare the unions, each relabelled.
        before, after = _union_quads(before), _union_quads(after)
    assert after == before, _difference(before, after, fmt)


def _union_quads(quads: set) -> set:  # type: ignore[type-arg]
    union = new_dataset()
    for s, p, o, _ in quads:
        union.graph(URIRef("urn:x-kg:union")).add((s, p, o))
    return set(canonical_quads(union))


def _difference(before: set, after: set, fmt: str) -> str:  # type: ignore[type-arg]
    lost = "\n".join(f"  {q!r}" for q in sorted(before - after, key=repr))
    new = "\n".join(f"  {q!r}" for q in sorted(after - before, key=repr))
    return f"{fmt}: lost\n{lost}\nread back instead\n{new}"


@pytest.mark.parametrize("fmt", sorted(EXPORTERS))
@settings(max_examples=60)
@given(ds=datasets())
def test_round_trip(fmt: str, ds: Dataset, tmp_path_factory: pytest.TempPathFactory) -> None:
    _assert_round_trip(ds, fmt, tmp_path_factory.mktemp("rt"))


# -- what a format cannot carry: refused, not written wrong ---------------------------------

EX = "https://example.org/"


def _one(s: URIRef, p: URIRef, o: URIRef | Literal) -> Dataset:
    ds = new_dataset()
    ds.graph(URIRef(EX + "g")).add((s, p, o))
    return ds


@pytest.mark.parametrize("fmt", sorted(EXPORTERS))
@pytest.mark.parametrize("bad", ["a b", "a\x00b", "a<b", 'a"b', "a{b", "a\\b", "a`b", "a\nb"])
def test_iri_no_iri_may_hold_is_refused(fmt: str, bad: str) -> None:
    ds = _one(URIRef(EX + bad), URIRef(EX + "p"), Literal("x"))
    with pytest.raises(KgError, match="no IRI may hold"):
        export(ds, fmt)


@pytest.mark.parametrize("text", ["a\x00b", "\x01", "\x08", "\x0b", "\x1f", "\ufffe"])
def test_rdfxml_refuses_text_xml_cannot_hold(text: str, tmp_path: Path) -> None:
    ds = _one(URIRef(EX + "s"), URIRef(EX + "p"), Literal(text))
    with pytest.raises(KgError, match="RDF/XML cannot"):
        export(ds, "xml")
    for fmt in ("turtle", "nt", "trig", "nquads", "json-ld"):
        _assert_round_trip(ds, fmt, tmp_path)


@pytest.mark.parametrize("predicate", [EX + "p/", EX + "p#", EX + "1", "urn:x:1", EX + "p?q=1"])
def test_rdfxml_refuses_a_predicate_it_cannot_split(predicate: str) -> None:
    ds = _one(URIRef(EX + "s"), URIRef(predicate), Literal("x"))
    with pytest.raises(KgError, match="RDF/XML cannot write the predicate"):
        export(ds, "xml")
