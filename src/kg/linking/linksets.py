"""Publishing the links: reviewed mappings as RDF, every link as SSSOM, VoID and DCAT.

* ``reviewed_outputs``: ``data/links/mappings-reviewed.tsv`` (hand-reviewed, SSSOM
  columns) -> ``data/links/wikidata.trig`` and ``data/links/osm.trig``.
* ``sssom_outputs``: every link of the ``kgg:links/...`` graphs -> ``data/links/kg.sssom.tsv``,
  an SSSOM mapping set with its metadata embedded (curie map, licence, creator, version).
* ``void_outputs``: ``data/void.trig``: the dataset described with VoID and DCAT-AP 3.0.0
  (a catalogue, licence, sources, publisher and contact point, spatial and temporal
  coverage, one distribution per release file, the SPARQL endpoint as a data service,
  one linkset per link graph with its target and its count). The byte sizes and
  checksums of the release files are not in it: the release files contain it. ``kg
  build`` adds them in the release's catalogue file (``kg.publish.dcat``).

All deterministic: the same inputs give the same bytes. One module because the three
describe the same links: the SSSOM set, the linksets of the VoID description and the
reviewed mappings are counted and named from one reading of the link graphs.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS, XSD

from kg.core import paths
from kg.core.errors import InputError
from kg.core.files import Output
from kg.core.namespaces import (
    BASE,
    DCAT,
    G_VOID,
    GRAPH,
    KGO,
    KIND_NS,
    OSMREL,
    PREFIXES,
    VOID,
    WD,
    links_graph,
)
from kg.core.version import __version__
from kg.io import formats
from kg.linking import dcat
from kg.linking.admin import VAU_COPYRIGHT, VAU_SOURCE, render_graph
from kg.linking.gazetteer import KNOWN_FROM

DATASET = KIND_NS["dataset"]
DISTRIBUTION = KIND_NS["distribution"]
BODY = KIND_NS["body"]

KG_DATASET = DATASET["kg"]
MAPPING_SET = DATASET["kg-mappings"]
GAZETTEER_DATASET = DATASET["gazetteer"]
#: The mapping set's one distribution: its release file, kg-<version>.sssom.tsv.
MAPPINGS_DISTRIBUTION = DISTRIBUTION["kg-mappings-sssom"]
CATALOG = DATASET["catalog"]
PUBLISHER = BODY["kg-contributors"]
CONTACT = URIRef(str(PUBLISHER) + "#contact")
COVERAGE = KIND_NS["period"]["kg-coverage"]
GAZETTEER_COVERAGE = KIND_NS["period"]["gazetteer-coverage"]
ENDPOINT_SERVICE = DISTRIBUTION["sparql"]
#: Where the endpoint is published; ``kg serve`` states its own (``kg.publish.dcat``).
ENDPOINT_URL = URIRef(BASE + "sparql")
LICENCE = dcat.CC_BY_4
#: What the files of kg and of the gazetteer hold that CC BY 4.0 does not cover
#: (``dct:rights`` of their distributions; LICENSES/README.md).
KG_RIGHTS = URIRef(str(KG_DATASET) + "#rights")
GAZETTEER_RIGHTS = URIRef(str(GAZETTEER_DATASET) + "#rights")
MIT_NOTICE = (
    "The above copyright notice and this permission notice shall be included in all copies "
    "or substantial portions of the Software."
)
#: The date the mappings were made and reviewed; fixed so that the output is reproducible.
MAPPING_DATE = "2026-11-27"

REVIEWED_COLUMNS = (
    "subject_id",
    "subject_label",
    "predicate_id",
    "object_id",
    "object_label",
    "mapping_justification",
    "confidence",
    "author_id",
    "reviewer_id",
    "mapping_date",
    "comment",
)

#: Predicates that link one resource to another across datasets or across time.
LINK_PREDICATES = (
    OWL.sameAs,
    SKOS.exactMatch,
    SKOS.closeMatch,
    DCTERMS.isReplacedBy,
    DCTERMS.hasPart,
)

TARGETS = {
    "wikidata": (WD, "Wikidata", URIRef("https://www.wikidata.org/")),
    "osm": (OSMREL, "OpenStreetMap", URIRef("https://www.openstreetmap.org/")),
}


def _reviewed_path() -> Path:
    return paths.data_dir() / "links" / "mappings-reviewed.tsv"


@dataclass(frozen=True)
class Mapping:
    row: dict[str, str]

    def term(self, column: str) -> URIRef:
        return expand(self.row[column])


def expand(curie: str) -> URIRef:
    prefix, _, local = curie.partition(":")
    if prefix not in PREFIXES or not local:
        raise InputError(f"not a CURIE with a project prefix: {curie!r}")
    return URIRef(PREFIXES[prefix] + local)


def compact(iri: str) -> str:
    best = ""
    for prefix, ns in PREFIXES.items():
        if (
            iri.startswith(ns)
            and len(ns) > len(PREFIXES.get(best, ""))
            and "/" not in iri[len(ns) :]
        ):
            best = prefix
    return f"{best}:{iri[len(PREFIXES[best]) :]}" if best else iri


def read_reviewed(path: Path | None = None) -> list[Mapping]:
    source = _reviewed_path() if path is None else path
    try:
        text = source.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", source) from None
    lines = [ln for ln in text.splitlines() if ln and not ln.startswith("#")]
    reader = csv.DictReader(io.StringIO("\n".join(lines)), delimiter="\t", quoting=csv.QUOTE_NONE)
    if tuple(reader.fieldnames or ()) != REVIEWED_COLUMNS:
        raise InputError(f"the header must be {' '.join(REVIEWED_COLUMNS)}", source)
    out = []
    for number, row in enumerate(reader, start=2):
        if any(not row.get(c) for c in REVIEWED_COLUMNS):
            raise InputError(
                "every column is filled (a reviewed link names its source in comment)",
                source,
                number,
            )
        mapping = Mapping(dict(row))
        for column in ("subject_id", "predicate_id", "object_id"):
            mapping.term(column)
        out.append(mapping)
    return out


def reviewed_outputs() -> list[Output]:
    outputs = []
    mappings = read_reviewed()
    for name, (namespace, label, _) in sorted(TARGETS.items()):
        g = Graph()
        graph_name = links_graph(name)
        g.add((graph_name, RDFS.label, Literal(f"liên kết đã duyệt tới {label}", lang="vi")))
        g.add((graph_name, RDFS.label, Literal(f"reviewed links to {label}", lang="en")))
        g.add((graph_name, DCTERMS.source, MAPPING_SET))
        for m in mappings:
            if str(m.term("object_id")).startswith(str(namespace)):
                g.add((m.term("subject_id"), m.term("predicate_id"), m.term("object_id")))
        header = (
            "# GENERATED by `kg link reviewed` from data/links/mappings-reviewed.tsv: "
            "the reviewed\n"
            f"# links to {label}. Do not edit: edit the table and regenerate. Where each link\n"
            f"# was found, and its confidence, are in the table and in kg.sssom.tsv.\n"
        )
        outputs.append(
            Output(paths.data_dir() / "links" / f"{name}.trig", render_graph(g, graph_name, header))
        )
    return outputs


# -- SSSOM -------------------------------------------------------------------------------

SSSOM_COLUMNS = (
    "subject_id",
    "subject_label",
    "predicate_id",
    "object_id",
    "object_label",
    "mapping_justification",
    "confidence",
    "author_id",
    "reviewer_id",
    "mapping_date",
    "mapping_tool",
    "mapping_provider",
    "comment",
)


def _label(dataset: Dataset, iri: URIRef) -> str:
    labels = sorted(
        (o.language or "", str(o))
        for _, _, o, _ in dataset.quads((iri, RDFS.label, None, None))
        if isinstance(o, Literal)
    )
    for lang, text in labels:
        if lang == "vi":
            return text
    return labels[0][1] if labels else ""


def sssom_rows(dataset: Dataset) -> list[dict[str, str]]:
    """Every link: the reviewed ones as reviewed, the others with their graph's justification."""
    rows: dict[tuple[str, str, str], dict[str, str]] = {}
    reviewed = read_reviewed()
    for m in reviewed:
        row = {c: m.row.get(c, "") for c in SSSOM_COLUMNS}
        rows[(row["subject_id"], row["predicate_id"], row["object_id"])] = row
    from kg.linking.admin import iter_links

    for graph, s, p, o in iter_links(dataset, LINK_PREDICATES):
        key = (compact(str(s)), compact(str(p)), compact(str(o)))
        if key in rows:
            continue
        name = str(graph)[len(str(GRAPH)) :]
        if name == "links/admin-units":
            # The dataset does not say how its conversion table was made.
            justification, confidence, tool = (
                "semapv:UnspecifiedMatching",
                "1.0",
                "vietnamadminunits 1.0.4",
            )
            provider = "https://pypi.org/project/vietnamadminunits/1.0.4/"
            comment = "from the dataset's 2025 conversion table (old unit -> 2025 unit)"
        elif name.startswith("links/inferred/"):
            justification, confidence, tool = "semapv:ManualMappingCuration", "0.8", "kg"
            provider = ""
            comment = f"an inference, not stated by a source: see the graph {compact(str(graph))}"
        else:
            justification, confidence, tool = "semapv:ManualMappingCuration", "0.9", "kg"
            provider = ""
            comment = f"hand-curated with its source in {name}.tsv or {name}.trig"
        rows[key] = {
            "subject_id": key[0],
            "subject_label": _label(dataset, s),
            "predicate_id": key[1],
            "object_id": key[2],
            "object_label": _label(dataset, o),
            "mapping_justification": justification,
            "confidence": confidence,
            "author_id": compact(str(PUBLISHER)),
            "reviewer_id": compact(str(PUBLISHER)),
            "mapping_date": MAPPING_DATE,
            "mapping_tool": tool,
            "mapping_provider": provider,
            "comment": comment,
        }
    return [rows[k] for k in sorted(rows)]


_CURIE_COLUMNS = (
    "subject_id",
    "predicate_id",
    "object_id",
    "author_id",
    "reviewer_id",
    "mapping_justification",
)


def sssom_document(
    rows: list[dict[str, str]],
    metadata: dict[str, str],
    curies: dict[str, str] | None = None,
    *,
    published: str | None = None,
) -> str:
    """An SSSOM TSV with its metadata embedded: the curie map of the prefixes ``rows``
    use (the project's, and ``curies``), then ``metadata`` (``key: value``, in order),
    the licence, creator and ``published`` date, then the rows in ``SSSOM_COLUMNS``
    (a missing cell empty)."""
    known = {**PREFIXES, **(curies or {})}
    used = {r.get(c, "").split(":", 1)[0] for r in rows for c in _CURIE_COLUMNS}
    curie_map = {p: known[p] for p in sorted(used) if p in known}
    meta = ["curie_map:"] + [f"  {p}: {iri}" for p, iri in curie_map.items()]
    meta += [f"{key}: {value}" for key, value in metadata.items()]
    meta.append(f"license: {LICENCE}")
    meta += ["creator_id:", f"  - {compact(str(PUBLISHER))}"]
    if published:
        meta.append(f"publication_date: {published}")
    out = io.StringIO()
    for line in meta:
        out.write(f"#{line}\n")
    out.write("\t".join(SSSOM_COLUMNS) + "\n")
    for row in rows:
        out.write("\t".join(row.get(c, "").replace("\t", " ") for c in SSSOM_COLUMNS) + "\n")
    return out.getvalue()


def sssom_text(dataset: Dataset) -> str:
    metadata = {
        "mapping_set_id": str(MAPPING_SET),
        "mapping_set_version": __version__,
        "mapping_set_title": "Links of the kg knowledge graph of Vietnamese public administration",
        "mapping_set_description": "Every link of kg to other datasets and across time "
        "(administrative-unit replacements, Wikidata, OpenStreetMap, party documents). "
        "owl:sameAs only where identity holds; skos:closeMatch for near matches.",
    }
    return sssom_document(sssom_rows(dataset), metadata, published=MAPPING_DATE)


def sssom_outputs(dataset: Dataset | None = None) -> list[Output]:
    from kg.io.parse import load

    ds = load() if dataset is None else dataset
    return [Output(paths.data_dir() / "links" / "kg.sssom.tsv", sssom_text(ds).encode("utf-8"))]


# -- VoID and DCAT -----------------------------------------------------------------------


def _lit(g: Graph, s: URIRef, p: URIRef, vi: str, en: str) -> None:
    g.add((s, p, Literal(vi, lang="vi")))
    g.add((s, p, Literal(en, lang="en")))


def void_graph(dataset: Dataset) -> Graph:
    g = Graph()
    counted = [
        (graph.identifier, len(graph))
        for graph in dataset.graphs()
        if len(graph)
        and graph.identifier != G_VOID
        and str(graph.identifier).startswith(str(GRAPH))
    ]
    total = sum(n for _, n in counted)
    g.add((G_VOID, RDFS.label, Literal("mô tả bộ dữ liệu (VoID, DCAT)", lang="vi")))
    g.add((G_VOID, RDFS.label, Literal("description of the dataset (VoID, DCAT)", lang="en")))

    g.add((PUBLISHER, RDF.type, FOAF.Organization))
    g.add((PUBLISHER, RDF.type, FOAF.Agent))
    _lit(g, PUBLISHER, RDFS.label, "những người đóng góp cho kg", "kg contributors")
    _lit(g, PUBLISHER, FOAF.name, "những người đóng góp cho kg", "kg contributors")
    g.add((PUBLISHER, FOAF.homepage, URIRef(BASE)))
    g.add((PUBLISHER, DCTERMS.type, dcat.PRIVATE_INDIVIDUALS))
    dcat.contact_point(g, CONTACT, "kg contributors", URIRef(BASE))
    licence = LICENCE
    homepage = URIRef(BASE)
    coverage = dcat.temporal_coverage(dataset)
    if coverage is not None:
        dcat.period_of_time(g, COVERAGE, *coverage)

    def about(resource: URIRef, *, covers: bool = True) -> None:
        """Who to ask, where, when and on what: the same for every part of kg."""
        g.add((resource, DCTERMS.publisher, PUBLISHER))
        g.add((resource, DCAT.contactPoint, CONTACT))
        g.add((resource, DCAT.theme, dcat.GOVERNMENT))
        g.add((resource, DCTERMS.license, licence))
        g.add((resource, DCAT.keyword, Literal("hành chính công", lang="vi")))
        g.add((resource, DCAT.keyword, Literal("public administration", lang="en")))
        if covers:
            g.add((resource, DCTERMS.spatial, dcat.VIETNAM))
            if coverage is not None:
                g.add((resource, DCTERMS.temporal, COVERAGE))

    ds = KG_DATASET
    for t in (VOID.Dataset, DCAT.Dataset):
        g.add((ds, RDF.type, t))
    _lit(
        g,
        ds,
        RDFS.label,
        "kg: đồ thị tri thức về hành chính công Việt Nam",
        "kg: a knowledge graph of Vietnamese public administration",
    )
    _lit(
        g,
        ds,
        DCTERMS.title,
        "kg: đồ thị tri thức về hành chính công Việt Nam",
        "kg: a knowledge graph of Vietnamese public administration",
    )
    _lit(
        g,
        ds,
        DCTERMS.description,
        "Tổ chức Đảng và chính quyền, văn bản, người, số liệu và hoạt động từ một bài báo, "
        "mỗi dữ kiện gắn với câu chữ của nguồn, cùng liên kết tới các bộ dữ liệu hành chính công.",
        "Party and state bodies, documents, people, figures and actions from one article, "
        "every fact tied to the words of its source, linked to public-administration datasets.",
    )
    about(ds)
    g.add((ds, DCTERMS.creator, PUBLISHER))
    languages = (dcat.VIETNAMESE, dcat.ENGLISH)
    for language in languages:
        g.add((ds, DCTERMS.language, language))
    g.add((ds, OWL.versionInfo, Literal(__version__)))
    g.add((ds, DCAT.version, Literal(__version__)))
    g.add((ds, VOID.uriSpace, Literal(BASE + "id/")))
    g.add((ds, VOID.triples, Literal(total, datatype=XSD.integer)))
    g.add((ds, VOID.vocabulary, URIRef(BASE + "ontology#")))
    for source in sorted(
        {
            o
            for _, _, o, _ in dataset.quads((None, DCTERMS.source, None, None))
            if isinstance(o, URIRef) and str(o).startswith(str(KIND_NS["source"]))
        }
        | {VAU_SOURCE}
    ):
        # DCAT-AP keeps dct:source for a dataset this one derives from: the sources
        # are texts and a package, what PROV calls what it was derived from.
        g.add((ds, PROV.wasDerivedFrom, source))

    rights = _kg_rights(g, dataset)
    # A distribution per release file that kg build writes.
    for release in formats.export_formats():
        graphs = (
            ("các đồ thị có tên được giữ riêng", "named graphs kept apart")
            if release.keeps_graphs
            else ("các đồ thị có tên được gộp làm một", "named graphs merged into one")
        )
        _release_distribution(
            g,
            ds,
            release,
            "kg",
            ("kg", "kg"),
            (
                f"Toàn bộ kg dưới dạng {release.label}, {graphs[0]}.",
                f"The whole of kg as {release.label}, {graphs[1]}.",
            ),
            rights,
        )

    gazetteer = _gazetteer_triples()
    if gazetteer:
        _describe_gazetteer(g, gazetteer, about)
        g.add((ds, DCTERMS.relation, GAZETTEER_DATASET))

    sssom = MAPPINGS_DISTRIBUTION
    g.add((sssom, RDF.type, DCAT.Distribution))
    _lit(g, sssom, RDFS.label, "tập ánh xạ SSSOM", "SSSOM mapping set")
    _lit(g, sssom, DCTERMS.title, "tập ánh xạ SSSOM", "SSSOM mapping set")
    _lit(
        g,
        sssom,
        DCTERMS.description,
        "Mọi liên kết của kg trong một bảng SSSOM (TSV), siêu dữ liệu ở phần đầu.",
        "Every link of kg in one SSSOM table (TSV), its metadata in its header.",
    )
    # A release file (kg build writes it) rather than data/links/kg.sssom.tsv, which is
    # under the base only in the repository, not where a release is published.
    sssom_url = URIRef(f"{BASE}dist/{formats.release_name(__version__, formats.MAPPINGS_RELEASE)}")
    g.add((sssom, DCAT.accessURL, sssom_url))
    g.add((sssom, DCAT.downloadURL, sssom_url))
    tsv = formats.by_name("tsv", formats.formats_for("SELECT"))
    assert tsv is not None
    g.add((sssom, DCAT.mediaType, dcat.media_type(tsv)))
    g.add((sssom, DCTERMS.format, dcat.file_type(tsv)))
    g.add(
        (
            sssom,
            DCTERMS.conformsTo,
            URIRef("https://w3id.org/sssom/"),
        )
    )
    g.add((sssom, DCTERMS.license, licence))
    ms = MAPPING_SET
    g.add((ms, RDF.type, DCAT.Dataset))
    _lit(g, ms, RDFS.label, "các liên kết của kg (SSSOM)", "the links of kg (SSSOM)")
    _lit(g, ms, DCTERMS.title, "các liên kết của kg (SSSOM)", "the links of kg (SSSOM)")
    _lit(
        g,
        ms,
        DCTERMS.description,
        "Mọi liên kết của kg dưới dạng tập ánh xạ SSSOM, kèm lý do, độ tin cậy, tác giả, ngày.",
        "Every link of kg as an SSSOM mapping set, "
        "with justification, confidence, author and date.",
    )
    about(ms)
    g.add((ms, DCTERMS.creator, PUBLISHER))
    g.add((ms, DCAT.distribution, sssom))
    g.add((ms, DCTERMS.isPartOf, ds))

    endpoint = ENDPOINT_SERVICE
    g.add((endpoint, RDF.type, DCAT.DataService))
    _lit(g, endpoint, RDFS.label, "điểm truy vấn SPARQL", "SPARQL endpoint")
    _lit(g, endpoint, DCTERMS.title, "điểm truy vấn SPARQL", "SPARQL endpoint")
    _lit(
        g,
        endpoint,
        DCTERMS.description,
        "Truy vấn kg bằng SPARQL 1.1 (kg serve); mô tả dịch vụ ở chính địa chỉ này.",
        "kg queried with SPARQL 1.1 (kg serve); the service description is at the same URL.",
    )
    about(endpoint, covers=False)
    g.add((endpoint, DCAT.endpointURL, ENDPOINT_URL))
    # A GET on the endpoint with no query answers its SPARQL Service Description.
    g.add((endpoint, DCAT.endpointDescription, ENDPOINT_URL))
    protocol = URIRef("https://www.w3.org/TR/sparql11-protocol/")
    g.add((endpoint, DCTERMS.conformsTo, protocol))
    g.add((ds, VOID.sparqlEndpoint, ENDPOINT_URL))

    catalog = CATALOG
    g.add((catalog, RDF.type, DCAT.Catalog))
    _lit(g, catalog, RDFS.label, "danh mục dữ liệu của kg", "the data catalogue of kg")
    _lit(g, catalog, DCTERMS.title, "danh mục dữ liệu của kg", "the data catalogue of kg")
    _lit(
        g,
        catalog,
        DCTERMS.description,
        "Bộ dữ liệu kg, tập ánh xạ của nó và điểm truy vấn SPARQL phục vụ nó.",
        "The kg dataset, its mapping set and the SPARQL endpoint that serves it.",
    )
    g.add((catalog, DCTERMS.publisher, PUBLISHER))
    g.add((catalog, DCTERMS.license, licence))
    g.add((catalog, FOAF.homepage, homepage))
    g.add((catalog, DCAT.themeTaxonomy, dcat.DATA_THEMES))
    g.add((catalog, DCTERMS.spatial, dcat.VIETNAM))
    for language in languages:
        g.add((catalog, DCTERMS.language, language))
    for member in (ds, ms, *([GAZETTEER_DATASET] if gazetteer else [])):
        g.add((catalog, DCAT.dataset, member))
        if member != ms:
            g.add((endpoint, DCAT.servesDataset, member))
    g.add((catalog, DCAT.service, endpoint))

    # one linkset per link graph and predicate: its target and how many links
    from kg.linking.admin import iter_links

    counts: Counter[tuple[str, URIRef, str]] = Counter()
    for graph, _, p, o in iter_links(dataset, LINK_PREDICATES):
        target = next((k for k, (ns, _, _) in TARGETS.items() if str(o).startswith(str(ns))), "kg")
        counts[(str(graph)[len(str(GRAPH)) :], p, target)] += 1
    for (name, predicate, target), n in sorted(counts.items()):
        from kg.core.text import slugify

        ls = DATASET[slugify(f"{name}-{compact(str(predicate))}-{target}")]
        g.add((ls, RDF.type, VOID.Linkset))
        _lit(
            g,
            ls,
            RDFS.label,
            f"liên kết {compact(str(predicate))} trong {name}",
            f"{compact(str(predicate))} links in {name}",
        )
        g.add((ls, VOID.subjectsTarget, ds))
        g.add((ls, VOID.linkPredicate, predicate))
        g.add((ls, VOID.triples, Literal(n, datatype=XSD.integer)))
        if target == "kg":
            g.add((ls, VOID.objectsTarget, ds))
        else:
            other = DATASET[target]
            _, label, home = TARGETS[target]
            g.add((other, RDF.type, VOID.Dataset))
            _lit(g, other, RDFS.label, label, label)
            g.add((other, FOAF.homepage, home))
            g.add((ls, VOID.objectsTarget, other))
        g.add((ls, DCTERMS.source, URIRef(str(GRAPH) + name)))
        g.add((ds, VOID.subset, ls))
    return g


def _gazetteer_triples() -> int:
    """How many triples the shipped gazetteer holds (read with pyoxigraph: rdflib takes
    ten seconds over it); 0 when there is none."""
    import pyoxigraph as ox

    return sum(
        sum(1 for _ in ox.parse(path=str(source), format=ox.RdfFormat.TRIG))
        for source in paths.gazetteer_sources()
    )


def _describe_gazetteer(g: Graph, triples: int, about: Callable[..., None]) -> None:
    """The gazetteer as a dataset of its own, with its release files: kg's other
    datasets describe the article; this one every administrative unit of the country,
    from vietnamadminunits."""
    gaz = GAZETTEER_DATASET
    for t in (VOID.Dataset, DCAT.Dataset):
        g.add((gaz, RDF.type, t))
    title = (
        "địa danh hành chính Việt Nam, trước và sau 2025",
        "gazetteer of Vietnam's administrative units, before and after 2025",
    )
    _lit(g, gaz, RDFS.label, *title)
    _lit(g, gaz, DCTERMS.title, *title)
    _lit(
        g,
        gaz,
        DCTERMS.description,
        "Mọi đơn vị hành chính của Việt Nam trước và sau ngày 1/7/2025: mã, tên, loại, "
        "đơn vị chứa, thời gian hiệu lực, tọa độ và đơn vị kế thừa (toàn bộ hay một phần).",
        "Every administrative unit of Vietnam before and after 1 July 2025: codes, names, "
        "types, containment, validity, coordinates and successors (whole or in part).",
    )
    about(gaz, covers=False)
    g.add((gaz, DCTERMS.spatial, dcat.VIETNAM))
    # From the first day the gazetteer vouches for its undated units, with no end: its
    # 2025 units are current. kg's own coverage (the dates in the data) would claim the
    # legacy units for days the source says nothing about.
    dcat.period_of_time(g, GAZETTEER_COVERAGE, KNOWN_FROM, None)
    _lit(
        g,
        GAZETTEER_COVERAGE,
        SKOS.editorialNote,
        f"Từ ngày {KNOWN_FROM.day}/{KNOWN_FROM.month}/{KNOWN_FROM.year}, trạng thái mà bảng "
        "đơn vị cũ của nguồn mô tả (nguồn không cho ngày bắt đầu của đơn vị), không có ngày "
        "kết thúc: các đơn vị năm 2025 vẫn còn hiệu lực.",
        f"From {KNOWN_FROM.isoformat()}, the state the source's legacy table "
        "describes (the source gives no unit a start date), with no end: the 2025 units "
        "are current.",
    )
    g.add((gaz, DCTERMS.temporal, GAZETTEER_COVERAGE))
    g.add((gaz, DCTERMS.creator, PUBLISHER))
    for language in (dcat.VIETNAMESE, dcat.ENGLISH):
        g.add((gaz, DCTERMS.language, language))
    g.add((gaz, OWL.versionInfo, Literal(__version__)))
    g.add((gaz, DCAT.version, Literal(__version__)))
    g.add((gaz, VOID.uriSpace, Literal(str(KIND_NS["place"]))))
    g.add((gaz, VOID.triples, Literal(triples, datatype=XSD.integer)))
    g.add((gaz, VOID.vocabulary, URIRef(BASE + "ontology#")))
    g.add((gaz, PROV.wasDerivedFrom, VAU_SOURCE))
    _rights_statement(
        g,
        GAZETTEER_RIGHTS,
        (
            "Dẫn xuất từ gói vietnamadminunits 1.0.4, giấy phép MIT: "
            f"{VAU_COPYRIGHT}. Phát hành kèm theo CC BY 4.0.",
            f"Derived from the vietnamadminunits 1.0.4 package, MIT licence: {VAU_COPYRIGHT}. "
            f"{MIT_NOTICE} Distributed under CC BY 4.0 as well.",
        ),
    )
    for release in formats.gazetteer_formats():
        _release_distribution(
            g,
            gaz,
            release,
            formats.GAZETTEER_RELEASE,
            title,
            (
                f"Toàn bộ bộ địa danh dưới dạng {release.label}, một đồ thị có tên.",
                f"The whole gazetteer as {release.label}, one named graph.",
            ),
            GAZETTEER_RIGHTS,
        )


def _release_distribution(
    g: Graph,
    dataset: URIRef,
    release: formats.Format,
    part: str,
    title: tuple[str, str],
    description: tuple[str, str],
    rights: URIRef | None = None,
) -> None:
    """The distribution of ``dataset`` that is its release file in ``release``'s format:
    ``kg-VERSION.EXT`` (``part`` "kg") or ``kg-VERSION.PART.EXT``, as kg build names it;
    ``rights``, what in the file its licence does not cover."""
    ext = release.extension
    dist = DISTRIBUTION[f"{part}-{ext}"]
    name = formats.release_name(__version__, *((ext,) if part == "kg" else (part, ext)))
    url = URIRef(f"{BASE}dist/{name}")
    g.add((dist, RDF.type, DCAT.Distribution))
    _lit(g, dist, RDFS.label, f"{title[0]} ({ext})", f"{title[1]} as {ext}")
    _lit(g, dist, DCTERMS.title, f"{title[0]} ({ext})", f"{title[1]} as {ext}")
    _lit(g, dist, DCTERMS.description, *description)
    for predicate in (DCAT.accessURL, DCAT.downloadURL):
        g.add((dist, predicate, url))
    g.add((dist, DCAT.mediaType, dcat.media_type(release)))
    g.add((dist, DCTERMS.format, dcat.file_type(release)))
    g.add((dist, DCTERMS.license, LICENCE))
    if rights is not None:
        g.add((dist, DCTERMS.rights, rights))
    g.add((dataset, DCAT.distribution, dist))
    g.add((dataset, VOID.dataDump, url))


def _rights_statement(g: Graph, statement: URIRef, text: tuple[str, str]) -> None:
    g.add((statement, RDF.type, DCTERMS.RightsStatement))
    _lit(g, statement, RDFS.label, *text)


def _kg_rights(g: Graph, dataset: Dataset) -> URIRef | None:
    """The rights statement of kg's files, None if kg quotes no source text and holds no
    unit from vietnamadminunits: its files carry every source's full text (``kgo:text``)
    and the quotations of it, which stay with their publishers, not CC BY 4.0."""
    quotes = any(True for _ in dataset.quads((None, KGO.text, None, None)))
    units = any(True for _ in dataset.quads((VAU_SOURCE, None, None, None)))
    if not (quotes or units):
        return None
    vi: list[str] = []
    en: list[str] = []
    if quotes:
        vi.append(
            "toàn văn mỗi văn bản nguồn (kgo:text của mỗi kgo:SourceText) và các câu trích "
            "từ đó, được giữ nguyên văn để kiểm chứng từng dữ kiện: quyền đối với chúng thuộc "
            "tác giả và nơi xuất bản, không cấp theo CC BY 4.0 (xem dct:rights của văn bản nguồn)"
        )
        en.append(
            "the full text of each source (kgo:text of each kgo:SourceText) and the quotations "
            "of it, kept unchanged so that every fact can be checked against its words: their "
            "rights stay with their authors and publishers, they are not offered under "
            "CC BY 4.0 (see each source text's dct:rights)"
        )
    if units:
        vi.append(
            f"các đơn vị hành chính lấy từ gói vietnamadminunits 1.0.4 (MIT, {VAU_COPYRIGHT})"
        )
        en.append(
            "the administrative units taken from the vietnamadminunits 1.0.4 package, "
            f"MIT licence: {VAU_COPYRIGHT}"
        )
    text = (
        "Dữ liệu theo giấy phép CC BY 4.0, trừ " + "; và ".join(vi) + ".",
        "The data is under CC BY 4.0, except "
        + "; and ".join(en)
        + "."
        + (f" {MIT_NOTICE}" if units else ""),
    )
    _rights_statement(g, KG_RIGHTS, text)
    return KG_RIGHTS


def void_outputs(dataset: Dataset | None = None) -> list[Output]:
    from kg.io.parse import load

    ds = load() if dataset is None else dataset
    header = (
        "# GENERATED by `kg link void`: the dataset described with VoID and DCAT-AP 3.0.0\n"
        "# (catalogue, licence, sources, publisher and contact, coverage, distributions,\n"
        "# endpoint, linksets with targets and counts; docs/dcat.md).\n"
        "# Do not edit: regenerate.\n"
    )
    return [Output(paths.data_dir() / "void.trig", render_graph(void_graph(ds), G_VOID, header))]
