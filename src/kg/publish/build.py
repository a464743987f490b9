"""The release build: load, validate, then write every export format."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import OWL, RDF

from kg.core.errors import InputError, OutputError
from kg.core.namespaces import DCAT, G_ONTOLOGY, ONTOLOGY_IRI
from kg.publish.stats import Stats
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
    dataset: Dataset | None = None,
    shapes: str | Path | None = None,
    checks_dir: str | Path | None = None,
    inputs: Sequence[str | Path] = (),
    base_url: str | None = None,
) -> BuildResult:
    """Validate ``dataset`` (default: the shipped data) and, if it conforms, write
    ``kg-<version>.<ext>`` in every export format to ``out_dir``.

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
    from kg.core.files import refuse_overwriting, write_together
    from kg.io.parse import load
    from kg.io.serialise import export_all, exporter
    from kg.publish import dcat
    from kg.publish.stats import stats
    from kg.validation.shacl import validate

    base_url = dcat.check_base_url(base_url or dcat.DEFAULT_BASE_URL)
    if dataset is None:
        dataset = load()
    result = BuildResult(validation=validate(dataset, shapes=shapes, checks_dir=checks_dir))
    if not result.ok:
        return result
    result.version = ontology_version(dataset)
    directory = Path(out_dir)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the folder: {exc.strerror or exc}", directory) from None
    # Serialise everything before writing anything, so a format that fails to
    # serialise leaves no half-written release behind.
    outputs = export_all(dataset)
    files = [
        (directory / f"kg-{result.version}.{exporter(name).extension}", data)
        for name, data in outputs.items()
    ]
    described = dcat.description(dataset)
    if (None, RDF.type, DCAT.Catalog) in described:
        # Made from the bytes about to be written, and written with them as one set.
        catalogue = dcat.release_catalogue(described, files, base_url)
        name = dcat.catalogue_name(result.version)
        files.append((directory / name, dcat.catalogue_bytes(catalogue)))
    for target, _ in files:
        refuse_overwriting(target, inputs)
    write_together(files)
    result.files.extend(target for target, _ in files)
    result.stats = stats(dataset)
    return result
