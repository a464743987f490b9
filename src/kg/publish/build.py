"""The release build: load, validate, then write every export format."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import OWL, RDF

from kg.core.errors import InputError
from kg.core.namespaces import G_ONTOLOGY, ONTOLOGY_IRI
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
) -> BuildResult:
    """Validate ``dataset`` (default: the shipped data) and, if it conforms, write
    ``kg-<version>.<ext>`` in every export format to ``out_dir``.

    ``shapes`` and ``checks_dir`` default to the shipped ones, as for ``validate``.
    """
    from kg.core.files import write_atomic
    from kg.io.parse import load
    from kg.io.serialise import export_all, exporter
    from kg.publish.stats import stats
    from kg.validation.shacl import validate

    if dataset is None:
        dataset = load()
    result = BuildResult(validation=validate(dataset, shapes=shapes, checks_dir=checks_dir))
    if not result.ok:
        return result
    result.version = ontology_version(dataset)
    directory = Path(out_dir)
    directory.mkdir(parents=True, exist_ok=True)
    # Serialise everything before writing anything, so a format that fails to
    # serialise leaves no half-written release behind.
    outputs = export_all(dataset)
    for name, data in outputs.items():
        target = directory / f"kg-{result.version}.{exporter(name).extension}"
        write_atomic(target, data)
        result.files.append(target)
    result.stats = stats(dataset)
    return result
