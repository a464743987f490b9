"""The release build: load, validate, then write every export format.

The shipped data is two datasets: kg (the ontology, the article's facts and evidence,
the links) and the gazetteer (``data/gazetteer``: every administrative unit of Vietnam
before and after 2025, fifty times kg's size, from another source). Both are validated
together, on the engine that holds them; kg is written in every export format
(``kg-<version>.<ext>``, through rdflib, as ``kg export`` writes it) and the gazetteer
in N-Quads and TriG (``kg-<version>.gazetteer.<ext>``), written from Oxigraph's dump:
through rdflib, its 250,000 triples took 140 s of CPU and 1.35 GB in six formats.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import OWL, RDF

from kg.core.errors import InputError, OutputError
from kg.core.namespaces import DCAT, G_ONTOLOGY, ONTOLOGY_IRI, is_gazetteer_graph
from kg.io import formats
from kg.publish.stats import Stats
from kg.store.base import KgStore
from kg.validation.shacl import ValidationResult


@dataclass
class BuildResult:
    validation: ValidationResult
    version: str | None = None
    files: list[Path] = field(default_factory=list)
    stats: Stats | None = None

    @property
    def ok(self) -> bool:
        return self.validation.conforms


def ontology_version(dataset: Dataset) -> str:
    """The ``owl:versionInfo`` of the ontology, which names the release files."""
    graph = dataset.graph(G_ONTOLOGY)
    candidates = [URIRef(ONTOLOGY_IRI), *sorted(graph.subjects(RDF.type, OWL.Ontology), key=str)]
    for ontology in candidates:
        version = graph.value(ontology, OWL.versionInfo)
        if isinstance(version, Literal) and str(version).strip():
            return str(version).strip()
    raise InputError(f"the ontology <{ONTOLOGY_IRI}> has no owl:versionInfo to name the build")


def build(
    out_dir: str | Path,
    dataset: Dataset | KgStore | None = None,
    shapes: str | Path | None = None,
    checks_dir: str | Path | None = None,
    inputs: Sequence[str | Path] = (),
    base_url: str | None = None,
) -> BuildResult:
    """Validate ``dataset`` (an rdflib Dataset or a loaded store; default: the shipped
    data, gazetteer included) and, if it conforms, write ``kg-<version>.<ext>`` in every
    export format to ``out_dir``, the gazetteer's graphs, if it holds any, as
    ``kg-<version>.gazetteer.nq`` and ``.trig``, and, when its description has the
    mapping set's distribution, every link as SSSOM (``kg-<version>.sssom.tsv``).

    ``shapes`` and ``checks_dir`` default to the shipped ones, as for ``validate``.
    ``inputs`` are the files the data came from: a release file that is one of them
    is refused before anything is written. When the data holds its DCAT description
    (``data/void.trig``), ``kg-<version>.catalog.ttl`` is written with the others: the
    catalogue of the release, with each other file's size and digest, its downloads and
    endpoint under ``base_url`` (default: the project's w3id base; ``kg.publish.dcat``).
    The files are replaced as a set (``kg.core.files.write_together``): a failure or a
    stop (``Interrupted``) while they are written leaves the previous ones, each whole,
    and no temporary file.
    """
    from concurrent.futures import ThreadPoolExecutor

    from kg.core.files import refuse_overwriting, write_together
    from kg.io.serialise import exporter
    from kg.publish import dcat
    from kg.publish.stats import stats
    from kg.validation.shacl import validate

    base_url = dcat.check_base_url(base_url or dcat.DEFAULT_BASE_URL)
    store = _store(dataset)
    # The formats are serialised beside the validation, from the store's dumps (bytes,
    # not the store): the SHACL engine runs in Rust without the GIL, so the second core
    # does this meanwhile (kg build 9.1 s -> 8.0 s with the gazetteer, peak memory
    # 0.56 -> 0.82 GB: bench/gazetteer.py). Nothing is
    # written unless the data conforms.
    dumps = list(store.graph_dumps())
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="kg-build") as pool:
        serialising = pool.submit(_serialise, dumps)
        del dumps
        result = BuildResult(validation=validate(store, shapes=shapes, checks_dir=checks_dir))
        if not result.ok:
            serialising.cancel()
            return result
        kg_data, outputs, gazetteer = serialising.result()
    result.version = ontology_version(kg_data)
    directory = Path(out_dir)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the folder: {exc.strerror or exc}", directory) from None
    files = [
        (directory / formats.release_name(result.version, exporter(name).extension), data)
        for name, data in outputs.items()
    ]
    for name, data in gazetteer.items():
        extension = exporter(name).extension
        release = formats.release_name(result.version, formats.GAZETTEER_RELEASE, extension)
        files.append((directory / release, data))
    from kg.linking.linksets import MAPPINGS_DISTRIBUTION, sssom_text

    if any(True for _ in kg_data.quads((None, DCAT.distribution, MAPPINGS_DISTRIBUTION, None))):
        # The description names the mapping set's file among the downloads: it is one.
        mappings = formats.release_name(result.version, formats.MAPPINGS_RELEASE)
        files.append((directory / mappings, sssom_text(kg_data).encode("utf-8")))
    described = dcat.description(kg_data)
    if (None, RDF.type, DCAT.Catalog) in described:
        # Made from the bytes about to be written, and written with them as one set.
        catalogue = dcat.release_catalogue(described, files, base_url)
        name = dcat.catalogue_name(result.version)
        files.append((directory / name, dcat.catalogue_bytes(catalogue)))
    for target, _ in files:
        refuse_overwriting(target, inputs)
    write_together(files)
    result.files.extend(target for target, _ in files)
    result.stats = stats(store)
    return result


def _serialise(
    dumps: list[tuple[str | None, bytes]],
) -> tuple[Dataset, dict[str, bytes], dict[str, bytes]]:
    """kg's dataset read from ``dumps``, kg in every export format and the gazetteer in
    its own (none if ``dumps`` has no gazetteer graph): all of it in memory, before
    anything is written, so that a format that fails leaves no half-written release."""
    from kg.io.serialise import export_all
    from kg.store.oxigraph import dataset_of_dumps

    gazetteer = [(name, dump) for name, dump in dumps if is_gazetteer_graph(name)]
    kg_data = dataset_of_dumps((name, dump) for name, dump in dumps if not is_gazetteer_graph(name))
    return kg_data, export_all(kg_data), gazetteer_files(gazetteer) if gazetteer else {}


def _store(dataset: Dataset | KgStore | None) -> KgStore:
    """The store holding ``dataset``: the shipped data, gazetteer included, in Oxigraph
    in memory when None."""
    from kg.core import paths
    from kg.store import open_store
    from kg.store.rdflib import RdflibStore

    if dataset is None:
        store = open_store("memory")
        store.load(paths.shipped_sources())
        return store
    if isinstance(dataset, Dataset):
        return RdflibStore(dataset)
    return dataset


def gazetteer_files(dumps: Sequence[tuple[str | None, bytes]]) -> dict[str, bytes]:
    """The gazetteer's graphs (``dumps``, as ``KgStore.graph_dumps`` gives them) in each
    of ``formats.GAZETTEER_FORMATS``: N-Quads in kg's canonical form (sorted lines, literals as
    ``kg export`` writes them), and TriG written by Oxigraph from those lines, in their
    order, with the project's prefixes."""
    import pyoxigraph as ox

    from kg.core.prefixes import PREFIXES
    from kg.store.oxigraph import canonical_lines

    lines = canonical_lines(dumps, keep_graphs=True)
    if lines is None:
        raise InputError("the gazetteer holds blank nodes, which its release cannot name stably")
    trig = ox.serialize(
        ox.parse(lines, format=ox.RdfFormat.N_QUADS),
        format=ox.RdfFormat.TRIG,
        prefixes=dict(PREFIXES),
    )
    assert trig is not None  # written to memory, not to a file
    return {"nquads": lines, "trig": trig}
