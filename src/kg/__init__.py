"""kg: a linked-data knowledge graph of Vietnamese public administration.

A library first: ``kg.load``, ``kg.validate``, ``kg.export`` and ``kg.open_store`` here,
the layers below them in sub-packages (``docs/architecture.md`` draws them); ``kg.cli``
and ``kg.http`` are thin layers over it. Importing ``kg`` itself stays cheap: the entry
points import their layer when called, and no sub-package shares a name with them, so
they work whatever was imported before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kg.core.version import __version__

if TYPE_CHECKING:
    from kg.validation.shacl import ValidationResult

__all__ = ["__version__", "export", "load", "open_store", "validate"]


def load(*args: Any, **kwargs: Any) -> Any:
    """Load RDF files into an rdflib Dataset (``kg.io.parse.load``)."""
    from kg.io.parse import load as load_files

    return load_files(*args, **kwargs)


def validate(*args: Any, **kwargs: Any) -> ValidationResult:
    """Validate a dataset or a store with the SHACL shapes and the SPARQL checks
    (``kg.validation.shacl.validate``)."""
    from kg.validation.shacl import validate as validate_data

    return validate_data(*args, **kwargs)


def export(*args: Any, **kwargs: Any) -> bytes:
    """Serialise a dataset or a store in one format, deterministically
    (``kg.store.export``)."""
    from kg.store import export as export_data

    return export_data(*args, **kwargs)


def open_store(*args: Any, **kwargs: Any) -> Any:
    """The store a setting names (``kg.store.open_store``): ``memory``, ``rdflib``,
    ``oxigraph:PATH``, or a SPARQL endpoint's URL."""
    from kg.store import open_store as open_named

    return open_named(*args, **kwargs)
