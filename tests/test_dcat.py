"""The dataset's description against the official DCAT-AP 3.0.0 SHACL shapes.

The shapes are in tests/dcat-ap-3.0.0 (CC BY 4.0, © European Union: see its NOTICE.md).
Three descriptions are checked: the ``kgg:void`` graph of the data (``kg link void``),
the release catalogue ``kg build`` writes (with sizes and checksums), and the one ``kg
serve`` answers at ``/catalog`` and ``/.well-known/void`` (with its own endpoint).

pyshacl runs with ``inference="rdfs"`` and no ``ont_graph``: the all-in-one
``dcat-ap-SHACL.ttl`` requires URLs to be of class ``rdfs:Resource``, which only RDFS
entailment states; every other class a shape expects is asserted in the description
itself, and the split files give the same results without inference.

Two constraints of the official files contradict DCAT-AP 3.0.0 itself and are the only
violations allowed (each checked by name, so any other one fails):

* ``shapes.ttl`` wants ``dcat:byteSize`` typed ``xsd:decimal``; DCAT 3 and DCAT-AP 3.0.0
  (and ``dcat-ap-SHACL.ttl``) type it ``xsd:nonNegativeInteger``, as kg does.
* ``mdr-vocabularies.shape.ttl`` wants a checksum algorithm matching
  ``^https://spdx.org/rdf/terms``; the SPDX namespace DCAT-AP uses is ``http://``.

The recommended warnings left are in tests/expected/dcat-recommended-warnings.txt and
docs/dcat.md says why each is left.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
import urllib.request
from collections.abc import Iterable
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, RDFS, SH, XSD

from kg.core.namespaces import DCAT, G_VOID, KIND_NS, SPDX, VCARD, VOID
from kg.io import formats
from kg.linking.dcat import vocabulary_facts
from kg.linking.gazetteer import KNOWN_FROM
from kg.linking.linksets import CATALOG, ENDPOINT_SERVICE, GAZETTEER_DATASET, KG_DATASET
from kg.publish.build import build
from kg.publish.dcat import catalogue_name, harvested
from serve_helper import kg_server, kg_server_factory  # noqa: F401 (fixtures)

SHAPES = Path(__file__).parent / "dcat-ap-3.0.0"
EXPECTED_WARNINGS = Path(__file__).parent / "expected" / "dcat-recommended-warnings.txt"
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")

#: The two contradictions of the official files (see the module's docstring).
KNOWN = {
    ("shapes.ttl", str(DCAT.byteSize), str(SH.DatatypeConstraintComponent)),
    ("mdr-vocabularies.shape.ttl", str(SPDX.algorithm), str(SH.NodeConstraintComponent)),
}


def results(data: Graph, shapes_file: str) -> list[dict[str, str]]:
    """The top-level results of validating ``data`` against one official file."""
    import pyshacl
    import rdflib.term

    shapes = Graph().parse(SHAPES / shapes_file)
    # pyshacl's inference (owlrl) adds lexical-to-Python conversions to rdflib for the
    # whole process (gYearMonth, gYear, NCName, ...) and its own "restore" keeps them: a
    # later test of the process then finds "2016-10"^^xsd:gYearMonth unequal to itself
    # (the engine parity corpus did). Put rdflib's table back as it was.
    saved = dict(rdflib.term._toPythonMapping)
    try:
        _, report, _ = pyshacl.validate(
            data, shacl_graph=shapes, inference="rdfs", advanced=True, allow_warnings=True
        )
    finally:
        rdflib.term._toPythonMapping.clear()
        rdflib.term._toPythonMapping.update(saved)
    found = []
    for result in report.objects(None, SH.result):
        found.append(
            {
                key: str(report.value(result, predicate) or "")
                for key, predicate in (
                    ("severity", SH.resultSeverity),
                    ("focus", SH.focusNode),
                    ("path", SH.resultPath),
                    ("component", SH.sourceConstraintComponent),
                    ("message", SH.resultMessage),
                )
            }
        )
    return found


def violations(data: Graph, files: Iterable[str]) -> list[str]:
    """Every violation but the known contradictions, one line each."""
    return [
        f"{name}: {r['focus']} {r['path']} {r['message']}"
        for name in files
        for r in results(data, name)
        if r["severity"] == str(SH.Violation) and (name, r["path"], r["component"]) not in KNOWN
    ]


def warnings(data: Graph, files: Iterable[str]) -> list[str]:
    return sorted(
        {
            f"{r['focus']} {r['path']}"
            for name in files
            for r in results(data, name)
            if r["severity"] == str(SH.Warning)
        }
    )


MANDATORY_AND_RANGE = ("dcat-ap-SHACL.ttl", "shapes.ttl", "range.ttl", "mdr-vocabularies.shape.ttl")
RECOMMENDED = ("shapes_recommended.ttl", "mdr-vocabularies.shape.ttl")


def void_of(dataset: Dataset) -> Graph:
    graph = Graph()
    for triple in dataset.graph(G_VOID):
        graph.add(triple)
    return graph


# -- the description in the data (data/void.trig) ---------------------------------------


def test_the_description_in_the_data_has_no_dcat_ap_violation(shipped_dataset: Dataset) -> None:
    assert violations(harvested(void_of(shipped_dataset)), MANDATORY_AND_RANGE) == []


def test_the_data_states_nothing_about_the_vocabularies_it_uses(shipped_dataset: Dataset) -> None:
    # Their classes and tables are added where the description is harvested, not in
    # the data (which describes only its own resources).
    void = void_of(shipped_dataset)
    facts = vocabulary_facts(void)
    assert (
        URIRef("http://publications.europa.eu/resource/authority/country/VNM"),
        RDF.type,
        DCTERMS.Location,
    ) in facts
    assert not set(facts) & set(void)
    assert all(str(s).startswith("https://w3id.org/vn-kg/") for s in void.subjects())


def test_the_gazetteer_covers_the_days_it_vouches_for(shipped_dataset: Dataset) -> None:
    # From the day its undated units are known to exist (the on-day queries' and the
    # addresses' rule), open-ended: its 2025 units are current.
    void = void_of(shipped_dataset)
    period = void.value(GAZETTEER_DATASET, DCTERMS.temporal)
    assert (period, RDF.type, DCTERMS.PeriodOfTime) in void
    assert void.value(period, DCAT.startDate) == Literal(KNOWN_FROM.isoformat(), datatype=XSD.date)
    assert void.value(period, DCAT.endDate) is None


def test_the_description_has_what_a_harvester_looks_for(shipped_dataset: Dataset) -> None:
    void = void_of(shipped_dataset)
    assert (CATALOG, DCAT.dataset, KG_DATASET) in void
    assert (CATALOG, DCAT.service, ENDPOINT_SERVICE) in void
    publisher = void.value(KG_DATASET, DCTERMS.publisher)
    assert Literal("kg contributors", lang="en") in set(void.objects(publisher, FOAF.name))
    contact = void.value(KG_DATASET, DCAT.contactPoint)
    assert (contact, RDF.type, VCARD.Kind) in void
    assert (
        KG_DATASET,
        DCTERMS.spatial,
        URIRef("http://publications.europa.eu/resource/authority/country/VNM"),
    ) in void
    period = void.value(KG_DATASET, DCTERMS.temporal)
    start, end = void.value(period, DCAT.startDate), void.value(period, DCAT.endDate)
    assert isinstance(start, Literal) and isinstance(end, Literal)
    # The article's date, one of the dated facts, lies inside the coverage.
    assert str(start) <= "2021-11-01" <= str(end)
    assert (ENDPOINT_SERVICE, DCAT.servesDataset, KG_DATASET) in void
    assert void.value(ENDPOINT_SERVICE, DCAT.endpointDescription) is not None
    for release in formats.export_formats():
        distribution = KIND_NS["distribution"][f"kg-{release.extension}"]
        assert (distribution, DCTERMS.format, URIRef(release.eu_file_type_iri or "")) in void
        assert (distribution, DCAT.mediaType, URIRef(release.media_type_iri)) in void


def test_the_void_count_is_the_readmes_less_the_description_itself(
    shipped_dataset: Dataset,
) -> None:
    # docs/dcat.md explains the two figures: the description does not count itself.
    void = shipped_dataset.graph(G_VOID)
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- fig:triples -->([\d,]+)<!-- /fig -->", readme)
    assert found is not None
    counted = void.value(KG_DATASET, VOID.triples)
    assert isinstance(counted, Literal)
    assert int(counted) == int(found.group(1).replace(",", "")) - len(void)


# -- the release catalogue (kg build) ------------------------------------------------------


@pytest.fixture(scope="module")
def release(shipped_dataset: Dataset, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("release")
    result = build(folder, shipped_dataset)
    assert result.ok
    return folder


def catalogue_of(folder: Path) -> tuple[Path, Graph]:
    [path] = folder.glob("*.catalog.ttl")
    return path, Graph().parse(path, format="turtle")


@pytest.mark.slow
def test_the_release_catalogue_gives_each_other_file_its_size_and_digest(release: Path) -> None:
    path, catalogue = catalogue_of(release)
    others = sorted(p for p in release.iterdir() if p != path)
    # Every export format, and the mapping set as SSSOM.
    assert len(others) == len(formats.export_formats()) + 1
    assert release / f"kg-0.1.0.{formats.MAPPINGS_RELEASE}" in others
    # No download URL names a file the release does not hold, but the gazetteer's: this
    # data has none (tests/test_serve_dist.py downloads all of a full release).
    downloads = {str(o) for o in catalogue.objects(None, DCAT.downloadURL)}
    missing = downloads - {f"https://w3id.org/vn-kg/dist/{other.name}" for other in others}
    assert missing == {
        f"https://w3id.org/vn-kg/dist/kg-0.1.0.gazetteer.{e}" for e in ("nq", "trig")
    }
    for other in others:
        url = URIRef(f"https://w3id.org/vn-kg/dist/{other.name}")
        [distribution] = catalogue.subjects(DCAT.downloadURL, url)
        size = catalogue.value(distribution, DCAT.byteSize)
        assert size == Literal(other.stat().st_size, datatype=XSD.nonNegativeInteger)
        checksum = catalogue.value(distribution, SPDX.checksum)
        assert catalogue.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
        digest = hashlib.sha256(other.read_bytes()).hexdigest()
        assert catalogue.value(checksum, SPDX.checksumValue) == Literal(
            digest, datatype=XSD.hexBinary
        )
        # A VoID dump is RDF; the SSSOM table is a download of the mapping set only.
        rdf = not other.name.endswith(formats.MAPPINGS_RELEASE)
        assert ((KG_DATASET, VOID.dataDump, url) in catalogue) is rdf
    # It describes the others, not itself.
    assert not any(path.name in str(o) for o in catalogue.objects())


@pytest.mark.slow
def test_the_release_sssom_file_is_the_mapping_set_kg_link_writes(release: Path) -> None:
    shipped = Path(__file__).resolve().parents[1] / "data" / "links" / "kg.sssom.tsv"
    built = release / f"kg-0.1.0.{formats.MAPPINGS_RELEASE}"
    assert built.read_bytes() == shipped.read_bytes()


@pytest.mark.slow
def test_the_release_catalogue_has_no_dcat_ap_violation(release: Path) -> None:
    _, catalogue = catalogue_of(release)
    assert violations(catalogue, MANDATORY_AND_RANGE) == []


@pytest.mark.slow
def test_the_known_contradictions_of_the_official_shapes_are_the_only_ones(release: Path) -> None:
    # Were the official files fixed, this fails: then drop KNOWN.
    _, catalogue = catalogue_of(release)
    found = {
        (name, r["path"], r["component"])
        for name in ("shapes.ttl", "mdr-vocabularies.shape.ttl")
        for r in results(catalogue, name)
        if r["severity"] == str(SH.Violation)
    }
    assert found == KNOWN


@pytest.mark.slow
def test_the_recommended_warnings_left_are_the_listed_ones(release: Path) -> None:
    _, catalogue = catalogue_of(release)
    expected = [
        line
        for line in EXPECTED_WARNINGS.read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]
    assert warnings(catalogue, RECOMMENDED) == expected


@pytest.mark.slow
def test_base_url_moves_the_downloads_and_the_endpoint(
    shipped_dataset: Dataset, tmp_path: Path
) -> None:
    build(tmp_path, shipped_dataset, base_url="https://data.example.org/kg")
    _, catalogue = catalogue_of(tmp_path)
    name = catalogue_name("0.1.0").replace("catalog.ttl", "ttl")
    assert (None, DCAT.downloadURL, URIRef(f"https://data.example.org/kg/dist/{name}")) in (
        catalogue
    )
    assert catalogue.value(ENDPOINT_SERVICE, DCAT.endpointURL) == URIRef(
        "https://data.example.org/kg/sparql"
    )
    assert not [o for o in catalogue.objects(None, DCAT.downloadURL) if "w3id.org/vn-kg/dist" in o]


def test_a_base_url_that_is_not_http_is_refused_in_one_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "kg", "build", "-d", str(tmp_path), "--base-url", "ftp://x/"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 2
    assert done.stderr == "kg: error: not an http(s) base URL: 'ftp://x/'\n"
    assert list(tmp_path.iterdir()) == []


# -- kg serve: /.well-known/void, /catalog, the service description ------------------------


def fetch(url: str, accept: str) -> tuple[int, str, bytes, str]:
    request = urllib.request.Request(url, headers={"Accept": accept})

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.headers["Content-Type"], response.read(), ""
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["Content-Type"], exc.read(), exc.headers["Location"] or ""


@pytest.mark.external
@pytest.mark.parametrize("path", ["/.well-known/void", "/catalog"])
def test_the_server_answers_its_description_in_every_rdf_format(
    kg_server: str,  # noqa: F811
    path: str,
) -> None:
    for fmt in formats.formats_for("DESCRIBE"):
        status, content_type, body, _ = fetch(kg_server + path, fmt.media_type)
        assert status == 200, (fmt.name, body[:200])
        assert content_type.split(";")[0] == fmt.media_type
        graph = Graph().parse(data=body, format=fmt.parser)
        # The endpoint it names is this server's, not the published one.
        assert graph.value(ENDPOINT_SERVICE, DCAT.endpointURL) == URIRef(kg_server + "/sparql")
        assert graph.value(KG_DATASET, VOID.sparqlEndpoint) == URIRef(kg_server + "/sparql")
    status, _, _, location = fetch(kg_server + path, "text/html")
    assert status == 303
    status, _, body, _ = fetch(kg_server + path, "application/pdf")
    assert status == 406 and body.decode().count("\n") == 1
    assert location == ("/id/dataset/kg" if "void" in path else "/id/dataset/catalog")


@pytest.mark.external
def test_the_served_catalogue_has_no_dcat_ap_violation(kg_server: str) -> None:  # noqa: F811
    _, _, body, _ = fetch(kg_server + "/catalog", "text/turtle")
    assert violations(Graph().parse(data=body, format="turtle"), MANDATORY_AND_RANGE) == []


@pytest.mark.external
def test_the_service_description_links_to_the_void_and_the_catalogue(
    kg_server: str,  # noqa: F811
) -> None:
    _, _, body, _ = fetch(kg_server + "/sparql", "text/turtle")
    description = Graph().parse(data=body, format="turtle")
    service = URIRef(kg_server + "/sparql")
    assert (service, RDF.type, SD.Service) in description
    seen = set(description.objects(service, RDFS.seeAlso))
    assert seen == {URIRef(kg_server + "/.well-known/void"), URIRef(kg_server + "/catalog")}
    dataset = description.value(service, SD.defaultDataset)
    assert (
        dataset,
        RDFS.seeAlso,
        URIRef(kg_server + "/.well-known/void"),
    ) in description
