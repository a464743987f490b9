"""Which files a set of sources stands for, what format each is in, and which named
graph a triple file goes into: the naming rules of ``kg.io.parse``, apart from it.

They are here, without rdflib, because the Oxigraph engine loads files with its own
parsers under the same rules, and a command that only queries the shipped data should
not import rdflib to learn a file's format (``kg.io.parse`` imports rdflib at load).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from kg.core import paths
from kg.core.errors import InputError
from kg.core.prefixes import GRAPH
from kg.io import formats
from kg.io.formats import Format

#: The named graphs of the ontology and of the vocabularies.
ONTOLOGY_GRAPH = GRAPH + "ontology"
VOCABULARY_GRAPH = GRAPH + "vocabulary"

# Files that sit in the ontology folder but are not data: the SHACL shapes are used by
# validation only and the JSON-LD context has no triples.
_NOT_DATA = frozenset({paths.SHAPES_FILE, paths.CONTEXT_FILE})
_ONTOLOGY_GRAPHS = {paths.ONTOLOGY_FILE: ONTOLOGY_GRAPH, paths.VOCABULARY_FILE: VOCABULARY_GRAPH}


def _known_extensions() -> str:
    return " ".join(sorted(f".{e}" for f in formats.readable_formats() for e in f.extensions))


def file_format(path: Path) -> Format:
    """The format of ``path``, from its extension; InputError if kg does not read it."""
    found = formats.by_extension(path.name)
    if found is None:
        raise InputError(f"unknown RDF file extension (known: {_known_extensions()})", path)
    return found


def rdf_format(path: Path) -> str:
    """The rdflib parser name for ``path``, from its extension."""
    parser = file_format(path).parser
    assert parser is not None  # by_extension finds only readable formats
    return parser


def _is_rdf_file(path: Path) -> bool:
    return formats.by_extension(path.name) is not None


def expand(sources: Iterable[str | Path]) -> list[Path]:
    """The files ``sources`` stand for: files as given, directories walked, sorted.

    A directory with no RDF file under it is an InputError: a command given an empty
    folder would otherwise work on no data and, for ``kg validate``, say it conforms.
    """
    files: list[Path] = []
    for source in sources:
        path = Path(source)
        if path.is_dir():
            found = sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and _is_rdf_file(p)
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
                and not (p.parent.name == "ontology" and p.name in _NOT_DATA)
            )
            if not found:
                raise InputError(f"no RDF file in this folder (known: {_known_extensions()})", path)
            files.extend(found)
        elif path.is_file():
            files.append(path)
        elif path.exists():
            raise InputError("not a regular file or directory", path)
        else:
            raise InputError("no such file or directory", path)
    return files


def graph_iri_for_file(path: Path) -> str:
    """The IRI of the named graph the triples of a triple-format file go into."""
    resolved = path.resolve()
    shipped = {
        paths.ontology_path().resolve(): ONTOLOGY_GRAPH,
        paths.vocabulary_path().resolve(): VOCABULARY_GRAPH,
    }
    if resolved in shipped:
        return shipped[resolved]
    # A copy of the layout (a test fixture, another checkout) is recognised by name.
    if resolved.parent.name == "ontology" and resolved.name in _ONTOLOGY_GRAPHS:
        return _ONTOLOGY_GRAPHS[resolved.name]
    return resolved.as_uri()
