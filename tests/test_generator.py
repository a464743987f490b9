"""bench/generate.py: the synthetic graph parses, is deterministic, follows the project's
IRI patterns, validates when no error is planted, and every planted error is caught.

Sizes stay small (10^4 quads for the shape of the output, a few thousand for validation):
pyshacl alone needs about 100 s for 10^4 quads of this graph.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import subprocess
import sys
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from rdflib import BNode, Dataset, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from bench_scripts import bench_script
from kg.core import paths
from kg.core.namespaces import BASE, KINDS, PREFIXES
from kg.core.terms import short_name
from kg.io.parse import load, union_graph
from kg.validation.shacl import run_check, validate

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "bench" / "generate.py"
SLUG = r"[a-z0-9]+(?:-[a-z0-9]+)*"
ID_IRI = re.compile(rf"^{re.escape(BASE)}id/([a-z]+)((?:/{SLUG})+)(#[a-z]+)?$")
GRAPH_IRI = re.compile(rf"^{re.escape(BASE)}graph/(facts|evidence)/({SLUG})$")


gen = bench_script("generate")


def _run(out: Path, *args: str) -> str:
    stdout = io.StringIO()
    assert gen.main([*args, "-o", str(out)], out=stdout) == 0
    return stdout.getvalue()


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _manifest(path: Path) -> dict[str, Any]:
    return json.loads(gen.manifest_for(path).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("gen") / "small.nq"
    _run(out, "--triples", "1e4", "--seed", "3")
    return out


@pytest.fixture(scope="module")
def small_dataset(small: Path) -> Dataset:
    ds = Dataset(default_union=False)
    ds.parse(small, format="nquads")
    return ds


def _validate(path: Path) -> Any:
    return validate(load([paths.ontology_path(), paths.vocabulary_path(), path]))


# -- shape of the output -------------------------------------------------------------------


def test_size_is_near_the_request(small: Path, small_dataset: Dataset) -> None:
    manifest = _manifest(small)
    assert abs(manifest["quads"] - 10_000) <= 1_500
    # Every line is one quad and no quad is written twice.
    lines = small.read_text(encoding="utf-8").splitlines()
    assert len(lines) == manifest["quads"]
    assert sum(1 for _ in small_dataset.quads((None, None, None, None))) == manifest["quads"]


def test_cli_prints_the_actual_count(tmp_path: Path) -> None:
    printed = _run(tmp_path / "g.nq", "--districts", "1", "--years", "2")
    quads = _manifest(tmp_path / "g.nq")["quads"]
    assert f"{quads} quads, 1 districts x 2 years = 2 articles" in printed


def test_every_quad_is_in_an_article_graph(small_dataset: Dataset) -> None:
    assert len(small_dataset.graph(DATASET_DEFAULT_GRAPH_ID)) == 0
    names = {str(g.identifier) for g in small_dataset.graphs()} - {str(DATASET_DEFAULT_GRAPH_ID)}
    slugs = {"facts": set(), "evidence": set()}
    for name in names:
        match = GRAPH_IRI.match(name)
        assert match, name
        slugs[match.group(1)].add(match.group(2))
    # One facts graph and one evidence graph per district-year.
    assert slugs["facts"] == slugs["evidence"]
    assert all(re.search(r"-\d{4}-\d{2}-\d{2}$", slug) for slug in slugs["facts"])


def test_iris_follow_the_project_patterns(small_dataset: Dataset) -> None:
    namespaces = tuple(PREFIXES.values())
    for quad in small_dataset.quads((None, None, None, None)):
        for term in quad:
            assert not isinstance(term, BNode), quad
            if isinstance(term, Literal):
                if term.datatype is not None:
                    assert str(term.datatype).startswith(namespaces), term.datatype
                continue
            iri = str(term)
            assert iri.isascii(), iri
            assert iri.startswith(namespaces), iri
            if iri.startswith(BASE + "id/"):
                match = ID_IRI.match(iri)
                assert match and match.group(1) in KINDS, iri
            elif iri.startswith(BASE + "graph/"):
                assert GRAPH_IRI.match(iri), iri
            elif iri.startswith(BASE):
                assert iri.startswith(PREFIXES["kgo"]), iri


def test_literals_are_nfc(small_dataset: Dataset) -> None:
    texts = [o for _, _, o, _ in small_dataset.quads((None, None, None, None))]
    literals = [str(o) for o in texts if isinstance(o, Literal)]
    assert any("Đảng" in text for text in literals)
    assert all(unicodedata.is_normalized("NFC", text) for text in literals)


def test_labels_in_vietnamese_and_english(small_dataset: Dataset) -> None:
    label = URIRef(PREFIXES["rdfs"] + "label")
    languages = {o.language for _, _, o, _ in small_dataset.quads((None, label, None, None))}
    assert languages == {"vi", "en"}


def test_trig_holds_the_same_quads(tmp_path: Path) -> None:
    _run(tmp_path / "g.nq", "--districts", "2", "--years", "1", "--seed", "5")
    _run(tmp_path / "g.trig", "--districts", "2", "--years", "1", "--seed", "5")
    nq, trig = Dataset(), Dataset()
    nq.parse(tmp_path / "g.nq", format="nquads")
    trig.parse(tmp_path / "g.trig", format="trig")
    assert set(nq.quads((None, None, None, None))) == set(trig.quads((None, None, None, None)))
    assert _manifest(tmp_path / "g.trig")["format"] == "trig"


# -- determinism -----------------------------------------------------------------------------


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    args = ("--districts", "2", "--years", "2", "--error-rate", "0.2")
    _run(tmp_path / "a.nq", *args, "--seed", "11")
    _run(tmp_path / "b.nq", *args, "--seed", "11")
    _run(tmp_path / "c.nq", *args, "--seed", "12")
    assert _sha256(tmp_path / "a.nq") == _sha256(tmp_path / "b.nq")
    assert _sha256(gen.manifest_for(tmp_path / "a.nq")) == _sha256(
        gen.manifest_for(tmp_path / "b.nq")
    )
    assert _sha256(tmp_path / "a.nq") != _sha256(tmp_path / "c.nq")


def test_same_bytes_whatever_the_hash_seed(tmp_path: Path) -> None:
    # Fresh processes with different string hashing: no set or hash order leaks out.
    digests = []
    for hash_seed in ("1", "2"):
        out = tmp_path / f"h{hash_seed}.nq"
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        args = ["--districts", "2", "--years", "2", "--error-rate", "0.3", "-o", str(out)]
        subprocess.run(
            [sys.executable, str(SCRIPT), *args], check=True, env=env, capture_output=True
        )
        digests.append((_sha256(out), _sha256(gen.manifest_for(out))))
    assert digests[0] == digests[1]


def test_errors_change_only_their_sites(tmp_path: Path) -> None:
    # Errors are drawn apart from the content: with errors, only the quads of the planted
    # errors' resources differ from the same seed without errors.
    args = ("--districts", "2", "--years", "1", "--seed", "4")
    _run(tmp_path / "clean.nq", *args)
    _run(tmp_path / "bad.nq", *args, "--error-rate", "1")
    clean = set((tmp_path / "clean.nq").read_text(encoding="utf-8").splitlines())
    bad = set((tmp_path / "bad.nq").read_text(encoding="utf-8").splitlines())
    planted = _manifest(tmp_path / "bad.nq")["errors"]
    # A shifted selector is the #position next to the #target the checks name.
    sites = {f"<{e['focus'].replace('#target', '#position')}>" for e in planted}
    assert {line.split(" ", 1)[0] for line in clean ^ bad} == sites


def test_failed_generation_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = {"n": 0}
    build = gen.build_article

    def failing(*args: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        return build(*args)

    monkeypatch.setattr(gen, "build_article", failing)
    with pytest.raises(RuntimeError):
        gen.generate(tmp_path / "g.nq", 2, 1, 1, 0.0)
    assert list(tmp_path.iterdir()) == []


# -- validity --------------------------------------------------------------------------------


def test_without_errors_it_validates(tmp_path: Path) -> None:
    # Two districts over two years: the first year (2016, also the start of the period
    # "since 2016") and a later one. Small, because pyshacl alone takes ~35 s here.
    out = tmp_path / "clean.nq"
    _run(out, "--districts", "2", "--years", "2", "--seed", "3")
    assert _manifest(out)["errors"] == []
    result = _validate(out)
    assert result.results == [], result.text()
    assert result.conforms


@pytest.mark.slow
def test_without_errors_every_check_returns_no_rows(tmp_path: Path) -> None:
    # Each check again, one by one on rdflib, whichever engine validate() picked above
    # (one article: rdflib's SPARQL takes seconds per check at 10^4 quads).
    out = tmp_path / "one.nq"
    _run(out, "--districts", "1", "--years", "1", "--seed", "3")
    union = union_graph(load([paths.ontology_path(), paths.vocabulary_path(), out]))
    checks = sorted(paths.checks_dir().glob("*-violation.rq"))
    assert checks
    for check in checks:
        assert run_check(check, union) == [], check.name


def _expected(manifest: dict[str, Any]) -> list[tuple[str, str]]:
    pairs = []
    for error in manifest["errors"]:
        for result in error["expected"]:
            component = result["constraint"].removeprefix("check:")
            pairs.append((short_name(URIRef(result["focus"])), component))
    return sorted(pairs)


def _found(result: Any) -> list[tuple[str, str]]:
    return sorted((r.focus_node, r.constraint_component) for r in result.results)


def test_every_kind_of_planted_error_is_caught(tmp_path: Path) -> None:
    out = tmp_path / "all.nq"
    _run(out, "--districts", "1", "--years", "2", "--seed", "8", "--error-rate", "1")
    manifest = _manifest(out)
    assert sorted({e["kind"] for e in manifest["errors"]}) == sorted(gen.ERROR_KINDS)
    assert len(manifest["errors"]) == 2 * len(gen.ERROR_KINDS)
    result = _validate(out)
    assert not result.conforms
    assert _found(result) == _expected(manifest), result.text()


def test_planted_errors_among_clean_articles(tmp_path: Path) -> None:
    out = tmp_path / "some.nq"
    _run(out, "--districts", "3", "--years", "2", "--seed", "2", "--error-rate", "0.15")
    manifest = _manifest(out)
    assert 0 < len(manifest["errors"]) < 6 * len(gen.ERROR_KINDS)
    result = _validate(out)
    focus_planted = {short_name(URIRef(e["focus"])) for e in manifest["errors"]}
    focus_expected = {focus for focus, _ in _expected(manifest)}
    assert focus_planted <= focus_expected
    assert {r.focus_node for r in result.results} == focus_expected
    assert _found(result) == _expected(manifest), result.text()
