"""The DCAT catalogue of a release, and the dataset's description as a server states it.

The dataset's one description (VoID and DCAT-AP 3.0.0) is the ``kgg:void`` graph that
``kg link void`` writes to ``data/void.trig`` (``kg.linking.linksets.void_graph``). It
is part of the data, so every release file contains it, and it cannot hold the byte size
or the checksum of a file that contains it. ``kg build`` therefore writes one more file,
``kg-<version>.catalog.ttl``: that description with, for each of the other release files,
its download URL, ``dcat:byteSize`` and SHA-256 ``spdx:checksum``. It is made from the
bytes about to be written and written with them as one set; it does not describe itself.

Where the files and the endpoint are published is not known when the data is described:
``base_url`` (default: the project's w3id base) puts the downloads at ``base_url +
"dist/"`` and the endpoint at ``base_url + "sparql"``; ``kg serve`` states its own
endpoint (``with_endpoint``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from kg.core.errors import InputError
from kg.core.namespaces import BASE, DCAT, G_VOID, KIND_NS, SPDX, VOID
from kg.io import formats

#: The default of ``kg build --base-url``: where the project publishes.
DEFAULT_BASE_URL = BASE
CATALOGUE_SUFFIX = "catalog.ttl"
SHA256 = SPDX["checksumAlgorithm_sha256"]

_DISTRIBUTION = KIND_NS["distribution"]
_DOWNLOADS = (DCAT.downloadURL, DCAT.accessURL, VOID.dataDump)
_ENDPOINTS = (DCAT.endpointURL, DCAT.endpointDescription, VOID.sparqlEndpoint)


def catalogue_name(version: str) -> str:
    return formats.release_name(version, CATALOGUE_SUFFIX)


def description(dataset: Dataset) -> Graph:
    """The dataset's description as the data holds it (the ``kgg:void`` graph)."""
    graph = Graph()
    for triple in dataset.graph(G_VOID):
        graph.add(triple)
    return graph


def _rebased(graph: Graph, predicates: Sequence[URIRef], old: str, new: str) -> Graph:
    """``graph`` with the IRIs under ``old`` that ``predicates`` point at moved under
    ``new``."""
    if old == new:
        return graph
    out = Graph()
    for s, p, o in graph:
        if p in predicates and isinstance(o, URIRef) and str(o).startswith(old):
            o = URIRef(new + str(o)[len(old) :])
        out.add((s, p, o))
    return out


def with_endpoint(graph: Graph, endpoint: str) -> Graph:
    """The description with ``endpoint`` as the SPARQL endpoint (and its service
    description) instead of the one published under the project's base."""
    return _rebased(graph, _ENDPOINTS, BASE + "sparql", endpoint)


def with_downloads(graph: Graph, dist_url: str) -> Graph:
    """The description with the release files downloaded from ``dist_url`` (ending in a
    slash) instead of the project's ``dist/``: ``kg serve --dist`` serves them itself."""
    return _rebased(graph, _DOWNLOADS, BASE + "dist/", dist_url)


def check_base_url(base_url: str) -> str:
    """``base_url`` with a final slash; InputError unless it is an http(s) URL."""
    from urllib.parse import urlsplit

    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
        raise InputError(f"not an http(s) base URL: {base_url!r}")
    return base_url if base_url.endswith("/") else base_url + "/"


def harvested(graph: Graph) -> Graph:
    """``graph`` (the dataset's description) with what DCAT-AP checks about the IRIs it
    uses without owning them (``kg.linking.dcat.vocabulary_facts``): the catalogue a
    harvester validates."""
    from kg.linking.dcat import vocabulary_facts

    out = Graph()
    for triple in graph:
        out.add(triple)
    for triple in vocabulary_facts(graph):
        out.add(triple)
    return out


def release_catalogue(
    graph: Graph, files: Sequence[tuple[Path, bytes]], base_url: str = DEFAULT_BASE_URL
) -> Graph:
    """The catalogue of a release: ``graph`` (the dataset's description) with each file
    of ``files`` (the other release files, as written) at ``base_url``/dist/ with its
    size and SHA-256 digest. InputError if the description has no distribution for one
    of them (an out-of-date data/void.trig: run ``kg link void``)."""
    base_url = check_base_url(base_url)
    moved = with_endpoint(_rebased(graph, _DOWNLOADS, BASE, base_url), base_url + "sparql")
    catalogue = harvested(moved)
    exports = formats.export_formats()
    # The dumps are the files as they are named, which the description cannot know.
    catalogue.remove((None, VOID.dataDump, None))
    for path, data in files:
        distribution = _distribution_of(path.name, exports)
        if distribution is None or (distribution, RDF.type, DCAT.Distribution) not in catalogue:
            raise InputError(
                f"the dataset's description has no distribution for {path.name}: run `kg link void`"
            )
        url = URIRef(f"{base_url}dist/{path.name}")
        for predicate in (DCAT.downloadURL, DCAT.accessURL):
            catalogue.set((distribution, predicate, url))
        for dataset in list(catalogue.subjects(DCAT.distribution, distribution)):
            # A VoID dump is RDF: the mapping set's SSSOM table is a download only.
            if (dataset, RDF.type, VOID.Dataset) in catalogue:
                catalogue.add((dataset, VOID.dataDump, url))
        catalogue.add(
            (distribution, DCAT.byteSize, Literal(len(data), datatype=XSD.nonNegativeInteger))
        )
        checksum = BNode()
        catalogue.add((distribution, SPDX.checksum, checksum))
        catalogue.add((checksum, RDF.type, SPDX.Checksum))
        catalogue.add((checksum, SPDX.algorithm, SHA256))
        digest = hashlib.sha256(data).hexdigest()
        catalogue.add((checksum, SPDX.checksumValue, Literal(digest, datatype=XSD.hexBinary)))
    if files:
        catalogue.add((SHA256, RDF.type, SPDX.ChecksumAlgorithm))
    return catalogue


def _distribution_of(name: str, exports: Sequence[formats.Format]) -> URIRef | None:
    """The distribution a release file is, by its name: ``kg-<version>.<ext>`` is kg's,
    ``kg-<version>.gazetteer.<ext>`` the gazetteer's, ``kg-<version>.sssom.tsv`` the
    mapping set's."""
    from kg.linking.linksets import MAPPINGS_DISTRIBUTION

    if name.endswith(f".{formats.MAPPINGS_RELEASE}"):
        return MAPPINGS_DISTRIBUTION
    fmt = formats.by_extension(name, exports)
    if fmt is None:
        return None
    part = "kg"
    if name.removesuffix(f".{fmt.extension}").endswith(f".{formats.GAZETTEER_RELEASE}"):
        part = formats.GAZETTEER_RELEASE
    return _DISTRIBUTION[f"{part}-{fmt.extension}"]


def catalogue_bytes(catalogue: Graph) -> bytes:
    """The catalogue as Turtle, the same bytes for the same graph."""
    from kg.io.serialise import export_graph

    header = (
        "# GENERATED by `kg build`: the DCAT-AP catalogue of this release (the dataset's\n"
        "# description, data/void.trig, with each other file's size and SHA-256 digest).\n"
    )
    return header.encode("utf-8") + b"\n" + export_graph(catalogue, "turtle")
